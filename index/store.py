"""Build and load the Chroma index: deterministic ids, a manifest, atomic switch, a file lock."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings

from index.chunking import CHUNKER_VERSION, Chunk, chunk_document, document_hash
from index.structure import parse_document

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = "index.lock"
CHROMA_DIR = "chroma"
_BUILDING_SUFFIX = "-building"
# Chroma caps one add; batches of this size stay well under it and show progress.
_ADD_BATCH = 256


@dataclass(frozen=True)
class SourceDocument:
    """One document to index: its id and full text."""

    source: str
    text: str

    @property
    def hash(self) -> str:
        """Return the document's content hash."""
        return document_hash(self.text)


@dataclass
class Manifest:
    """What an index was built from; a mismatch with the current inputs means it is stale."""

    collection: str
    sources: dict[str, str]
    model: str
    chunker: str
    chunks: int
    segments: int
    built_at: float = field(default_factory=time.time)
    build_seconds: float = 0.0

    @staticmethod
    def key(sources: dict[str, str], model: str) -> str:
        """Return the collection name that the inputs determine."""
        blob = json.dumps([sorted(sources.items()), model, CHUNKER_VERSION])
        return "qa-" + hashlib.sha1(blob.encode()).hexdigest()[:16]


@dataclass
class LoadedIndex:
    """Chunks and their unit-length embeddings, row-aligned, read from the store of record."""

    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    built: bool = False


def _metadata(chunk: Chunk) -> dict[str, Any]:
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


class IndexStore:
    """The Chroma collection of one data directory (or server), guarded by a file lock."""

    def __init__(self, data_dir: Path, embeddings: Embeddings, model: str, client: Any) -> None:
        self.data_dir = data_dir
        self.embeddings = embeddings
        self.model = model
        self.client = client

    def _read_manifest(self) -> Manifest | None:
        try:
            return Manifest(**json.loads((self.data_dir / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _write_manifest(self, manifest: Manifest) -> None:
        tmp = self.data_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        os.replace(tmp, self.data_dir / MANIFEST)

    def ensure(
        self,
        documents: Sequence[SourceDocument],
        rebuild: bool = False,
        progress: Callable[[str, float], None] | None = None,
    ) -> LoadedIndex:
        """Load the index for ``documents``, building it first when missing, stale or forced."""
        sources = {d.source: d.hash for d in documents}
        name = Manifest.key(sources, self.model)
        with FileLock(str(self.data_dir / LOCK)):
            manifest = self._read_manifest()
            if not rebuild and manifest and manifest.collection == name:
                loaded = self._load(manifest)
                if loaded is not None:
                    return loaded
                log.warning("Index %s is incomplete or unreadable; rebuilding it.", name)
            elif manifest and not rebuild:
                log.info("Index is stale (documents, model or chunker changed); rebuilding.")
            manifest = self._build(documents, name, progress)
            self._write_manifest(manifest)
            loaded = self._load(manifest)
            if loaded is None:
                raise RuntimeError(f"Index {name} was built but could not be read back.")
            loaded.built = True
            return loaded

    def _load(self, manifest: Manifest) -> LoadedIndex | None:
        try:
            collection = self.client.get_collection(manifest.collection)
            got = collection.get(include=["embeddings", "metadatas"])
        except Exception as exc:
            log.warning("Could not read collection %s: %s", manifest.collection, exc)
            return None
        if len(got["ids"]) != manifest.chunks:
            return None
        chunks = [_chunk_from(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        order = sorted(range(len(chunks)), key=lambda i: (chunks[i].source, chunks[i].start, chunks[i].level))
        vectors = np.asarray(got["embeddings"], dtype=np.float32)[order]
        return LoadedIndex(manifest=manifest, chunks=[chunks[i] for i in order], vectors=vectors)

    def _build(
        self,
        documents: Sequence[SourceDocument],
        name: str,
        progress: Callable[[str, float], None] | None,
    ) -> Manifest:
        from langchain_chroma import Chroma

        started = time.perf_counter()
        report = progress or (lambda _msg, _frac: None)
        for existing in self.client.list_collections():
            existing_name = getattr(existing, "name", existing)
            if existing_name.endswith(_BUILDING_SUFFIX) or existing_name == name:
                self.client.delete_collection(existing_name)
        building = name + _BUILDING_SUFFIX
        store = Chroma(
            collection_name=building,
            embedding_function=self.embeddings,
            client=self.client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        chunks: list[Chunk] = []
        texts: list[str] = []
        segment_count = 0
        for doc in documents:
            segments = parse_document(doc.text)
            segment_count += len(segments)
            for chunk in chunk_document(doc.source, doc.text, segments):
                chunks.append(chunk)
                texts.append(chunk.searchable_text(doc.text))
        report(f"Embedding {len(chunks)} chunks", 0.0)
        for i in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[i : i + _ADD_BATCH]
            store.add_texts(
                texts=texts[i : i + _ADD_BATCH],
                metadatas=[_metadata(c) for c in batch],
                ids=[c.id for c in batch],
            )
            report(f"Embedded {min(i + _ADD_BATCH, len(chunks))}/{len(chunks)} chunks", (i + len(batch)) / len(chunks))
        self.client.get_collection(building).modify(name=name)
        return Manifest(
            collection=name,
            sources={d.source: d.hash for d in documents},
            model=self.model,
            chunker=CHUNKER_VERSION,
            chunks=len(chunks),
            segments=segment_count,
            build_seconds=round(time.perf_counter() - started, 3),
        )


def open_client(data_dir: Path, chroma_url: str | None = None) -> Any:
    """Return a Chroma client: embedded under ``data_dir``, or an HTTP client for ``chroma_url``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        from urllib.parse import urlparse

        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(data_dir / CHROMA_DIR), settings=chroma_settings)
