"""The documents an Assistant answers over: the files in its settings, or the data folder's library
of added documents, or the bundled article while the library is empty."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.formats import SUPPORTED, FormatError, extract, extract_path
from index.library import DocumentInfo, Library, StoredDocument, stored
from index.store import SourceDocument
from qa.errors import DocumentError
from qa.settings import BUNDLED_DOCUMENT, Settings

# Longest first line of a plain text taken as its title.
MAX_TITLE_CHARS = 150


@dataclass(frozen=True)
class Change:
    """What adding one file did: ``added``, ``updated`` (same name, new content) or ``unchanged``."""

    document: DocumentInfo
    action: str


def read_document(path: Path) -> str:
    """Return the text of a UTF-8 document, or raise ``DocumentError`` saying what to fix."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read document {path}: {exc.strerror}. Check the path in QA_DOCUMENTS.") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"Document {path} is not UTF-8 text; convert it (e.g. iconv -t UTF-8).") from exc
    if not text.strip():
        raise DocumentError(f"Document {path} is empty; give a document with text.")
    return text


def _from_path(path: Path, doc_id: str) -> StoredDocument:
    """Return a settings document: plain text read as it is (its offsets are the file's), other formats extracted."""
    if path.suffix.lower() in SUPPORTED and path.suffix.lower() != ".txt":
        try:
            extracted = extract_path(path)
        except FormatError as exc:
            raise DocumentError(str(exc)) from exc
        return stored(extracted, path.stat().st_size, doc_id)
    text = read_document(path)
    first = text.strip().split("\n", 1)[0].strip()
    # A short first line without a final period names the text; otherwise the file name does.
    title = first if len(first) <= MAX_TITLE_CHARS and not first.endswith(".") else path.stem
    info = DocumentInfo(doc_id, title, "txt", path.name, len(text.encode("utf-8")), path.stat().st_mtime, len(text))
    return StoredDocument(info, text=text)


def _ids(paths: Iterable[Path]) -> list[str]:
    out: list[str] = []
    for path in paths:
        source, n = path.stem, 2
        while source in out:
            source, n = f"{path.stem}-{n}", n + 1
        out.append(source)
    return out


class Corpus:
    """The documents of one Assistant; safe to read from many threads, changed under the caller's lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.library = Library(settings.data_dir / "library")
        self._documents: list[StoredDocument] | None = None
        self._texts: dict[str, str] = {}
        self._stamp: tuple[int, int] | None = None

    @property
    def uses_library(self) -> bool:
        """Return whether documents come from the library (no ``documents`` setting)."""
        return not self.settings.documents

    def documents(self) -> list[StoredDocument]:
        """Return the documents, reading the library again when another process changed it."""
        stamp = self._library_stamp()
        if self._documents is None or stamp != self._stamp:
            self._documents = self._load()
            self._texts = {d.info.id: d.text for d in self._documents}
            self._stamp = stamp
        return self._documents

    def texts(self) -> dict[str, str]:
        """Return each document's text by id (the citations' ``source``)."""
        self.documents()
        return self._texts

    def changed(self) -> bool:
        """Return whether the library changed on disk since ``documents()`` last read it."""
        return self._documents is not None and self._library_stamp() != self._stamp

    def _library_stamp(self) -> tuple[int, int] | None:
        if not self.uses_library:
            return None
        try:
            st = os.stat(self.library.folder / "library.json")
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _load(self) -> list[StoredDocument]:
        if not self.uses_library:
            paths = list(self.settings.documents)
            return [_from_path(p, i) for p, i in zip(paths, _ids(paths), strict=True)]
        try:
            entries = self.library.entries()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DocumentError(f"{exc}") from exc
        return entries or [_from_path(BUNDLED_DOCUMENT, BUNDLED_DOCUMENT.stem)]

    def spared(self) -> list[SourceDocument]:
        """Return the library's documents when this assistant answers over others: their vectors stay."""
        if self.uses_library:
            return []
        try:
            return [d.source() for d in self.library.entries()]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def plan_add(self, files: Sequence[tuple[str, bytes]]) -> tuple[list[StoredDocument], list[Change]]:
        """Return the documents after adding ``files`` (name, content) and what changes; write nothing.

        Every file is checked before any is kept: one bad file refuses the whole add.
        """
        self._require_library("add documents")
        names: dict[str, int] = {}
        for n, (name, _data) in enumerate(files):
            if name in names:
                raise DocumentError(
                    f"{name}: two files have this name (items {names[name] + 1} and {n + 1}); rename one and add again."
                )
            names[name] = n
        limit = int(self.settings.max_file_mb * 1024 * 1024)
        extracted = []
        for name, data in files:
            try:
                extracted.append((extract(name, data, max_bytes=limit, max_pages=self.settings.max_pdf_pages), data))
            except FormatError as exc:
                raise DocumentError(str(exc)) from exc
        current = list(self.documents())
        changes: list[Change] = []
        for doc, data in extracted:
            new = stored(doc, len(data))
            at = next((i for i, d in enumerate(current) if d.info.name == new.info.name), None)
            if at is not None and (current[at].text, current[at].headings) == (new.text, new.headings):
                changes.append(Change(current[at].info, "unchanged"))
            elif at is not None:
                current[at] = new
                changes.append(Change(new.info, "updated"))
            else:
                current.append(new)
                changes.append(Change(new.info, "added"))
        return current, changes

    def plan_remove(self, doc_id: str) -> tuple[list[StoredDocument], StoredDocument]:
        """Return the documents without ``doc_id``, and the removed one; write nothing."""
        self._require_library("remove documents")
        current = self.documents()
        gone = next((d for d in current if d.info.id == doc_id), None)
        if gone is None:
            raise DocumentError(
                f"No document has the id {doc_id!r}; the ids are {[d.info.id for d in current]} (see `qa documents`)."
            )
        return [d for d in current if d is not gone], gone

    def commit(self, documents: list[StoredDocument]) -> None:
        """Make ``documents`` the library (an empty list returns to the bundled article)."""
        self.library.save(documents)
        self._documents = list(documents) or None
        self._texts = {d.info.id: d.text for d in documents}
        self._stamp = self._library_stamp()

    def _require_library(self, what: str) -> None:
        if not self.uses_library:
            raise DocumentError(
                f"Cannot {what}: this assistant answers over the files in its documents setting (QA_DOCUMENTS); "
                "leave that setting empty to use the document library."
            )


def files_at(paths: Sequence[str | Path], max_bytes: int) -> list[tuple[str, bytes]]:
    """Return (name, content) for each file given, and for the supported files inside each folder given;
    a file over ``max_bytes`` is refused before it is read."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED and not any(part.startswith(".") for part in p.parts)
            )
            if not inside:
                raise DocumentError(f"{path}: the folder holds no supported file ({', '.join(SUPPORTED)}).")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder; check the path.")
    files = []
    seen: dict[str, Path] = {}
    for path in found:
        if path.name in seen:
            raise DocumentError(
                f"{path.name}: two files have this name ({seen[path.name]} and {path}); rename one and add again."
            )
        seen[path.name] = path
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise DocumentError(
                    f"{path.name}: {size / 1024 / 1024:.1f} MB is over the {max_bytes / 1024 / 1024:g} MB limit per file; "
                    "split it, or raise QA_MAX_FILE_MB."
                )
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise DocumentError(f"{path}: cannot be read ({exc.strerror}); check its permissions.") from exc
    return files
