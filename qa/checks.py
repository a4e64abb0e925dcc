"""Abstention checks: signs that the best evidence, however similar, does not answer the question.

Each check reads the question's words and the chosen evidence only; none knows any eval question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import takewhile

from qa.framing import FRAMING, THE_TEXT
from qa.names import TOKEN
from qa.text import STOPWORDS, fold, lemmas, same_family, stem, words, zipf

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
# "Did they end up calling?": whether something came of it, which the text must say.
_END_UP = re.compile(r"\bend(?:ed)?\s+up\s+([a-z]+)", re.IGNORECASE)
# "Her first book" is not "her latest book".
_EARLY = frozenset(["first", "earliest", "oldest", "initial"])
_ORDINAL = re.compile(
    r"\b(first|earliest|oldest|initial|latest|last|newest|most\s+recent)\s+(?:very\s+)?(?:[a-z]+\s+)?"
    r"(book|article|paper|job|post|position|role|work|comment|statement|visit|trip|meeting|election)s?\b",
    re.IGNORECASE,
)
# "Which newspaper ...", "what kind of weapons ...": the word names the answer's type, which the
# answer need not repeat ("Which preacher ...?" is answered by "Rev. Hagee").
_TYPE_WORD = re.compile(r"\b(?:which|what)\s+(?:(?:kind|type|sort)\s+of\s+)?([a-z]+(?:\s+[a-z]+){0,2})", re.IGNORECASE)
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
# "Which Iranian industries were hit ...", "which sectors of Iran's economy were targeted ...": the
# same in the passive, with modifiers in front or an "of" phrase after.
_WHICH_PLURAL = re.compile(
    r"^\W*(?:what|which)\s+((?:[a-z’'-]+\s+){0,2}?[a-z]+s)(?:\s+(?:or|and)\s+[a-z]+s)?"
    r"(?:\s+(?:of|in)\s+[\w’' -]+?)?\s+(?:were|are|was|is|have\s+been|has\s+been|had\s+been)\s+"
    r"(?:\w+ed|hit|put|cut|set|hurt|shut|struck|made|taken|given|chosen|seen|named)\b",
    re.IGNORECASE,
)
_READERS = re.compile(r"\b(?:readers?|comments?|commenters?|commentators?)\b", re.IGNORECASE)
# The words for the text itself ("this article", "the op-ed").
_AFTER_THE_TEXT = re.compile(
    rf"\b(?:after|since)\s+{THE_TEXT}\b"
    r"(?:\s+(?:was\s+)?(?:published|written|came\s+out|appeared))?",
    re.IGNORECASE,
)


def lacks_the_kind_asked(question: str, quoted: list[str]) -> bool:
    """True when the question asks what kind of thing ("What kind of weapons ...?", "What
    specific sanctions ...?") and the evidence names that thing only bare ("desperate for
    weapons"), with no word saying which kind in front of it. Evidence that does not name the
    thing at all answers a "specific" question no better; for "what kind of" it may name the
    kind outright ("the JCPOA" for an agreement), so that is left to the other checks."""
    match = (
        _KIND_OF.search(question)
        or _SPECIFIC.search(question)
        or _WHAT_PLURAL.search(question)
        or _WHICH_PLURAL.search(question)
    )
    if not match:
        return False
    # "specific policies does ..." ends at "does"; "specific new sanctions" asks for sanctions.
    following = _until_stopword([w for w in words(match.group(1)) if w not in _VAGUE])
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
    # "Which specific ..." and "which industries were hit ..." need the things named, and named which.
    return seen or match.re in (_SPECIFIC, _WHICH_PLURAL)


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


# A negation, with straight or curly apostrophes ("didn't", "don’t", "not", "never", "no one").
_NEGATION = re.compile(r"\b(?:not|never|no|none|nobody|nothing|neither|nor|cannot)\b|n['’]t\b", re.IGNORECASE)


def negates_what_the_evidence_asserts(question: str, evidence: str) -> bool:
    """True when the question is negated ("Who did the regime not harbor?") and the evidence says
    its thing without a negation ("The regime harbored bin Laden"): SQuAD 2.0's writers made
    questions unanswerable this way, and the evidence then answers the opposite question."""
    return bool(_NEGATION.search(question)) and not _NEGATION.search(evidence)


def asks_after_the_document(question: str) -> bool:
    """True when the question asks what happened after the text was written: no text can say.
    Its reader comments, written after it, can: a question about them is left to the others."""
    return bool(_AFTER_THE_TEXT.search(question)) and not _READERS.search(question)


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
    return list(takewhile(lambda t: t not in STOPWORDS, tokens))


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


def _absent_details(new: list[str], question: str, has_variant: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """Return the question's words the document has in no form at all, and those of them that name a
    detail: uncommon words and names, not everyday words, typos, shorthand or descriptions."""
    absent = [w for w in new if not has_variant(stem(w))]
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
    return absent, unknown


def asks_only_what_the_document_lacks(
    idf: dict[str, float], has_variant: Callable[[str], bool], focus_words: list[str], question: str
) -> bool:
    """True when every word a follow-up asks with, everyday ones apart, is a detail the document never
    uses: "And Germany?", "What is the capital of Peru?" after a question about the text. The subject
    it borrows from the last turn cannot stand in for what it newly asks about."""
    known, new = _known_and_new(focus_words, question, idf)
    return not known and bool(_absent_details(new, question, has_variant)[1])


def _capitalised_in(word: str, question: str) -> bool:
    """True when ``word`` (folded) is written with a capital inside ``question``: a name."""
    return any(m.group(0)[:1].isupper() and fold(m.group(0)) == word for m in TOKEN.finditer(question) if m.start() > 0)


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
    absent, unknown = _absent_details(new, question, has_variant)
    everyday = [w for w in absent if zipf(w) >= EVERYDAY_ZIPF]
    if not 1 <= len(unknown) <= MAX_UNKNOWN or len(known) < MIN_KNOWN_TERMS:
        return False
    if len(everyday) >= PARAPHRASE_WORDS:
        return False  # a reworded question ("really pushing young Iranians away from faith")
    if len(unknown) > 1 and min(zipf(w) for w in unknown) >= SPECIFIC_ZIPF:
        return False  # two fairly common new words: a paraphrase
    present = best_terms
    weight = sum(idf[t] for t in known)
    return sum(idf[t] for t in known if t in present) >= FULL_MATCH * weight
