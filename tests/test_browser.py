"""A real Chromium (Debian's, driven by Playwright) using the chat: answer, sources, document highlight, XSS."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

import ui
from qa import Assistant
from webui.render import speaker_label

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "What does Commenter 4 say about Shia Islam?"
HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    "[click me](javascript:window.__pwned=3) ![pic](http://127.0.0.1:9/evil.png)"
)
# Generous: the first page load compiles the frontend, and the machine may be busy with other work.
TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.browser, pytest.mark.server]


def save_screenshot(page: object, artifact: str, readme: str) -> None:
    """Save a full-page screenshot to test-artifacts/; the README's copy in docs/ is tracked, so it is
    refreshed only on request (UPDATE_SCREENSHOTS=1) or when missing, and test runs leave the tree clean."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / artifact), full_page=True)
    readme_shot = ROOT / "docs" / readme
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not readme_shot.exists():
        readme_shot.parent.mkdir(exist_ok=True)
        shutil.copyfile(ARTIFACTS / artifact, readme_shot)


def test_chromium_is_installed() -> None:
    # Fail, not skip: a missing browser must not pass CI silently.
    assert CHROMIUM.exists(), "needs Debian's chromium: run `make browser`"


@pytest.fixture(scope="module")
def base_url(assistant: Assistant) -> Iterator[str]:
    """build_app() over the session's Assistant, served by uvicorn in a thread on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(ui.build_app(assistant), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium; no browser download."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A fresh page on the chat, once the index status says Ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base_url, wait_until="domcontentloaded")
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#status .status.ready")
    yield page
    context.close()


def _wait_for_reply(page: object, replies_before: int) -> None:
    """Wait until a new bot message is in and Gradio's "Loading response" bubble is gone."""
    page.wait_for_function(
        """n => document.querySelectorAll('#chat .bot').length > n
               && !document.querySelector('#chat [aria-label="Loading response"]')""",
        arg=replies_before,
    )


def _ask(page: object, question: str) -> None:
    replies = page.locator("#chat .bot").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    _wait_for_reply(page, replies)


def test_answer_sources_and_document_highlight_in_a_real_browser(page: object, assistant: Assistant) -> None:
    expected = assistant.ask(QUESTION)
    first = expected.citations[0]

    _ask(page, QUESTION)
    page.wait_for_selector("#sources .source-card")

    reply = page.locator("#chat .bot").last
    assert "[1]" in reply.inner_text()
    card = page.locator("#source-1")
    assert card.is_visible()
    badge = card.locator(".badge")
    assert badge.is_visible() and badge.inner_text() == speaker_label(first) == "Commenter 4, reader comment"
    assert first.quote in " ".join(card.locator("mark.quoted").inner_text().split())
    save_screenshot(page, "chat-answer.png", "screenshot.png")

    page.click("#document-tab-button")
    mark = page.locator("#document-view mark#cite-1")
    mark.wait_for(state="visible")
    assert first.quote.startswith(" ".join(mark.inner_text().split()))
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    # The view scrolled the first highlight into sight inside the document panel.
    page.wait_for_function(
        """() => {
            const scroller = document.querySelector('#document-view .doc-scroll');
            const view = scroller.getBoundingClientRect();
            const m = document.querySelector('#document-view mark#cite-1').getBoundingClientRect();
            return scroller.scrollTop > 0 && m.top >= view.top && m.bottom <= view.bottom;
        }"""
    )
    page.screenshot(path=str(ARTIFACTS / "document-highlight.png"), full_page=True)


def test_hostile_markup_in_a_question_does_not_execute_or_load(page: object) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    _ask(page, HOSTILE)
    page.wait_for_timeout(1000)

    assert page.evaluate("typeof window.__pwned") == "undefined"
    shown = page.locator("#chat .user").last.inner_text()
    assert "<img src=x onerror=" in shown and "<script>" in shown and "[click me](javascript:" in shown
    assert page.locator("#chat .message img, #chat .message script, #chat .message a").count() == 0
    assert not [url for url in requests if url.endswith("/x") or "evil.png" in url]
    page.screenshot(path=str(ARTIFACTS / "hostile-question.png"), full_page=True)


def test_empty_question_gets_a_polite_reply_and_start_over_clears(page: object) -> None:
    page.click("#ask")
    _wait_for_reply(page, 0)
    assert "The question is empty" in page.locator("#chat .bot").last.inner_text()

    page.click("#start-over")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0")
    assert "Ask a question" in page.locator("#sources").inner_text()
