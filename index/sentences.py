"""Split text into sentences with exact character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tokens that end in a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr rev st gen col lt sgt jr sr prof vs etc e.g i.e u.s u.k u.n fig al approx
    """.split()
)
# Tokens that end in a period without ending a sentence when a number follows: "Op. 10, No. 12",
# "Vol. 3", "pp. 12-14".
_BEFORE_A_NUMBER = frozenset("no nos op opp vol vols pp ch art sec fl".split())
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of a source text."""

    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].strip("“\"'(‘[").lower()
    if word in _BEFORE_A_NUMBER and re.match(r"\s+\d", text[dot + 1 : dot + 4]):
        return True
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Return sentence spans of ``text[start:end]``; line breaks always end a sentence."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    line_start = start
    while line_start < end:
        newline = text.find("\n", line_start, end)
        line_end = end if newline == -1 else newline
        cursor = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            if _is_abbreviation(text, match.start()):
                continue
            span = _trimmed(text, cursor, match.end())
            if span:
                spans.append(span)
            cursor = match.end()
        span = _trimmed(text, cursor, line_end)
        if span:
            spans.append(span)
        line_start = line_end + 1
    return spans
