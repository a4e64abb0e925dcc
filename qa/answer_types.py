"""Whether the evidence can hold the kind of answer a question asks for: a year, a date, a count,
a length of time, a place someone is from."""

from __future__ import annotations

import re

from qa.text import fold, lemmas, stem, words

# A year: four digits from 1000 to 2099, or any one to four digits with an era ("44 BC", "AD 800",
# "300 CE"). Three-digit numbers alone are more often counts than years.
_ERA = r"(?:BCE?|CE|AD|B\.C\.(?:E\.)?|A\.D\.|C\.E\.)"
_YEAR_TEXT = rf"\b1\d{{3}}\b|\b20\d\d\b|\b\d{{1,4}}\s*{_ERA}(?!\w)|\b(?:AD|A\.D\.)\s*\d{{1,4}}\b"
_YEAR = re.compile(_YEAR_TEXT)
# A date of any grain: a year or a decade ("1920s", "the '60s"), a century ("19th century", "the
# fifth century"), an era.
_DATE = re.compile(
    rf"{_YEAR_TEXT}|\b1\d{{3}}s\b|\b20\d0s\b|’\d0s\b|'\d0s\b|\bcentur(?:y|ies)\b|\bdecades?\b|\b\d{{1,2}}(?:st|nd|rd|th)\b"
    r"|\bmillennium\b",
    re.IGNORECASE,
)
_COUNT_WORD = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|million|millions|dozen|dozens)"
)
_COUNT = re.compile(rf"\b(?!(?:1\d|20)\d\d\b){_COUNT_WORD}\b", re.IGNORECASE)
# A question for a day or month needs one; a year alone does not answer it.
_ON_A_DAY = re.compile(r"\b(?:what|which|exact)\s+(?:exact\s+)?(?:date|day|month)\b(?!-)|\bon\s+what\s+date\b", re.I)
_DAY_NAMES = """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec"""
_DAY = re.compile(
    r"\b(?:" + "|".join(m.capitalize() for m in _DAY_NAMES.split()) + r")\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
)
# A time of day answers "when" as a date does ("opens at 9am", "at 10:30", "until noon").
_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?|o'clock|h)(?!\w)|\b\d{1,2}:\d{2}\b|\b(?:noon|midnight)\b", re.I
)
# A question for when something ended needs a text that says so ("until", "to 2014", "ended").
_ASKS_END = re.compile(r"\b(?:end|ended|finish|finished|stop|stopped|cease|ceased)\s*\??\s*$", re.I)
_GIVES_END = re.compile(
    r"\b(?:until|till|ended|ending|end of|finished|stopped|ceased|concluded)\b|\b(?:to|through|[-–])\s*(?:\w+\s+)?\d{4}\b",
    re.I,
)
_WHEN = re.compile(
    r"^\s*when\b|\b(?:what|which)\s+(?:years?|dates?|days?|months?|decades?|century|centuries)\b(?!-)"
    r"|\bhow\s+long\s+ago\b",
    re.IGNORECASE,
)
# "Which year(s) ...": a decade ("in the following decades") does not answer it; a year does.
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+years?\b(?!-)", re.IGNORECASE)
_YEARS = re.compile(rf"{_YEAR_TEXT}|\b1\d{{3}}s\b|\b20\d0s\b")
_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|old)\b"
    r"|^\W*(?:what|which)\b[^?]{0,40}?\b(?:number|percentage|amount|figure|sum|total|share|proportion|fraction)\b",
    re.IGNORECASE,
)
# "What country is PIERE from?": the text must tie a person to a place ("born in", "from France").
_ASKS_ORIGIN = re.compile(
    r"\b(?:what|which)\s+(?:country|nationality|city|town)\s+(?:is|was|are|were|does|did|do)\b[^?]*\bfrom\b"
    r"|\bwhat\s+is\s+[\w’' -]+?(?:’s|'s)\s+nationality\b"
    r"|\bwhere\s+(?:is|was|are|were)\s+(?:the\s+)?(?:[\w’'-]+\s+){1,3}?from\s*\??\s*$"
    r"|\bwhere\s+(?:does|did|do)\s+(?:the\s+)?(?:[\w’'-]+\s+){1,3}?come\s+from\b",
    re.IGNORECASE,
)
_GIVES_ORIGIN = re.compile(r"\b(?:born|native|citizen|national|hails?)\b|\bfrom\s+(?:the\s+)?[A-Z]")
# "What post did Jack Straw hold?", "What is Khamenei's title?": the evidence must name a post.
_ASKS_POST = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+)?(?:post|position|office|title|rank|job)s?\s+(?:did|does|do|has|had|is|was)\b"
    r"[^?]*\b(?:hold|holds|held|have|has|had|occupy|occupied|fill|filled)\b"
    r"|\b(?:what|which)\s+(?:\w+\s+)?roles?\s+(?:did|does|do)\b[^?]*\b(?:hold|have|occupy|fill)\b"
    r"|\bwhat\s+(?:is|was)\s+[\w’' -]+?(?:’s|'s)\s+(?:\w+\s+)?(?:post|position|office|title|rank|job)\b",
    re.IGNORECASE,
)
_POSTS = frozenset(
    stem(w)
    for w in """president minister advisor adviser secretary speaker general commander chief head director professor
    scholar fellow ambassador envoy leader ayatollah senator representative chairman chair governor mayor
    editor judge spokesman spokesperson deputy officer official founder member preacher cleric diplomat
    consul king queen prince shah premier chancellor lecturer researcher analyst author""".split()
)
# A time told from now rather than dated.
_TOLD_FROM_NOW = re.compile(r"\b(?:days?|weeks?|months?|years?)\s+ago\b|\blast\s+(?:week|month|year)\b", re.I)
# "How long did it last?": a length of time, or a span from one year to another, answers it.
_HOW_LONG = re.compile(r"\bhow\s+long\b(?!\s+ago)", re.IGNORECASE)
_TIME_UNITS = ("year", "month", "week", "day", "decade", "century", "hour")
_SINCE_YEAR = re.compile(r"\bsince\s+(?:\w+\s+)?(?:1\d|20)\d\d\b", re.IGNORECASE)
# A count of none or all answers "how many" as well as a number does.
_NONE_OR_ALL = re.compile(r"\b(?:no\s+one|nobody|none|everyone|everybody|not\s+a\s+single)\b", re.IGNORECASE)
# "How many years ...": the counted noun, which the count in the evidence must go with.
_COUNTED = re.compile(r"\bhow\s+many\s+([a-z]+)", re.IGNORECASE)


def _counts_the_noun(noun: str, quoted: list[str]) -> bool:
    """True when a count in ``quoted`` goes with ``noun`` ("40 years", "27 books"), or, for years,
    when a span of years is given ("from 2007 to 2014")."""
    target = stem(fold(noun))
    for text in quoted:
        tokens = words(text)
        for i, token in enumerate(tokens):
            if _COUNT.fullmatch(token) and any(stem(t) == target for t in tokens[i + 1 : i + 4]):
                return True
        if target == "year" and len(_YEAR.findall(text)) >= 2:
            return True
    return False


def _tells_the_event(question: str, sentence: str) -> bool:
    """True when every verb the question asks about ("say", "step") is in ``sentence``."""
    told = {form for w in words(sentence) for form in (stem(w), *lemmas(w).get("VERB", ()))}
    verbs = [w for w in words(question) if "VERB" in lemmas(w) and "AUX" not in lemmas(w)]
    return bool(verbs) and all(told & {stem(w), *lemmas(w)["VERB"]} for w in verbs)


def wrong_answer_type(question: str, quoted: list[str], context: list[str]) -> bool:
    """True when the evidence cannot hold what the question asks for: a year, a date or a count.

    ``quoted`` are the chosen spans, the best first; ``context`` their surrounding passages,
    which must hold any year the question names. A count of a named thing ("how many years")
    must stand in the best span: a count of years elsewhere is about something else.
    """
    for year in _YEAR.findall(question):
        if not any(year in c for c in context):
            return True
    if _ON_A_DAY.search(question):
        return not any(_DAY.search(q) for q in quoted)
    if _WHEN.search(question):
        if _ASKS_END.search(question) and not (quoted and _GIVES_END.search(quoted[0])):
            return True  # "When did Khatami's presidency end?" answered only by when it began
        if _ASKS_YEAR.search(question):
            if any(_YEARS.search(q) for q in quoted):
                return False
        elif any(_DATE.search(q) or _DAY.search(q) or _CLOCK.search(q) for q in quoted):
            return False
        # "When did he say that?" - "A few months ago, General Jafari ... said": a time told from
        # now answers for the event its sentence tells, not for another ("step down").
        return not (quoted and _TOLD_FROM_NOW.search(quoted[0]) and _tells_the_event(question, quoted[0]))
    if _ASKS_POST.search(question):
        return not any(stem(w) in _POSTS for q in quoted for w in words(q))
    if _ASKS_ORIGIN.search(question):
        return not any(_GIVES_ORIGIN.search(q) for q in quoted[:1])
    if _HOW_LONG.search(question):
        best = quoted[:1]
        return not (
            any(_counts_the_noun(unit, best) for unit in _TIME_UNITS) or any(_SINCE_YEAR.search(q) for q in best)
        )
    if _HOW_MANY.search(question):
        if any(_NONE_OR_ALL.search(q) for q in quoted[:1]):
            return False  # "How many people like the regime?" - "No one in Iran likes them"
        counted = _COUNTED.search(question)
        if counted:
            return not _counts_the_noun(counted.group(1), quoted[:1])
        return not any(_COUNT.search(q) for q in quoted)
    return False
