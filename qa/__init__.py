"""Offline question answering over a document, with cited, attributed extractive answers."""

from __future__ import annotations

import threading

from index import Segment
from index.formats import SUPPORTED as SUPPORTED_FORMATS
from index.library import DocumentInfo
from index.structure import UNKNOWN_SPEAKER
from qa.assistant import Assistant
from qa.errors import DocumentError, IndexStoreError, QAError, QuestionError, SettingsError
from qa.library import Change
from qa.records import Answer, Citation
from qa.settings import Settings

__all__ = [
    "SUPPORTED_FORMATS",
    "UNKNOWN_SPEAKER",
    "Answer",
    "Assistant",
    "Change",
    "Citation",
    "DocumentError",
    "DocumentInfo",
    "IndexStoreError",
    "QAError",
    "QuestionError",
    "Segment",
    "Settings",
    "SettingsError",
    "ask",
    "layout",
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


def layout(text: str) -> list[Segment]:
    """Return the structure of a document text: title, byline, paragraphs, bio, comments, in order."""
    from index import parse_document

    return sorted(parse_document(text), key=lambda segment: segment.start)
