"""Turn a document into stored, searchable pieces: structure, sentences, chunks and a Chroma index."""

from index.chunking import CHUNKER_VERSION, Chunk, chunk_document
from index.sentences import Span, split_sentences
from index.structure import Segment, parse_document

__all__ = [
    "CHUNKER_VERSION",
    "Chunk",
    "Segment",
    "Span",
    "chunk_document",
    "parse_document",
    "split_sentences",
]
