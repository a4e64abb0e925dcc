"""Bad input on the fake model: each refusal says what to fix, and anything else gets an exact-quote answer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import Answer, Assistant, QAError, QuestionError
from qa.cli import main as qa_main

REFUSALS = [
    ("empty", "", None, "The question is empty"),
    ("whitespace-only", " \t\n \u3000", None, "The question is empty"),
    ("control-chars-only", "\x01\x02\x03\x1b\x7f", None, "The question is empty"),
    ("10k-chars", "why " * 2500, None, "10,000 characters long; the limit is 2,000"),
    ("question-int", 42, None, "must be a string, not int"),
    ("question-none", None, None, "must be a string, not NoneType"),
    ("question-bytes", b"Who is the author?", None, "must be a string, not bytes"),
    ("history-not-a-list", "Who?", "not a list", "history must be a list"),
    ("history-of-numbers", "Who?", [1, 2, 3], "Each history entry must be"),
    ("history-triples", "Who?", [("a", "b", "c")], "Each history entry must be"),
    ("history-bad-role", "Who?", [{"role": "robot", "content": "x"}], "Each history message needs 'role'"),
    ("history-user-content-not-text", "Who?", [{"role": "user", "content": 5}], "must be a string"),
    ("history-answer-not-json", "Who?", [("Who?", 5)], "must be text, an Answer or its to_dict() JSON"),
    ("history-answer-without-text", "Who?", [{"question": "Who?", "answer": {"citations": []}}], "'text'"),
    ("history-question-not-text", "Who?", [{"question": 5, "answer": "x"}], "history[0].question must be a string"),
]
# Inputs that are odd but askable: each gets an answer or an abstention, never an error.
ASKABLE = [
    "Who is\x00 the author?",
    "\udcff\udcfe Who is the author?",
    "😀🔥🙏",
    "من هو كاتب المقال؟",
    "<script>alert(1)</script> Who is the author?",
    "'; DROP TABLE collections; --",
    "?!.,;:",
    "x" * 1999,
]


@pytest.mark.parametrize(("question", "history", "says"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_each_bad_input_is_refused_with_a_message_that_says_the_fix(
    fake_assistant: Assistant, question: Any, history: Any, says: str
) -> None:
    with pytest.raises(QuestionError) as raised:
        fake_assistant.ask(question, history)

    assert says in str(raised.value)


@pytest.mark.parametrize("question", ASKABLE)
def test_odd_but_askable_input_gets_an_answer_quoting_the_document(
    fake_assistant: Assistant, document_text: str, question: str
) -> None:
    answer = fake_assistant.ask(question)

    assert answer.citations
    assert all(document_text[c.start : c.end] == c.quote for c in answer.citations)


def test_a_huge_history_costs_only_its_latest_turns(fake_assistant: Assistant) -> None:
    turn = ("Why are Iran's hardliners reluctant to talk to America?", "They fear losing power.")

    answer = fake_assistant.ask("What happened in 1986?", [turn] * 10_000 + [("x" * 1_000_000, "y" * 1_000)])

    assert answer.citations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.text(max_size=200),
    history=st.one_of(st.none(), st.lists(st.tuples(st.text(max_size=60), st.text(max_size=60)), max_size=3)),
)
def test_any_text_gets_an_answer_quoting_the_source_or_a_qa_error(
    fake_assistant: Assistant, document_text: str, question: str, history: list[tuple[str, str]] | None
) -> None:
    try:
        answer = fake_assistant.ask(question, history)
    except QAError:
        return
    assert isinstance(answer, Answer)
    assert all(document_text[c.start : c.end] == c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("argument", "says"),
    [("", "The question is empty"), ("why " * 2500, "the limit is 2,000"), ("\t \n", "The question is empty")],
    ids=["empty", "10k-chars", "whitespace-only"],
)
def test_cli_refuses_a_bad_question_with_exit_2_before_loading_anything(
    capsys: pytest.CaptureFixture[str], argument: str, says: str
) -> None:
    code = qa_main(["ask", argument])
    out, err = capsys.readouterr()

    assert code == 2 and out == ""
    assert err.startswith("qa: ") and says in err and "Traceback" not in err
