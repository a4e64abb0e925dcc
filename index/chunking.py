"""Cut segments into passages and sentences that never cross a speaker boundary."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.sentences import split_sentences
from index.structure import DEFAULT_SECTION, UNKNOWN_SPEAKER, Segment

# Bump when chunk boundaries or headers change: it is part of every chunk id and of the manifest.
CHUNKER_VERSION = "7"
# Longest passage in characters; ~3 sentences of this article, so a passage stays on one point.
PASSAGE_MAX_CHARS = 450
# A heading is a label, not an answer: it is searched as the header of the paragraphs under it.
_SKIPPED_KINDS = frozenset({"closing", "heading"})


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: a ``passage`` (a few sentences) or one ``sentence`` inside a passage.

    ``source[start:end]`` is the exact quotable text. ``header`` is context that is embedded and
    searched with it but never quoted.
    """

    id: str
    source: str
    level: str
    start: int
    end: int
    section: str
    speaker: str
    segment_kind: str
    comment: int | None
    header: str
    parent: str | None = None

    def searchable_text(self, text: str) -> str:
        """Return the header plus the exact slice: what gets embedded and BM25-indexed."""
        body = text[self.start : self.end]
        return f"{self.header}\n{body}" if self.header else body


def document_hash(text: str) -> str:
    """Return a stable content hash of a document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _header(segment: Segment, author: str | None) -> str:
    by = f" by {author}" if author else ""
    if segment.kind == "comment":
        return f"Reader comment {segment.comment} ({segment.speaker}), replying to the article{by}:"
    if author is None:
        # A text without a byline: the heading a paragraph sits under says what it is about.
        return f"{segment.section}:" if segment.section != DEFAULT_SECTION else ""
    return {
        "title": f"Title of the article{by}:",
        "caption": f"Image caption of the article{by}:",
        "byline": f"Byline: the author of the article is {author}:",
        "signature": f"Signature of the author, {author}:",
        "bio": f"About the author, {author}:",
    }.get(segment.kind, f"Article{by}:")


def _chunk_id(source: str, doc_hash: str, level: str, start: int, end: int) -> str:
    # The source id is part of the key: one text indexed under two names gives two sets of chunks.
    key = f"{source}:{doc_hash}:{CHUNKER_VERSION}:{level}:{start}:{end}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def chunk_document(source: str, text: str, segments: list[Segment]) -> list[Chunk]:
    """Return passages and their sentences for ``text``, each an exact slice within one segment."""
    doc_hash = document_hash(text)
    author = next((s.speaker for s in segments if s.kind == "byline"), None)
    if author == UNKNOWN_SPEAKER:
        author = None
    chunks: list[Chunk] = []
    for segment in segments:
        if segment.kind in _SKIPPED_KINDS:
            continue
        header = _header(segment, author)
        sentences = split_sentences(text, segment.start, segment.end)
        groups: list[list] = []
        for sentence in sentences:
            if groups and sentence.end - groups[-1][0].start <= PASSAGE_MAX_CHARS:
                groups[-1].append(sentence)
            else:
                groups.append([sentence])
        for group in groups:
            start, end = group[0].start, group[-1].end
            common = dict(
                source=source,
                section=segment.section,
                speaker=segment.speaker,
                segment_kind=segment.kind,
                comment=segment.comment,
                header=header,
            )
            passage_id = _chunk_id(source, doc_hash, "passage", start, end)
            chunks.append(Chunk(id=passage_id, level="passage", start=start, end=end, **common))
            for sentence in group:
                sentence_id = _chunk_id(source, doc_hash, "sentence", sentence.start, sentence.end)
                chunks.append(
                    Chunk(
                        id=sentence_id,
                        level="sentence",
                        start=sentence.start,
                        end=sentence.end,
                        parent=passage_id,
                        **common,
                    )
                )
    return chunks
