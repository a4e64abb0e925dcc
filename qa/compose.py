"""Compose a short answer with inline [n] markers that says who says what."""

from __future__ import annotations

from index import Chunk
from qa.records import Citation

ABSTAIN_OPENING = "The document doesn't say."
ABSTAIN_TEXT = f"{ABSTAIN_OPENING} The closest passages are cited as related reading, not as an answer."


def attribution(unit: Chunk, author: str | None) -> str:
    """Return the lead-in that names who says the quoted text and where."""
    if unit.section == "comment":
        if unit.speaker.startswith("Commenter "):
            return f"{unit.speaker} (a reader) writes:"
        return f"{unit.speaker} (reader comment {unit.comment}) writes:"
    if author is None or unit.speaker != author:
        return "The document says:"
    return {
        "title": "The article's title is",
        "byline": "The byline reads:",
        "bio": "The author's bio says:",
    }.get(unit.section, f"The author, {author}, writes:")


def citations_for(units: list[Chunk], texts: dict[str, str]) -> list[Citation]:
    """Return one citation per unit, numbered in document order."""
    ordered = sorted(units, key=lambda u: (u.source, u.start))
    return [
        Citation(
            marker=n,
            quote=texts[u.source][u.start : u.end],
            start=u.start,
            end=u.end,
            source=u.source,
            section=u.section,
            speaker=u.speaker,
        )
        for n, u in enumerate(ordered, start=1)
    ]


def compose(units: list[Chunk], citations: list[Citation], author: str | None) -> str:
    """Return the answer text: quotes grouped by consecutive speaker, each with its marker."""
    ordered = sorted(units, key=lambda u: (u.source, u.start))
    parts: list[str] = []
    previous: tuple[str, str] | None = None
    for citation, unit in zip(citations, ordered, strict=True):
        key = (unit.speaker, unit.section)
        quote = f"“{citation.quote}” [{citation.marker}]"
        if key == previous:
            parts[-1] += f" … {quote}"
        else:
            parts.append(f"{attribution(unit, author)} {quote}")
        previous = key
    return "\n".join(parts)
