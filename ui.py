"""The chat screen and HTTP API over ``qa``: a Gradio chat with cited sources and a highlighted document view."""

from __future__ import annotations

import argparse
import functools
import html
import ipaddress
import json
import logging
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import gradio as gr
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa import Answer, Assistant, Citation, QAError, QuestionError, Segment, Settings, SettingsError, layout

log = logging.getLogger("ui")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# An ask is ~15 ms of CPU; 4 in flight keeps 2 cores busy, and more only adds contention.
CONCURRENCY_LIMIT = 4
# Waiting UI events beyond this get "queue full" rather than piling up behind a slow server.
QUEUE_SIZE = 64
# Longest a chat request waits for the index; a cold build takes ~15 s on a 2-core machine.
LOAD_WAIT_SECONDS = 300.0
# Characters of document shown on each side of a quote in a source card.
CONTEXT_CHARS = 180
# Longest echo of a question in the chat; over-long questions are refused, not shown in full.
ECHO_CHARS = 300
FEEDBACK_FILE = "feedback.jsonl"
EXAMPLES = (
    "Why are Iran's hardliners reluctant to talk to America?",
    "What happened in 1986?",
    "What does Commenter 4 say about Shia Islam?",
    "Who is the author?",
)
SECTION_LABELS = {
    "title": "title",
    "byline": "byline",
    "article": "article",
    "bio": "author bio",
    "comment": "reader comment",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")
_SPACES = re.compile(r"[ \t\u00a0]+")
_LINE_BREAK = re.compile(r"[ \t\u00a0]*\n[ \t\u00a0]*")

SCROLL_TO_FIRST_CITE_JS = """() => {
  setTimeout(() => {
    const mark = document.querySelector('#document-view mark');
    if (mark) mark.scrollIntoView({block: 'center'});
  }, 100);
}"""

CSS = """
#chat .message-content, #chat .message .prose { white-space: pre-line; }
.status { padding: 6px 12px; border-radius: 8px; font-size: 0.95em; }
.status.loading { background: #fff7e0; color: #7a5200; }
.status.ready { background: #eaf7ee; color: #1f6b35; }
.status.failed { background: #fdecea; color: #8a1c1c; }
.status progress { vertical-align: middle; margin-left: 8px; }
#status [data-testid="status-tracker"] { display: none; }
.doc-heading h1 { margin: 0.2em 0; font-size: 1.5em; }
.doc-heading p { margin: 0; color: var(--body-text-color-subdued); }
.panel-note { color: var(--body-text-color-subdued); margin: 4px 0 10px; }
.panel-note.abstained { color: #8a4b00; font-weight: 600; }
.source-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--block-background-fill); }
.source-card.related { border-style: dashed; }
.source-card header { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 6px; }
.source-card .marker { font-weight: 700; font-family: var(--font-mono); }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 0.82em; font-weight: 600;
  background: #e3ecff; color: #1d3f8f; }
.badge.comment { background: #ffeccc; color: #7a3e00; }
.related-label { font-size: 0.8em; font-style: italic; color: var(--body-text-color-subdued); }
.source-card .quote { margin: 0; padding-left: 10px; border-left: 3px solid #f2c94c; line-height: 1.5; }
.source-card.related .quote { border-left-color: #b8b8b8; }
.source-card .context { font-size: 0.88em; color: var(--body-text-color-subdued); }
.source-card mark.quoted { background: #fff3c4; color: var(--body-text-color); border-radius: 3px; padding: 0 2px; }
.source-card.related mark.quoted { background: #eeeeee; }
#examples button { flex: 0 1 auto; }
#document-view .doc-scroll { max-height: 640px; overflow-y: auto; padding: 4px 14px; line-height: 1.55; }
#document-view .doc-title { font-size: 1.4em; margin: 0.4em 0; }
#document-view .caption { font-style: italic; color: var(--body-text-color-subdued); }
#document-view .byline, #document-view .signature { font-weight: 600; }
#document-view .bio { font-size: 0.92em; border-top: 1px solid var(--border-color-primary); padding-top: 6px; }
#document-view .comments h3 { margin-top: 1.2em; }
#document-view .comments ol { list-style: none; padding-left: 0; }
#document-view .comment { margin-bottom: 0.8em; }
#document-view .comment-head { font-weight: 600; }
#document-view p { margin: 0 0 0.7em; }
#document-view mark.cite { background: #fde68a; color: inherit; border-radius: 3px; padding: 0 2px; }
#document-view mark.related { background: #e9e9e9; color: inherit; outline: 1px dashed #999; }
#document-view sup.cite-ref { font-weight: 700; color: #8a5a00; }
"""


# ---------------------------------------------------------------------------- rendering (pure, escaped)


def _esc(text: str) -> str:
    """Return ``text`` escaped for HTML, with runs of spaces collapsed and line breaks kept."""
    return _LINE_BREAK.sub("<br>", _SPACES.sub(" ", html.escape(text, quote=True)))


def speaker_label(citation: Citation) -> str:
    """Return who says a cited passage and where, e.g. "Commenter 4, reader comment"."""
    return f"{citation.speaker}, {SECTION_LABELS.get(citation.section, citation.section)}"


@functools.lru_cache(maxsize=8)
def _segments(text: str) -> tuple[Segment, ...]:
    """Return the layout of a document (cached: the same few texts are rendered on every answer)."""
    return tuple(layout(text))


def context_around(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Return up to ``chars`` before ``start`` and after ``end``, kept inside the same paragraph and speaker."""
    segment = next((seg for seg in _segments(text) if seg.start <= start < seg.end), None)
    low, high = (segment.start, segment.end) if segment else (0, len(text))
    low = max((m.end() for m in _PARAGRAPH_BREAK.finditer(text, low, start)), default=low)
    cut = _PARAGRAPH_BREAK.search(text, end, high)
    high = cut.start() if cut else high
    before, after = text[max(low, start - chars) : start], text[end : min(high, end + chars)]
    if start - chars > low:  # cut mid-paragraph: drop the partial first word
        before = "…" + (before.split(maxsplit=1)[1:] or [""])[0]
    if end + chars < high:
        after = (after.rsplit(maxsplit=1)[:-1] or [""])[0] + "…"
    return before.lstrip(), after.rstrip()


def render_sources(answer: Answer | None, text_of: Callable[[str], str]) -> str:
    """Return the Sources panel for ``answer``: one card per citation with badge, quote and context."""
    if answer is None:
        return '<p class="panel-note">Ask a question to see the passages its answer quotes.</p>'
    if not answer.citations:
        return '<p class="panel-note">This answer has no sources.</p>'
    if answer.abstained:
        note = (
            '<p class="panel-note abstained">The document does not answer this question. '
            "These are the closest passages: related, not an answer.</p>"
        )
    else:
        note = f'<p class="panel-note">The answer quotes {len(answer.citations)} passage(s):</p>'
    cards = [note]
    for c in answer.citations:
        before, after = context_around(text_of(c.source), c.start, c.end)
        kind = "comment" if c.section == "comment" else "author"
        related = '<span class="related-label">related, not an answer</span>' if answer.abstained else ""
        cards.append(
            f'<article class="source-card{" related" if answer.abstained else ""}" id="source-{c.marker}"'
            f' data-marker="{c.marker}">'
            f'<header><span class="marker">[{c.marker}]</span>'
            f'<span class="badge {kind}">{_esc(speaker_label(c))}</span>{related}</header>'
            f'<blockquote class="quote"><span class="context">{_esc(before)}</span> '
            f'<mark class="quoted">{_esc(c.quote)}</mark> <span class="context">{_esc(after)}</span></blockquote>'
            "</article>"
        )
    return "".join(cards)


def _highlighted(text: str, start: int, end: int, citations: list[Citation], css: str, seen: set[int]) -> str:
    """Return ``text[start:end]`` escaped, with cited spans wrapped in ``<mark>`` (ids on first pieces)."""
    out: list[str] = []
    pos = start
    for c in sorted(citations, key=lambda c: c.start):
        s, e = max(c.start, pos), min(c.end, end)
        if s >= e:
            continue
        anchor = "" if c.marker in seen else f' id="cite-{c.marker}"'
        seen.add(c.marker)
        ref = f'<sup class="cite-ref">[{c.marker}]</sup>' if e == c.end else ""
        out.append(
            f'{_esc(text[pos:s])}<mark class="{css}"{anchor} data-marker="{c.marker}">{_esc(text[s:e])}</mark>{ref}'
        )
        pos = e
    out.append(_esc(text[pos:end]))
    return "".join(out)


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    for brk in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((pos, brk.start()))
        pos = brk.end()
    spans.append((pos, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def render_document(text: str, citations: list[Citation], abstained: bool = False) -> str:
    """Return one document laid out (title, byline, paragraphs, bio, numbered comments), citations marked."""
    css = "related" if abstained else "cite"
    seen: set[int] = set()

    def block(tag: str, cls: str, s: int, e: int) -> str:
        paragraphs = [_highlighted(text, ps, pe, citations, css, seen) for ps, pe in _paragraph_spans(text, s, e)]
        return "".join(f'<{tag} class="{cls}">{p}</{tag}>' for p in paragraphs)

    parts: list[str] = []
    open_group: str | None = None
    for seg in _segments(text):
        group = {"bio": "bio", "comment": "comments"}.get(seg.kind)
        if group != open_group:
            if open_group:
                parts.append("</ol></section>" if open_group == "comments" else "</aside>")
            if group == "comments":
                parts.append('<section class="comments"><h3>Reader comments</h3><ol>')
            elif group == "bio":
                parts.append('<aside class="bio">')
            open_group = group
        if seg.kind == "title":
            parts.append(f'<h2 class="doc-title">{_highlighted(text, seg.start, seg.end, citations, css, seen)}</h2>')
        elif seg.kind == "comment":
            parts.append(
                f'<li class="comment" value="{seg.comment}"><div class="comment-head">'
                f'<span class="comment-number">{seg.comment}.</span> {_esc(seg.speaker)}</div>'
                f"{block('p', 'comment-text', seg.start, seg.end)}</li>"
            )
        else:
            parts.append(block("p", seg.kind, seg.start, seg.end))
    if open_group:
        parts.append("</ol></section>" if open_group == "comments" else "</aside>")
    return "".join(parts)


def render_documents(sources: list[str], text_of: Callable[[str], str], answer: Answer | None) -> str:
    """Return every source document laid out, with ``answer``'s citations highlighted."""
    citations = answer.citations if answer else []
    abstained = bool(answer and answer.abstained)
    documents = "".join(
        f'<div class="document" data-source="{html.escape(source)}">'
        f"{render_document(text_of(source), [c for c in citations if c.source == source], abstained)}</div>"
        for source in sources
    )
    return f'<div class="doc-scroll">{documents}</div>'


def render_heading(text: str) -> str:
    """Return the page heading: the document's title and byline, escaped."""
    segments = _segments(text)
    title = next((text[s.start : s.end] for s in segments if s.kind == "title"), "the document")
    byline = next((text[s.start : s.end].strip() for s in segments if s.kind == "byline"), "")
    comments = sum(1 for s in segments if s.kind == "comment")
    about = f"{byline}, with {comments} reader comments" if comments else byline
    return (
        f'<div class="doc-heading"><h1>Ask the article: {_esc(title)}</h1>'
        f"<p>{_esc(about)}. Answers quote the text and say who says it.</p></div>"
    )


def render_chat_text(text: str) -> str:
    """Return chat text escaped, so neither HTML nor Markdown in it renders (``render_markdown`` is off)."""
    return html.escape(text, quote=False)


def echo_question(question: Any) -> str:
    """Return a safe, short echo of whatever the user sent, for the chat transcript."""
    shown = question if isinstance(question, str) else repr(question)
    shown = _CONTROL.sub("\ufffd", shown)
    if len(shown) > ECHO_CHARS:
        shown = f"{shown[:ECHO_CHARS]}… ({len(shown):,} characters)"
    return shown


# ---------------------------------------------------------------------------- state shared by UI and API


class IndexStatus:
    """Loads the index in a background thread and reports its progress to any thread that asks."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.done = threading.Event()
        self.message = "Loading the embedding model and the index"
        self.fraction = 0.0
        self.manifest: dict[str, Any] | None = None
        self.error: str | None = None
        self.seconds: float | None = None

    def start(self) -> None:
        """Start loading (once); later calls do nothing."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="index-loader", daemon=True)
                self._thread.start()

    def _progress(self, message: str, fraction: float) -> None:
        self.message, self.fraction = message, fraction

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self.manifest = self._assistant.load(progress=self._progress)
        except QAError as exc:
            self.error = str(exc)
        except Exception:
            log.exception("Loading the index failed")
            self.error = "Loading the index failed; the server log has the details."
        finally:
            self.seconds = time.perf_counter() - started
            self.done.set()

    @property
    def ready(self) -> bool:
        """Return whether questions can be answered now."""
        return self.done.is_set() and self.error is None

    def wait(self, timeout: float = LOAD_WAIT_SECONDS) -> bool:
        """Start loading if needed, wait for it, and return whether the index is ready."""
        self.start()
        self.done.wait(timeout)
        return self.ready

    def describe(self) -> dict[str, Any]:
        """Return readiness, progress, the manifest and the model, as JSON-ready values."""
        manifest = self.manifest or {}
        return {
            "ready": self.ready,
            "status": "ready" if self.ready else ("failed" if self.error else "loading"),
            "message": self.error or ("Ready" if self.ready else self.message),
            "progress": 1.0 if self.ready else round(self.fraction, 3),
            "load_seconds": None if self.seconds is None else round(self.seconds, 2),
            "model": manifest.get("model"),
            "backend": manifest.get("backend"),
            "manifest": self.manifest,
        }


def render_status(status: dict[str, Any]) -> str:
    """Return the status line above the chat (loading with progress, ready, or failed)."""
    if status["status"] == "failed":
        return f'<div class="status failed">The index could not be loaded: {_esc(status["message"])}</div>'
    if status["status"] == "loading":
        # Without a value the bar is indeterminate: model loading reports no fraction, only embedding does.
        value = f' value="{round(100 * status["progress"])}"' if status["progress"] > 0 else ""
        return (
            f'<div class="status loading">Preparing the index: {_esc(status["message"])}…'
            f'<progress max="100"{value}></progress> You can type a question meanwhile.</div>'
        )
    m = status["manifest"] or {}
    origin = "built at start-up" if m.get("built_now") else "loaded from disk"
    took = f" in {status['load_seconds']:.1f} s" if (status["load_seconds"] or 0) >= 0.1 else ""
    return (
        f'<div class="status ready">Ready: index of {m.get("passages", "?")} passages and '
        f"{m.get('sentences', '?')} sentences {origin}{took}, "
        f"model {_esc(str(m.get('model')))} ({_esc(str(m.get('backend')))}).</div>"
    )


class FeedbackLog:
    """Appends thumbs up/down on answers, with question, answer and citations, to a JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, rating: str, question: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Append one feedback record and return it."""
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "question": question,
            "answer": answer.get("text", ""),
            "citations": answer.get("citations", []),
            "abstained": answer.get("abstained", False),
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record


class ChatHandlers:
    """The UI's event handlers over one shared Assistant; plain methods, so tests call them directly."""

    def __init__(self, assistant: Assistant, status: IndexStatus, feedback: FeedbackLog) -> None:
        self.assistant = assistant
        self.status = status
        self.feedback = feedback
        self._gate = threading.BoundedSemaphore(CONCURRENCY_LIMIT)

    def ask(self, question: Any, history: Any = None) -> Answer:
        """Answer through the shared Assistant, at most ``CONCURRENCY_LIMIT`` at a time process-wide."""
        with self._gate:
            return self.assistant.ask(question, history)

    def _text_of(self, source: str) -> str:
        return self.assistant.source_text(source)

    def empty_panels(self) -> tuple[str, str]:
        """Return the Sources and Document panels before any answer."""
        return render_sources(None, self._text_of), render_documents(self.assistant.sources, self._text_of, None)

    def show_question(
        self, message: Any, transcript: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]], Any]:
        """Echo ``message`` in the chat at once; return (textbox, chat, the question left to answer)."""
        return "", [*(transcript or []), {"role": "user", "content": render_chat_text(echo_question(message))}], message

    def answer_shown(
        self, message: Any, transcript: list[dict[str, Any]] | None, turns: list[dict[str, Any]] | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """Answer the question already shown in the chat; return (chat, turns, sources, document)."""
        turns = list(turns or [])
        history = [(t["question"], t["answer"]["text"]) for t in turns if t["answer"]]
        answer: Answer | None = None
        if not self.status.wait():
            reply = f"Sorry, I can't answer yet: {self.status.describe()['message']}"
        else:
            try:
                answer = self.ask(message, history)
                reply = answer.text
            except QAError as exc:
                reply = f"Sorry, I can't answer that: {exc}"
            except Exception:
                log.exception("Answering %r failed", echo_question(message))
                reply = "Sorry, something went wrong while answering; the server log has the details."
        question = message if isinstance(message, str) else repr(message)
        turns.append({"question": question, "answer": answer.to_dict() if answer else None, "reply": reply})
        return (
            [*(transcript or []), {"role": "assistant", "content": render_chat_text(reply)}],
            turns,
            render_sources(answer, self._text_of),
            render_documents(self.assistant.sources, self._text_of, answer),
        )

    def respond(
        self, message: Any, transcript: list[dict[str, Any]] | None, turns: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """Show and answer ``message`` in one step; return (textbox, chat, turns, sources, document)."""
        textbox, shown, question = self.show_question(message, transcript)
        return (textbox, *self.answer_shown(question, shown, turns))

    def start_over(self) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """Forget the conversation; return (textbox, chat, turns, sources, document) emptied."""
        sources, document = self.empty_panels()
        return "", [], [], sources, document

    def record_feedback(self, like: gr.LikeData, turns: list[dict[str, Any]] | None) -> str:
        """Append a thumbs up/down on the answer at ``like.index`` to the feedback log; return a note."""
        index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
        turns = turns or []
        turn_no = int(index) // 2
        if not 0 <= turn_no < len(turns):
            return ""
        turn = turns[turn_no]
        if like.liked is True:
            rating = "up"
        elif like.liked is False:
            rating = "down"
        else:
            rating = str(like.liked or "none")
        answer = turn["answer"] or {"text": turn["reply"], "citations": [], "abstained": False}
        self.feedback.append(rating, turn["question"], answer)
        return "Thanks, your feedback was saved."

    def poll_status(self) -> tuple[str, gr.Timer]:
        """Return the status line, and stop polling once loading has finished."""
        return render_status(self.status.describe()), gr.Timer(active=not self.status.done.is_set())

    def api_chat(self, question: str, history: list | None = None) -> dict:
        """Answer a question about the document; history is a list of (user, assistant) pairs or messages."""
        if not self.status.wait():
            raise gr.Error(f"The index is not available: {self.status.describe()['message']}")
        try:
            return self.ask(question, history).to_dict()
        except QAError as exc:
            raise gr.Error(str(exc)) from exc


def build_blocks(handlers: ChatHandlers) -> gr.Blocks:
    """Return the Gradio page: status, chat, examples, start over, Sources and Document panels."""
    text = handlers.assistant.source_text(handlers.assistant.sources[0])
    sources_html, document_html = handlers.empty_panels()
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title="Ask the article", analytics_enabled=False) as blocks:
        gr.HTML(render_heading(text))
        status = gr.HTML(render_status(handlers.status.describe()), elem_id="status")
        turns = gr.State([])
        pending = gr.State(None)
        timer = gr.Timer(1.0)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=520,
                    # Answers and questions are escaped by render_chat_text; no Markdown, LaTeX or tags
                    # may render, so a link or <img> in a comment or question stays inert text.
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    # Copy buttons would copy the escaped value (&amp;, &lt;); selecting the text copies it right.
                    buttons=[],
                    placeholder="Ask about the article or its comments. Answers quote the text with [n] markers.",
                )
                with gr.Row():
                    textbox = gr.Textbox(
                        placeholder="Ask a question about the article…",
                        show_label=False,
                        scale=5,
                        max_lines=4,
                        elem_id="question",
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row(elem_id="examples"):
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0) for q in EXAMPLES
                    ]
                with gr.Row():
                    start_over = gr.Button("Start over", size="sm", elem_id="start-over", scale=0, min_width=110)
                    feedback_note = gr.Markdown("", elem_id="feedback-note")
            with gr.Column(scale=6), gr.Tabs():
                with gr.Tab("Sources", id="sources-tab", elem_id="sources-tab"):
                    sources = gr.HTML(sources_html, elem_id="sources", js_on_load=None)
                with gr.Tab("Document", id="document-tab", elem_id="document-tab") as document_tab:
                    document = gr.HTML(document_html, elem_id="document-view", js_on_load=None)

        # Two steps: the question shows at once (even while the index loads), then the answer follows.
        for trigger, source in [(textbox.submit, textbox), (send.click, textbox)] + [
            (b.click, b) for b in example_buttons
        ]:
            trigger(
                handlers.show_question, [source, chatbot], [textbox, chatbot, pending], queue=False, **private
            ).then(
                handlers.answer_shown, [pending, chatbot, turns], [chatbot, turns, sources, document], **private
            ).then(handlers.poll_status, None, [status, timer], show_progress="hidden", **private).then(
                None, js=SCROLL_TO_FIRST_CITE_JS, **private
            )
        outputs = [textbox, chatbot, turns, sources, document]
        start_over.click(handlers.start_over, None, outputs, **private)
        chatbot.clear(handlers.start_over, None, outputs, **private)
        chatbot.like(handlers.record_feedback, [turns], feedback_note, **private)
        document_tab.select(None, js=SCROLL_TO_FIRST_CITE_JS, **private)
        timer.tick(handlers.poll_status, None, [status, timer], queue=False, show_progress="hidden", **private)
        blocks.load(handlers.poll_status, None, [status, timer], queue=False, show_progress="hidden", **private)
        gr.api(handlers.api_chat, api_name="chat")
    blocks.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    return blocks


# ---------------------------------------------------------------------------- HTTP API


class HistoryMessage(BaseModel):
    """One earlier chat message, OpenAI style."""

    role: Literal["user", "assistant", "system"]
    content: str


class AskRequest(BaseModel):
    """A question and, for follow-ups, the conversation so far."""

    question: str = Field(description="The question about the document.", examples=["Who is the author?"])
    history: list[HistoryMessage | tuple[str | None, str | None]] = Field(
        default_factory=list,
        description="Earlier turns: {role, content} messages or [user, assistant] pairs, oldest first.",
    )


def _error(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status_code)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems) + '. Send JSON like {"question": "...", "history": []}.'


_BASIC_AUTH = HTTPBasic(auto_error=False)


def build_api(handlers: ChatHandlers, auth: tuple[str, str] | None) -> FastAPI:
    """Return the FastAPI app with /api/ask and /api/health, JSON errors, and Basic auth when ``auth`` is set."""

    def require_auth(credentials: Annotated[HTTPBasicCredentials | None, Depends(_BASIC_AUTH)]) -> None:
        if auth is None:
            return
        ok = credentials is not None and (
            secrets.compare_digest(credentials.username.encode(), auth[0].encode())
            & secrets.compare_digest(credentials.password.encode(), auth[1].encode())
        )
        if not ok:
            raise HTTPException(
                401,
                "Authentication required: send HTTP Basic credentials (the QA_AUTH user:password).",
                headers={"WWW-Authenticate": 'Basic realm="qa"'},
            )

    app = FastAPI(
        title="Ask the article: HTTP API",
        description="Cited, extractive answers about the bundled article and its reader comments.",
        version="1",
    )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(QuestionError)
    async def _bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(QAError)
    async def _unavailable(request: Request, exc: QAError) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("Unhandled error on %s", request.url.path, exc_info=exc)
        return _error(500, "Internal error; the server log has the details.")

    @app.post("/api/ask", response_model=Answer, dependencies=[Depends(require_auth)], tags=["qa"])
    def ask(body: AskRequest) -> Any:
        """Answer a question from the document, with cited quotes and who says them."""
        if not handlers.status.ready:
            state = handlers.status.describe()
            return _error(503, f"The index is not ready: {state['message']}.", status=state["status"])
        history = [m.model_dump() if isinstance(m, HistoryMessage) else list(m) for m in body.history]
        return handlers.ask(body.question, history)

    @app.get("/api/health", dependencies=[Depends(require_auth)], tags=["qa"])
    def health() -> JSONResponse:
        """Report readiness (200 when ready, 503 while loading or failed), the index manifest and the model."""
        state = handlers.status.describe()
        return JSONResponse(state, status_code=200 if state["ready"] else 503)

    return app


def build_app(assistant: Assistant, auth: tuple[str, str] | None = None) -> FastAPI:
    """Return the whole app (HTTP API plus Gradio UI at /) over ``assistant``; the index starts loading now.

    The chat handlers are at ``app.state.handlers`` and the Gradio page at ``app.state.blocks``.
    """
    status = IndexStatus(assistant)
    handlers = ChatHandlers(assistant, status, FeedbackLog(assistant.settings.data_dir / FEEDBACK_FILE))
    app = build_api(handlers, auth)
    blocks = build_blocks(handlers)
    app.state.handlers = handlers
    app.state.blocks = blocks
    status.start()
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=auth,
        auth_message="Sign in with the QA_AUTH user and password.",
        footer_links=["api", "settings"],
        # No component takes files; a tiny cap keeps Gradio's generic upload route from storing any.
        max_file_size="1kb",
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        css=CSS,
        # System fonts: the theme's bundled font subsets mixed in glyphs from a fallback face in bold text.
        theme=gr.themes.Default(font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]),
    )


# ---------------------------------------------------------------------------- command line


def auth_from_env(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """Return ``(user, password)`` from ``QA_AUTH=user:password``, or None when it is unset or empty."""
    raw = environ.get("QA_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user.strip() or not password:
        raise SettingsError("QA_AUTH must look like user:password (both non-empty); unset it to disable sign-in.")
    return user.strip(), password


def is_loopback(host: str) -> bool:
    """Return whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """Return a warning when ``host`` lets other machines in and no QA_AUTH sign-in is set, else None."""
    if auth is not None or is_loopback(host):
        return None
    return f"Binding {host} exposes the chat and API to the network without sign-in; set QA_AUTH=user:password."


def bind_problem(host: str, port: int) -> str | None:
    """Return why ``host:port`` cannot be listened on (e.g. already in use), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Pass another --port or --host."
    return None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``ui.py`` / ``qa serve``."""
    parser = argparse.ArgumentParser(
        prog="qa serve",
        description="Serve the chat UI and the HTTP API. Set QA_AUTH=user:password to require sign-in.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}, this machine only)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to bind (default {DEFAULT_PORT})")
    parser.add_argument("--data-dir", help="where the index and feedback live (default .qa-data, or QA_DATA_DIR)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the chat UI and HTTP API until interrupted; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        auth = auth_from_env()
        settings = Settings.load(data_dir=args.data_dir)
    except QAError as exc:
        print(f"qa serve: {exc}", file=sys.stderr)
        return 2
    problem = bind_problem(args.host, args.port)
    if problem:
        print(f"qa serve: {problem}", file=sys.stderr)
        return 2
    warning = exposure_warning(args.host, auth)
    if warning:
        log.warning(warning)
    app = build_app(Assistant(settings), auth=auth)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Chat at http://{shown}:{args.port}/  (HTTP API docs at /docs). The index loads in the background.")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
