"""The HTTP routes and chat handlers of ui.build_app() on the fake model, in process (no port)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import ui
from qa import Answer, Assistant
from webui.api import MAX_BODY_BYTES
from webui.state import ChatHandlers

JAFARI = "What did General Jafari say?"
FOLLOW_UP = "What else did he say?"


@pytest.fixture(scope="module")
def app(fake_assistant: Assistant) -> Any:
    """The whole app over the fast lane's Assistant."""
    app = ui.build_app(fake_assistant)
    assert app.state.handlers.status.wait(60), app.state.handlers.status.describe()
    return app


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    """An in-process HTTP client of the app."""
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def first(client: TestClient) -> dict[str, Any]:
    """The JSON /api/ask returns for the question the follow-ups lean on."""
    response = client.post("/api/ask", json={"question": JAFARI})
    assert response.status_code == 200
    return response.json()


def test_ask_returns_the_answer_json_quoting_the_document(
    client: TestClient, first: dict[str, Any], document_text: str
) -> None:
    assert first["abstained"] is False and "[1]" in first["text"]
    for c in first["citations"]:
        assert document_text[c["start"] : c["end"]] == c["quote"]
    assert Answer.from_dict(first).to_dict() == first


@pytest.mark.parametrize("shape", ["pair", "turn", "messages", "bare-answer", "text-pair"])
def test_ask_takes_the_history_in_every_documented_shape(
    client: TestClient, fake_assistant: Assistant, first: dict[str, Any], shape: str
) -> None:
    history: list[Any] = {
        "pair": [[JAFARI, first]],
        "turn": [{"question": JAFARI, "answer": first}],
        "messages": [{"role": "user", "content": JAFARI}, {"role": "assistant", "content": first}],
        "bare-answer": [first],
        "text-pair": [[JAFARI, first["text"]]],
    }[shape]

    response = client.post("/api/ask", json={"question": FOLLOW_UP, "history": history})

    assert response.status_code == 200, response.text
    assert response.json() == fake_assistant.ask(FOLLOW_UP, history).to_dict()


def test_a_follow_up_with_the_answer_json_uses_its_citations(client: TestClient, first: dict[str, Any]) -> None:
    reworded = {**first, "text": "See the sources [1]."}

    structured = client.post(
        "/api/ask", json={"question": FOLLOW_UP, "history": [{"question": JAFARI, "answer": reworded}]}
    ).json()
    plain = client.post("/api/ask", json={"question": FOLLOW_UP, "history": [[JAFARI, reworded["text"]]]}).json()

    before = {(c["start"], c["end"]) for c in first["citations"]}
    assert not before & {(c["start"], c["end"]) for c in structured["citations"]}
    assert before & {(c["start"], c["end"]) for c in plain["citations"]}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({}, 422, "question: Field required"),
        ({"question": ""}, 422, "empty"),
        ({"question": "why " * 1000}, 422, "limit is 2,000"),
        ({"question": 42}, 422, "question: Input should be a valid string"),
        ({"question": "Who?", "history": "not a list"}, 422, "history"),
        ({"question": "Who?", "history": [{"role": "robot", "content": "x"}]}, 422, "history"),
        (
            {"question": "Who?", "history": [["Who?", {"text": "x", "citations": "none", "abstained": False}]]},
            422,
            "history",
        ),
        ({"question": "Who?", "history": [{"question": "Who?", "answer": {"citations": []}}]}, 422, "history"),
    ],
    ids=[
        "missing",
        "empty",
        "too-long",
        "not-a-string",
        "history-type",
        "history-role",
        "answer-citations",
        "answer-fields",
    ],
)
def test_bad_input_gets_a_4xx_json_error(client: TestClient, body: dict[str, Any], status: int, says: str) -> None:
    response = client.post("/api/ask", json=body)

    assert response.status_code == status, response.text
    assert says in response.json()["error"] and "Traceback" not in response.text


def test_a_body_that_is_not_json_gets_a_4xx_json_error(client: TestClient) -> None:
    for body in (b'{"question": "Who', b"\x00\x01\x02", b'{"question": "\xff\xfe Who?"}'):
        response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
        assert response.status_code in (400, 422) and response.json()["error"]


def test_a_body_over_the_cap_is_refused_with_413(client: TestClient) -> None:
    body = json.dumps({"question": "Who is the author?", "history": [["x" * MAX_BODY_BYTES, ""]]})

    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413 and "takes at most" in response.json()["error"]


def test_health_reports_ready_with_the_manifest(client: TestClient, fake_assistant: Assistant) -> None:
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.json()["ready"] is True
    assert response.json()["manifest"]["model"] == fake_assistant.settings.model_name


def test_the_openapi_schema_documents_the_history_shapes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    assert {"HistoryMessage", "HistoryTurn", "Answer", "Citation"} <= set(schema["components"]["schemas"])


def test_with_auth_the_api_wants_the_credentials(fake_assistant: Assistant) -> None:
    with TestClient(ui.build_app(fake_assistant, auth=("reader", "s3cret"))) as client:
        refused = client.post("/api/ask", json={"question": JAFARI})
        allowed = client.post("/api/ask", json={"question": JAFARI}, auth=("reader", "s3cret"))
        docs = client.get("/openapi.json")

    assert refused.status_code == 401 and "Authentication required" in refused.json()["error"]
    assert allowed.status_code == 200 and docs.status_code == 200


def test_the_chat_sends_each_answer_json_as_history(app: Any, fake_assistant: Assistant) -> None:
    handlers: ChatHandlers = app.state.handlers
    first = handlers.respond(JAFARI, [], [])
    _, transcript, turns, _, _ = handlers.respond(FOLLOW_UP, first[1], first[2])

    assert len(transcript) == 4
    assert turns[1]["answer"] == fake_assistant.ask(FOLLOW_UP, [(JAFARI, turns[0]["answer"])]).to_dict()


def test_the_gradio_chat_endpoint_takes_the_answer_json_as_history(app: Any, first: dict[str, Any]) -> None:
    handlers: ChatHandlers = app.state.handlers

    answer = handlers.api_chat(FOLLOW_UP, [{"question": JAFARI, "answer": first}])

    assert answer == handlers.assistant.ask(FOLLOW_UP, [(JAFARI, first)]).to_dict()
