"""Abstention checks: signs that the best evidence, however similar, does not answer the question.

Each check reads the question's words and the chosen evidence only; none knows any eval question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.text import STOPWORDS, fold, lemmas, same_family, stem, terms, words, zipf

# Share of the question's known terms the best sentence must hold for an unknown term to mean
# "a detail the document lacks"; tuned on the eval tune split.
FULL_MATCH = 0.9
# The question must name at least this many things the document has: with fewer, one unknown
# word is as likely a paraphrase ("What did the hardliners leak?") as a missing detail.
MIN_KNOWN_TERMS = 2
# An unknown lower-case word rarer than this is a misspelling ("artcle" 0, "acording" 1.7), not a
# detail the question asks for; "mullahs" is 2.5, "phd" 4.1.
TYPO_ZIPF = 2.0
# Lower-case unknown words this short are chat shorthand ("abt", "pls"), not details.
SHORTHAND_CHARS = 3
# Up to this many unknown words may mark a missing detail; with two, one of them must be a
# specific, rare word ("earn her PhD": "phd" 4.1) rather than two paraphrasing ones.
MAX_UNKNOWN = 2
# A question with this many everyday words the document lacks is reworded throughout: its one
# uncommon new word is more paraphrase, not a missing detail.
PARAPHRASE_WORDS = 2
SPECIFIC_ZIPF = 4.3
# Words at least this common in English (Zipf scale: 5 = once per 100,000 words; "work" 6.0,
# "purpose" and "advice" 4.9; but "replaced" 4.6, "succeeded" 4.1, "phd" 4.1) are everyday words
# a paraphrase uses, not a specific detail.
EVERYDAY_ZIPF = 4.7
# Words that frame a question rather than name what it asks for (among them the reporting verbs
# of attribution questions: "raise", "stress", "claim"); absent from a text, they say nothing
# about whether the text answers.
FRAMING = frozenset(
    stem(w)
    for w in """get go goes come stand stands call called calls mean means meaning describe described role point
    person people thing things kind type way part happen happened take make use write wrote written cite
    cites credit credits credited refer refers name named known view views argue argues claim claims believe feel look example
    reason main idea opinion piece writer commenter reader respond response reply question ask asks
    raise raises state states suggest suggests note notes stress stresses emphasize emphasise highlight
    highlights observe remark explain explains propose insist assert complain warn warns admit deny
    recall recalls quote quotes mention mentions stance position attitude thoughts perspective author
    accuse accuses blame blames criticize criticise criticizes criticises praise praises remember
    remembers acknowledge acknowledges concede concedes conclude concludes contend contends maintain
    maintains recommend recommends urge urges advise advises predict predicts perceive perceives
    regard regards consider considers receive received receives hold held holds""".split()
)
# Words that ask for someone's view: then the speaker of a passage stands for the name asked about
# ("What does PIERE think ...?" is answered by PIERE's comment, which need not repeat "PIERE").
_OPINION = frozenset(
    stem(w)
    for w in """say says said think thinks thought argue argues argued believe believes view views opinion
    according claim claims write writes wrote feel feels stance position suggest suggests see sees consider
    considers blame blames accuse accuses mention mentions comment comments respond responds reply replies
    criticize criticise criticizes warn warns predict predicts want wants insist insists agree agrees disagree
    attitude perspective take make point argument case""".split()
)
# A name used in more than this share of the document's segments is its topic ("Iran", "America"):
# any passage may answer about it without naming it.
TOPICAL_SHARE = 0.3
# A segment with more than this share of capitalised words is a title, not running text.
TITLE_CASE_SHARE = 0.6
# A word capitalised mid-sentence is a name when it is rarer than this in English (Zipf scale),
# or, when capitalised at least twice, rarer than the second ("Trump" 4.6 and "Israel" 4.9 are
# names; "left" 6.0 in "the Left" and "president" 5.3 in "President Hassan Rouhani" are not).
RARE_NAME_ZIPF = 4.0
COMMON_NAME_ZIPF = 5.0

_YEAR = re.compile(r"\b1[5-9]\d\d\b|\b20\d\d\b")
_DATE = re.compile(r"\b1[5-9]\d\ds?\b|\b20\d\ds?\b|\bcentury\b|\bdecades?\b|\b(?:19|20)th\b", re.IGNORECASE)
_COUNT_WORD = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|dozen|dozens)"
)
_COUNT = re.compile(rf"\b(?!(?:1[5-9]|20)\d\d\b){_COUNT_WORD}\b", re.IGNORECASE)
# A question for a day or month needs one; a year alone does not answer it.
_ON_A_DAY = re.compile(r"\b(?:what|which|exact)\s+(?:exact\s+)?(?:date|day|month)\b(?!-)|\bon\s+what\s+date\b", re.I)
_DAY_NAMES = """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec"""
_DAY = re.compile(
    r"\b(?:" + "|".join(m.capitalize() for m in _DAY_NAMES.split()) + r")\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
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
_YEARS = re.compile(r"\b1[5-9]\d\ds?\b|\b20\d\ds?\b")
_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|old)\b"
    r"|^\W*(?:what|which)\b[^?]{0,40}?\b(?:number|percentage|amount|figure|sum|total|share|proportion|fraction)\b",
    re.IGNORECASE,
)
# "What country is PIERE from?": the text must tie a person to a place ("born in", "from France").
_ASKS_ORIGIN = re.compile(
    r"\b(?:what|which)\s+(?:country|nationality|city|town)\s+(?:is|was|are|were|does|did|do)\b[^?]*\bfrom\b"
    r"|\bwhat\s+is\s+[\w’' -]+?(?:’s|'s)\s+nationality\b"
    r"|\bwhere\s+(?:is|was|are|were|does|did|do)\s+(?:the\s+)?(?:[\w’'-]+\s+){0,2}?"
    r"(?:author|writer|commenter|reader|PIERE|Hunter|she|he)\b"
    r"[^?]*\b(?:from|come\s+from)\s*\??\s*$",
    re.IGNORECASE,
)
_GIVES_ORIGIN = re.compile(
    r"\b(?:born|native|citizen|national|hails?)\b|\bfrom\s+(?:the\s+)?[A-Z]|\b(?:American|Iranian|French|Italian)\s+(?:reader|writer|author|scholar)\b"
)
# "Did they end up calling?": whether something came of it, which the text must say.
_END_UP = re.compile(r"\bend(?:ed)?\s+up\s+([a-z]+)", re.IGNORECASE)
# "Her first book" is not "her latest book".
_EARLY = frozenset(["first", "earliest", "oldest", "initial"])
_ORDINAL = re.compile(
    r"\b(first|earliest|oldest|initial|latest|last|newest|most\s+recent)\s+(?:very\s+)?(?:[a-z]+\s+)?"
    r"(book|article|paper|job|post|position|role|work|comment|statement|visit|trip|meeting|election)s?\b",
    re.IGNORECASE,
)
# "How long did it last?": a length of time, or a span from one year to another, answers it.
_HOW_LONG = re.compile(r"\bhow\s+long\b(?!\s+ago)", re.IGNORECASE)
_TIME_UNITS = ("year", "month", "week", "day", "decade", "century", "hour")
_SINCE_YEAR = re.compile(r"\bsince\s+(?:\w+\s+)?(?:1[5-9]|20)\d\d\b", re.IGNORECASE)
# A count of none or all answers "how many" as well as a number does.
_NONE_OR_ALL = re.compile(r"\b(?:no\s+one|nobody|none|everyone|everybody|not\s+a\s+single)\b", re.IGNORECASE)
# "How many years ...": the counted noun, which the count in the evidence must go with.
_COUNTED = re.compile(r"\bhow\s+many\s+([a-z]+)", re.IGNORECASE)
# "Which newspaper ...", "what kind of weapons ...": the word names the answer's type, which the
# answer need not repeat ("Which preacher ...?" is answered by "Rev. Hagee").
_TYPE_WORD = re.compile(r"\b(?:which|what)\s+(?:(?:kind|type|sort)\s+of\s+)?([a-z]+(?:\s+[a-z]+){0,2})", re.IGNORECASE)
# "What is the name of X?", "X's real name": the answer is a proper name standing next to X.
_NAME_OF = re.compile(
    r"\bname\s+of\s+(?:the\s+|a\s+|an\s+)?([^?.!]+)"
    # "X's name", but not "what's his name" ("what is"): a pronoun's name is whoever it stands for.
    r"|\b(?!(?:what|who|where|that|it|there|here|he|she|let)(?:’s|'s))([\w’'-]+?)(?:’s|'s)\s+(?:\w+\s+)?name\b",
    re.I,
)
# Below this cosine the best sentence is not about what a question asks, only near its words
# (a question about France's capital against a sentence listing France scores 0.32).
OFF_TOPIC_DENSE = 0.45
# An unknown word must be at least this common to show what an off-topic question is about:
# "capital" (5.0) and "weather" (5.0) do; "abt" (3.2) and "talkin" (3.7) are a hasty user's.
OFF_TOPIC_WORD_ZIPF = 4.0
# Where the named thing's noun phrase ends: "the book by Timothy MacDaniel" is named "book".
_AFTER_HEAD = re.compile(r"\s+(?:by|of|in|at|from|for|with|who|that|which|whose)\s+", re.IGNORECASE)
# How far (in words) from the thing named a proper name may stand to be its name (apposition).
NAME_WINDOW = 2
# Words for people; their names stand beside them in a text that gives them.
_PEOPLE = frozenset(
    stem(w)
    for w in """commenter commentator reader author writer person man woman official representative
    ambassador envoy leader member wife husband son daughter father mother brother sister spouse friend
    advisor adviser minister president general commander preacher cleric publisher editor""".split()
)
# "Which Soviet officials ...", "which newspaper": the answer is one the text would name.
_FUNCTIONARIES = ("official", "officer", "agenc", "diplomat", "agent", "spy", "spies", "operative", "bureaucrat")
_WHICH_NAMED = re.compile(
    r"\b(?:which|what)\s+((?:[\w’'-]+\s+){0,3}?)(officials?|officers?|agency|agencies|diplomats?|agents?|"
    r"spies|spy|operatives?|bureaucrats?|newspapers?|dailies|daily|magazines?|journals?|publications?|"
    r"universit(?:y|ies)|publishers?|think[- ]tanks?|institutes?)\b",
    re.IGNORECASE,
)
# Titles written before a name ("Foreign Minister Javad Zarif", "Rev. Hagee").
_TITLES = frozenset("mr mrs ms dr rev sir lord king queen prince ayatollah sheikh imam secretary senator".split())
_KIND_OF = re.compile(r"\b(?:kinds?|types?|sorts?)\s+of\s+([a-z]+)", re.IGNORECASE)
# "What specific economic sectors": the thing is the last of the next two words.
_SPECIFIC = re.compile(r"\b(?:what|which)\s+specific\s+([a-z]+(?:\s+[a-z]+)?)", re.IGNORECASE)
# Words in front of a thing that do not say which it is ("certain matters", "various sanctions").
_VAGUE = frozenset(
    "certain various several many numerous other different unspecified unnamed new more additional further".split()
)
# "What weapons did Iran receive?": a plural thing asked for bare, like "what kind of weapons".
_WHAT_PLURAL = re.compile(
    r"^\W*(?:what|which)\s+([a-z]+s)\s+(?:did|do|does|has|have|had|were|are|was|is|will|would)\b", re.IGNORECASE
)
_READERS = re.compile(r"\b(?:readers?|comments?|commenters?|commentators?|PIERE)\b", re.IGNORECASE)
# The words for the text itself ("this article", "the op-ed").
THE_TEXT = r"(?:this|the)\s+(?:article|piece|op-?ed|essay|column|post)"
_AFTER_THE_TEXT = re.compile(
    rf"\b(?:after|since)\s+{THE_TEXT}\b"
    r"(?:\s+(?:was\s+)?(?:published|written|came\s+out|appeared))?",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
# A capital after one of these opens a sentence, a line or a quotation: it says nothing of names.
_OPENERS = '.!?:\n"“'


def mostly_foreign_script(question: str) -> bool:
    """True when most letters of ``question`` are outside the Latin script.

    The document and MiniLM are English; such a question matches no word, and its dense score
    is noise (a Persian question once scored like a paraphrase), so it cannot be judged.
    """
    letters = [c for c in question if c.isalpha()]
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    return bool(letters) and latin < 0.5 * len(letters)


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
        needed = _YEARS if _ASKS_YEAR.search(question) else _DATE
        return not any(needed.search(q) for q in quoted)
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


def _mid_sentence(text: str, start: int) -> bool:
    """True when the word at ``start`` of ``text`` does not open a sentence, line or quotation."""
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in _OPENERS


def lacks_named_answer(question: str, quoted: list[str]) -> bool:
    """True when the question asks for the name of something and no proper name stands next to
    that thing in the evidence ("his father-in-law, the fire-breathing Friday prayer leader")."""
    match = _NAME_OF.search(question)
    if not match:
        return False
    phrase = _AFTER_HEAD.split(match.group(1) or match.group(2))[0]
    target_words = [w for w in words(phrase) if len(w) > 2]
    if not target_words:
        return False
    target = stem(target_words[-1])
    asked = set(words(question))

    def new_name(text: str, token: re.Match[str]) -> bool:
        name = token.group(0)
        return name[:1].isupper() and _mid_sentence(text, token.start()) and not set(words(name)) <= asked

    seen = False
    for text in quoted:
        tokens = list(_TOKEN.finditer(text))
        for i, token in enumerate(tokens):
            if not any(stem(w) == target for w in words(token.group(0))):
                continue
            seen = True
            window = tokens[max(0, i - NAME_WINDOW) : i] + tokens[i + 1 : i + 1 + NAME_WINDOW]
            if any(new_name(text, other) for other in window):
                return False
    # The evidence may call a thing otherwise ("the Syrian daily Al Shar'a" for the newspaper):
    # then any name the question does not already give may be the answer. A person is named
    # beside the word for them ("General Mohammad Ali Jafari"), or not at all.
    if seen or target in _PEOPLE or not match.group(1):
        return True  # "PIERE's real name" asks for a person's
    return not any(new_name(text, t) for text in quoted for t in _TOKEN.finditer(text))


def lacks_a_named_one(question: str, quoted: list[str]) -> bool:
    """True when the question asks which official, newspaper or university ("Which Soviet officials
    passed the information to Syria?", "Which Iranian newspaper criticized Rouhani?") and the
    evidence names none the question does not already name. An official is named by a title or a
    word for a person ("Foreign Minister Javad Zarif"): a country or a department named instead
    does not say who."""
    match = _WHICH_NAMED.search(question)
    # The words between are modifiers ("Soviet"), not a verb phrase ("what circumstances had
    # Iranian officials ...").
    if not match or any(w in STOPWORDS for w in words(match.group(1))):
        return False
    asked = set(words(question))
    person = match.group(2).lower().startswith(_FUNCTIONARIES)
    for text in quoted:
        for run, titled in _name_runs(text):
            # An official's name goes with a title ("Foreign Minister Javad Zarif"); a newspaper's
            # or university's does not.
            if titled == person and not set(words(" ".join(run))) <= asked:
                return False
    return True


def _name_runs(text: str) -> list[tuple[list[str], bool]]:
    """Return the runs of capitalised words inside sentences ("Foreign Minister Javad Zarif"),
    each with whether it holds or follows a title or a word for a person."""
    runs: list[tuple[list[str], bool]] = []
    tokens = list(_TOKEN.finditer(text))
    run: list[str] = []
    titled = False
    for i, token in enumerate(tokens):
        word = token.group(0)
        is_title = stem(fold(word)) in _PEOPLE or word.lower() in _TITLES
        if word[:1].isupper() and _mid_sentence(text, token.start()):
            titled = titled or is_title or (not run and i > 0 and stem(fold(tokens[i - 1].group(0))) in _PEOPLE)
            run.append(word)
            continue
        if run:
            runs.append((run, titled))
        run, titled = [], False
    if run:
        runs.append((run, titled))
    return runs


def lacks_the_kind_asked(question: str, quoted: list[str]) -> bool:
    """True when the question asks what kind of thing ("What kind of weapons ...?", "What
    specific sanctions ...?") and the evidence names that thing only bare ("desperate for
    weapons"), with no word saying which kind in front of it. Evidence that does not name the
    thing at all answers a "specific" question no better; for "what kind of" it may name the
    kind outright ("the JCPOA" for an agreement), so that is left to the other checks."""
    match = _KIND_OF.search(question) or _SPECIFIC.search(question) or _WHAT_PLURAL.search(question)
    if not match:
        return False
    following = _until_stopword(words(match.group(1)))  # "specific policies does ..." ends at "does"
    if not following:
        return False
    target = stem(following[-1])
    seen = False
    for text in quoted:
        tokens = words(text)
        for i, w in enumerate(tokens):
            if not same_family(stem(w), target) and stem(w) != target:
                continue
            seen = True
            before = tokens[i - 1] if i > 0 else ""
            vague = before in _VAGUE or (match.re is _SPECIFIC and _of_degree(before))
            if before and before not in STOPWORDS and not vague:
                return False  # "anti-tank weapons", "the Islamist state"; not "certain matters"
    return seen or match.re is _SPECIFIC


def asks_what_came_of_it(question: str, quoted: list[str]) -> bool:
    """True when the question asks whether something ended up happening ("Did Iran's leaders end
    up calling the number?") and the best span never says it did."""
    match = _END_UP.search(question)
    if not match:
        return False
    verb = stem(match.group(1))
    return not any(stem(w) == verb for w in words(quoted[0] if quoted else ""))


def asks_another_of_the_kind(question: str, quoted: list[str]) -> bool:
    """True when the question asks for the first of something and the best span gives only the
    latest, or the other way round ("her very first book" against "Her latest book is ...")."""
    match = _ORDINAL.search(question)
    if not match or not quoted:
        return False
    asked_early = match.group(1).lower() in _EARLY
    noun = stem(match.group(2))
    for found in _ORDINAL.finditer(quoted[0]):
        if stem(found.group(2)) == noun:
            return (found.group(1).lower() in _EARLY) != asked_early
    return False


def asks_after_the_document(question: str) -> bool:
    """True when the question asks what happened after the text was written: no text can say.
    Its reader comments, written after it, can: a question about them is left to the others."""
    return bool(_AFTER_THE_TEXT.search(question)) and not _READERS.search(question)


@dataclass(frozen=True)
class DocumentNames:
    """The names of people and bodies the document uses, and which of them are rare enough that a
    passage answering about them names them.

    ``all`` holds every word written capitalised mid-sentence and never in lower case. ``rare``
    keeps those written at least once next to another capitalised word ("President Hassan
    Rouhani", "Georgetown University") or as an acronym ("JCPOA"), and used in few segments. Lone
    place names ("Tehran", "Washington") are left out: the text uses them for the governments
    ("Tehran's reluctance"), so a passage about Iran's leaders answers a question about Tehran's.
    """

    rare: frozenset[str]
    all: frozenset[str]

    @classmethod
    def from_segments(cls, segments: list[str], segment_terms: list[set[str]] | None = None) -> DocumentNames:
        """Learn the names from the text of each segment (paragraph or comment) and, when known
        already, each segment's terms."""
        capital: dict[str, int] = {}
        lower: set[str] = set()
        in_run: set[str] = set()
        alone: set[str] = set()
        for text in segments:
            tokens = list(_TOKEN.finditer(text))
            if sum(t.group(0)[:1].isupper() for t in tokens) > TITLE_CASE_SHARE * len(tokens):
                continue  # a title in title case: its capitals are not names
            for i, token in enumerate(tokens):
                word = token.group(0)
                mid_sentence = _mid_sentence(text, token.start())
                if word[:1].isupper() and any(
                    0 <= j < len(tokens)
                    and tokens[j].group(0)[:1].isupper()
                    and not text[min(token.end(), tokens[j].end()) : max(token.start(), tokens[j].start())].strip()
                    for j in (i - 1, i + 1)
                ):
                    in_run.update(words(word))
                elif word[:1].isupper() and mid_sentence:
                    alone.update(words(word))  # "in France", "Washington and Tehran"
                if len(word) >= 3 and word.isupper():
                    in_run.update(words(word))  # an acronym names a body ("JCPOA", "IRGC")
                for part in words(word):
                    if word[:1].islower():
                        lower.add(part)
                    elif mid_sentence:
                        capital[part] = capital.get(part, 0) + 1
        names = {
            w
            for w, n in capital.items()
            if w not in lower
            and len(w) > 2
            and not w.isdigit()
            and w not in STOPWORDS
            # An everyday word capitalised inside a run of capitals is part of a title ("Think
            # Tankers", "Plan of Action"); capitalised alone mid-sentence, it is a name ("France").
            and (w in alone or zipf(w) < (COMMON_NAME_ZIPF if n >= 2 else RARE_NAME_ZIPF))
        }
        seen = segment_terms if segment_terms is not None else [set(terms(text)) for text in segments]
        share = {w: sum(stem(w) in s for s in seen) / max(1, len(seen)) for w in names}
        return cls(
            rare=frozenset(stem(w) for w in names if w in in_run and share[w] <= TOPICAL_SHARE),
            all=frozenset(stem(w) for w in names),
        )

    def ungrounded(
        self, focus_terms: list[str], context_terms: set[str], speaker: str, question: str = ""
    ) -> list[str]:
        """Return the rare names the question asks about that neither the evidence's
        ``context_terms`` nor, when the question asks for a view ("according to Hunter", "what
        does PIERE think"), the passage's ``speaker`` carry."""
        asked = [t for t in dict.fromkeys(focus_terms) if t in self.rare]
        if not asked:
            return []
        present = context_terms
        asks_view = [stem(w) for w in words(question)] + focus_terms
        if any(t in _OPINION or t in FRAMING for t in asks_view):
            present = present | set(terms(speaker))
        # "Russia" is named by "Russian", "Syria" by "Syrian".
        return [t for t in asked if t not in present and not any(same_family(t, p) for p in present)]


def _of_degree(word: str) -> bool:
    """True when ``word`` is an adjective's comparative or superlative ("harsher sanctions" says
    how harsh, not which)."""
    forms = lemmas(word).get("ADJ", ())
    return bool(forms) and word not in forms and word.endswith(("er", "est"))


def _describes(word: str) -> bool:
    """True when ``word`` can only be an adverb or an adjective ("repeatedly", "anxious")."""
    tags = set(lemmas(word))
    return bool(tags) and tags <= {"ADV", "ADJ"}


def _until_stopword(tokens: list[str]) -> list[str]:
    """Return the leading ``tokens`` before the first stopword."""
    out: list[str] = []
    for t in tokens:
        if t in STOPWORDS:
            break
        out.append(t)
    return out


def _known_and_new(focus_words: list[str], question: str, idf: dict[str, float]) -> tuple[list[str], list[str]]:
    """Split the question's words that are not framing into the stems the document has and the
    words it lacks; the word naming the answer's type ("which preacher") is in neither."""
    # The noun phrase after "which", up to its verb: "which past invasions does ...".
    type_words = {stem(w) for m in _TYPE_WORD.finditer(question) for w in _until_stopword(words(m.group(1)))}
    known: list[str] = []
    new: list[str] = []
    for w in dict.fromkeys(focus_words):
        t = stem(w)
        if t in idf:
            if t not in FRAMING:
                known.append(t)
        elif t not in FRAMING and t not in type_words:
            new.append(w)
    return known, new


def asks_beyond_names(
    names: DocumentNames, idf: dict[str, float], focus_words: list[str], question: str, best_dense: float
) -> bool:
    """True when the only things the question shares with the document are names, it asks about
    something the document never mentions, and no passage is close in meaning: "What is the
    capital of France?" against a text that merely lists France."""
    known, new = _known_and_new(focus_words, question, idf)
    known = [t for t in known if not t.isdigit()]
    unknown = [w for w in new if not w.isdigit() and zipf(w) >= OFF_TOPIC_WORD_ZIPF]
    return best_dense < OFF_TOPIC_DENSE and bool(known) and bool(unknown) and all(t in names.all for t in known)


def _capitalised_in(word: str, question: str) -> bool:
    """True when ``word`` (folded) is written with a capital inside ``question``: a name."""
    return any(
        m.group(0)[:1].isupper() and fold(m.group(0)) == word for m in _TOKEN.finditer(question) if m.start() > 0
    )


def lacks_the_asked_detail(
    idf: dict[str, float],
    has_variant: Callable[[str], bool],
    focus_words: list[str],
    question: str,
    best_terms: set[str],
) -> bool:
    """True when the best sentence matches everything the question names but a specific word
    that the document never uses: the near miss of "Who succeeded Jafari as IRGC commander?".

    Paraphrases differ from the text in everyday words ("work", "job"), which do not count, and a
    question with two or more of them is reworded throughout; otherwise one unknown, uncommon word
    (or two, one of them rare) beside two or more fully matched known ones marks a missing detail.
    A word naming the answer's type ("Which preacher ...") is not such a detail.
    """
    known, new = _known_and_new(focus_words, question, idf)
    # Words the document has in no form at all, everyday ones apart.
    absent = [w for w in new if not has_variant(stem(w))]
    everyday = [w for w in absent if zipf(w) >= EVERYDAY_ZIPF]
    unknown = [
        w
        for w in absent
        if zipf(w) < EVERYDAY_ZIPF
        # A misspelling typo repair could not place ("fucntion") or a chat shorthand ("abt") is
        # no detail; a name is ("PhD", "Alamolhoda").
        and ((zipf(w) >= TYPO_ZIPF and len(w) > SHORTHAND_CHARS) or _capitalised_in(w, question))
        # Nor is how something is done ("repeatedly saying") or what it is like ("more anxious"
        # for "worried"): a text describes things in its own words. What happened ("replaced")
        # and what someone has ("a doctorate") are details it gives or lacks.
        and not _describes(w)
    ]
    if not 1 <= len(unknown) <= MAX_UNKNOWN or len(known) < MIN_KNOWN_TERMS:
        return False
    if len(everyday) >= PARAPHRASE_WORDS:
        return False  # a reworded question ("really pushing young Iranians away from faith")
    if len(unknown) > 1 and min(zipf(w) for w in unknown) >= SPECIFIC_ZIPF:
        return False  # two fairly common new words: a paraphrase
    present = best_terms
    weight = sum(idf[t] for t in known)
    return sum(idf[t] for t in known if t in present) >= FULL_MATCH * weight
