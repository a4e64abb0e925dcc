"""Whether the evidence can hold the kind of answer a question asks for: a year, a date, a count,
a length of time, a place someone is from."""

from __future__ import annotations

import re
from collections.abc import Collection
from itertools import takewhile

from qa.text import STOPWORDS, lemmas, stem, words

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
# "When forces act on a body, what law ...?" opens with a clause: its question is the later one.
_WHEN = re.compile(
    r"^\s*when\b(?![^?]*,\s*(?:what|which|who|whom|whose|where|how|why)\b)|\b(?:what|which)\s+(?:years?|dates?|days?|months?|decades?|century|centuries)\b(?!-)"
    r"|\bhow\s+long\s+ago\b",
    re.IGNORECASE,
)
# "Which year(s) ...": a decade ("in the following decades") does not answer it; a year does.
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+years?\b(?!-)", re.IGNORECASE)
# ... and asked for a year, a three-digit number is one too ("a treaty in 821", "(907–960)").
_YEARS = re.compile(
    rf"{_YEAR_TEXT}|\b1\d{{3}}s\b|\b20\d0s\b"
    # "in 821 that ..." is a year; "in 200 cities" a count.
    r"|\b(?:in|by|from|until|since|around|circa|c\.)\s+[1-9]\d\d\b(?!\s*(?:%|per\s*cent|[a-z]{3,}s\b))"
    r"|\b[1-9]\d\d\s*[–-]\s*[1-9]\d\d\b",
    re.IGNORECASE,
)
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
_TIME_UNITS = ("year", "month", "week", "day", "decade", "century", "hour", "minute", "second", "sec", "min")
# A length of time needs no number: "for a month", "several hours", "a couple of years"; but "for
# many years" says no length.
_SOME = re.compile(r"^(?:a|an|several|couple)$")
# "How long is the beach?": a length answers it as a time does.
_LENGTH_UNITS = ("mile", "kilometer", "km", "meter", "foot", "feet", "inch", "yard")
_DURATIONS = frozenset(stem(u) for u in (*_TIME_UNITS, *_LENGTH_UNITS))
_SINCE_YEAR = re.compile(r"\bsince\s+(?:\w+\s+)?(?:1\d|20)\d\d\b", re.IGNORECASE)
# A count of none, all or a share answers "how many" as well as a number does.
_NONE_OR_ALL = re.compile(
    r"\b(?:no\s+one|nobody|none|everyone|everybody|not\s+a\s+single|all\s+of\s+the|half|a\s+third|a\s+quarter)\b",
    re.IGNORECASE,
)
# "How many China Mobile base stations ...": the counted noun phrase, up to its verb, which the count
# in the evidence must go with.
_COUNTED = re.compile(r"\bhow\s+many\s+((?:[a-z][\w'’-]*\s+){0,3}[a-z][\w'’-]*)", re.IGNORECASE)
# Counted nouns that say only what is counted in general: any count in the best span answers them
# ("How many people died?" - "69,197 were confirmed dead").
_GENERIC_COUNTED = frozenset(stem(w) for w in "people persons individuals times ones".split())
# Words between a count and what it counts: "two and a half years", "some 30 public performances".
_COUNT_REACH = 4


def _forms(word: str) -> set[str]:
    """Return the stems of ``word`` and of its dictionary forms ("won" -> "won", "win")."""
    return {stem(word), *(stem(f) for by_pos in lemmas(word).values() for f in by_pos)}


def _counted_phrase(question: str) -> list[str]:
    """Return the stems a count must go with: the noun phrase "how many" counts, up to its first
    function word; when it names nothing in particular ("how many people", "how many did ..."), the
    question's other words after it too ("How many people were confirmed dead?" - "69,197 were
    confirmed dead")."""
    counted = _COUNTED.search(question)
    if not counted:
        return []
    phrase = [stem(w) for w in takewhile(lambda w: w not in STOPWORDS, words(counted.group(1)))]
    if phrase and not any(t in _GENERIC_COUNTED for t in phrase):
        return phrase
    rest = [w for w in words(question[counted.start() :])[2:] if w not in STOPWORDS]
    return [*phrase, *(f for w in rest for f in _forms(w))]


def _counts_the_noun(nouns: Collection[str], quoted: list[str], some: bool = False) -> bool:
    """True when a count in ``quoted`` goes with one of the ``nouns`` (stems: "40 years", "700 towers"),
    or, for years, when a span of years is given ("from 2007 to 2014"); with ``some``, an amount
    without a number counts ("a month", "several hours")."""
    targets = set(nouns)
    for text in quoted:
        tokens = words(text)
        for i, token in enumerate(tokens):
            counts = _COUNT.fullmatch(token) or (some and _SOME.match(token))
            if counts and any(stem(t) in targets for t in tokens[i + 1 : i + 1 + _COUNT_REACH]):
                return True
        if "year" in targets and len(_YEAR.findall(text)) >= 2:
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
        elif any(_DATE.search(q) or _DAY.search(q) or _CLOCK.search(q) or _YEARS.search(q) for q in quoted):
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
        return not (_counts_the_noun(_DURATIONS, best, some=True) or any(_SINCE_YEAR.search(q) for q in best))
    if _HOW_MANY.search(question):
        if any(_NONE_OR_ALL.search(q) for q in quoted[:1]):
            return False  # "How many people like the regime?" - "No one in Iran likes them"
        counted = _counted_phrase(question)
        if counted:
            return not _counts_the_noun(counted, quoted[:1])
        return not any(_COUNT.search(q) for q in quoted)
    return False
