"""State shared by the chat page and the HTTP API: index loading, the feedback log, the chat handlers."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from qa import Answer, Assistant, QAError
from webui.render import echo_question, render_chat_text, render_documents, render_sources, render_status

log = logging.getLogger("ui")

# Asks in flight at once. Questions waiting for the encoder share its next run (qa/batching.py), so
# more in flight means fewer, larger runs: with 16 clients over HTTP, 16 (with batching) measured
# p95 132-137 ms and 187-196 req/s against 148-155 ms and 163-165 req/s at 4 (without batching).
CONCURRENCY_LIMIT = 16
# Longest a chat request waits for the index; a cold build takes ~15 s on a 2-core machine.
LOAD_WAIT_SECONDS = 300.0
FEEDBACK_FILE = "feedback.jsonl"


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

    def ask(self, question: Any, history: Any = None, documents: Any = None) -> Answer:
        """Answer through the shared Assistant, at most ``CONCURRENCY_LIMIT`` at a time process-wide."""
        with self._gate:
            return self.assistant.ask(question, history, documents)

    def add_files(self, files: list[tuple[str, bytes]], progress: Any = None) -> list[Any]:
        """Add uploaded (name, bytes) files to the library; ``progress(message, fraction)`` follows the indexing.
        The status line then describes the new index."""
        changes = self.assistant.add_files(files, progress=progress)
        self.status.manifest = self.assistant.load()
        return changes

    def remove(self, doc_id: str) -> Any:
        """Remove a document from the library; the status line then describes the new index."""
        removed = self.assistant.remove(doc_id)
        self.status.manifest = self.assistant.load()
        return removed

    def _text_of(self, source: str) -> str:
        return self.assistant.source_text(source)

    def empty_panels(self) -> tuple[str, str]:
        """Return the Sources and Document panels before any answer."""
        return render_sources(None, self._text_of), render_documents(self.assistant.sources[:1], self._text_of, None)

    def show_question(
        self, message: Any, transcript: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]], Any]:
        """Echo ``message`` in the chat at once; return (textbox, chat, the question left to answer)."""
        return "", [*(transcript or []), {"role": "user", "content": render_chat_text(echo_question(message))}], message

    def answer_shown(
        self,
        message: Any,
        transcript: list[dict[str, Any]] | None,
        turns: list[dict[str, Any]] | None,
        picked: str | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """Answer the question already shown in the chat, from the ``picked`` document id (or all);
        return (chat, turns, sources, document)."""
        turns = list(turns or [])
        # The turns carry each answer's JSON: follow-ups read its citations, not its wording.
        history = [{"question": t["question"], "answer": t["answer"]} for t in turns if t["answer"]]
        answer: Answer | None = None
        if not self.status.wait():
            reply = f"Sorry, I can't answer yet: {self.status.describe()['message']}"
        else:
            try:
                answer = self.ask(message, history, [picked] if picked else None)
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
            render_documents(self._shown_sources(answer, picked), self._text_of, answer),
        )

    def _shown_sources(self, answer: Answer | None, picked: str | None) -> list[str]:
        """Return the documents the Document tab shows: the cited ones, else the picked one, else the first."""
        cited = list(dict.fromkeys(c.source for c in answer.citations)) if answer else []
        return cited or [picked or self.assistant.sources[0]]

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
        """Answer a question about the document; history takes the shapes ``Assistant.ask`` takes."""
        if not self.status.wait():
            raise gr.Error(f"The index is not available: {self.status.describe()['message']}")
        try:
            return self.ask(question, history).to_dict()
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
