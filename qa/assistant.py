"""The Assistant: loads (or builds) the index once, then answers questions with cited quotes."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index.formats import FormatError, safe_name
from index.library import DocumentInfo, StoredDocument
from qa.compose import ABSTAIN_TEXT, citations_for, compose
from qa.errors import DocumentError, IndexStoreError, QAError, QuestionError
from qa.library import Change, Corpus, files_at
from qa.records import Answer, Citation
from qa.settings import Settings

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
_CONTROL = {c for c in map(chr, range(32)) if c not in "\t\n\r"} | {"\x7f"}


def safe_upload_name(name: Any) -> str:
    """Return an upload's plain file name, or raise ``DocumentError`` on a path trick."""
    try:
        return safe_name(str(name))
    except FormatError as exc:
        raise DocumentError(str(exc)) from exc


def clean_question(question: Any, max_chars: int) -> str:
    """Return the question without control characters, or raise ``QuestionError``."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be a string, not {type(question).__name__}.")
    if len(question) > max_chars:
        raise QuestionError(
            f"The question is {len(question):,} characters long; the limit is {max_chars:,}. "
            "Ask about one thing at a time."
        )
    cleaned = "".join(" " if c in _CONTROL else c for c in question)
    cleaned = unicodedata.normalize("NFC", cleaned.encode("utf-8", "replace").decode("utf-8")).strip()
    if not cleaned:
        raise QuestionError("The question is empty; type a question about the document.")
    return cleaned


class Assistant:
    """Answers questions about the configured documents; safe to share between threads."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self._lock = threading.RLock()
        self._engine: Any = None
        self._corpus = Corpus(self.settings)

    def _sources(self) -> dict[str, str]:
        return self._corpus.texts()

    def _open(self, documents: list[StoredDocument], rebuild: bool, progress: Progress | None) -> Any:
        """Return an engine over ``documents``, building what their index lacks; errors say the fix."""
        from index.store import StoreError
        from qa.engine import Engine

        try:
            return Engine.open(
                self.settings,
                [d.source() for d in documents],
                rebuild=rebuild,
                progress=progress,
                titles={d.info.id: d.info.title for d in documents if d.info.title},
                pages={d.info.id: d.page_starts for d in documents if d.page_starts},
                spare=self._corpus.spared(),
            )
        except QAError:
            raise
        except StoreError as exc:
            raise IndexStoreError(str(exc)) from exc
        except Exception as exc:
            raise IndexStoreError(
                f"Could not load the embedding model or the index for {self.settings.data_dir}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def load(self, rebuild: bool = False, progress: Progress | None = None) -> dict[str, Any]:
        """Load the index, building it if missing or stale; return its manifest as a dict."""
        with self._lock:
            if self._engine is None or rebuild or self._corpus.changed():
                self._engine = self._open(self._corpus.documents(), rebuild, progress)
            return self._engine.describe()

    def add(self, paths: str | Path | Sequence[str | Path], progress: Progress | None = None) -> list[Change]:
        """Add files (or the supported files in folders) to the library and index them; return what changed.

        All or nothing: a bad file raises ``DocumentError`` naming it, and the library and index stay as they were.
        Adding the same file again changes nothing; a file with a known name and new content replaces it.
        """
        items = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if not items:
            raise DocumentError("No files given; pass a file or folder path.")
        return self.add_files(files_at(items, int(self.settings.max_file_mb * 1024 * 1024)), progress)

    def add_files(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> list[Change]:
        """Like ``add``, for file contents already in memory, as (file name, bytes) pairs (uploads)."""
        if not files:
            raise DocumentError("No files given; upload at least one file.")
        files = [(safe_upload_name(name), data) for name, data in files]
        with self._lock:
            documents, changes = self._corpus.plan_add(files)
            if all(c.action == "unchanged" for c in changes):
                return changes
            engine = self._open(documents, False, progress)
            self._corpus.commit(documents)
            self._engine = engine
        return changes

    def documents(self) -> list[DocumentInfo]:
        """Return the documents this assistant answers over, oldest first."""
        return [self._describe(d) for d in self._corpus.documents()]

    def remove(self, doc_id: str) -> DocumentInfo:
        """Remove document ``doc_id`` and its vectors from the library; return its record.

        Removing the last added document returns to the bundled article.
        """
        from qa.engine import open_store

        with self._lock:
            documents, gone = self._corpus.plan_remove(doc_id)
            engine = self._open(documents, False, None) if documents else None
            self._corpus.commit(documents)
            try:
                open_store(self.settings).remove([gone.source()])
            except Exception as exc:
                # The library no longer lists it; the next load sweeps what is left of its vectors.
                log.warning("Could not delete the vectors of %s now (%s); the next load will.", doc_id, exc)
            self._engine = engine
        return gone.info

    def _describe(self, document: StoredDocument) -> DocumentInfo:
        engine = self._engine
        title = engine.titles.get(document.info.id) if engine is not None else None
        return replace(document.info, title=title or document.info.title or document.info.id)

    def ask(self, question: str, history: Any = None, documents: Sequence[str] | None = None) -> Answer:
        """Answer ``question`` from the documents (all, or the ids in ``documents``), using ``history``
        to resolve follow-ups."""
        from qa.query import normalize_history

        cleaned = clean_question(question, self.settings.max_question_chars)
        turns = normalize_history(history, self.settings.max_history_turns)
        engine = self._loaded()
        sources = self._filter(engine, documents)
        selection = engine.answer(cleaned, turns, sources)
        if selection.abstain:
            related = engine.related(selection.ranked, self.settings.related_on_abstain)
            return Answer(
                text=ABSTAIN_TEXT,
                citations=citations_for(related, engine.texts, engine.pages),
                abstained=True,
                reason=selection.reason,
                confidence=selection.evidence_score,
            )
        citations = citations_for(selection.chosen, engine.texts, engine.pages)
        return Answer(
            text=compose(selection.chosen, citations, engine.authors, engine.titles),
            citations=citations,
            abstained=False,
            reason=selection.reason,
            confidence=selection.evidence_score,
        )

    @staticmethod
    def _filter(engine: Any, documents: Sequence[str] | None) -> frozenset[str] | None:
        if documents is None:
            return None
        if isinstance(documents, str) or not all(isinstance(d, str) for d in documents):
            raise QuestionError("documents must be a list of document ids, e.g. ['notes-1a2b3c4d'].")
        unknown = sorted(set(documents) - set(engine.texts))
        if unknown:
            raise DocumentError(f"Unknown document id(s) {unknown}; the ids are {sorted(engine.texts)}.")
        return frozenset(documents) if documents else None

    def confidence_threshold(self, document: str | None = None, follow_up: bool = False) -> float:
        """Return the ``Answer.confidence`` under which this assistant abstains on an answer from
        ``document`` (an id from ``sources``; None: the first), to a stand-alone question or to a
        follow-up (one that leans on its history). The bundled article has a judge of its own, fitted
        on its questions, and one for its follow-ups; other documents share the generic judge."""
        engine = self._loaded()
        self._filter(engine, None if document is None else [document])
        return float(engine.threshold(document, follow_up))

    def search(self, question: str, k: int = 4) -> list[Citation]:
        """Return the ``k`` best passages for ``question`` as citations, best first."""
        cleaned = clean_question(question, self.settings.max_question_chars)
        engine = self._loaded()
        return [
            Citation(i + 1, engine.texts[u.source][u.start : u.end], u.start, u.end, u.source, u.section, u.speaker)
            for i, u in enumerate(engine.passages_for(cleaned, k))
        ]

    def source_text(self, source: str) -> str:
        """Return the full text of document ``source`` (the id used in citations)."""
        texts = self._sources()
        if source not in texts:
            raise QAError(f"Unknown source {source!r}; known sources are {sorted(texts)}.")
        return texts[source]

    def as_retriever(self, k: int = 4) -> Any:
        """Return a LangChain ``BaseRetriever`` over this assistant's hybrid search."""
        from qa.retriever import PassageRetriever

        return PassageRetriever(assistant=self, k=k)

    @property
    def sources(self) -> list[str]:
        """Return the ids of the indexed documents."""
        return list(self._sources())

    def embed(self, text: str) -> np.ndarray:
        """Return the unit-length query embedding of ``text`` (the per-question model cost)."""
        return self._loaded().embed(text)

    def _loaded(self) -> Any:
        # One engine reference per call: a concurrent rebuild swaps in a new engine without
        # changing the one a running answer reads.
        engine = self._engine
        if engine is None or self._corpus.changed():
            self.load()
            engine = self._engine
        return engine
