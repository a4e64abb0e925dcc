"""What a question names that a document never does: a short question after a turn that names
nothing else is about something else ("What is the capital of Peru?"), and is read alone
(qa/engine.py) rather than borrowing the last turn's subject."""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.framing import FRAMING
from qa.names import TOKEN
from qa.text import fold, lemmas, stem, until_stopword, words, zipf

# An unknown lower-case word rarer than this is a misspelling ("artcle" 0, "acording" 1.7), not a
# detail the question asks for; "mullahs" is 2.5, "phd" 4.1.
TYPO_ZIPF = 2.0
# Lower-case unknown words this short are chat shorthand ("abt", "pls"), not details.
SHORTHAND_CHARS = 3
# Words at least this common in English (Zipf scale: 5 = once per 100,000 words; "work" 6.0,
# "purpose" and "advice" 4.9; but "replaced" 4.6, "succeeded" 4.1, "phd" 4.1) are everyday words
# a paraphrase uses, not a specific detail.
EVERYDAY_ZIPF = 4.7

# "Which newspaper ...", "what kind of weapons ...": the word names the answer's type, which the
# answer need not repeat ("Which preacher ...?" is answered by "Rev. Hagee").
_TYPE_WORD = re.compile(r"\b(?:which|what)\s+(?:(?:kind|type|sort)\s+of\s+)?([a-z]+(?:\s+[a-z]+){0,2})", re.IGNORECASE)


def _describes(word: str) -> bool:
    """True when ``word`` can only be an adverb or an adjective ("repeatedly", "anxious")."""
    tags = set(lemmas(word))
    return bool(tags) and tags <= {"ADV", "ADJ"}


def _known_and_new(focus_words: list[str], question: str, idf: dict[str, float]) -> tuple[list[str], list[str]]:
    """Split the question's words that are not framing into the stems the document has and the
    words it lacks; the word naming the answer's type ("which preacher") is in neither."""
    # The noun phrase after "which", up to its verb: "which past invasions does ...".
    type_words = {stem(w) for m in _TYPE_WORD.finditer(question) for w in until_stopword(words(m.group(1)))}
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
    a follow-up borrows from the last turn cannot stand in for what it newly asks about."""
    known, new = _known_and_new(focus_words, question, idf)
    return not known and bool(_absent_details(new, question, has_variant)[1])


def _capitalised_in(word: str, question: str) -> bool:
    """True when ``word`` (folded) is written with a capital inside ``question``: a name."""
    return any(m.group(0)[:1].isupper() and fold(m.group(0)) == word for m in TOKEN.finditer(question) if m.start() > 0)
