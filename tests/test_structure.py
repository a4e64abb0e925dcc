"""The parser, sentence splitter and chunker: exact offsets, speakers, no boundary crossing."""

from __future__ import annotations

from index import chunk_document, parse_document, split_sentences
from index.structure import UNKNOWN_SPEAKER


def test_parser_finds_all_five_comments_with_their_speakers(document_text: str) -> None:
    comments = [s for s in parse_document(document_text) if s.kind == "comment"]
    assert [(c.comment, c.speaker) for c in comments] == [
        (1, "PIERE"),
        (2, "Commenter 2"),
        (3, "Commenter 3"),
        (4, "Commenter 4"),
        (5, "Commenter 5"),
    ]
    assert document_text[comments[0].start :].startswith("And where has this reconciliation ever occurred?")
    assert document_text[comments[3].start :].startswith("Shireen joon")


def test_parser_finds_title_byline_body_bio_and_closing(document_text: str) -> None:
    segments = parse_document(document_text)
    kinds = [s.kind for s in segments]
    assert kinds[:3] == ["title", "caption", "byline"]
    assert kinds.count("paragraph") == 12
    assert kinds.count("signature") == 1 and kinds.count("bio") == 1
    assert kinds[-1] == "closing"
    by_kind = {s.kind: s for s in segments}
    assert by_kind["title"].text(document_text) == "The Real Reason Iran’s Hardliners Don’t Want to Talk to America"
    assert by_kind["byline"].speaker == "Shireen T. Hunter"
    assert by_kind["bio"].text(document_text).startswith("Shireen Hunter is an affiliate fellow")
    assert by_kind["closing"].text(document_text) == "Comments are closed."


def test_every_segment_is_an_exact_trimmed_slice_in_order(document_text: str) -> None:
    segments = parse_document(document_text)
    previous_end = 0
    for s in segments:
        text = document_text[s.start : s.end]
        assert text == text.strip() and text
        assert s.start >= previous_end
        previous_end = s.end


def test_sentences_keep_abbreviations_and_quotes_together() -> None:
    text = "Reagan’s aide Robert McFarland went to Tehran. The U.S. said “no.” Rev. Hagee spoke!\nNew line here"
    quotes = [text[s.start : s.end] for s in split_sentences(text)]
    assert quotes == [
        "Reagan’s aide Robert McFarland went to Tehran.",
        "The U.S. said “no.”",
        "Rev. Hagee spoke!",
        "New line here",
    ]


def test_chunks_never_cross_a_speaker_boundary(document_text: str) -> None:
    segments = parse_document(document_text)
    chunks = chunk_document("doc", document_text, segments)
    for chunk in chunks:
        owner = [s for s in segments if s.start <= chunk.start and chunk.end <= s.end]
        assert len(owner) == 1, chunk
        assert owner[0].speaker == chunk.speaker
        assert document_text[chunk.start : chunk.end] == document_text[chunk.start : chunk.end].strip()
    comment_4 = next(c for c in chunks if c.speaker == "Commenter 4")
    assert comment_4.header.startswith("Reader comment 4 (Commenter 4), replying to the article by Shireen T. Hunter")
    assert comment_4.header not in document_text


def test_plain_text_falls_back_to_unattributed_paragraphs() -> None:
    text = "First paragraph about cats.\n\nSecond paragraph. It has two sentences."
    segments = parse_document(text)
    assert [(s.kind, s.section, s.speaker) for s in segments] == [("paragraph", "article", UNKNOWN_SPEAKER)] * 2
    assert [text[s.start : s.end] for s in segments][1] == "Second paragraph. It has two sentences."
