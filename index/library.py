"""The documents a user added: extracted text and a record per document, kept in the data folder.

The library is one JSON file (``library.json``) plus one UTF-8 text file per document. A change
writes the new texts first and then replaces ``library.json`` in one rename, so a failed or
interrupted add leaves the previous library exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.formats import ExtractedDocument
from index.store import SourceDocument

LIBRARY = "library.json"
TEXTS = "texts"


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document: its stable id, title, format, file name, size and when it was added."""

    id: str
    title: str
    format: str
    name: str
    size: int
    added_at: float
    chars: int
    pages: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a plain JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class StoredDocument:
    """A library entry: the record, and what indexing and citing need (headings, page offsets)."""

    info: DocumentInfo
    headings: tuple[tuple[int, int, int], ...] = ()
    page_starts: tuple[int, ...] = ()
    text: str = field(default="", repr=False, compare=False)

    def source(self) -> SourceDocument:
        """Return the document as the index builds it."""
        return SourceDocument(self.info.id, self.text, self.headings)


def document_id(name: str, text: str) -> str:
    """Return a stable id from a file's name and extracted text: a readable slug and a short hash."""
    stem = Path(name).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40] or "document"
    digest = hashlib.sha256(f"{name}\x00{text}".encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


def stored(extracted: ExtractedDocument, size: int, doc_id: str | None = None) -> StoredDocument:
    """Return the library entry for an extracted file (``doc_id`` overrides the derived id)."""
    info = DocumentInfo(
        id=doc_id or document_id(extracted.name, extracted.text),
        title=extracted.title,
        format=extracted.format,
        name=extracted.name,
        size=size,
        added_at=round(time.time(), 3),
        chars=len(extracted.text),
        pages=len(extracted.pages),
    )
    return StoredDocument(info, tuple(tuple(h) for h in extracted.headings), tuple(extracted.pages), extracted.text)


class Library:
    """The added documents of one data folder, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def entries(self) -> list[StoredDocument]:
        """Return every stored document with its text; an absent library is empty."""
        path = self.folder / LIBRARY
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return []  # no library yet, or a data folder that is not a folder (answered from memory)
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"The document library {path} is unreadable ({exc}); move it aside to start an empty library."
            ) from exc
        out = []
        for item in raw.get("documents", []):
            info = DocumentInfo(**item["info"])
            text = (self.folder / TEXTS / f"{info.id}.txt").read_text(encoding="utf-8")
            headings = tuple(tuple(h) for h in item.get("headings", []))
            out.append(StoredDocument(info, headings, tuple(item.get("page_starts", [])), text))
        return out

    def save(self, documents: Sequence[StoredDocument]) -> None:
        """Make ``documents`` the library: texts first, then the record in one atomic rename."""
        texts = self.folder / TEXTS
        texts.mkdir(parents=True, exist_ok=True)
        for doc in documents:
            target = texts / f"{doc.info.id}.txt"
            if not target.exists():
                _write_atomic(target, doc.text)
        record = {
            "documents": [
                {"info": asdict(d.info), "headings": [list(h) for h in d.headings], "page_starts": list(d.page_starts)}
                for d in documents
            ]
        }
        _write_atomic(self.folder / LIBRARY, json.dumps(record, indent=1, ensure_ascii=False))
        keep = {f"{d.info.id}.txt" for d in documents}
        for old in texts.glob("*.txt"):
            if old.name not in keep:
                old.unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
