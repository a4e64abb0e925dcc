"""The records every consumer reads: a cited passage and an answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

# The fields of Citation.to_dict() and the JSON type each must have.
_CITATION_FIELDS: tuple[tuple[str, type], ...] = (
    ("marker", int),
    ("quote", str),
    ("start", int),
    ("end", int),
    ("source", str),
    ("section", str),
    ("speaker", str),
)


def _typed(raw: Mapping[str, Any], name: str, kind: type, what: str) -> Any:
    value = raw.get(name)
    # JSON has no separate bool and int, but Python does: True is not an offset.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(
            f"{what} field {name!r} must be {'an' if kind is int else 'a'} {kind.__name__}, got {value!r:.60}"
        )
    return value


@dataclass(frozen=True)
class Citation:
    """One quoted span of a source document, addressed by exact character offsets."""

    marker: int
    quote: str
    start: int
    end: int
    source: str
    section: str
    speaker: str
    # The page the quote starts on, for documents with pages (PDF); None otherwise.
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the citation as a plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> Citation:
        """Return the citation of a ``to_dict()`` dict, or raise ``ValueError`` naming the bad field."""
        if not isinstance(raw, Mapping):
            raise ValueError(f"a citation must be a dict like Citation.to_dict(), not {type(raw).__name__}")
        page = raw.get("page")
        if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
            raise ValueError(f"citation field 'page' must be a page number (1 or more) or null, got {page!r:.60}")
        return cls(**{name: _typed(raw, name, kind, "citation") for name, kind in _CITATION_FIELDS}, page=page)


@dataclass(frozen=True)
class Answer:
    """An answer text with inline ``[n]`` markers and the citations they point to.

    When ``abstained`` is true the text says the document does not answer the question,
    and ``citations`` lists the closest passages as related reading, not as evidence.
    ``reason`` says why it abstained, or what supports the answer, and ``confidence`` how sure the
    judge is that the quotes answer it (a probability; the evidence score when the judge is off).
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    reason: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as a plain JSON-ready dict."""
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "reason": self.reason,
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Answer:
        """Return the answer of a ``to_dict()`` dict (as the HTTP API sends it), or raise ``ValueError``.

        ``text`` is required; the other fields default as the dataclass's do.
        """
        if not isinstance(raw, Mapping):
            raise ValueError(f"an answer must be a dict like Answer.to_dict(), not {type(raw).__name__}")
        reason, confidence = raw.get("reason"), raw.get("confidence")
        if reason is not None and not isinstance(reason, str):
            raise ValueError(f"answer field 'reason' must be a str or null, got {reason!r:.60}")
        if confidence is not None and (not isinstance(confidence, (int, float)) or isinstance(confidence, bool)):
            raise ValueError(f"answer field 'confidence' must be a number or null, got {confidence!r:.60}")
        return cls(
            text=_typed(raw, "text", str, "answer"),
            citations=[Citation.from_dict(c) for c in _typed({"citations": [], **raw}, "citations", list, "answer")],
            abstained=_typed({"abstained": False, **raw}, "abstained", bool, "answer"),
            reason=reason,
            confidence=None if confidence is None else float(confidence),
        )
