"""Follow-ups over structured history: the previous answer's JSON, read by its citations, not its wording."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa import Answer, Assistant
from qa.compose import ABSTAIN_TEXT
from qa.query import Turn, resolve

JAFARI = "What did General Jafari say?"
SHIA = "Why is Shia Islam part of Iranian culture?"
# What an API client might show instead of our text, or what a later version might compose.
REWORDED = "See the sources [1]."


def _overlaps(answer: Answer | dict[str, Any], previous: Answer) -> bool:
    """Return whether ``answer`` quotes any span that ``previous`` quoted."""
    cited = answer.citations if isinstance(answer, Answer) else Answer.from_dict(answer).citations
    return any(a.source == b.source and a.start < b.end and b.start < a.end for a in cited for b in previous.citations)


def test_follow_up_with_the_answer_json_skips_what_it_quoted_even_when_its_text_is_reworded(
    assistant: Assistant,
) -> None:
    first = assistant.ask(JAFARI)
    reworded = {**first.to_dict(), "text": REWORDED}

    structured = assistant.ask("What else did he say?", history=[(JAFARI, reworded)])
    plain_reworded = assistant.ask("What else did he say?", history=[(JAFARI, REWORDED)])
    plain_original = assistant.ask("What else did he say?", history=[(JAFARI, first.text)])

    assert not first.abstained and not structured.abstained
    # The citations say what was quoted: nothing of it is quoted again, however the text reads.
    assert not _overlaps(structured, first), structured.text
    # The same words as plain text say nothing of what was quoted: the follow-up quotes it again.
    assert _overlaps(plain_reworded, first), plain_reworded.text
    # Plain text that quotes the document still works: its quotes are found in the text.
    assert not _overlaps(plain_original, first), plain_original.text


def test_follow_up_takes_the_speaker_from_the_answer_json(assistant: Assistant) -> None:
    first = assistant.ask(SHIA)
    speakers = assistant._loaded().speakers
    reworded = Answer(REWORDED, first.citations)

    structured = assistant.ask("What else does he say?", history=[(SHIA, reworded)])

    assert {c.speaker for c in first.citations} == {"Commenter 4"}
    assert resolve("What else does he say?", [Turn(SHIA, REWORDED, reworded)], speakers).speaker == "Commenter 4"
    assert resolve("What else does he say?", [Turn(SHIA, REWORDED)], speakers).speaker is None
    assert not structured.abstained and {c.speaker for c in structured.citations} == {"Commenter 4"}
    assert not _overlaps(structured, first)


def test_a_follow_up_after_an_abstention_borrows_no_words_from_it(assistant: Assistant) -> None:
    question = "What is the capital of France?"
    # An abstention as the assistant gives one: its citations are related passages, not quoted as an answer.
    abstention = Answer(ABSTAIN_TEXT, assistant.search(question, k=3), abstained=True)
    # The flag says it abstained, whatever the text.
    worded_otherwise = replace(abstention, text="Sorry, the article does not cover that.")

    query = resolve(
        "and what else?", [Turn(question, worded_otherwise.text, worded_otherwise)], assistant._loaded().speakers
    )

    assert query.previous_answer == "" and query.previous_citations == ()
    assert assistant.ask("and what else?", history=[(question, worded_otherwise)]).citations


@pytest.mark.parametrize(
    "shape",
    ["pair", "turn", "messages", "assistant-message-only", "answer-object"],
)
def test_every_structured_shape_gives_the_same_follow_up(assistant: Assistant, shape: str) -> None:
    first = assistant.ask(JAFARI)
    reworded = {**first.to_dict(), "text": REWORDED}
    history: list[Any] = {
        "pair": [[JAFARI, reworded]],
        "turn": [{"question": JAFARI, "answer": reworded}],
        "messages": [{"role": "user", "content": JAFARI}, {"role": "assistant", "content": reworded}],
        "assistant-message-only": [{"role": "assistant", "content": reworded}],
        "answer-object": [(JAFARI, Answer.from_dict(reworded))],
    }[shape]

    follow = assistant.ask("What else did he say?", history=history)

    # Whatever the shape, what was quoted is not quoted again (nor offered as related reading).
    assert not _overlaps(follow, first), follow.text
    if shape != "assistant-message-only":
        # Without the question before it, a follow-up this short may not be answerable.
        assert not follow.abstained, follow.text


def test_http_api_follow_up_with_the_answer_json_uses_its_citations(assistant: Assistant) -> None:
    import ui

    with TestClient(ui.build_app(assistant)) as client:
        first = client.post("/api/ask", json={"question": JAFARI}).json()
        reworded = {**first, "text": REWORDED}
        follow = client.post(
            "/api/ask",
            json={"question": "What else did he say?", "history": [{"question": JAFARI, "answer": reworded}]},
        )

    assert follow.status_code == 200, follow.text
    assert follow.json() == assistant.ask("What else did he say?", [(JAFARI, reworded)]).to_dict()
    assert not _overlaps(follow.json(), Answer.from_dict(first))


def test_chat_ui_sends_each_answer_json_as_history(assistant: Assistant) -> None:
    import ui

    handlers = ui.build_app(assistant).state.handlers
    assert handlers.status.wait(120)
    first = handlers.respond(JAFARI, [], [])
    _, _, turns, _, _ = handlers.respond("What else did he say?", first[1], first[2])

    structured = assistant.ask("What else did he say?", [{"question": JAFARI, "answer": turns[0]["answer"]}])
    assert turns[1]["answer"] == structured.to_dict()
