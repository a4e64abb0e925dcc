"""Abstention checks: signs that the best evidence, however similar, does not answer the question.

Each check reads the question's words and the chosen evidence only; none knows any eval question.
"""

from __future__ import annotations

import re

from qa.framing import THE_TEXT
from qa.text import STOPWORDS, lemmas, same_family, stem, until_stopword, words

# "Her first book" is not "her latest book".
_EARLY = frozenset(["first", "earliest", "oldest", "initial"])
_ORDINAL = re.compile(
    r"\b(first|earliest|oldest|initial|latest|last|newest|most\s+recent)\s+(?:very\s+)?(?:[a-z]+\s+)?"
    r"(book|article|paper|job|post|position|role|work|comment|statement|visit|trip|meeting|election)s?\b",
    re.IGNORECASE,
)
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
    following = until_stopword([w for w in words(match.group(1)) if w not in _VAGUE])
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
