"""Parse an article-with-comments text into segments with exact offsets and speakers."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNKNOWN_SPEAKER = "Unknown"

_BYLINE = re.compile(r"^by\s+(?P<name>[^\n]+?)[\s\u00a0]*$", re.IGNORECASE)
_COMMENT_START = re.compile(r"^[ \t]*(?P<number>\d{1,3})\.[ \t]+", re.MULTILINE)
_COMMENT_NAME = re.compile(r"(?P<name>[^\s:][^\n:]{0,40}):[ \t]*\n")
_CLOSING = re.compile(r"^comments are closed\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Segment:
    """A contiguous, single-speaker region of a document.

    ``kind`` is the fine structure (title, caption, byline, paragraph, signature, bio, comment,
    closing); ``section`` is the coarse vocabulary citations use.
    """

    kind: str
    section: str
    speaker: str
    start: int
    end: int
    comment: int | None = None

    def text(self, source: str) -> str:
        """Return this segment's exact slice of ``source``."""
        return source[self.start : self.end]


def _paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) of blank-line separated blocks, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans = []
    for block in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text[start:end]):
        s, e = block.start() + start, block.end() + start
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def _clean_name(raw: str) -> str:
    return re.sub(r"[\s\u00a0]+", " ", raw).strip()


def _is_signature(paragraph: str, author: str) -> bool:
    words = paragraph.split()
    author_words = set(author.replace(".", "").split())
    return 1 <= len(words) <= 4 and "\n" not in paragraph and set(w.strip(".") for w in words) <= author_words


def parse_document(text: str) -> list[Segment]:
    """Split ``text`` into segments; fall back to unattributed paragraphs for unknown layouts."""
    paragraphs = _paragraphs(text)
    byline_index = next(
        (i for i, (s, e) in enumerate(paragraphs[:6]) if _BYLINE.match(text[s:e])),
        None,
    )
    if byline_index is None:
        return [Segment("paragraph", "article", UNKNOWN_SPEAKER, s, e) for s, e in paragraphs]

    byline_start, byline_end = paragraphs[byline_index]
    author = _clean_name(_BYLINE.match(text[byline_start:byline_end]).group("name"))
    segments: list[Segment] = []
    for i, (s, e) in enumerate(paragraphs[:byline_index]):
        segments.append(Segment("title" if i == 0 else "caption", "title" if i == 0 else "article", author, s, e))
    segments.append(Segment("byline", "byline", author, byline_start, byline_end))

    comments_at = _COMMENT_START.search(text, byline_end)
    closing = next((p for p in paragraphs if _CLOSING.match(text[p[0] : p[1]])), None)
    body_end = comments_at.start() if comments_at else (closing[0] if closing else len(text))

    in_bio = False
    for s, e in _paragraphs(text, byline_end, body_end):
        block = text[s:e]
        if closing and s >= closing[0]:
            break
        if not in_bio and _is_signature(block, author):
            segments.append(Segment("signature", "byline", author, s, e))
            in_bio = True
        elif in_bio:
            segments.append(Segment("bio", "bio", author, s, e))
        else:
            segments.append(Segment("paragraph", "article", author, s, e))

    if comments_at:
        comments_end = closing[0] if closing and closing[0] > comments_at.start() else len(text)
        starts = [m for m in _COMMENT_START.finditer(text, comments_at.start(), comments_end)]
        for k, m in enumerate(starts):
            number = int(m.group("number"))
            c_start = m.end()
            c_end = starts[k + 1].start() if k + 1 < len(starts) else comments_end
            speaker = f"Commenter {number}"
            named = _COMMENT_NAME.match(text, c_start)
            if named and len(named.group("name").split()) <= 3:
                speaker = _clean_name(named.group("name"))
                c_start = named.end()
            while c_start < c_end and text[c_start].isspace():
                c_start += 1
            while c_end > c_start and text[c_end - 1].isspace():
                c_end -= 1
            segments.append(Segment("comment", "comment", speaker, c_start, c_end, comment=number))

    if closing:
        segments.append(Segment("closing", "article", UNKNOWN_SPEAKER, closing[0], closing[1]))
    return segments
