"""Offline question answering over a document, with cited, attributed extractive answers."""

from __future__ import annotations

import threading

from qa.assistant import Assistant
from qa.errors import DocumentError, IndexStoreError, QAError, QuestionError, SettingsError
from qa.records import Answer, Citation
from qa.settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "DocumentError",
    "IndexStoreError",
    "QAError",
    "QuestionError",
    "Settings",
    "SettingsError",
    "ask",
]

_default: Assistant | None = None
_default_lock = threading.Lock()


def ask(question: str, history: object = None) -> Answer:
    """Answer ``question`` with one shared default ``Assistant`` (bundled document, env settings)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.ask(question, history)
