"""Split a document into segments with exact offsets: an article's parts when its whole layout is there,
else paragraphs under their headings by an unknown speaker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

UNKNOWN_SPEAKER = "Unknown"
# The section of a paragraph no heading covers; citations and tests read it as "the body of the text".
DEFAULT_SECTION = "article"
# A heading is a label: longer heading text is cut, so a mis-extracted paragraph cannot become a section name.
MAX_SECTION_CHARS = 80
# A title is one short line; a longer first paragraph is prose, and the text is no article layout.
MAX_TITLE_WORDS = 20
# Captions are short lines between the title and the byline.
MAX_CAPTION_WORDS = 40
# The byline comes right after the title and at most three captions.
MAX_BYLINE_INDEX = 4
# A person's name has two to five name words or initials, not counting particles ("de la", "van", "bin").
MIN_NAME_WORDS, MAX_NAME_WORDS = 2, 5

_BYLINE = re.compile(r"^by:?[ \t\u00a0]+(?P<name>[^\n]+?)[\s\u00a0]*$", re.IGNORECASE)
_NUMBERED = re.compile(r"(?P<number>\d{1,3})\.[ \t]+")
_COMMENT_NAME = re.compile(r"(?P<name>[^\s:][^\n:]{0,40}):[ \t]*\n")
_CLOSING = re.compile(r"^comments are closed\.?$", re.IGNORECASE)
# Lower-case words that join the parts of a name in many languages.
_PARTICLES = frozenset("al bin bint da das de del della der di do dos du el ibn la le van von y ten ter".split())
# Capitalised words that start phrases ("By The Way") or name a role ("By Staff Reporter"), never a person.
_NOT_NAME_WORDS = frozenset(
    """
    a an and at by for from her his i in it its my of on or our the their these this those to way we with your
    agency board contributor correspondent desk editor editorial editors news press reporter reporters staff team
    wire writer writers
    """.split()
)
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,3}|[^\W\d_]")


@dataclass(frozen=True)
class Segment:
    """A contiguous, single-speaker region of a document.

    ``kind`` is the fine structure (title, caption, byline, paragraph, signature, bio, comment,
    closing, heading); ``section`` is the coarse vocabulary citations use: an article's part, or
    the nearest heading's text in a document without that layout.
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


def _trim(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return [(start, end)] trimmed of surrounding whitespace, or [] when only whitespace is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []


def _paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) of blank-line separated blocks, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    blocks = re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text[start:end])
    return [span for block in blocks for span in _trim(text, block.start() + start, block.end() + start)]


def _clean_name(raw: str) -> str:
    return re.sub(r"[\s\u00a0]+", " ", raw).strip()


def _is_short_line(block: str, max_words: int) -> bool:
    return "\n" not in block and 1 <= len(block.split()) <= max_words and any(c.isalpha() for c in block)


def _is_title(block: str) -> bool:
    # A title may ask or exclaim, but a final period makes it a sentence.
    return _is_short_line(block, MAX_TITLE_WORDS) and not block.rstrip("\"'”’)").endswith(".")


def _is_name_word(token: str) -> bool:
    letters = re.sub(r"['’-]", "", token)
    return token[0].isupper() and letters.isalpha() and len(letters) >= 2 and token.casefold() not in _NOT_NAME_WORDS


def _is_person_name(name: str) -> bool:
    """True when ``name`` has the shape of one person's name: "Shireen T. Hunter", "María de la Cruz"."""
    tokens = name.split()
    if not tokens or not _is_name_word(tokens[-1]):
        return False
    initials = [t for t in tokens if _INITIALS.fullmatch(t) and t.isupper()]
    names = [t for t in tokens if _is_name_word(t)]
    particles = [t for t in tokens if t in _PARTICLES]
    return len(initials) + len(names) + len(particles) == len(tokens) and (
        MIN_NAME_WORDS <= len(initials) + len(names) <= MAX_NAME_WORDS
    )


def _byline_author(block: str) -> str | None:
    """Return the author a byline paragraph names, or None when it is not "by <a person's name>"."""
    m = _BYLINE.match(block)
    if not m:
        return None
    name = _clean_name(m.group("name"))
    return name if _is_person_name(name) else None


def _is_signature(paragraph: str, author: str) -> bool:
    words = paragraph.split()
    author_words = set(author.replace(".", "").split())
    return 1 <= len(words) <= 4 and "\n" not in paragraph and set(w.strip(".") for w in words) <= author_words


def _comments_from(text: str, tail: list[tuple[int, int]], first: int) -> int | None:
    """Return the index in ``tail`` where reader comments start: the earliest paragraph from ``first``
    on that opens "1." and after which the numbered paragraphs run 2, 3, ... to the end; else None."""
    numbered = [(i, int(m.group("number"))) for i, (s, _) in enumerate(tail) if (m := _NUMBERED.match(text, s))]
    for k, (i, number) in enumerate(numbered):
        if i >= first and number == 1 and [n for _, n in numbered[k:]] == list(range(1, len(numbered) - k + 1)):
            return i
    return None


def _comment(text: str, start: int, end: int) -> Segment:
    """Return the reader comment that a numbered paragraph at ``start`` opens, up to ``end``."""
    m = _NUMBERED.match(text, start)
    number = int(m.group("number"))
    c_start, speaker = m.end(), f"Commenter {number}"
    named = _COMMENT_NAME.match(text, c_start)
    if named and len(named.group("name").split()) <= 3:
        speaker = _clean_name(named.group("name"))
        c_start = named.end()
    while c_start < end and text[c_start].isspace():
        c_start += 1
    while end > c_start and text[end - 1].isspace():
        end -= 1
    return Segment("comment", "comment", speaker, c_start, end, comment=number)


def _byline(text: str, paragraphs: list[tuple[int, int]]) -> tuple[int, str] | None:
    """Return (index, author) of the byline that follows a title and at most a few captions, else None."""
    if not paragraphs or not _is_title(text[paragraphs[0][0] : paragraphs[0][1]]):
        return None
    for i, (s, e) in enumerate(paragraphs[1 : MAX_BYLINE_INDEX + 1], start=1):
        author = _byline_author(text[s:e])
        if author:
            return i, author
        if not _is_short_line(text[s:e], MAX_CAPTION_WORDS):
            return None
    return None


def _article(text: str, paragraphs: list[tuple[int, int]]) -> list[Segment] | None:
    """Return the segments of an article (title, captions, byline, body, optional signature, bio and
    numbered reader comments), or None when the text does not have that whole layout."""
    found = _byline(text, paragraphs)
    if found is None:
        return None
    byline_index, author = found
    byline_start, byline_end = paragraphs[byline_index]
    after = paragraphs[byline_index + 1 :]
    # "Comments are closed." ends a page; the same words anywhere else are the author's or a reader's.
    closing = after[-1] if after and _CLOSING.match(text[after[-1][0] : after[-1][1]]) else None
    tail = after[:-1] if closing else after
    signature = next((i for i, (s, e) in enumerate(tail) if _is_signature(text[s:e], author)), None)
    # Numbered paragraphs are reader comments only after the body and the author's signature.
    comments_at = _comments_from(text, tail, 1 if signature is None else signature + 1)
    body = tail[:comments_at]
    if not body or signature == 0:
        return None

    segments = [
        Segment("title" if i == 0 else "caption", "title" if i == 0 else "article", author, s, e)
        for i, (s, e) in enumerate(paragraphs[:byline_index])
    ]
    segments.append(Segment("byline", "byline", author, byline_start, byline_end))
    for i, (s, e) in enumerate(body):
        if signature is not None and i > signature:
            segments.append(Segment("bio", "bio", author, s, e))
        elif i == signature:
            segments.append(Segment("signature", "byline", author, s, e))
        else:
            segments.append(Segment("paragraph", "article", author, s, e))
    if comments_at is not None:
        comments_end = closing[0] if closing else len(text)
        starts = [s for s, _ in tail[comments_at:] if _NUMBERED.match(text, s)]
        ends = [*starts[1:], comments_end]
        segments.extend(_comment(text, s, e) for s, e in zip(starts, ends, strict=True))
    if closing:
        segments.append(Segment("closing", "article", UNKNOWN_SPEAKER, closing[0], closing[1]))
    return segments


def _section_name(heading: str) -> str:
    """Return a heading's text as a section name: whitespace collapsed, at most ``MAX_SECTION_CHARS``."""
    name = _clean_name(heading)
    if len(name) <= MAX_SECTION_CHARS:
        return name
    cut = name[: MAX_SECTION_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _heading_spans(text: str, headings: Sequence[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Return the heading spans in order, trimmed; raise ValueError for a span outside ``text`` or overlapping."""
    spans: list[tuple[int, int]] = []
    previous_end = 0
    for heading in sorted(headings):
        start, end = heading[0], heading[1]
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"Heading span {tuple(heading)} is not inside the text of {len(text)} characters; "
                "pass (start, end, level) offsets into the same text, with start < end."
            )
        if start < previous_end:
            raise ValueError(f"Heading span {tuple(heading)} overlaps the one before it; pass each heading once.")
        previous_end = end
        spans.extend(_trim(text, start, end))
    return spans


def _plain(text: str, paragraphs: list[tuple[int, int]], headings: list[tuple[int, int]]) -> list[Segment]:
    """Return paragraphs of an unknown speaker, each in the section of the nearest heading above it."""
    pieces = [("heading", s, e) for s, e in headings]
    for s, e in paragraphs:
        cursor = s
        for hs, he in headings:
            if hs < e and he > cursor:
                pieces.extend(("paragraph", ps, pe) for ps, pe in _paragraphs(text, cursor, max(cursor, hs)))
                cursor = max(cursor, he)
        pieces.extend(("paragraph", ps, pe) for ps, pe in _paragraphs(text, cursor, e))
    segments = []
    section = DEFAULT_SECTION
    for kind, s, e in sorted(pieces, key=lambda piece: piece[1]):
        if kind == "heading":
            section = _section_name(text[s:e])
        segments.append(Segment(kind, section, UNKNOWN_SPEAKER, s, e))
    return segments


def parse_document(text: str, headings: Sequence[tuple[int, int, int]] = ()) -> list[Segment]:
    """Split ``text`` into segments: an article's parts when its whole layout is there, else paragraphs
    under the given heading spans, (start, end, level) offsets into ``text``, by an unknown speaker."""
    heading_spans = _heading_spans(text, headings)
    paragraphs = _paragraphs(text)
    return _article(text, paragraphs) or _plain(text, paragraphs, heading_spans)
