"""The records every consumer reads: a cited passage and an answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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

    def to_dict(self) -> dict[str, Any]:
        """Return the citation as a plain JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An answer text with inline ``[n]`` markers and the citations they point to.

    When ``abstained`` is true the text says the document does not answer the question,
    and ``citations`` lists the closest passages as related reading, not as evidence.
    ``reason`` says why it abstained, or what supports the answer.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as a plain JSON-ready dict."""
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "reason": self.reason,
        }
