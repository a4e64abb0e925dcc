"""The document's structure and the index built from it, on the fake model: speakers, offsets, boundaries."""

from __future__ import annotations

import qa
from index import chunk_document, parse_document, split_sentences
from qa import Assistant


def test_layout_finds_the_article_parts_and_the_five_commenters(document_text: str) -> None:
    segments = qa.layout(document_text)
    kinds = [s.kind for s in segments]
    comments = [(s.comment, s.speaker) for s in segments if s.kind == "comment"]

    assert kinds[:3] == ["title", "caption", "byline"] and "bio" in kinds
    assert comments == [(1, "PIERE"), (2, "Commenter 2"), (3, "Commenter 3"), (4, "Commenter 4"), (5, "Commenter 5")]
    assert [s.start for s in segments] == sorted(s.start for s in segments)


def test_every_segment_and_sentence_is_an_exact_trimmed_slice(document_text: str) -> None:
    for segment in parse_document(document_text):
        text = document_text[segment.start : segment.end]
        assert text and text == text.strip()
        for sentence in split_sentences(document_text, segment.start, segment.end):
            assert segment.start <= sentence.start < sentence.end <= segment.end
            piece = document_text[sentence.start : sentence.end]
            assert piece and piece == piece.strip()


def test_no_chunk_crosses_a_speaker_boundary(document_text: str) -> None:
    segments = parse_document(document_text)
    for chunk in chunk_document("doc", document_text, segments):
        owners = {s.speaker for s in segments if s.start < chunk.end and chunk.start < s.end}
        assert owners == {chunk.speaker}, chunk


def test_a_text_without_the_layout_falls_back_to_paragraphs_of_an_unknown_speaker() -> None:
    text = "First paragraph here.\n\nSecond paragraph, with two sentences. Here is the other."
    segments = qa.layout(text)

    assert [s.kind for s in segments] == ["paragraph", "paragraph"]
    assert len({s.speaker for s in segments}) == 1


def test_the_loaded_index_has_passages_and_sentences_for_every_speaker(fake_assistant: Assistant) -> None:
    manifest = fake_assistant.load()
    engine = fake_assistant._loaded()

    assert manifest["passages"] > 0 and manifest["sentences"] > manifest["passages"]
    assert {u.speaker for u in engine.sentences.units} >= {"Shireen T. Hunter", "PIERE", "Commenter 5"}
    for unit in engine.sentences.units:
        assert engine.texts[unit.source][unit.start : unit.end].strip()


def test_chunks_of_a_text_with_headings_carry_the_heading_as_their_section() -> None:
    text = "Overview\n\nThe dam was finished in 1936.\n\nCosts\n\nIt cost 49 million dollars. Work ran two years ahead."
    headings = [(text.index(h), text.index(h) + len(h), 1) for h in ("Overview", "Costs")]
    chunks = chunk_document("dam", text, parse_document(text, headings))

    sections = {text[c.start : c.end]: c.section for c in chunks if c.level == "sentence"}
    assert sections["The dam was finished in 1936."] == "Overview"
    assert sections["It cost 49 million dollars."] == "Costs"
    assert {c.speaker for c in chunks} == {"Unknown"}
