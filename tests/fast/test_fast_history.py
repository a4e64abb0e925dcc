"""History shapes and structured follow-ups, on the fake model: what was quoted, by whom, and abstentions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from qa import Answer, Assistant, Citation, QuestionError
from qa.query import MAX_TURN_CHARS, MAX_TURN_CITATIONS, Turn, normalize_history, resolve

JAFARI = "What did General Jafari say?"
REWORDED = "See the sources [1]."


@pytest.fixture(scope="module")
def first(fake_assistant: Assistant) -> Answer:
    """A real answer from the fake lane: what the follow-ups below lean on."""
    answer = fake_assistant.ask(JAFARI)
    assert not answer.abstained and "Jafari" in answer.citations[0].quote
    return answer


def _overlaps(answer: Answer, previous: Answer) -> bool:
    return any(
        a.source == b.source and a.start < b.end and b.start < a.end
        for a in answer.citations
        for b in previous.citations
    )


def test_every_history_shape_becomes_the_same_turn(first: Answer) -> None:
    as_json = first.to_dict()
    shapes: list[list[Any]] = [
        [(JAFARI, first)],
        [[JAFARI, as_json]],
        [{"question": JAFARI, "answer": as_json}],
        [{"role": "user", "content": JAFARI}, {"role": "assistant", "content": as_json}],
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": JAFARI},
            {"role": "assistant", "content": first},
        ],
    ]
    for history in shapes:
        assert normalize_history(history, 20) == [Turn(JAFARI, first.text, first)], history


def test_bare_answers_are_assistant_turns_without_a_question(first: Answer) -> None:
    turns = normalize_history([first, first.to_dict(), {"role": "assistant", "content": first.to_dict()}], 20)

    assert turns == [Turn("", first.text, first)] * 3


def test_plain_text_turns_carry_no_answer() -> None:
    turns = normalize_history([("Who?", "Someone."), {"role": "user", "content": "And?"}], 20)

    assert turns == [Turn("Who?", "Someone."), Turn("And?", "")]


def test_answer_json_fields_other_than_the_text_default_as_in_the_record(first: Answer) -> None:
    older = {k: v for k, v in first.to_dict().items() if k in ("text", "citations")}

    assert normalize_history([(JAFARI, older)], 20)[0].answer == Answer(first.text, first.citations)
    assert normalize_history([{"text": "Just text."}], 20) == [Turn("", "Just text.", Answer("Just text."))]


def test_an_answer_without_citations_is_read_as_its_text(fake_assistant: Assistant, first: Answer) -> None:
    speakers = fake_assistant._loaded().speakers
    bare = Answer(first.text)

    assert resolve("What else did he say?", [Turn(JAFARI, first.text, bare)], speakers) == resolve(
        "What else did he say?", [Turn(JAFARI, first.text)], speakers
    )


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ({"text": "x", "citations": None, "abstained": False}, "'citations' must be a list"),
        ({"text": "x", "citations": [], "confidence": "high"}, "'confidence' must be a number"),
        ({"text": "x", "citations": [], "abstained": "no"}, "'abstained' must be a bool"),
        ({"text": "x", "citations": [{"marker": 1}], "abstained": False}, "citation field 'quote' must be a str"),
        ({"text": "x", "citations": ["a quote"], "abstained": False}, "a citation must be a dict"),
        ({"text": 5, "citations": [], "abstained": False}, "'text' must be a str"),
    ],
)
def test_a_malformed_answer_json_is_a_question_error_naming_the_field(broken: dict[str, Any], says: str) -> None:
    with pytest.raises(QuestionError) as raised:
        normalize_history([("Who?", broken)], 20)

    assert "history[0][1] is not an Answer's to_dict() JSON" in str(raised.value)
    assert says in str(raised.value)


def test_an_offset_must_be_an_int_not_a_bool_or_a_string(first: Answer) -> None:
    for bad in (True, "5209"):
        cited = {**first.citations[0].to_dict(), "start": bad}
        with pytest.raises(QuestionError, match="citation field 'start' must be an int"):
            normalize_history([{"question": JAFARI, "answer": {**first.to_dict(), "citations": [cited]}}], 20)


def test_turns_are_capped_in_characters_and_citations(first: Answer) -> None:
    many = Answer("x" * (MAX_TURN_CHARS + 10), [first.citations[0]] * (MAX_TURN_CITATIONS + 5))

    (turn,) = normalize_history([("q" * (MAX_TURN_CHARS + 10), many)], 20)

    assert len(turn.user) == len(turn.assistant) == MAX_TURN_CHARS
    assert turn.answer is not None and len(turn.answer.citations) == MAX_TURN_CITATIONS


def test_the_speaker_comes_from_the_citations_not_the_wording(fake_assistant: Assistant) -> None:
    speakers = fake_assistant._loaded().speakers
    quote = fake_assistant.ask("What does Commenter 4 say about Shia Islam?")
    reworded = replace(quote, text=REWORDED)
    question = "What else does he say?"

    assert {c.speaker for c in quote.citations} == {"Commenter 4"}
    assert resolve(question, [Turn("Why?", REWORDED, reworded)], speakers).speaker == "Commenter 4"
    assert resolve(question, [Turn("Why?", REWORDED)], speakers).speaker is None
    # Plain text still names its speaker before its quote.
    assert resolve(question, [Turn("Why?", quote.text)], speakers).speaker == "Commenter 4"


def test_a_speaker_the_index_does_not_know_names_no_one(fake_assistant: Assistant, first: Answer) -> None:
    stranger = Answer(REWORDED, [replace(c, speaker="Somebody Else") for c in first.citations])

    query = resolve("What else does he say?", [Turn("Who?", REWORDED, stranger)], fake_assistant._loaded().speakers)

    assert query.speaker is None


def test_an_abstention_is_known_by_its_flag_not_its_wording(fake_assistant: Assistant) -> None:
    speakers = fake_assistant._loaded().speakers
    abstention = fake_assistant.ask("What is the boiling point of mercury?")
    worded_otherwise = replace(abstention, text="Sorry, not covered.")

    query = resolve("and what else?", [Turn("Mercury?", worded_otherwise.text, worded_otherwise)], speakers)

    assert abstention.abstained and abstention.citations
    assert query.previous_answer == "" and query.previous_citations == ()


def test_quoted_sentences_are_found_by_offsets(fake_assistant: Assistant, first: Answer) -> None:
    scorer = fake_assistant._loaded().scorer
    share = scorer.cited_in(first.citations)

    assert share is not None
    quoted = {scorer.sentences.units[row].start for row in share.nonzero()[0]}
    assert quoted and all(any(c.start <= s < c.end for c in first.citations) for s in quoted)
    assert float(share.max()) == 1.0


def test_citations_that_do_not_quote_the_document_are_ignored(fake_assistant: Assistant, first: Answer) -> None:
    scorer = fake_assistant._loaded().scorer
    c = first.citations[0]
    forged = [
        replace(c, quote="not what the document says"),
        replace(c, source="another-document"),
        replace(c, start=c.end, end=c.start),
        replace(c, end=10**9),
    ]

    assert scorer.cited_in(forged) is None
    # ... and then the answer's text is matched instead, as for plain text.
    query = resolve(
        "What else did he say?",
        [Turn(JAFARI, first.text, Answer(first.text, forged))],
        fake_assistant._loaded().speakers,
    )
    assert scorer.quoted_by(query).max() == 1.0


def test_follow_up_with_the_answer_json_skips_what_it_quoted_even_when_reworded(
    fake_assistant: Assistant, first: Answer
) -> None:
    reworded = {**first.to_dict(), "text": REWORDED}

    structured = fake_assistant.ask("What else did he say?", history=[(JAFARI, reworded)])
    plain = fake_assistant.ask("What else did he say?", history=[(JAFARI, REWORDED)])

    assert not _overlaps(structured, first), structured.text
    assert _overlaps(plain, first), plain.text


def test_structured_and_plain_text_history_agree_when_the_text_quotes_the_document(
    fake_assistant: Assistant, first: Answer
) -> None:
    structured = fake_assistant.ask("What else did he say?", history=[(JAFARI, first)])
    plain = fake_assistant.ask("What else did he say?", history=[(JAFARI, first.text)])

    assert structured == plain


def test_a_citation_is_rebuilt_from_its_json() -> None:
    citation = Citation(1, "q", 0, 1, "doc", "comment", "Commenter 4")
    answer = Answer("“q” [1]", [citation], abstained=False, reason="evidence")

    assert Citation.from_dict(citation.to_dict()) == citation
    assert Answer.from_dict(answer.to_dict()) == answer
