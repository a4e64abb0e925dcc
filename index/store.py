"""Build and load the Chroma index: verified read-back, atomic switch, a file lock, recovery from faults.

The Chroma collection is the store of record. A build writes a uniquely named ``-building-``
collection and then renames it, setting the manifest as its metadata in the same call, so a
collection under its final name is complete. Every load reads the collection back and checks it
against that manifest's checksum, so a damaged store is rebuilt, never served.

Embedded Chroma is not process-safe: every use of an embedded store happens under the data
folder's file lock and the client is closed before the lock is released (answering needs only
the in-memory copy). A Chroma server (``chroma_url``) is shared between processes and hosts;
there, unique build names and the server's unique collection names settle races between builders.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock
from filelock import Timeout as LockTimeout

from index.chunking import CHUNKER_VERSION, Chunk, chunk_document, document_hash
from index.clients import (
    CHROMA_DIR,
    StoreError,
    chroma_settings,
    fingerprint,
    open_client,
    open_embedded,
    probe,
    read_fingerprint,
    write_fingerprint,
)
from index.manifest import LoadedIndex, Manifest, StoreDamaged, chunk_metadata, verified
from index.structure import parse_document

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

__all__ = ["CHROMA_DIR", "IndexStore", "LoadedIndex", "Manifest", "SourceDocument", "StoreError", "open_client"]

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = "index.lock"
# Hashes of the Chroma files as this program last left them; a difference means someone else
# (or damage) changed them, so they are opened in a child process first.
FILES = "chroma-files.json"
_BUILDING = "-building-"
_MANIFEST_KEY = "qa_manifest"
_STARTED_KEY = "qa_build_started"
# Chroma caps one add; batches of this size stay well under it and show progress.
_ADD_BATCH = 256
# Chroma writes its HNSW files every this many records (its default, 1000, keeps a short document's
# vectors only in its sqlite log). 100, its batch size, gives every document the on-disk layout a
# long one has, so the fault handling tested on the bundled article is the one big indexes need.
_SYNC_EVERY = 100
# How long a process waits while another builds: the bundled article builds in ~5 s on 2 cores,
# a long document in minutes. Past this, something is stuck, and the error names the lock.
LOCK_TIMEOUT_SECONDS = 900.0
# A build collection on a server older than this belongs to a builder that died; it may go.
STALE_BUILD_SECONDS = 3600.0

Report = Callable[[str, float], None]


@dataclass(frozen=True)
class SourceDocument:
    """One document to index: its id, full text, and the (start, end, level) spans of its headings."""

    source: str
    text: str
    headings: tuple[tuple[int, int, int], ...] = ()

    @property
    def hash(self) -> str:
        """Return the hash of what the index is built from: the text, and its headings when it has any."""
        if not self.headings:
            return document_hash(self.text)
        return document_hash(self.text + "\x00" + json.dumps([list(h) for h in self.headings]))

    def collection(self, model: str) -> str:
        """Return the name of this document's collection: one per document, so adding, changing or
        removing a document builds or deletes only its own vectors."""
        return Manifest.key({self.source: self.hash}, model)


def _names(client: Any) -> set[str]:
    return {getattr(c, "name", c) for c in client.list_collections()}


def _delete(client: Any, names: set[str]) -> None:
    """Delete the collections in ``names`` that ``client`` holds; a missing one is not an error."""
    for name in names & _names(client):
        client.delete_collection(name)


def _part_report(report: Report, n: int, total: int, source: str) -> Report:
    """Return a progress callback for document ``n`` of ``total`` that reports on the whole build."""
    if total == 1:
        return report
    return lambda message, fraction: report(f"Document {n + 1}/{total} ({source}): {message}", (n + fraction) / total)


def _combined(parts: list[LoadedIndex], model: str) -> LoadedIndex:
    """Return the per-document indexes as one; a single document's index is returned as it is."""
    if len(parts) == 1:
        return parts[0]
    names = [p.manifest.collection for p in parts]
    digest = hashlib.sha256("".join(p.manifest.checksum for p in parts).encode()).hexdigest()
    manifest = Manifest(
        collection="qa-" + hashlib.sha1(json.dumps(sorted(names)).encode()).hexdigest()[:16],
        sources={k: v for p in parts for k, v in p.manifest.sources.items()},
        model=model,
        chunker=CHUNKER_VERSION,
        chunks=sum(p.manifest.chunks for p in parts),
        segments=sum(p.manifest.segments for p in parts),
        built_at=max(p.manifest.built_at for p in parts),
        build_seconds=round(sum(p.manifest.build_seconds for p in parts), 3),
        checksum=digest,
        parts=names,
    )
    chunks = [c for p in parts for c in p.chunks]
    vectors = np.concatenate([p.vectors for p in parts]) if parts else np.zeros((0, 0), dtype=np.float32)
    return LoadedIndex(manifest=manifest, chunks=chunks, vectors=vectors)


class IndexStore:
    """The index of one data folder: embedded Chroma, a Chroma server, or memory when the folder is read-only.

    Pass ``client`` to use a Chroma client you manage; otherwise the store opens (and closes) its own:
    an HTTP client when ``chroma_url`` is set, else an embedded one under ``data_dir``.
    """

    def __init__(
        self,
        data_dir: Path,
        embeddings: Embeddings,
        model: str,
        client: Any = None,
        *,
        chroma_url: str | None = None,
        spare: Sequence[SourceDocument] = (),
    ) -> None:
        self.data_dir = Path(data_dir)
        self.embeddings = embeddings
        self.model = model
        self.client = client
        self.chroma_url = chroma_url
        # Collections of documents another user of this folder answers over: the sweep keeps them.
        self.spare = frozenset(d.collection(model) for d in spare)

    def ensure(
        self,
        documents: Sequence[SourceDocument],
        rebuild: bool = False,
        progress: Report | None = None,
    ) -> LoadedIndex:
        """Load the index for ``documents``, building it first when missing, stale, damaged or forced.

        Collections of other documents are deleted as leftovers, except the store's ``spare`` ones.
        """
        documents = list(documents)
        if not documents:
            raise StoreError("No documents to index; add a document first.")
        report = progress or (lambda _msg, _frac: None)
        if self.client is not None:
            with self._lock(LOCK, report):
                # A caller's client may be a shared server: never delete indexes other than these.
                return self._ensure_with(self.client, documents, rebuild, report, "client", exclusive=False)
        if self.chroma_url:
            return self._ensure_server(documents, rebuild, report)
        if not self._writable():
            return self._ensure_in_memory(documents, report)
        with self._lock(LOCK, report):
            return self._ensure_embedded(documents, rebuild, report)

    def remove(self, documents: Sequence[SourceDocument]) -> None:
        """Delete the collections of ``documents`` (their vectors only); a missing one is not an error."""
        names = {d.collection(self.model) for d in documents}
        if self.client is not None:
            _delete(self.client, names)
            return
        if self.chroma_url:
            client = open_client(self.data_dir, str(self.chroma_url))
            try:
                _delete(client, names)
            finally:
                with contextlib.suppress(Exception):
                    client.close()
            return
        if not self._writable(quiet=True):
            return
        with self._lock(LOCK, lambda _m, _f: None):
            client = open_embedded(self.data_dir)
            try:
                _delete(client, names)
            finally:
                client.close()
            write_fingerprint(self.data_dir / FILES, self.data_dir / CHROMA_DIR)

    # ------------------------------------------------------------------ the three kinds of store

    def _ensure_embedded(self, documents: list[SourceDocument], rebuild: bool, report: Report) -> LoadedIndex:
        chroma_dir = self.data_dir / CHROMA_DIR
        where = f"embedded:{chroma_dir}"
        problem = self._check_files(chroma_dir, documents[0].collection(self.model), report)
        if problem is None:
            try:
                return self._session(documents, rebuild, report, where)
            except StoreDamaged as exc:
                problem = str(exc)
        self._move_aside(chroma_dir, problem)
        try:
            return self._session(documents, True, report, where)
        except StoreDamaged as exc:
            raise StoreError(
                f"The index in {chroma_dir} could not be rebuilt and read back: {exc}. "
                "Check the disk, or set QA_DATA_DIR to another folder."
            ) from exc

    def _session(self, documents: list[SourceDocument], rebuild: bool, report: Report, where: str) -> LoadedIndex:
        """Open the embedded store, load or build, close it, and remember how its files were left."""
        client = open_embedded(self.data_dir)
        try:
            loaded = self._ensure_with(client, documents, rebuild, report, where, exclusive=True)
        finally:
            client.close()
        write_fingerprint(self.data_dir / FILES, self.data_dir / CHROMA_DIR)
        return loaded

    def _ensure_server(self, documents: list[SourceDocument], rebuild: bool, report: Report) -> LoadedIndex:
        url = str(self.chroma_url)
        client = open_client(self.data_dir, url)
        # The file lock only spares a second process on this host a duplicate build; the server
        # itself settles races between hosts.
        lock_name = f"index-{hashlib.sha1(url.encode()).hexdigest()[:12]}.lock"
        lock = self._lock(lock_name, report) if self._writable(quiet=True) else contextlib.nullcontext()
        try:
            with lock:
                return self._ensure_with(client, documents, rebuild, report, f"server:{url}", exclusive=False)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"The Chroma server at {url} failed while loading the index ({type(exc).__name__}: {exc}). "
                "Check the server and its log, or unset QA_CHROMA_URL to use the embedded store."
            ) from exc
        finally:
            with contextlib.suppress(Exception):
                client.close()

    def _ensure_in_memory(self, documents: list[SourceDocument], report: Report) -> LoadedIndex:
        import chromadb

        client = chromadb.EphemeralClient(settings=chroma_settings())
        try:
            # One in-memory Chroma serves the whole process: build under a unique name, drop it once read.
            name = Manifest.key({d.source: d.hash for d in documents}, self.model)
            building, manifest = self._build(client, documents, name, report)
            try:
                got = client.get_collection(building).get(include=["embeddings", "metadatas"])
            finally:
                client.delete_collection(building)
        finally:
            client.close()
        loaded = verified(got, {d.source: d.text for d in documents}, manifest)
        loaded.manifest.store = "memory"
        loaded.built = True
        return loaded

    # ------------------------------------------------------------------ load or build with an open client

    def _ensure_with(
        self,
        client: Any,
        documents: list[SourceDocument],
        rebuild: bool,
        report: Report,
        where: str,
        exclusive: bool,
    ) -> LoadedIndex:
        """Load or build every document's collection with an open client; return them as one index."""
        names = [d.collection(self.model) for d in documents]
        try:
            present = _names(client)
        except Exception as exc:
            raise StoreDamaged(f"its collections cannot be listed ({exc})") from exc
        self._sweep(client, present, set(names) | self.spare, exclusive)
        on_disk = self._read_manifest() if self.chroma_url is None else None
        parts: list[LoadedIndex] = []
        for n, (doc, name) in enumerate(zip(documents, names, strict=True)):
            part_report = _part_report(report, n, len(documents), doc.source)
            # A shared store recovers a damaged collection in place; an exclusive one is moved aside whole.
            recover_in = None if exclusive else where
            parts.append(
                self._ensure_one(client, doc, name, name in present, on_disk, rebuild, part_report, recover_in)
            )
        combined = _combined(parts, self.model)
        return self._loaded(combined, where, built=any(p.built for p in parts))

    def _ensure_one(
        self,
        client: Any,
        doc: SourceDocument,
        name: str,
        present: bool,
        on_disk: Manifest | None,
        rebuild: bool,
        report: Report,
        recover_in: str | None = None,
    ) -> LoadedIndex:
        """Load one document's collection, or build it when missing, stale or forced. With ``recover_in``
        (a shared store's name), a damaged collection is renamed aside inside the store, then rebuilt."""
        texts = {doc.source: doc.text}
        try:
            if not rebuild:
                if present:
                    loaded = self._read(client, name, texts)
                    if loaded is not None:
                        loaded.built = False
                        return loaded
                elif on_disk is not None and name in (on_disk.parts or [on_disk.collection]):
                    # A store that lost a finished index (an emptied sqlite file) cannot be trusted.
                    raise StoreDamaged(f"index {name}, named in {MANIFEST}, is missing from the store")
            building, manifest = self._build(client, [doc], name, report)
            return self._commit(client, building, name, manifest, texts, rebuild)
        except StoreDamaged as exc:
            if recover_in is None:
                raise
            retired = f"{name}-corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:4]}"
            log.warning("Index %s in %s is damaged (%s). Renamed it to %s; rebuilding.", name, recover_in, exc, retired)
            with contextlib.suppress(Exception):
                client.get_collection(name).modify(name=retired)
        try:
            building, manifest = self._build(client, [doc], name, report)
            return self._commit(client, building, name, manifest, texts, True)
        except StoreDamaged as again:
            raise StoreError(f"The index in {recover_in} could not be rebuilt and read back: {again}.") from again

    def _read(self, client: Any, name: str, texts: dict[str, str]) -> LoadedIndex | None:
        """Return collection ``name`` verified, None if it predates manifests, or raise ``StoreDamaged``."""
        try:
            collection = client.get_collection(name)
            raw = (collection.metadata or {}).get(_MANIFEST_KEY)
            if raw is None:
                log.info("Index %s has no manifest (an older version built it); rebuilding it.", name)
                return None
            manifest = Manifest.from_json(raw)
            got = collection.get(include=["embeddings", "metadatas"])
        except Exception as exc:
            raise StoreDamaged(f"index {name} cannot be read ({type(exc).__name__}: {exc})") from exc
        if manifest.collection != name or not manifest.checksum:
            raise StoreDamaged(f"index {name} carries a manifest for {manifest.collection!r} without a checksum")
        return verified(got, texts, manifest)

    def _read_or_none(self, client: Any, name: str, texts: dict[str, str]) -> LoadedIndex | None:
        try:
            return self._read(client, name, texts)
        except StoreDamaged:
            return None

    def _commit(
        self,
        client: Any,
        building: str,
        name: str,
        manifest: Manifest,
        texts: dict[str, str],
        rebuild: bool,
    ) -> LoadedIndex:
        """Verify the built collection, then switch it to ``name``, with its manifest, in one rename."""
        collection = client.get_collection(building)
        loaded = verified(collection.get(include=["embeddings", "metadatas"]), texts, manifest)
        if name in _names(client):
            theirs = None if rebuild else self._read_or_none(client, name, texts)
            if theirs is not None:  # another process finished the same build first: keep one copy
                client.delete_collection(building)
                return theirs
            client.delete_collection(name)
        try:
            collection.modify(name=name, metadata={_MANIFEST_KEY: json.dumps(asdict(loaded.manifest))})
        except Exception:
            theirs = self._read_or_none(client, name, texts)
            if theirs is None:
                raise
            client.delete_collection(building)
            return theirs
        loaded.built = True
        return loaded

    def _loaded(self, loaded: LoadedIndex, where: str, built: bool) -> LoadedIndex:
        loaded.manifest.store = where
        loaded.built = built
        if self.chroma_url is None:
            current = self._read_manifest()
            if current is None and (self.data_dir / MANIFEST).exists():
                log.warning("%s is unreadable; rewriting it from the index.", self.data_dir / MANIFEST)
            if current is None or asdict(current) != asdict(loaded.manifest):
                self._write_manifest(loaded.manifest)
        return loaded

    def _sweep(self, client: Any, present: set[str], keep: set[str], exclusive: bool) -> None:
        """Delete leftovers: under an exclusive lock every other index of ours; on a server, dead builds."""
        for other in sorted(present - keep):
            if not other.startswith("qa-") or "-corrupt-" in other:
                continue
            if not exclusive:
                if _BUILDING not in other:
                    continue
                with contextlib.suppress(Exception):
                    started = float((client.get_collection(other).metadata or {}).get(_STARTED_KEY, 0.0))
                    if time.time() - started < STALE_BUILD_SECONDS:
                        continue
            log.info("Deleting leftover index collection %s", other)
            with contextlib.suppress(Exception):
                client.delete_collection(other)

    def _build(
        self, client: Any, documents: Sequence[SourceDocument], name: str, report: Report
    ) -> tuple[str, Manifest]:
        """Embed every chunk into a new ``-building-`` collection; return its name and the manifest."""
        from langchain_chroma import Chroma

        started = time.perf_counter()
        building = f"{name}{_BUILDING}{uuid.uuid4().hex[:8]}"
        store = Chroma(
            collection_name=building,
            embedding_function=self.embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine", "hnsw:sync_threshold": _SYNC_EVERY, _STARTED_KEY: time.time()},
        )
        chunks: list[Chunk] = []
        texts: list[str] = []
        segment_count = 0
        for doc in documents:
            segments = parse_document(doc.text, doc.headings)
            segment_count += len(segments)
            for chunk in chunk_document(doc.source, doc.text, segments):
                chunks.append(chunk)
                texts.append(chunk.searchable_text(doc.text))
        report(f"Embedding {len(chunks)} chunks", 0.0)
        for i in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[i : i + _ADD_BATCH]
            store.add_texts(
                texts=texts[i : i + _ADD_BATCH], metadatas=[chunk_metadata(c) for c in batch], ids=[c.id for c in batch]
            )
            report(f"Embedded {min(i + _ADD_BATCH, len(chunks))}/{len(chunks)} chunks", (i + len(batch)) / len(chunks))
        manifest = Manifest(
            collection=name,
            sources={d.source: d.hash for d in documents},
            model=self.model,
            chunker=CHUNKER_VERSION,
            chunks=len(chunks),
            segments=segment_count,
            built_at=time.time(),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        return building, manifest

    # ------------------------------------------------------------------ the data folder

    def _writable(self, quiet: bool = False) -> bool:
        """Return whether ``data_dir`` exists (or can be made) and takes new files."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.data_dir, prefix=".write-probe-"):
                pass
        except OSError as exc:
            if not quiet:
                log.warning(
                    "The data folder %s is not writable (%s). Using an in-memory index, rebuilt at every start; "
                    "set QA_DATA_DIR to a writable folder to keep it.",
                    self.data_dir,
                    exc.strerror or exc,
                )
            return False
        return True

    @contextlib.contextmanager
    def _lock(self, filename: str, report: Report) -> Iterator[None]:
        """Hold a file lock in the data folder; wait, and say so, while another process builds."""
        path = self.data_dir / filename
        lock = FileLock(str(path))
        try:
            try:
                lock.acquire(timeout=0)
            except LockTimeout:
                log.info("Waiting for another process that holds %s (it is building the index)", path)
                report("Waiting for another process to finish building the index", 0.0)
                lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
        except LockTimeout as exc:
            raise StoreError(
                f"Gave up after {LOCK_TIMEOUT_SECONDS:.0f} s waiting for the index lock {path}; another process "
                "is still building the index. Stop it, or set QA_DATA_DIR to another folder."
            ) from exc
        except OSError as exc:
            raise StoreError(
                f"Cannot take the index lock {path}: {exc}. Set QA_DATA_DIR to a writable folder."
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def _check_files(self, chroma_dir: Path, name: str, report: Report) -> str | None:
        """Return what is wrong with Chroma files changed since this program left them, or None."""
        saved = read_fingerprint(self.data_dir / FILES)
        if not chroma_dir.exists() or saved == fingerprint(chroma_dir):
            return None
        if saved is None and (self.data_dir / FILES).exists():
            log.warning(
                "%s is unreadable; checking the files in %s in a child process.", self.data_dir / FILES, chroma_dir
            )
        else:
            log.info(
                "The files in %s changed since this program last closed them; checking them in a child process.",
                chroma_dir,
            )
        report("Checking the index files", 0.0)
        return probe(chroma_dir, name)

    def _move_aside(self, path: Path, problem: str) -> None:
        """Keep a damaged store for inspection as ``<path>.corrupt-<time>``, out of the rebuild's way."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        try:
            path.rename(target)
        except FileNotFoundError:
            log.warning("The Chroma store in %s is damaged (%s); rebuilding the index.", path, problem)
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            log.warning(
                "The Chroma store in %s is damaged (%s) and could not be moved (%s); deleted it.", path, problem, exc
            )
        else:
            log.warning(
                "The Chroma store in %s is damaged (%s). Moved it to %s; rebuilding the index.", path, problem, target
            )

    def _read_manifest(self) -> Manifest | None:
        try:
            return Manifest.from_json((self.data_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_manifest(self, manifest: Manifest) -> None:
        tmp = self.data_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(tmp, self.data_dir / MANIFEST)
