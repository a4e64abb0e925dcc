"""What an index was built from, and the check that a store's read-back is exactly what was built."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from index.chunking import CHUNKER_VERSION, Chunk


class StoreDamaged(Exception):
    """A store does not open, or what it returns differs from what was built."""


@dataclass
class Manifest:
    """What an index was built from, and a checksum of what the store holds for it."""

    collection: str
    sources: dict[str, str]
    model: str
    chunker: str
    chunks: int
    segments: int
    built_at: float = 0.0
    build_seconds: float = 0.0
    # sha256 over every chunk's id, metadata and vector, as read back right after the build.
    checksum: str = ""
    # Where this copy was loaded from: "embedded:<dir>", "server:<url>" or "memory".
    store: str = ""
    # The per-document collections an index of several documents is made of (empty for one document,
    # whose collection is ``collection`` itself).
    parts: list[str] = field(default_factory=list)

    @staticmethod
    def key(sources: dict[str, str], model: str) -> str:
        """Return the collection name that the inputs determine."""
        blob = json.dumps([sorted(sources.items()), model, CHUNKER_VERSION])
        return "qa-" + hashlib.sha1(blob.encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        """Parse a manifest written by ``to_json``; raise ``ValueError`` if it is not one."""
        values = json.loads(raw)
        if not isinstance(values, dict):
            raise ValueError("a manifest must be a JSON object")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in values.items() if k in known})
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def to_json(self) -> str:
        """Return the manifest as JSON text."""
        return json.dumps(asdict(self), indent=2)


@dataclass
class LoadedIndex:
    """Chunks and their unit-length embeddings, row-aligned, read from the store of record."""

    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    built: bool = False


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Return the metadata stored with ``chunk`` in Chroma."""
    return {k: v for k, v in asdict(chunk).items() if v is not None and k != "id"}


def _chunk_from(chunk_id: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        source=meta["source"],
        level=meta["level"],
        start=int(meta["start"]),
        end=int(meta["end"]),
        section=meta["section"],
        speaker=meta["speaker"],
        segment_kind=meta["segment_kind"],
        comment=meta.get("comment"),
        header=meta.get("header", ""),
        parent=meta.get("parent"),
    )


def checksum(ids: Sequence[str], metadatas: Sequence[dict[str, Any]], vectors: np.ndarray) -> str:
    """Return the sha256 of chunk ids, metadata and float32 vectors, independent of their order."""
    digest = hashlib.sha256()
    for i in sorted(range(len(ids)), key=lambda i: ids[i]):
        digest.update(ids[i].encode("utf-8"))
        digest.update(json.dumps(metadatas[i], sort_keys=True).encode("utf-8"))
        digest.update(vectors[i].tobytes())
    return digest.hexdigest()


def verified(got: dict[str, Any], texts: dict[str, str], manifest: Manifest) -> LoadedIndex:
    """Return a collection's read-back as a ``LoadedIndex``, or raise ``StoreDamaged``.

    The read-back must have the manifest's chunk count, spans inside their documents, finite
    vectors and, when the manifest has one, the same checksum; a manifest without one gets it here.
    """
    ids, metadatas = list(got["ids"]), list(got["metadatas"] if got["metadatas"] is not None else [])
    try:
        vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(ids), -1)
        chunks = [_chunk_from(i, m) for i, m in zip(ids, metadatas, strict=True)]
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreDamaged(f"unreadable chunk records ({exc})") from exc
    if len(chunks) != manifest.chunks:
        raise StoreDamaged(f"it holds {len(chunks)} chunks where the manifest says {manifest.chunks}")
    for chunk in chunks:
        text = texts.get(chunk.source)
        if text is None or not 0 <= chunk.start < chunk.end <= len(text):
            raise StoreDamaged(
                f"chunk {chunk.id} points outside its document: {chunk.source}[{chunk.start}:{chunk.end}]"
            )
    if not np.isfinite(vectors).all():
        raise StoreDamaged("some vectors are not finite numbers")
    actual = checksum(ids, metadatas, vectors)
    if manifest.checksum and actual != manifest.checksum:
        raise StoreDamaged("its chunks or vectors differ from the checksum in its manifest")
    manifest.checksum = actual
    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].source, chunks[i].start, chunks[i].level))
    return LoadedIndex(manifest=manifest, chunks=[chunks[i] for i in order], vectors=vectors[order])
