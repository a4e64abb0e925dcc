"""The chat page's document library: upload files (drag and drop), pick the documents to answer from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qa import SUPPORTED_FORMATS, QAError
from qa.settings import BUNDLED_DOCUMENT
from webui.render import render_heading
from webui.state import ChatHandlers

ALL_DOCUMENTS = ""


def document_choices(handlers: ChatHandlers) -> list[tuple[str, str]]:
    """Return the picker's (label, value) choices: all documents, then each by title."""
    documents = handlers.assistant.documents()
    titles = [d.title for d in documents]
    # A title names a document in the list; the id tells two documents of one title apart.
    return [(f"All documents ({len(documents)})", ALL_DOCUMENTS)] + [
        (d.title if titles.count(d.title) == 1 else f"{d.title} · {d.id}", d.id) for d in documents
    ]


def shows_examples(handlers: ChatHandlers, value: Any) -> bool:
    """True when the example questions, written for the bundled article, fit what ``value`` picks:
    that article, or all documents when it is one of them."""
    bundled = BUNDLED_DOCUMENT.stem
    return value == bundled or (not value and bundled in handlers.assistant.sources)


def heading(handlers: ChatHandlers) -> str:
    """Return the page heading for the library as it is now: one article, or how many documents."""
    assistant = handlers.assistant
    return render_heading(assistant.source_text(assistant.sources[0]), len(assistant.documents()))


def picked_documents(value: Any) -> list[str] | None:
    """Return the ``documents`` filter for a picker value: None for all documents."""
    return [value] if isinstance(value, str) and value else None


def upload(handlers: ChatHandlers, files: Any, progress: gr.Progress) -> tuple[str, Any, Any]:
    """Add the uploaded files to the library; return (a note, the picker's new choices, the cleared upload box)."""
    paths = [Path(f if isinstance(f, str) else getattr(f, "name", "")) for f in files or []]
    if not paths:
        return "", gr.Dropdown(), None
    progress(0.0, desc="Reading the files")
    try:
        received = [(p.name, p.read_bytes()) for p in paths]
        changes = handlers.add_files(received, lambda message, fraction: progress(fraction, desc=message))
    except QAError as exc:
        return f"**Not added:** {exc}", gr.Dropdown(), None
    except OSError as exc:
        return f"**Not added:** the upload could not be read ({exc.strerror}); try again.", gr.Dropdown(), None
    lines = [f"- {c.action}: *{c.document.title}* (`{c.document.id}`, {c.document.format})" for c in changes]
    added = next((c.document.id for c in changes if c.action != "unchanged"), changes[0].document.id)
    note = "\n".join(lines) + "\n\nAsk about it now: the picker is set to it."
    return note, gr.Dropdown(choices=document_choices(handlers), value=added), None


def build_library_panel(handlers: ChatHandlers) -> tuple[gr.File, gr.Dropdown, gr.Markdown]:
    """Add the upload box, the document picker and a note to the current Blocks; return them."""
    with gr.Accordion("Your documents: add files, choose what to ask", open=True, elem_id="library"):
        picker = gr.Dropdown(
            choices=document_choices(handlers),
            value=ALL_DOCUMENTS,
            label="Answer from",
            elem_id="picker",
            interactive=True,
        )
        files = gr.File(
            label=f"Drop files here to add them ({', '.join(SUPPORTED_FORMATS)})",
            file_count="multiple",
            file_types=list(SUPPORTED_FORMATS),
            elem_id="upload",
        )
        note = gr.Markdown("", elem_id="library-note")
    return files, picker, note
