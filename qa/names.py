"""Names: which ones the document uses, and whether the evidence names what a question asks for."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from qa.framing import FRAMING, OPINION
from qa.text import STOPWORDS, fold, same_family, stem, terms, words, zipf

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
# "What is the name of X?", "X's real name": the answer is a proper name standing next to X.
_NAME_OF = re.compile(
    r"\bnames?\s+of\s+(?:the\s+|a\s+|an\s+)?([^?.!]+)"
    # "X's name", but not "what's his name" ("what is"): a pronoun's name is whoever it stands for.
    r"|\b(?!(?:what|who|where|that|it|there|here|he|she|let)(?:’s|'s))([\w’'-]+?)(?:’s|'s)\s+(?:\w+\s+)?name\b",
    re.I,
)
# Where the named thing's noun phrase ends: "the book by Timothy MacDaniel" is named "book".
_AFTER_HEAD = re.compile(
    r"\s+(?:by|of|in|at|from|for|with|who|that|which|whose|[a-z]+ed\s+(?:to|by|with|in|from))\s+", re.IGNORECASE
)
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
_WHICH_NAMED = re.compile(
    r"\b(?:which|what)\s+((?:[\w’'-]+\s+){0,3}?)"
    r"(?:(?P<person>officials?|officers?|agency|agencies|diplomats?|agents?|spies|spy|operatives?|bureaucrats?)"
    r"|newspapers?|dailies|daily|magazines?|journals?|publications?|universit(?:y|ies)|publishers?"
    r"|think[- ]tanks?|institutes?)\b",
    re.IGNORECASE,
)
_WHO_PUBLISHED = re.compile(r"\bwho\s+(?:first\s+)?(?:published|publishes|printed)\b", re.IGNORECASE)
# Titles written before a name ("Foreign Minister Javad Zarif", "Rev. Hagee").
_TITLES = frozenset("mr mrs ms dr rev sir lord king queen prince ayatollah sheikh imam secretary senator".split())
TOKEN = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
# A capital after one of these opens a sentence, a line or a quotation: it says nothing of names.
_OPENERS = '.!?:\n"“'


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
        tokens = list(TOKEN.finditer(text))
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
    return not any(new_name(text, t) for text in quoted for t in TOKEN.finditer(text))


def lacks_a_named_one(question: str, quoted: list[str]) -> bool:
    """True when the question asks which official, newspaper or university ("Which Soviet officials
    passed the information to Syria?", "Which Iranian newspaper criticized Rouhani?") and the
    evidence names none the question does not already name. An official is named by a title or a
    word for a person ("Foreign Minister Javad Zarif"): a country or a department named instead
    does not say who."""
    match = _WHICH_NAMED.search(question)
    if match is None:
        # "Who published the book?" asks for a publisher as "which publisher" does.
        if not _WHO_PUBLISHED.search(question):
            return False
        person = False
    elif any(w in STOPWORDS for w in words(match.group(1))):
        # The words between are modifiers ("Soviet"), not a verb phrase ("what circumstances had
        # Iranian officials ...").
        return False
    else:
        person = match.group("person") is not None
    asked = set(words(question))
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
    tokens = list(TOKEN.finditer(text))
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
    # The other parts of each name's full name ("rafsanjani" for "hashemi"): a passage naming a
    # man by his surname is about him when asked by another part of his name.
    fellows: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_segments(
        cls,
        segments: list[str],
        segment_terms: list[set[str]] | None = None,
        documents: list[str] | None = None,
    ) -> DocumentNames:
        """Learn the names from the text of each segment (paragraph or comment) and, when known
        already, each segment's terms and the document it belongs to: a name is the topic of a
        document when many of that document's own segments use it, however large the library."""
        capital: dict[str, int] = {}
        lower: set[str] = set()
        in_run: set[str] = set()
        alone: set[str] = set()
        for text in segments:
            tokens = list(TOKEN.finditer(text))
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
        owners = documents if documents is not None else [""] * len(seen)
        stems = {stem(w) for w in names}
        totals = Counter(owners)
        uses: dict[str, Counter[str]] = {}
        for present, owner in zip(seen, owners, strict=True):
            for term in present & stems:
                uses.setdefault(term, Counter())[owner] += 1
        # Its share of the segments of the document that uses it most.
        share = {w: max((n / totals[d] for d, n in uses.get(stem(w), Counter()).items()), default=0.0) for w in names}
        fellows: dict[str, set[str]] = {}
        for text in segments:
            for run, _titled in _name_runs(text):
                parts = {stem(w) for word in run for w in words(word) if w in names}
                for part in parts:
                    fellows.setdefault(part, set()).update(parts - {part})
        return cls(
            rare=frozenset(stem(w) for w in names if w in in_run and share[w] <= TOPICAL_SHARE),
            all=frozenset(stem(w) for w in names),
            fellows={k: frozenset(v) for k, v in fellows.items() if v},
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
        if any(t in OPINION or t in FRAMING for t in asks_view):
            present = present | set(terms(speaker))
        # "Russia" is named by "Russian", "Syria" by "Syrian"; "Hashemi" by "Rafsanjani".
        return [
            t
            for t in asked
            if t not in present
            and not any(same_family(t, p) for p in present)
            and not self.fellows.get(t, frozenset()) & present
        ]
