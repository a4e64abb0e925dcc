"""The Gradio page: status line, chat, example questions, start over, and the Sources and Document tabs."""

from __future__ import annotations

from typing import Any

import gradio as gr

from webui.library import ALL_DOCUMENTS, build_library_panel, heading, shows_examples, upload
from webui.render import render_status
from webui.state import CONCURRENCY_LIMIT, ChatHandlers

# Waiting UI events beyond this get "queue full" rather than piling up behind a slow server.
QUEUE_SIZE = 64
EXAMPLES = (
    "Why are Iran's hardliners reluctant to talk to America?",
    "What happened in 1986?",
    "What does Commenter 4 say about Shia Islam?",
    "Who is the author?",
)

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


def build_blocks(handlers: ChatHandlers) -> gr.Blocks:
    """Return the Gradio page: status, chat, examples, start over, Sources and Document panels."""
    sources_html, document_html = handlers.empty_panels()
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title="Ask the article", analytics_enabled=False) as blocks:
        page_heading = gr.HTML(heading(handlers), elem_id="heading")
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
                with gr.Row(elem_id="examples", visible=shows_examples(handlers, ALL_DOCUMENTS)) as examples:
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0) for q in EXAMPLES
                    ]
                with gr.Row():
                    start_over = gr.Button("Start over", size="sm", elem_id="start-over", scale=0, min_width=110)
                    feedback_note = gr.Markdown("", elem_id="feedback-note")
                files, picker, library_note = build_library_panel(handlers)
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
                handlers.answer_shown,
                [pending, chatbot, turns, picker],
                [chatbot, turns, sources, document],
                **private,
            ).then(handlers.poll_status, None, [status, timer], show_progress="hidden", **private).then(
                None, js=SCROLL_TO_FIRST_CITE_JS, **private
            )
        outputs = [textbox, chatbot, turns, sources, document]
        start_over.click(handlers.start_over, None, outputs, **private)
        chatbot.clear(handlers.start_over, None, outputs, **private)
        chatbot.like(handlers.record_feedback, [turns], feedback_note, **private)
        document_tab.select(None, js=SCROLL_TO_FIRST_CITE_JS, **private)
        files.upload(
            lambda items, progress=gr.Progress(): upload(handlers, items, progress),  # noqa: B008
            [files],
            [library_note, picker, files],
            show_progress_on=[library_note],
            **private,
        ).then(handlers.poll_status, None, [status, timer], show_progress="hidden", **private)
        # The heading counts the documents, and the examples (about the bundled article) show only
        # while it is picked: an upload sets the picker to the new document.
        picker.change(
            lambda value: (heading(handlers), gr.Row(visible=shows_examples(handlers, value))),
            [picker],
            [page_heading, examples],
            queue=False,
            **private,
        )
        timer.tick(handlers.poll_status, None, [status, timer], queue=False, show_progress="hidden", **private)
        blocks.load(handlers.poll_status, None, [status, timer], queue=False, show_progress="hidden", **private)
        gr.api(handlers.api_chat, api_name="chat")
    blocks.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    return blocks
