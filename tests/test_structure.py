"""The parser, sentence splitter and chunker: exact offsets, speakers, no boundary crossing."""

from __future__ import annotations

import pytest

from index import chunk_document, parse_document, split_sentences
from index.structure import UNKNOWN_SPEAKER

AUTHOR = "Shireen T. Hunter"
# The bundled document's segments as the parser gave them before layouts needed their whole shape:
# (kind, section, speaker, start, end, comment). Twelve body paragraphs are listed by their offsets.
BUNDLED_SEGMENTS = [
    ("title", "title", AUTHOR, 0, 63, None),
    ("caption", "article", AUTHOR, 65, 110, None),
    ("byline", "byline", AUTHOR, 112, 132, None),
    *(
        ("paragraph", "article", AUTHOR, start, end, None)
        for start, end in [
            (138, 345),
            (347, 892),
            (894, 1840),
            (1842, 2455),
            (2457, 3002),
            (3004, 3876),
            (3878, 4415),
            (4417, 5085),
            (5087, 5898),
            (5900, 6517),
            (6519, 6935),
            (6937, 7474),
        ]
    ),
    ("signature", "byline", AUTHOR, 7476, 7490, None),
    ("bio", "bio", AUTHOR, 7492, 8131, None),
    ("comment", "comment", "PIERE", 8152, 8676, 1),
    ("comment", "comment", "Commenter 2", 8683, 9423, 2),
    ("comment", "comment", "Commenter 3", 9430, 9720, 3),
    ("comment", "comment", "Commenter 4", 9727, 10422, 4),
    ("comment", "comment", "Commenter 5", 10429, 11596, 5),
    ("closing", "article", UNKNOWN_SPEAKER, 11598, 11618, None),
]
HISTORY = """Płock

By 1300 the town was a seat of the Dukes of Masovia.

1. The cathedral hill was fortified in the tenth century.

2. The town received its charter in 1237.

3. Merchants from Gdańsk traded grain on the Vistula.
"""
ARTICLE = """Why Small Towns Keep Their Libraries

by María de la Cruz

Across the region, councils have voted to keep branch libraries open.

Residents said the buildings serve as meeting rooms, study halls and warm places in winter.
"""


def _rows(text: str, headings: tuple[tuple[int, int, int], ...] = ()) -> list[tuple]:
    return [(s.kind, s.section, s.speaker, s.start, s.end, s.comment) for s in parse_document(text, headings)]


def test_the_bundled_document_parses_exactly_as_before_the_layout_checks(document_text: str) -> None:
    assert _rows(document_text) == BUNDLED_SEGMENTS


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


def test_a_number_after_op_or_no_does_not_start_a_sentence() -> None:
    text = "His Etude Op. 10, No. 12 (Op. 25) was published. Vol. 3 came in 1832. It sold well."
    quotes = [text[s.start : s.end] for s in split_sentences(text)]
    assert quotes == ["His Etude Op. 10, No. 12 (Op. 25) was published.", "Vol. 3 came in 1832.", "It sold well."]


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


def test_a_history_text_with_numbered_paragraphs_has_no_author_and_no_comments() -> None:
    segments = parse_document(HISTORY)

    assert {(s.kind, s.section, s.speaker) for s in segments} == {("paragraph", "article", UNKNOWN_SPEAKER)}
    assert [s.comment for s in segments] == [None] * 5
    assert segments[1].text(HISTORY) == "By 1300 the town was a seat of the Dukes of Masovia."
    assert chunk_document("history", HISTORY, segments)[0].header == ""


def test_an_article_without_comments_still_has_its_author() -> None:
    segments = parse_document(ARTICLE)

    assert [s.kind for s in segments] == ["title", "byline", "paragraph", "paragraph"]
    assert {s.speaker for s in segments} == {"María de la Cruz"}
    assert segments[1].text(ARTICLE) == "by María de la Cruz"


@pytest.mark.parametrize(
    "byline",
    [
        "By the way, the council met on Monday",
        "by John Smith and 1,000 others",
        "By 1300 the town was a seat of the Dukes of Masovia.",
        "By Staff Reporter",
        "By The Way",
        "By Madonna",
        "By John Smith.",
        "by j. smith",
    ],
)
def test_a_by_line_that_is_not_a_persons_name_is_no_byline(byline: str) -> None:
    text = ARTICLE.replace("by María de la Cruz", byline)

    assert {(s.kind, s.speaker) for s in parse_document(text)} == {("paragraph", UNKNOWN_SPEAKER)}


@pytest.mark.parametrize("byline", ["By María de la Cruz", "BY JOHN SMITH", "By: J. R. Tolkien", "by Ahmad bin Said"])
def test_a_by_line_with_a_persons_name_is_a_byline(byline: str) -> None:
    text = ARTICLE.replace("by María de la Cruz", byline)

    assert [s.kind for s in parse_document(text)][:2] == ["title", "byline"]


@pytest.mark.parametrize(
    ("first", "why"),
    [
        (
            "The council met on Monday and voted to keep every branch library in the county open for another year.",
            "long",
        ),
        ("Libraries stay open.", "a sentence"),
    ],
)
def test_without_a_title_first_a_byline_makes_no_article(first: str, why: str) -> None:
    text = ARTICLE.replace("Why Small Towns Keep Their Libraries", first)

    assert {s.speaker for s in parse_document(text)} == {UNKNOWN_SPEAKER}, why


def test_a_byline_with_no_body_after_it_makes_no_article() -> None:
    assert {s.speaker for s in parse_document("A Title\n\nBy Jane Doe\n")} == {UNKNOWN_SPEAKER}


def test_a_numbered_list_in_the_body_is_not_reader_comments() -> None:
    body = (
        "Three reasons:\n\n1. Rooms.\n\n2. Books.\n\n3. Warmth.\n\nThe vote passed.\n\nMaría de la Cruz\n\nShe writes."
    )
    text = ARTICLE + "\n" + body + "\n\n1. ANA:\nGood news.\n\n2. Agreed.\n\nComments are closed."
    segments = parse_document(text)

    assert [(s.comment, s.speaker) for s in segments if s.kind == "comment"] == [(1, "ANA"), (2, "Commenter 2")]
    assert "1. Rooms." in [s.text(text) for s in segments if s.kind == "paragraph"]
    assert [s.kind for s in segments][-5:] == ["signature", "bio", "comment", "comment", "closing"]


def test_headings_give_the_sections_of_a_text_without_the_article_layout() -> None:
    text = "Notes on the town\n\nEarly history\nThe hill was fortified.\n\nIt grew.\n\nTrade\n\nGrain went north."
    early = text.index("Early history")
    trade = text.index("Trade")
    segments = parse_document(text, [(early, early + len("Early history") + 1, 2), (trade, trade + 5, 2)])

    assert [(s.kind, s.section, s.text(text)) for s in segments] == [
        ("paragraph", "article", "Notes on the town"),
        ("heading", "Early history", "Early history"),
        ("paragraph", "Early history", "The hill was fortified."),
        ("paragraph", "Early history", "It grew."),
        ("heading", "Trade", "Trade"),
        ("paragraph", "Trade", "Grain went north."),
    ]
    assert {s.speaker for s in segments} == {UNKNOWN_SPEAKER}


def test_a_long_heading_is_cut_to_a_short_section_name() -> None:
    heading = "A   very long heading " + "word " * 30
    text = heading + "\n\nBody text."
    section = parse_document(text, [(0, len(heading), 1)])[-1].section

    assert len(section) <= 80 and section.startswith("A very long heading word") and section.endswith("…")


@pytest.mark.parametrize("headings", [[(5, 200, 1)], [(3, 1, 1)], [(0, 6, 1), (4, 9, 1)]])
def test_heading_spans_outside_the_text_or_overlapping_say_what_to_pass(headings: list) -> None:
    with pytest.raises(ValueError, match="pass"):
        parse_document("Heading\n\nBody text.", headings)
