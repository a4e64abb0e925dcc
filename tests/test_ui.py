"""The chat UI's handlers and rendering, driven through build_app() with the real Assistant (no port)."""

from __future__ import annotations

import json
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi.testclient import TestClient

import qa
import ui
from qa import Answer, Assistant, Citation, Settings, SettingsError
from webui.api import build_api
from webui.render import (
    ECHO_CHARS,
    _esc,
    context_around,
    render_chat_text,
    render_document,
    render_documents,
    render_heading,
    render_sources,
    render_status,
    speaker_label,
)
from webui.state import CONCURRENCY_LIMIT, FEEDBACK_FILE, ChatHandlers, FeedbackLog, IndexStatus

COMMENTER_QUESTION = "What does Commenter 4 say about Shia Islam?"
ARTICLE_QUESTION = "Why are Iran's hardliners reluctant to talk to America?"
HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>alert(1)</script> [click](javascript:alert(2)) ![i](http://x/a.png)'
)


@pytest.fixture(scope="module")
def app(assistant: Assistant) -> Any:
    """The whole app over the session's loaded Assistant."""
    return ui.build_app(assistant)


@pytest.fixture(scope="module")
def handlers(app: Any) -> ChatHandlers:
    """The chat handlers of build_app(), ready to call."""
    handlers: ChatHandlers = app.state.handlers
    assert handlers.status.wait(120), handlers.status.describe()
    return handlers


def _last_reply(transcript: list[dict[str, Any]]) -> str:
    assert transcript[-1]["role"] == "assistant"
    return transcript[-1]["content"]


def test_answer_has_markers_and_a_source_card_per_citation(handlers: ChatHandlers, assistant: Assistant) -> None:
    expected = assistant.ask(COMMENTER_QUESTION)
    textbox, transcript, turns, sources, _ = handlers.respond(COMMENTER_QUESTION, [], [])

    assert textbox == ""
    assert transcript[0] == {"role": "user", "content": COMMENTER_QUESTION}
    assert "[1]" in _last_reply(transcript)
    assert turns == [{"question": COMMENTER_QUESTION, "answer": expected.to_dict(), "reply": expected.text}]
    assert expected.citations and not expected.abstained
    for c in expected.citations:
        card = re.search(rf'<article class="source-card" id="source-{c.marker}".*?</article>', sources, re.S)
        assert card, f"no card for [{c.marker}]"
        assert f'<span class="marker">[{c.marker}]</span>' in card.group()
        assert f">{speaker_label(c)}</span>" in card.group()
        assert _esc(c.quote) in card.group()
    assert "Commenter 4, reader comment" in sources


def test_source_card_shows_context_from_the_same_speaker_only(assistant: Assistant, document_text: str) -> None:
    answer = assistant.ask(COMMENTER_QUESTION)
    first = answer.citations[0]
    before, after = context_around(document_text, first.start, first.end)

    assert before or after
    assert document_text[first.start - len(before.lstrip("…")) : first.start].endswith(before.lstrip("…"))
    # Comment 4 starts after "4. "; the context must not leak the list number or the previous comment.
    assert "4." not in before and "Commenter" not in before
    assert "5." not in after


def test_speaker_badges_name_author_and_commenters() -> None:
    author = Citation(1, "q", 0, 1, "doc", "article", "Shireen T. Hunter")
    bio = Citation(2, "q", 0, 1, "doc", "bio", "Shireen T. Hunter")
    reader = Citation(3, "q", 0, 1, "doc", "comment", "Commenter 4")

    assert speaker_label(author) == "Shireen T. Hunter, article"
    assert speaker_label(bio) == "Shireen T. Hunter, author bio"
    assert speaker_label(reader) == "Commenter 4, reader comment"


def test_follow_up_sends_the_conversation_as_history(handlers: ChatHandlers, assistant: Assistant) -> None:
    first = handlers.respond(ARTICLE_QUESTION, [], [])
    follow_up = "What else does she say about it?"
    _, transcript, turns, _, _ = handlers.respond(follow_up, first[1], first[2])

    with_history = assistant.ask(follow_up, [(ARTICLE_QUESTION, first[2][0]["answer"]["text"])])
    assert len(transcript) == 4 and len(turns) == 2
    assert turns[1]["answer"] == with_history.to_dict()


def test_abstention_panel_lists_related_passages_not_answers(assistant: Assistant) -> None:
    related = assistant.search("the boiling point of mercury", k=2)
    answer = Answer(text="The document doesn't say.", citations=related, abstained=True)

    panel = render_sources(answer, assistant.source_text)
    document = render_documents(assistant.sources, assistant.source_text, answer)

    assert "does not answer this question" in panel
    assert panel.count("related, not an answer</span>") == len(related)
    assert panel.count('class="source-card related"') == len(related)
    assert 'class="cite"' not in document and document.count('<mark class="related"') >= len(related)


def test_live_abstention_says_so_in_the_panel(handlers: ChatHandlers) -> None:
    _, _, turns, sources, _ = handlers.respond("What is the recipe for lasagna?", [], [])

    assert turns[0]["answer"]["abstained"] is True
    assert "does not answer this question" in sources


def test_document_tab_lays_out_title_byline_paragraphs_bio_and_numbered_comments(
    assistant: Assistant, document_text: str
) -> None:
    page = render_documents(assistant.sources, assistant.source_text, None)

    assert page.startswith('<div class="doc-scroll"><div class="document" data-source="iran-hardliners-hunter">')
    assert re.search(r'<h2 class="doc-title">The Real Reason Iran’s Hardliners', page)
    assert '<p class="byline">by Shireen T. Hunter</p>' in page
    assert page.count('<p class="paragraph">') >= 10
    assert '<p class="signature">Shireen Hunter</p><aside class="bio"><p class="bio">Shireen Hunter is' in page
    assert [int(n) for n in re.findall(r'<li class="comment" value="(\d+)">', page)] == [1, 2, 3, 4, 5]
    assert '<div class="comment-head"><span class="comment-number">1.</span> PIERE</div>' in page
    assert "<mark" not in page


def test_document_tab_highlights_each_cited_span(handlers: ChatHandlers, assistant: Assistant) -> None:
    expected = assistant.ask(COMMENTER_QUESTION)
    *_, document = handlers.respond(COMMENTER_QUESTION, [], [])

    for c in expected.citations:
        mark = re.search(rf'<mark class="cite" id="cite-{c.marker}" data-marker="{c.marker}">(.*?)</mark>', document)
        assert mark, f"[{c.marker}] not highlighted"
        assert _esc(c.quote).startswith(mark.group(1))
        assert f'<sup class="cite-ref">[{c.marker}]</sup>' in document


def test_untrusted_text_is_escaped_in_chat_sources_and_document() -> None:
    document = (
        "A <b>title</b>\n\nby Some Author\n\nA paragraph with [a link](http://x.test).\n\n"
        '  1. Mallory:\n\n    <script>window.__pwned=1</script> and <img src=x onerror="alert(1)"> ${alert(3)} {{x}}\n'
    )
    start = document.index("<script>")
    evil = Citation(1, document[start : start + 30], start, start + 30, "doc", "comment", "<b>Mallory</b>")
    answer = Answer(text="Mallory writes: “<script>” [1]", citations=[evil])

    rendered = [
        render_document(document, [evil]),
        render_sources(answer, lambda _: document),
        render_chat_text(HOSTILE),
        render_heading(document),
    ]
    for html in rendered:
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert 'href="' not in html
    assert "&lt;script&gt;" in rendered[0] and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in rendered[0]
    assert "&lt;b&gt;Mallory&lt;/b&gt;, reader comment" in rendered[1]


def test_hostile_question_is_shown_as_text(handlers: ChatHandlers) -> None:
    _, transcript, _, _, _ = handlers.respond(HOSTILE, [], [])

    shown = transcript[0]["content"]
    assert "<img" not in shown and "<script" not in shown
    assert shown.startswith('&lt;img src=x onerror="window.__pwned=1"&gt;')


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\x00\x01\x02\x7f", "empty"),
        ("why " * 1000, "limit"),
    ],
    ids=["empty", "blank", "binary", "too-long"],
)
def test_bad_questions_get_a_polite_message_in_the_chat(handlers: ChatHandlers, question: str, says: str) -> None:
    _, transcript, turns, sources, _ = handlers.respond(question, [], [])

    reply = turns[0]["reply"]
    assert _last_reply(transcript) == render_chat_text(reply)
    assert reply.startswith("Sorry, I can't answer that:") and says in reply
    assert "Traceback" not in reply
    assert len(transcript[0]["content"]) < ECHO_CHARS + 40
    assert "\x00" not in transcript[0]["content"]
    assert turns[0]["answer"] is None
    assert "Ask a question" in sources


def test_refused_turns_are_left_out_of_the_history(handlers: ChatHandlers, assistant: Assistant) -> None:
    _, transcript, turns, _, _ = handlers.respond("", [], [])
    _, transcript, turns, _, _ = handlers.respond(ARTICLE_QUESTION, transcript, turns)

    assert turns[1]["answer"] == assistant.ask(ARTICLE_QUESTION, []).to_dict()


def test_start_over_forgets_the_conversation(handlers: ChatHandlers) -> None:
    handlers.respond(COMMENTER_QUESTION, [], [])
    textbox, transcript, turns, sources, document = handlers.start_over()

    assert (textbox, transcript, turns) == ("", [], [])
    assert "Ask a question" in sources
    assert "<mark" not in document and '<h2 class="doc-title">' in document


def test_thumbs_feedback_is_appended_as_jsonl(handlers: ChatHandlers, assistant: Assistant) -> None:
    path: Path = assistant.settings.data_dir / FEEDBACK_FILE
    before = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    _, transcript, turns, _, _ = handlers.respond(ARTICLE_QUESTION, [], [])
    _, transcript, turns, _, _ = handlers.respond(COMMENTER_QUESTION, transcript, turns)

    note = handlers.record_feedback(gr.LikeData(None, {"index": 3, "value": "", "liked": False}), turns)
    handlers.record_feedback(gr.LikeData(None, {"index": 1, "value": "", "liked": True}), turns)

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[len(before) :]]
    assert note.startswith("Thanks")
    assert [(r["rating"], r["question"]) for r in records] == [("down", COMMENTER_QUESTION), ("up", ARTICLE_QUESTION)]
    assert records[0]["answer"] == turns[1]["answer"]["text"]
    assert records[0]["citations"] == turns[1]["answer"]["citations"] and records[0]["citations"]
    assert records[0]["abstained"] is False and records[0]["time"]


def test_feedback_on_a_message_that_no_longer_exists_is_ignored(handlers: ChatHandlers) -> None:
    assert handlers.record_feedback(gr.LikeData(None, {"index": 7, "value": "", "liked": True}), []) == ""


def test_status_line_reports_progress_then_ready(tmp_path: Path) -> None:
    fresh = Assistant(Settings.load(data_dir=tmp_path / "fresh"))
    status = IndexStatus(fresh)
    loading = render_status(status.describe())
    assert status.describe()["ready"] is False
    assert 'class="status loading"' in loading and "<progress" in loading

    assert status.wait(180), status.describe()
    ready = status.describe()
    assert ready["status"] == "ready" and ready["manifest"]["built_now"] is True
    assert ready["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "sentences built at start-up in " in render_status(ready) and "Ready:" in render_status(ready)


def test_status_polling_stops_once_loaded(handlers: ChatHandlers) -> None:
    html, timer = handlers.poll_status()

    assert "Ready" in html
    assert timer.active is False


def test_api_refuses_questions_until_the_index_is_ready(assistant: Assistant, tmp_path: Path) -> None:
    not_started = ChatHandlers(assistant, IndexStatus(assistant), FeedbackLog(tmp_path / "f.jsonl"))
    client = TestClient(build_api(not_started, auth=None))

    ask = client.post("/api/ask", json={"question": "Who is the author?"})
    health = client.get("/api/health")

    assert ask.status_code == 503 and "not ready" in ask.json()["error"]
    assert health.status_code == 503 and health.json()["status"] == "loading"


def test_concurrent_chats_share_one_assistant(handlers: ChatHandlers, assistant: Assistant) -> None:
    questions = [ARTICLE_QUESTION, COMMENTER_QUESTION, "Who is the author?", "What happened in 1986?"] * 4
    expected = {q: assistant.ask(q).to_dict() for q in set(questions)}

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: handlers.respond(q, [], [])[2][0], questions))

    assert [r["answer"] for r in results] == [expected[q] for q in questions]


def test_page_renders_chat_without_markdown_or_html(app: Any) -> None:
    config = app.state.blocks.config
    chatbot = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "chat")["props"]
    kinds = {c["type"] for c in config["components"]}

    assert chatbot["render_markdown"] is False and chatbot["sanitize_html"] is True
    assert chatbot["allow_tags"] is False and chatbot["latex_delimiters"] == []
    assert not kinds & {"uploadbutton", "image", "audio", "video", "multimodaltextbox"}
    # The one file input is the document library's upload box, for document formats only.
    (upload,) = [c["props"] for c in config["components"] if c["type"] == "file"]
    assert upload["elem_id"] == "upload" and set(upload["file_types"]) == set(qa.SUPPORTED_FORMATS)


def test_only_the_chat_endpoint_is_public_api(app: Any) -> None:
    blocks = app.state.blocks
    public = [d.api_name for d in blocks.fns.values() if d.api_visibility == "public"]

    assert public == ["chat"]
    assert blocks._queue.default_concurrency_limit == CONCURRENCY_LIMIT


def test_chat_api_function_returns_the_answer_contract(handlers: ChatHandlers, assistant: Assistant) -> None:
    assert handlers.api_chat("Who is the author?", []) == assistant.ask("Who is the author?").to_dict()
    with pytest.raises(gr.Error, match="empty"):
        handlers.api_chat("  ")


def test_qa_auth_is_parsed_as_user_colon_password() -> None:
    assert ui.auth_from_env({}) is None
    assert ui.auth_from_env({"QA_AUTH": ""}) is None
    assert ui.auth_from_env({"QA_AUTH": "ann:s3cret:with:colons"}) == ("ann", "s3cret:with:colons")
    for bad in ("nopassword", "ann:", ":pw"):
        with pytest.raises(SettingsError, match="user:password"):
            ui.auth_from_env({"QA_AUTH": bad})


@pytest.mark.parametrize(
    ("host", "auth", "warns"),
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
        ("0.0.0.0", None, True),
        ("192.168.1.20", None, True),
        ("0.0.0.0", ("ann", "pw"), False),
    ],
)
def test_binding_beyond_loopback_without_auth_warns(host: str, auth: Any, warns: bool) -> None:
    warning = ui.exposure_warning(host, auth)

    assert (warning is not None) == warns
    if warning:
        assert "QA_AUTH=user:password" in warning


def test_command_line_defaults_to_loopback_port_7860() -> None:
    args = ui.build_parser().parse_args([])

    assert (args.host, args.port, args.data_dir) == ("127.0.0.1", 7860, None)


def test_bad_qa_auth_stops_start_up_with_a_message(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("QA_AUTH", "no-colon")

    assert ui.main(["--port", "1"]) == 2
    assert "QA_AUTH must look like user:password" in capsys.readouterr().err


def test_question_shows_at_once_even_before_the_index_is_ready(assistant: Assistant, tmp_path: Path) -> None:
    not_started = ChatHandlers(assistant, IndexStatus(assistant), FeedbackLog(tmp_path / "f.jsonl"))

    textbox, transcript, pending = not_started.show_question("Who <b>is</b> the author?", [])

    assert textbox == "" and pending == "Who <b>is</b> the author?"
    assert transcript == [{"role": "user", "content": "Who &lt;b&gt;is&lt;/b&gt; the author?"}]
    assert not not_started.status.done.is_set()


def test_a_port_in_use_stops_start_up_with_a_message(capsys: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert ui.bind_problem("127.0.0.1", port) is not None
        assert ui.main(["--port", str(port)]) == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
