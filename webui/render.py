"""HTML for the chat page, pure and escaped: source cards, the highlighted document, heading, status line."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import Any

from qa import UNKNOWN_SPEAKER, Answer, Citation, Segment, layout

# Characters of document shown on each side of a quote in a source card.
CONTEXT_CHARS = 180
# Longest echo of a question in the chat; over-long questions are refused, not shown in full.
ECHO_CHARS = 300
SECTION_LABELS = {
    "title": "title",
    "byline": "byline",
    "article": "article",
    "bio": "author bio",
    "comment": "reader comment",
}
# "*Force* says:" and "From *Force*:" at the start of a line of an answer: the document's title.
_TITLE_MARK = re.compile(r"(^|\n|From )\*([^*\n]{1,300})\*(?= says:|:)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")
_SPACES = re.compile(r"[ \t\u00a0]+")
_LINE_BREAK = re.compile(r"[ \t\u00a0]*\n[ \t\u00a0]*")


def _esc(text: str) -> str:
    """Return ``text`` escaped for HTML, with runs of spaces collapsed and line breaks kept."""
    return _LINE_BREAK.sub("<br>", _SPACES.sub(" ", html.escape(text, quote=True)))


def speaker_label(citation: Citation) -> str:
    """Return who says a cited passage and where, e.g. "Commenter 4, reader comment"; a passage of a
    document without a byline is labelled by where it stands ("Opening hours", "page 2")."""
    where = SECTION_LABELS.get(citation.section, citation.section)
    page = f", page {citation.page}" if citation.page else ""
    if citation.speaker == UNKNOWN_SPEAKER:
        return f"{where}{page}" if citation.section != "article" else (f"page {citation.page}" if page else "text")
    return f"{citation.speaker}, {where}{page}"


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


def render_heading(text: str, documents: int = 1) -> str:
    """Return the page heading: the document's title and byline, escaped; with several documents,
    how many there are."""
    if documents > 1:
        return (
            f'<div class="doc-heading"><h1>Ask your documents ({documents})</h1>'
            "<p>Choose one under <em>Your documents</em>, or ask across all of them. "
            "Answers quote the text and say which document, and who, says it.</p></div>"
        )
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
    """Return chat text escaped, so neither HTML nor Markdown in it renders (``render_markdown`` is off);
    only a document's title, which answers write as ``*Title*``, is set in italics."""
    return _TITLE_MARK.sub(r"\1<em>\2</em>", html.escape(text, quote=False))


def echo_question(question: Any) -> str:
    """Return a safe, short echo of whatever the user sent, for the chat transcript."""
    shown = question if isinstance(question, str) else repr(question)
    shown = _CONTROL.sub("\ufffd", shown)
    if len(shown) > ECHO_CHARS:
        shown = f"{shown[:ECHO_CHARS]}… ({len(shown):,} characters)"
    return shown


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
