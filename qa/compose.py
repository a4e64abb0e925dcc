"""Compose a short answer with inline [n] markers that says who says what."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

from index import Chunk
from qa.records import Citation

ABSTAIN_OPENING = "The document doesn't say."
ABSTAIN_TEXT = f"{ABSTAIN_OPENING} The closest passages are cited as related reading, not as an answer."


def attribution(unit: Chunk, author: str | None, title: str | None = None) -> str:
    """Return the lead-in that names who says the quoted text and where; a document without a
    byline is named by its title."""
    if unit.section == "comment":
        if unit.speaker.startswith("Commenter "):
            return f"{unit.speaker} (a reader) writes:"
        return f"{unit.speaker} (reader comment {unit.comment}) writes:"
    if author is None or unit.speaker != author:
        return f"*{title}* says:" if title else "The document says:"
    return {
        "title": "The article's title is",
        "byline": "The byline reads:",
        "bio": "The author's bio says:",
    }.get(unit.section, f"The author, {author}, writes:")


def page_of(page_starts: tuple[int, ...], offset: int) -> int | None:
    """Return the 1-based page holding ``offset``, or None for a document without pages."""
    if not page_starts:
        return None
    return max(bisect_right(page_starts, offset), 1)


def citations_for(
    units: list[Chunk], texts: dict[str, str], pages: Mapping[str, tuple[int, ...]] | None = None
) -> list[Citation]:
    """Return one citation per unit, numbered in document order, with its page where there are pages."""
    ordered = sorted(units, key=lambda u: (u.source, u.start))
    pages = pages or {}
    return [
        Citation(
            marker=n,
            quote=texts[u.source][u.start : u.end],
            start=u.start,
            end=u.end,
            source=u.source,
            section=u.section,
            speaker=u.speaker,
            page=page_of(pages.get(u.source, ()), u.start),
        )
        for n, u in enumerate(ordered, start=1)
    ]


def compose(
    units: list[Chunk],
    citations: list[Citation],
    author: str | Mapping[str, str | None] | None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """Return the answer text: quotes grouped by consecutive speaker, each with its marker.

    ``author`` is the byline's name, or one per source; ``titles`` names each source. When the
    quotes come from several documents, each group says which document it comes from.
    """
    ordered = sorted(units, key=lambda u: (u.source, u.start))
    titles = titles or {}
    several = len({u.source for u in ordered}) > 1
    parts: list[str] = []
    previous: tuple[str, str, str] | None = None
    for citation, unit in zip(citations, ordered, strict=True):
        key = (unit.source, unit.speaker, unit.section)
        quote = f"“{citation.quote}” [{citation.marker}]"
        if key == previous:
            parts[-1] += f" … {quote}"
        else:
            by = author.get(unit.source) if isinstance(author, Mapping) else author
            title = titles.get(unit.source) or unit.source
            lead = attribution(unit, by, title if titles or several else None)
            if several and not lead.startswith("*"):
                lead = f"From *{title}*: {lead}"
            parts.append(f"{lead} {quote}")
        previous = key
    return "\n".join(parts)
