"""The real server (`python ui.py`) on a free 127.0.0.1 port: HTTP API, Gradio client, bad input, auth, concurrency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from eval.soak import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
START_TIMEOUT = 240.0
AUTH = ("ann", "correct horse battery")
QUESTIONS = [
    "Who is the author?",
    "What does Commenter 4 say about Shia Islam?",
    "Why are Iran's hardliners reluctant to talk to America?",
    "What happened in 1986?",
]

pytestmark = pytest.mark.server


@dataclass
class Server:
    """A running `ui.py` process and what its start-up took."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    seconds_to_ready: float
    seconds_to_first_answer: float


def _start(data_dir: Path, model_cache: Path, log: Path, auth: str | None = None) -> Server:
    """Start `python ui.py` like `make chat` does, wait until /api/health is ready, and time a first answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env |= {
        "QA_MODEL_CACHE_DIR": str(model_cache),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    if auth:
        env["QA_AUTH"] = auth
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "ui.py", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    credentials = tuple(auth.split(":", 1)) if auth else None
    ready_at = None
    while time.perf_counter() - started < START_TIMEOUT:
        if process.poll() is not None:
            raise AssertionError(f"ui.py exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            health = httpx.get(f"{url}/api/health", auth=credentials, timeout=5)
        except httpx.TransportError:
            health = None
        if health is not None and health.status_code == 200:
            ready_at = time.perf_counter()
            break
        time.sleep(0.2)
    if ready_at is None:
        process.kill()
        raise AssertionError(f"ui.py not ready after {START_TIMEOUT} s:\n{log.read_text(errors='replace')}")
    answer = httpx.post(f"{url}/api/ask", json={"question": QUESTIONS[0]}, auth=credentials, timeout=60)
    assert answer.status_code == 200, answer.text
    return Server(url, process, log, ready_at - started, time.perf_counter() - started)


def _stop(server: Server) -> None:
    stop_process(server.process)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    """`python ui.py` on a fresh data dir (so it builds the index at start), no auth."""
    base = tmp_path_factory.mktemp("http-server")
    running = _start(base / "qa-data", model_cache, base / "server.log")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "server-start.json").write_text(
        json.dumps(
            {
                "seconds_to_ready_with_index_build": round(running.seconds_to_ready, 2),
                "seconds_to_first_answer": round(running.seconds_to_first_answer, 2),
            },
            indent=2,
        )
    )
    yield running
    _stop(running)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    """`python ui.py` with QA_AUTH=user:password set."""
    base = tmp_path_factory.mktemp("http-auth-server")
    running = _start(base / "qa-data", model_cache, base / "server.log", auth=":".join(AUTH))
    yield running
    _stop(running)


def _document() -> str:
    return (ROOT / "qa" / "documents" / "iran-hardliners-hunter.txt").read_text(encoding="utf-8")


def test_health_reports_readiness_manifest_and_model(server: Server) -> None:
    health = httpx.get(f"{server.url}/api/health").json()

    assert health["ready"] is True and health["status"] == "ready"
    assert health["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert health["manifest"]["built_now"] is True
    assert health["manifest"]["passages"] > 0 and "iran-hardliners-hunter" in health["manifest"]["sources"]


def test_post_ask_returns_the_answer_contract_with_citations(server: Server) -> None:
    response = httpx.post(f"{server.url}/api/ask", json={"question": QUESTIONS[1]}, timeout=60)
    answer = response.json()
    document = _document()

    assert response.status_code == 200
    assert set(answer) == {"text", "citations", "abstained", "reason", "confidence"}
    assert answer["abstained"] is False and "[1]" in answer["text"]
    assert answer["citations"]
    for citation in answer["citations"]:
        assert set(citation) == {"marker", "quote", "start", "end", "source", "section", "speaker", "page"}
        assert document[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['marker']}]" in answer["text"]
    assert {c["speaker"] for c in answer["citations"]} == {"Commenter 4"}


def test_post_ask_follow_up_uses_history_in_both_shapes(server: Server) -> None:
    first = httpx.post(f"{server.url}/api/ask", json={"question": QUESTIONS[2]}, timeout=60).json()
    follow_up = "What else does she say about it?"
    pairs = [[QUESTIONS[2], first["text"]]]
    messages = [{"role": "user", "content": QUESTIONS[2]}, {"role": "assistant", "content": first["text"]}]

    with_pairs = httpx.post(f"{server.url}/api/ask", json={"question": follow_up, "history": pairs}, timeout=60)
    with_messages = httpx.post(f"{server.url}/api/ask", json={"question": follow_up, "history": messages}, timeout=60)

    assert with_pairs.status_code == with_messages.status_code == 200
    assert with_pairs.json() == with_messages.json()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (json.dumps({}), "question: Field required"),
        (json.dumps({"question": ""}), "empty"),
        (json.dumps({"question": "   "}), "empty"),
        (json.dumps({"question": "why " * 1000}), "limit is 2,000"),
        (json.dumps({"question": 42}), "question: Input should be a valid string"),
        (json.dumps({"question": "Who?", "history": "not a list"}), "history"),
        (json.dumps({"question": "Who?", "history": [{"role": "robot", "content": "x"}]}), "history"),
        (json.dumps(["Who is the author?"]), "valid dictionary"),
        ('{"question": "Who', "JSON decode error"),
        (b"\xff\xfe\x00\x01binary", ""),
    ],
    ids=[
        "missing",
        "empty",
        "blank",
        "too-long",
        "not-a-string",
        "history-type",
        "history-role",
        "array",
        "bad-json",
        "binary",
    ],
)
def test_bad_input_gets_4xx_json_not_a_traceback(server: Server, body: str | bytes, says: str) -> None:
    response = httpx.post(
        f"{server.url}/api/ask", content=body, headers={"content-type": "application/json"}, timeout=30
    )

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    assert says in message
    assert "Traceback" not in response.text


def test_gradio_client_asks_through_the_named_chat_endpoint(server: Server) -> None:
    client = Client(server.url + "/", verbose=False)

    answer = client.predict(QUESTIONS[1], [], api_name="/chat")

    assert set(answer) == {"text", "citations", "abstained", "reason", "confidence"}
    assert "[1]" in answer["text"] and answer["citations"][0]["speaker"] == "Commenter 4"
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/chat"]


def test_gradio_client_gets_the_polite_message_for_an_empty_question(server: Server) -> None:
    client = Client(server.url + "/", verbose=False)

    with pytest.raises(Exception, match="The question is empty"):
        client.predict("", [], api_name="/chat")


def test_concurrent_requests_through_api_and_gradio_share_one_assistant(server: Server) -> None:
    expected = {q: httpx.post(f"{server.url}/api/ask", json={"question": q}, timeout=60).json() for q in QUESTIONS}
    client = Client(server.url + "/", verbose=False)
    jobs = [client.submit(q, [], api_name="/chat") for q in QUESTIONS * 2]

    def ask(question: str) -> dict:
        return httpx.post(f"{server.url}/api/ask", json={"question": question}, timeout=120).json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        over_http = list(pool.map(ask, QUESTIONS * 6))

    assert over_http == [expected[q] for q in QUESTIONS * 6]
    assert [job.result(timeout=120) for job in jobs] == [expected[q] for q in QUESTIONS * 2]


def test_openapi_docs_describe_the_api(server: Server) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    docs = httpx.get(f"{server.url}/docs")

    assert {"/api/ask", "/api/health"} <= set(schema["paths"])
    assert "question" in schema["components"]["schemas"]["AskRequest"]["properties"]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_the_chat_page_is_served(server: Server) -> None:
    page = httpx.get(server.url + "/")

    assert page.status_code == 200 and '"title":"Ask the article"' in page.text


def test_unknown_api_route_is_a_json_or_plain_404(server: Server) -> None:
    response = httpx.post(f"{server.url}/api/nope", json={})

    assert response.status_code in (404, 405)
    assert "Traceback" not in response.text


def test_auth_is_required_by_the_http_api(auth_server: Server) -> None:
    ask = {"question": QUESTIONS[0]}

    anonymous = httpx.post(f"{auth_server.url}/api/ask", json=ask)
    wrong = httpx.post(f"{auth_server.url}/api/ask", json=ask, auth=("ann", "wrong"))
    health = httpx.get(f"{auth_server.url}/api/health")
    signed_in = httpx.post(f"{auth_server.url}/api/ask", json=ask, auth=AUTH, timeout=60)

    assert anonymous.status_code == wrong.status_code == health.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert "Authentication required" in anonymous.json()["error"]
    assert signed_in.status_code == 200 and signed_in.json()["citations"]


def test_auth_is_required_by_the_ui_and_gradio_client(auth_server: Server) -> None:
    config = httpx.get(f"{auth_server.url}/config")
    login = httpx.post(f"{auth_server.url}/login", data={"username": AUTH[0], "password": "wrong"})

    assert config.status_code == 401
    assert login.status_code in (400, 401)
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a bare ValueError/AuthenticationError
        Client(auth_server.url + "/", verbose=False)
    client = Client(auth_server.url + "/", auth=AUTH, verbose=False)
    assert client.predict(QUESTIONS[0], [], api_name="/chat")["citations"]


def test_documents_are_uploaded_listed_asked_and_deleted_over_http(server: Server) -> None:
    notes = "# Harbour notes\n\nThe harbour master mends the nets every Sunday.\n\nThe ferry leaves at 7am."
    added = httpx.post(
        f"{server.url}/api/documents", files=[("files", ("harbour.md", notes.encode(), "text/markdown"))], timeout=120
    )
    assert added.status_code == 201, added.text
    (change,) = added.json()["changes"]
    doc_id = change["document"]["id"]
    assert change["action"] == "added" and change["document"]["title"] == "Harbour notes"
    listed = httpx.get(f"{server.url}/api/documents").json()["documents"]
    assert {"iran-hardliners-hunter", doc_id} == {d["id"] for d in listed}

    asked = httpx.post(
        f"{server.url}/api/ask", json={"question": "Who mends the nets?", "documents": [doc_id]}, timeout=60
    ).json()
    assert not asked["abstained"] and asked["citations"][0]["source"] == doc_id
    assert "harbour master mends the nets" in asked["text"]
    unknown = httpx.post(f"{server.url}/api/ask", json={"question": "Who mends the nets?", "documents": ["nope"]})
    assert unknown.status_code == 422 and "Unknown document id" in unknown.json()["error"]

    for name, data, says in [
        ("empty.md", b"", "empty"),
        ("../../etc/evil.md", b"# x\n\ny", "file name"),
        ("virus.exe", b"MZ", ".pdf"),
    ]:
        refused = httpx.post(f"{server.url}/api/documents", files=[("files", (name, data, "application/octet-stream"))])
        assert refused.status_code == 422 and says in refused.json()["error"], refused.text
    assert len(httpx.get(f"{server.url}/api/documents").json()["documents"]) == 2

    removed = httpx.delete(f"{server.url}/api/documents/{doc_id}")
    assert removed.status_code == 200 and removed.json()["removed"]["id"] == doc_id
    assert httpx.delete(f"{server.url}/api/documents/{doc_id}").status_code == 404
    schema = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(schema["/api/documents"]) and "delete" in schema["/api/documents/{doc_id}"]
