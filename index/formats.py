"""Turn a user's file (.txt, .md, .html, .pdf, .docx) into indexable text, or refuse it with a one-line reason."""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import PageElement, Tag
    from docx.document import Document as DocxDocument
    from docx.table import _Cell, _Row
    from markdown_it.token import Token
    from pypdf import PdfReader

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PAGES",
    "SUPPORTED",
    "ExtractedDocument",
    "FormatError",
    "extract",
    "extract_path",
    "safe_name",
]

_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED: tuple[str, ...] = tuple(_FORMATS)
# 20 MB is ample for text (about 10,000 pages of plain text) and holds most text PDFs with figures, yet bounds
# the memory and parse time of one upload on a small shared machine; QA_MAX_FILE_MB raises it.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# 500 pages is a long book; pypdf reads a dense text page in about 10 ms here (complex fonts cost more), so the
# cap keeps one upload's extraction to seconds, about a minute at worst.
DEFAULT_MAX_PAGES = 500

# Real text, even a log with colour escapes, has a few control characters per hundred; binary data that happens
# to decode as UTF-8 is full of them.
_MAX_CONTROL_SHARE = 0.10
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MAX_TITLE = 120
# Stands for <br> while HTML whitespace is collapsed; NUL never survives decoding (_decode refuses it).
_BREAK = "\x00"


class FormatError(ValueError):
    """A file that cannot be indexed; the message names the file and says what to do."""


@dataclass(frozen=True)
class ExtractedDocument:
    """A file's indexable text with its title, heading spans and, for a PDF, page start offsets."""

    name: str  # the file name as given, basename only
    format: str  # "txt" | "md" | "html" | "pdf" | "docx"
    text: str  # what is indexed and cited: NFC, "\n" line ends, blocks separated by one blank line
    title: str  # from the file (title element, heading, metadata), else the file stem
    headings: tuple[tuple[int, int, int], ...]  # (start, end, level 1-6); text[start:end] is the heading's text
    pages: tuple[int, ...] = ()  # PDF only: start offset of page 1, 2, ...; offset o is on bisect_right(pages, o)


def safe_name(name: str) -> str:
    """Return the basename of an upload name; refuse absolute paths, '..', control characters and empty names."""
    parts = re.split(r"[/\\]", name)
    tricky = (
        not name.strip()
        or any(unicodedata.category(char) == "Cc" for char in name)
        or name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in parts
        or parts[-1].strip() in ("", ".")
    )
    if tricky:
        raise FormatError(f"{name!r}: is not a plain file name; use a plain file name such as 'notes.md'")
    if len(parts[-1]) > 255:
        raise FormatError(f"{parts[-1][:40]}...: the file name is over 255 characters; use a shorter file name")
    return parts[-1]


def extract(
    name: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES
) -> ExtractedDocument:
    """Extract the indexable text of a file named ``name`` holding ``data``; raise FormatError if it cannot be."""
    name, fmt = _admit(name, len(data), max_bytes)
    stem = PurePath(name).stem
    if fmt == "txt":
        text = unicodedata.normalize("NFC", _decode(name, data))
        document = ExtractedDocument(name, fmt, text, stem, ())
    elif fmt == "md":
        document = _markdown(name, _decode(name, data), stem)
    elif fmt == "html":
        document = _html(name, data, stem)
    elif fmt == "pdf":
        document = _pdf(name, data, stem, max_pages)
    else:
        document = _docx(name, data, stem)
    if not document.text.strip():
        raise FormatError(f"{name}: has no text to index, only whitespace; add text to it or choose another file")
    return document


def extract_path(
    path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES
) -> ExtractedDocument:
    """Read ``path`` and extract it; an unreadable path raises FormatError naming it."""
    path = Path(path)
    try:
        # Refuse a wrong type or an oversized file before reading it all into memory.
        _admit(path.name, path.stat().st_size, max_bytes)
        data = path.read_bytes()
    except OSError as error:
        raise FormatError(
            f"{path}: cannot be read ({error.strerror or error}); check the path and its permissions"
        ) from error
    return extract(path.name, data, max_bytes=max_bytes, max_pages=max_pages)


def _admit(name: str, size: int, max_bytes: int) -> tuple[str, str]:
    """Return the safe name and format of a file, or refuse its name, its extension, its size or its emptiness."""
    name = safe_name(name)
    suffix = PurePath(name).suffix.lower()
    listed = ", ".join(SUPPORTED)
    if not suffix:
        raise FormatError(f"{name}: has no file extension; rename it to end in one of {listed}")
    if suffix not in _FORMATS:
        raise FormatError(f"{name}: '{suffix}' files are not supported; use one of {listed}")
    if size > max_bytes:
        shown, cap = _size(size), _size(max_bytes)
        if shown == cap:
            shown, cap = f"{size:,} bytes", f"{max_bytes:,} bytes"
        raise FormatError(f"{name}: is {shown}, over the {cap} limit; split it, or raise QA_MAX_FILE_MB")
    if not size:
        raise FormatError(f"{name}: is empty (0 bytes); choose a file that has text in it")
    return name, _FORMATS[suffix]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{n / 1024:.1f}".removesuffix(".0") + " KB" if n >= 1024 else f"{n} bytes"


def _reason(error: Exception) -> str:
    """A library error as a short single line, for a message that must stay one line."""
    text = " ".join(str(error).split())
    return (text[:100] + "...") if len(text) > 100 else (text or type(error).__name__)


def _decode(name: str, data: bytes, declared: str | None = None) -> str:
    """Decode text by its BOM, else the declared charset, else UTF-8; refuse binary data; \\n line ends."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    encoding = next((codec for bom, codec in boms if data.startswith(bom)), None) or _codec(declared) or "utf-8"
    binary = f"{name}: is not text (it holds NUL bytes); upload the document itself, saved as text"
    # UTF-16 text is full of NUL bytes; any other text has none, however it is encoded.
    if not encoding.startswith("utf-16") and b"\x00" in data:
        raise FormatError(binary)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FormatError(
            f"{name}: is not text (byte {error.start} is not valid {encoding}); if it is text, save it as UTF-8"
        ) from error
    if "\x00" in text:
        raise FormatError(binary)
    controls = len(text) - len(_CONTROL.sub("", text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise FormatError(
            f"{name}: is not text ({controls} of {len(text)} characters are control characters); "
            "upload the document itself, saved as text"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _codec(declared: str | None) -> str | None:
    try:
        codec = codecs.lookup(declared).name if declared else None
    except LookupError:
        return None
    # A page cannot declare UTF-16/32 in its own ASCII-readable <meta> (the HTML standard reads it as UTF-8).
    return "utf-8" if codec and codec.startswith(("utf-16", "utf-32")) else codec


def _one_line(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", _CONTROL.sub("", text)).split())


def _paragraph(text: str) -> str:
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n").rstrip()


def _assemble(blocks: Iterable[tuple[int, str]]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Join (level, text) blocks, level 0 a paragraph, with blank lines; return the text and heading spans."""
    parts: list[str] = []
    headings: list[tuple[int, int, int]] = []
    at = 0
    for level, raw in blocks:
        text = _one_line(raw) if level else _paragraph(raw)
        if not text:
            continue
        at += 2 if parts else 0
        if level:
            headings.append((at, at + len(text), level))
        parts.append(text)
        at += len(text)
    return "\n\n".join(parts), tuple(headings)


def _document(name: str, fmt: str, blocks: list[tuple[int, str]], title: str) -> ExtractedDocument:
    text, headings = _assemble(blocks)
    return ExtractedDocument(name, fmt, text, title, headings)


def _first_heading(blocks: list[tuple[int, str]]) -> str:
    return next((text for level, raw in blocks if level and (text := _one_line(raw))), "")


# Front matter opens with a "key:" line; without one, a leading "---" is a thematic break and is left to the parser.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>[\w-]+:.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def _markdown(name: str, source: str, stem: str) -> ExtractedDocument:
    """Render Markdown to plain blocks with markdown-it-py: headings, paragraphs, list lines, code; no HTML."""
    from markdown_it import MarkdownIt

    # YAML front matter (Jekyll, Hugo) would otherwise render as a rule plus a bogus setext heading.
    front = _FRONT_MATTER.match(source)
    source = source[front.end() :] if front else source
    front_title = re.search(r"^title:[ \t]*[\"']?(.*?)[\"']?[ \t]*$", front["body"], re.MULTILINE) if front else None

    blocks: list[tuple[int, str]] = []
    lines: list[str] = []  # the lines of the list or table being read; one block when it closes
    markers: list[str] = []  # per open list, the marker of its current item ("- ", "3. ")
    fresh_item = in_cell = False
    level = 0
    row: list[str] = []
    for token in MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(source):
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1])
        elif kind == "heading_close":
            level = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            markers.append("- ")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            markers.pop()
            if not markers:
                blocks.append((0, "\n".join(lines)))
                lines = []
        elif kind == "list_item_open":
            markers[-1] = f"{token.info}{token.markup} " if token.info else "- "
            fresh_item = True
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "tr_close":
            lines.append(" | ".join(row))
            row = []
        elif kind == "table_close" and not markers:
            blocks.append((0, "\n".join(lines)))
            lines = []
        elif kind in ("inline", "fence", "code_block"):
            text = _inline(token) if kind == "inline" else token.content.rstrip("\n")
            if in_cell:
                row.append(_one_line(text))
            elif markers:
                indent = "  " * (len(markers) - 1)
                lead = markers[-1] if fresh_item else " " * len(markers[-1])
                for line in text.split("\n"):
                    lines.append(f"{indent}{lead}{line}")
                    lead = " " * len(lead)
                fresh_item = False
            else:
                blocks.append((level, text))
    title = _first_heading(blocks) or (_one_line(front_title[1]) if front_title else "") or stem
    return _document(name, "md", blocks, title)


def _inline(token: Token) -> str:
    """Plain text of an inline token: text, code and image alt kept; markup and raw HTML dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


# Page furniture and non-text elements; a <header> inside <main>/<article> is kept, it holds the article's title.
_HTML_DROP = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "iframe",
    "head", "button", "select", "textarea", "canvas", "object", "embed", "audio", "video",
)  # fmt: skip
_HTML_BLOCK = frozenset(
    "address article blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "header hgroup hr html li main menu ol p section summary table tbody td tfoot th thead tr ul".split()
)
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _html(name: str, data: bytes, stem: str) -> ExtractedDocument:
    """Blocks of an HTML page's main content with BeautifulSoup: headings, paragraphs, cells, list items."""
    from bs4 import BeautifulSoup

    declared = _META_CHARSET.search(data[:4096])
    source = _decode(name, data, declared[1].decode("ascii") if declared else None)
    # html.parser is lenient; whatever bs4 still raises (deep nesting, odd markup) means a broken page.
    try:
        soup = BeautifulSoup(source, "html.parser")
        page_title = _one_line(soup.title.get_text()) if soup.title else ""
        for tag in soup.find_all(lambda t: t.name in _HTML_DROP or t.has_attr("hidden")):
            if not tag.decomposed and not (tag.name == "header" and tag.find_parent(["main", "article"])):
                tag.decompose()
        main = soup.find("main")
        articles = [a for a in soup.find_all("article") if a.find_parent("article") is None]
        roots = [main] if main else articles or [soup.body or soup]
        blocks = [block for root in roots for block in _html_blocks(root)]
    except Exception as error:
        raise FormatError(f"{name}: is not readable HTML ({_reason(error)}); save the page again as HTML") from error
    if not any(text.strip() for _, text in blocks):
        raise FormatError(
            f"{name}: has no readable text once scripts, styles and menus are dropped (a page built by JavaScript?); "
            "save the text from a browser as .txt, or choose another file"
        )
    return _document(name, "html", blocks, page_title or _first_heading(blocks) or stem)


def _html_blocks(root: Tag) -> list[tuple[int, str]]:
    """The (level, text) blocks under ``root``: inline text runs until a block element ends it."""
    from bs4.element import NavigableString, PreformattedString

    blocks: list[tuple[int, str]] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        run.clear()
        blocks.append((0, "\n".join(" ".join(line.split()) for line in text.split(_BREAK))))

    # A stack, not recursion: pages nest thousands of elements deep. None marks the end of a block element.
    pending: list[PageElement | None] = list(reversed(root.contents))
    while pending:
        node = pending.pop()
        if node is None:
            flush()
        elif isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, CDATA, doctype
                run.append(str(node))
        elif node.name == "br":
            run.append(_BREAK)
        elif node.name in _HTML_HEADINGS:
            flush()
            blocks.append((_HTML_HEADINGS[node.name], _heading_text(node)))
        elif node.name == "pre":
            flush()
            blocks.append((0, node.get_text()))
        else:
            if node.name in _HTML_BLOCK:
                flush()
                pending.append(None)
            pending.extend(reversed(node.contents))
    flush()
    return blocks


def _heading_text(heading: Tag) -> str:
    """A heading's words with <br> as a space; comments and tags dropped (nested blocks do not split a heading)."""
    from bs4.element import NavigableString

    nodes = (node for node in heading.descendants if node.name == "br" or type(node) is NavigableString)
    return "".join(" " if node.name == "br" else str(node) for node in nodes)


def _pdf(name: str, data: bytes, stem: str, max_pages: int) -> ExtractedDocument:
    """Text layer of a PDF page by page with pypdf; ``pages`` holds each page's start offset."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    repair = "re-export it as PDF or repair it (e.g. qpdf in.pdf out.pdf) and upload it again"
    # pypdf opens a PDF whose user password is empty by itself; this error means it needs a password to open.
    encrypted = f"{name}: is encrypted; save an unencrypted copy (e.g. print it to PDF) and upload that"
    # pypdf raises many types on a damaged file (PdfReadError, ValueError, KeyError, ...), so catch them all.
    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
    except FileNotDecryptedError as error:
        raise FormatError(encrypted) from error
    except Exception as error:
        raise FormatError(f"{name}: is not a readable PDF ({_reason(error)}); {repair}") from error
    if count > max_pages:
        raise FormatError(f"{name}: has {count} pages, over the {max_pages}-page limit; split it into smaller PDFs")
    if count == 0:
        raise FormatError(f"{name}: is a PDF with no pages; {repair}")
    texts: list[str] = []
    for number, page in enumerate(reader.pages, 1):
        try:
            raw = page.extract_text()
        except FileNotDecryptedError as error:
            raise FormatError(encrypted) from error
        except Exception as error:
            raise FormatError(f"{name}: page {number} is not readable ({_reason(error)}); {repair}") from error
        texts.append(_paragraph("\n".join(" ".join(line.split()) for line in raw.splitlines())))
    if not any(texts):
        raise FormatError(f"{name}: has no text layer (a scan?); run OCR first, e.g. ocrmypdf {name} ocr.pdf")
    starts: list[int] = []
    kept: list[str] = []
    at = 0
    for text in texts:
        # An empty page starts where the next text starts, so bisect_right never maps an offset to it.
        starts.append(at + (2 if kept and text else 0))
        if text:
            at = starts[-1] + len(text)
            kept.append(text)
    body = "\n\n".join(kept)
    return ExtractedDocument(name, "pdf", body, _pdf_title(reader) or _clip(body) or stem, (), tuple(starts))


def _pdf_title(reader: PdfReader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged info dictionary only costs the title
        return ""
    return _one_line(str(title)) if title else ""


def _clip(text: str) -> str:
    """The first non-empty line, cut at a word boundary to at most _MAX_TITLE characters."""
    line = next((line for line in text.split("\n") if line.strip()), "").strip()
    if len(line) <= _MAX_TITLE:
        return line
    cut = line[: _MAX_TITLE + 1].rsplit(" ", 1)[0]
    return cut if 0 < len(cut) <= _MAX_TITLE else line[:_MAX_TITLE]


def _docx(name: str, data: bytes, stem: str) -> ExtractedDocument:
    """Paragraphs and table cells of a .docx in order with python-docx; Heading N and Title styles are headings."""
    import docx

    # python-docx raises BadZipFile, KeyError, ValueError or lxml errors on a file that is not a Word document.
    try:
        document = docx.Document(io.BytesIO(data))
        core_title = document.core_properties.title or ""
        blocks = list(_docx_blocks(document))
    except Exception as error:
        raise FormatError(
            f"{name}: is not a valid .docx ({_reason(error)}); open it in Word or LibreOffice and save it as .docx"
        ) from error
    return _document(name, "docx", blocks, _one_line(core_title) or _first_heading(blocks) or stem)


def _docx_blocks(container: DocxDocument | _Cell) -> Iterator[tuple[int, str]]:
    """(level, text) of each paragraph in body order, descending into table cells."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in _row_cells(row):
                    yield from _docx_blocks(cell)
        else:
            yield _docx_level(item.style.name if item.style else ""), item.text


def _row_cells(row: _Row) -> list[_Cell]:
    """The cells of a table row, a merged cell once (python-docx lists it once per grid column it spans)."""
    cells = row.cells
    return [cell for i, cell in enumerate(cells) if i == 0 or cell is not cells[i - 1]]


def _docx_level(style: str) -> int:
    heading = re.fullmatch(r"heading ([1-9])", style.strip(), re.IGNORECASE)
    return min(int(heading[1]), 6) if heading else 1 if style.strip().lower() == "title" else 0
