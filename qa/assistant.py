"""The Assistant: loads (or builds) the index once, then answers questions with cited quotes."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qa.compose import ABSTAIN_TEXT, citations_for, compose
from qa.errors import DocumentError, IndexStoreError, QAError, QuestionError
from qa.records import Answer, Citation
from qa.settings import Settings

log = logging.getLogger(__name__)
_CONTROL = {c for c in map(chr, range(32)) if c not in "\t\n\r"} | {"\x7f"}


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
        self._texts: dict[str, str] | None = None

    def _sources(self) -> dict[str, str]:
        if self._texts is None:
            texts: dict[str, str] = {}
            for path in self.settings.documents:
                source, n = path.stem, 2
                while source in texts:
                    source, n = f"{path.stem}-{n}", n + 1
                texts[source] = read_document(path)
            self._texts = texts
        return self._texts

    def load(self, rebuild: bool = False, progress: Callable[[str, float], None] | None = None) -> dict[str, Any]:
        """Load the index, building it if missing or stale; return its manifest as a dict."""
        from index.store import StoreError
        from qa.engine import Engine

        with self._lock:
            if self._engine is None or rebuild:
                try:
                    self._engine = Engine.open(self.settings, self._sources(), rebuild=rebuild, progress=progress)
                except QAError:
                    raise
                except StoreError as exc:
                    raise IndexStoreError(str(exc)) from exc
                except Exception as exc:
                    raise IndexStoreError(
                        f"Could not load the embedding model or the index for {self.settings.data_dir}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
            return self._engine.describe()

    def ask(self, question: str, history: Any = None) -> Answer:
        """Answer ``question`` from the document, using ``history`` to resolve follow-ups."""
        from qa.query import normalize_history

        cleaned = clean_question(question, self.settings.max_question_chars)
        turns = normalize_history(history, self.settings.max_history_turns)
        engine = self._loaded()
        selection = engine.answer(cleaned, turns)
        if selection.abstain:
            related = engine.related(selection.ranked, self.settings.related_on_abstain)
            return Answer(
                text=ABSTAIN_TEXT,
                citations=citations_for(related, engine.texts),
                abstained=True,
                reason=selection.reason,
                confidence=selection.evidence_score,
            )
        citations = citations_for(selection.chosen, engine.texts)
        return Answer(
            text=compose(selection.chosen, citations, engine.author),
            citations=citations,
            abstained=False,
            reason=selection.reason,
            confidence=selection.evidence_score,
        )

    def confidence_threshold(self) -> float:
        """Return the ``Answer.confidence`` under which this assistant abstains."""
        return float(self._loaded().threshold())

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
        if engine is None:
            self.load()
            engine = self._engine
        return engine
