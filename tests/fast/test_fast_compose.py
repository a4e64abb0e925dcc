"""Composition on the fake model: who says what, markers in document order, quotes grouped by speaker."""

from __future__ import annotations

from index import Chunk
from qa import Assistant
from qa.compose import ABSTAIN_TEXT, attribution, citations_for, compose


def _first(assistant: Assistant, speaker: str, kind: str) -> Chunk:
    return next(u for u in assistant._loaded().sentences.units if u.speaker == speaker and u.segment_kind == kind)


def test_each_speaker_is_named_the_way_the_document_names_them(fake_assistant: Assistant) -> None:
    author = fake_assistant._loaded().author
    reader = _first(fake_assistant, "Commenter 4", "comment")

    assert author == "Shireen T. Hunter"
    assert attribution(_first(fake_assistant, author, "paragraph"), author) == "The author, Shireen T. Hunter, writes:"
    assert attribution(_first(fake_assistant, author, "bio"), author) == "The author's bio says:"
    assert attribution(_first(fake_assistant, "PIERE", "comment"), author) == "PIERE (reader comment 1) writes:"
    assert attribution(reader, author) == "Commenter 4 (a reader) writes:"
    # A document without a known author says only that the document says it.
    assert attribution(_first(fake_assistant, author, "paragraph"), None) == "The document says:"


def test_citations_are_numbered_in_document_order_and_quote_exactly(fake_assistant: Assistant) -> None:
    engine = fake_assistant._loaded()
    units = [_first(fake_assistant, s, k) for s, k in (("Commenter 4", "comment"), (engine.author, "paragraph"))]
    units.append(_first(fake_assistant, "PIERE", "comment"))

    citations = citations_for(units, engine.texts)

    assert [c.marker for c in citations] == [1, 2, 3]
    assert [c.start for c in citations] == sorted(c.start for c in citations)
    assert all(engine.texts[c.source][c.start : c.end] == c.quote for c in citations)


def test_consecutive_quotes_of_one_speaker_share_one_lead_in(fake_assistant: Assistant) -> None:
    engine = fake_assistant._loaded()
    reader = [u for u in engine.sentences.units if u.speaker == "Commenter 4"][:2]
    units = [*reader, _first(fake_assistant, "PIERE", "comment")]
    citations = citations_for(units, engine.texts)

    text = compose(units, citations, engine.author)

    assert text.count("writes:") == 2
    # PIERE's comment comes first in the document, so it is [1]; the reader's two quotes are [2] … [3].
    assert text.startswith("PIERE (reader comment 1) writes: “") and "” [2] … “" in text


def test_an_abstention_says_so_in_its_text(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("What is the boiling point of mercury?")

    assert answer.abstained and answer.text == ABSTAIN_TEXT
