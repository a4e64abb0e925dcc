"""index.formats: each supported file type becomes cited text with titles, heading spans and page offsets,
and every file that cannot be indexed is refused with one line that names it and says the fix."""

from __future__ import annotations

import io
import zipfile
from bisect import bisect_right
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from PIL import Image

from index.formats import (
    DEFAULT_MAX_BYTES,
    SUPPORTED,
    ExtractedDocument,
    FormatError,
    extract,
    extract_path,
    safe_name,
)


def make_pdf(
    *pages: str, title: str | None = None, user_password: str | None = None, owner_password: str | None = None
) -> bytes:
    """A PDF with one text page per argument ("" for a blank page), made by fpdf2."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    """An image-only PDF, as a scanner makes: a page holding a picture and no text layer."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 100), "white"), x=10, y=10, w=100)
    return bytes(pdf.output())


def make_docx(core_title: str = "") -> bytes:
    """A .docx with a Title-style heading, two numbered headings, paragraphs and a table, made by python-docx."""
    document = docx.Document()
    document.core_properties.title = core_title
    document.add_heading("Annual Review", 0)
    document.add_paragraph("The board met twice this year.")
    document.add_heading("Budget", 1)
    document.add_paragraph("Spending rose by four percent.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Travel"
    table.rows[0].cells[1].text = "1200 euros"
    document.add_heading("Staff details", 2)
    document.add_paragraph("Two people joined.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def heading_texts(document: ExtractedDocument) -> list[tuple[str, int]]:
    """Each heading span's slice of the text with its level, after checking it stands as its own block."""
    for start, end, _ in document.headings:
        assert start == 0 or document.text[start - 2 : start] == "\n\n"
        assert document.text[end : end + 2] in ("\n\n", "")
    return [(document.text[start:end], level) for start, end, level in document.headings]


def assert_refused(error: pytest.ExceptionInfo[FormatError], name: str, *phrases: str) -> None:
    """The refusal is one line, starts with the file name and holds the given phrases (the reason and the fix)."""
    message = str(error.value)
    assert message.startswith(f"{name}:"), message
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, message


# --- plain text -------------------------------------------------------------------------------------------


def test_text_file_keeps_its_words_drops_the_bom_and_uses_newline_line_ends() -> None:
    data = "\ufeffFirst line\r\nSecond line\r\n\r\nA cafe\u0301 paragraph.\n".encode()

    document = extract("notes.txt", data)

    assert document.text == "First line\nSecond line\n\nA caf\u00e9 paragraph.\n"
    assert (document.name, document.format, document.title, document.headings, document.pages) == (
        "notes.txt",
        "txt",
        "notes",
        (),
        (),
    )


def test_text_file_saved_as_utf16_with_a_bom_is_read() -> None:
    document = extract("windows.txt", "Notepad text\r\n".encode("utf-16"))

    assert document.text == "Notepad text\n"


# --- Markdown ---------------------------------------------------------------------------------------------

MARKDOWN = """\
# The *Harbour* Report

Ships arrive at [the east dock](https://example.org) every **Tuesday**.
A second line of the same paragraph.

- cranes load grain
- tugs wait offshore
  1. first tug
  2. second tug

```
berth = 7
```

<div class="banner">Subscribe now</div>

## Tides and `depth`

| Dock | Depth |
|------|-------|
| East | 12 m  |
"""


def test_markdown_renders_to_plain_text_without_markup_or_html_blocks() -> None:
    document = extract("harbour.md", MARKDOWN.encode())

    assert document.text == (
        "The Harbour Report\n\n"
        "Ships arrive at the east dock every Tuesday. A second line of the same paragraph.\n\n"
        "- cranes load grain\n- tugs wait offshore\n  1. first tug\n  2. second tug\n\n"
        "berth = 7\n\n"
        "Tides and depth\n\n"
        "Dock | Depth\nEast | 12 m"
    )
    assert "Subscribe" not in document.text
    assert document.format == "md"


def test_markdown_headings_are_exact_spans_and_the_first_is_the_title() -> None:
    document = extract("harbour.markdown", MARKDOWN.encode())

    assert heading_texts(document) == [("The Harbour Report", 1), ("Tides and depth", 2)]
    assert document.title == "The Harbour Report"


def test_markdown_front_matter_is_not_text_and_gives_the_title_when_there_is_no_heading() -> None:
    document = extract("post.md", b"---\ntitle: Dock Hours\nlayout: post\n---\nOpen from six.\n")

    assert document.text == "Open from six."
    assert document.title == "Dock Hours"
    assert document.headings == ()


def test_markdown_without_a_heading_is_titled_by_its_file_stem() -> None:
    assert extract("dock-notes.md", b"Just a paragraph.").title == "dock-notes"


# --- HTML -------------------------------------------------------------------------------------------------

HTML = """<!doctype html>
<html><head><meta charset="windows-1252"><title>Harbour  News</title>
<style>p { color: red }</style><script>track("visit")</script></head>
<body>
<header>Site banner</header><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<main>
  <article>
    <header><h1>Grain <em>ships</em> return</h1></header>
    <p>The first   ship
       docked at <a href="#">noon</a>.<br>Crowds cheered.</p>
    <!-- an editor's note -->
    <div>Loose text in a div <p>with a nested paragraph</p></div>
    <ul><li>wheat</li><li>barley <b>and</b> oats</li></ul>
    <h2>Caf\u00e9 prices</h2>
    <table><tr><td>Coffee</td><td>2 euros</td></tr></table>
    <p hidden>draft text</p>
    <form><label>Email</label><input></form>
  </article>
</main>
<aside>Related links</aside><footer>Copyright</footer>
</body></html>"""


def test_html_keeps_the_main_content_as_paragraphs_and_drops_page_furniture() -> None:
    document = extract("news.html", HTML.encode("cp1252"))

    assert document.text == (
        "Grain ships return\n\n"
        "The first ship docked at noon.\nCrowds cheered.\n\n"
        "Loose text in a div\n\nwith a nested paragraph\n\n"
        "wheat\n\nbarley and oats\n\n"
        "Caf\u00e9 prices\n\n"
        "Coffee\n\n2 euros"
    )
    for furniture in ("banner", "Home", "Related", "Copyright", "visit", "color", "draft", "Email", "editor"):
        assert furniture not in document.text


def test_html_headings_are_exact_spans_and_the_title_comes_from_the_title_element() -> None:
    document = extract("news.htm", HTML.encode("cp1252"))

    assert heading_texts(document) == [("Grain ships return", 1), ("Caf\u00e9 prices", 2)]
    assert document.title == "Harbour News"
    assert document.format == "html"


def test_html_without_a_title_element_is_titled_by_its_first_h1() -> None:
    document = extract("page.html", b"<body><h1>Dock Rules</h1><p>No swimming.</p></body>")

    assert document.title == "Dock Rules"
    assert document.text == "Dock Rules\n\nNo swimming."


def test_html_without_main_keeps_every_top_level_article_and_nothing_around_them() -> None:
    page = b"<body><p>Cookie notice</p><article><p>First story.</p></article><article><p>Second story.</p></article></body>"

    assert extract("list.html", page).text == "First story.\n\nSecond story."


def test_html_nested_thousands_of_elements_deep_is_read() -> None:
    page = b"<div><span>" * 5000 + b"<p>Deep text.</p>" + b"</span></div>" * 5000

    assert extract("deep.html", page).text == "Deep text."


# --- PDF --------------------------------------------------------------------------------------------------


def test_pdf_page_offsets_map_each_fact_to_its_page() -> None:
    data = make_pdf("The harbour opened in 1890.", "The fact on page two is the crane count.", "Page three closes.")

    document = extract("harbour.pdf", data)

    assert (
        document.text == "The harbour opened in 1890.\n\nThe fact on page two is the crane count.\n\nPage three closes."
    )
    assert len(document.pages) == 3 and document.pages[0] == 0
    for fact, page in (("1890", 1), ("crane count", 2), ("three closes", 3)):
        assert bisect_right(document.pages, document.text.index(fact)) == page
    assert document.format == "pdf" and document.headings == ()


def test_pdf_blank_page_holds_no_offset_and_the_next_page_keeps_its_number() -> None:
    document = extract("gap.pdf", make_pdf("Before the gap.", "", "After the gap."))

    assert document.text == "Before the gap.\n\nAfter the gap."
    assert bisect_right(document.pages, document.text.index("After")) == 3


def test_pdf_whitespace_runs_within_a_line_are_collapsed() -> None:
    document = extract("spaced.pdf", make_pdf("Wide    gaps   here\nNext line"))

    assert document.text == "Wide gaps here\nNext line"


def test_pdf_title_comes_from_metadata_else_its_first_line() -> None:
    assert extract("a.pdf", make_pdf("Body text.", title="Harbour  Survey")).title == "Harbour Survey"
    long_line = "word " * 40
    assert extract("b.pdf", make_pdf("Short first line\nMore")).title == "Short first line"
    clipped = extract("c.pdf", make_pdf(long_line)).title
    assert len(clipped) <= 120 and clipped.startswith("word word") and clipped.endswith("word")


def test_pdf_that_opens_without_a_password_is_read_even_with_an_owner_password() -> None:
    document = extract("restricted.pdf", make_pdf("Printing is restricted.", owner_password="owner"))

    assert document.text == "Printing is restricted."


# --- docx -------------------------------------------------------------------------------------------------


def test_docx_paragraphs_tables_and_heading_styles_become_text_and_headings() -> None:
    document = extract("review.docx", make_docx())

    assert document.text == (
        "Annual Review\n\nThe board met twice this year.\n\nBudget\n\nSpending rose by four percent.\n\n"
        "Travel\n\n1200 euros\n\nStaff details\n\nTwo people joined."
    )
    assert heading_texts(document) == [("Annual Review", 1), ("Budget", 1), ("Staff details", 2)]
    assert document.title == "Annual Review"
    assert document.format == "docx"


def test_docx_core_title_wins_over_its_first_heading() -> None:
    assert extract("review.docx", make_docx(core_title="Board Review 2024")).title == "Board Review 2024"


def test_docx_merged_cell_text_appears_once() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged heading cell"
    table.cell(0, 2).text = "Last cell"
    buffer = io.BytesIO()
    document.save(buffer)

    assert extract("merged.docx", buffer.getvalue()).text == "Merged heading cell\n\nLast cell"


# --- reading from disk ------------------------------------------------------------------------------------


def test_extract_path_reads_the_file_and_names_the_document_by_its_basename(tmp_path: Path) -> None:
    path = tmp_path / "minutes.md"
    path.write_text("# Minutes\n\nApproved.\n", encoding="utf-8")

    document = extract_path(path)

    assert (document.name, document.title, document.text) == ("minutes.md", "Minutes", "Minutes\n\nApproved.")


def test_extract_path_refuses_a_missing_file_naming_its_path(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"

    with pytest.raises(FormatError) as error:
        extract_path(path)

    assert_refused(error, str(path), "cannot be read", "check the path")


def test_extract_path_refuses_an_oversized_file_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as sparse:
        sparse.truncate(DEFAULT_MAX_BYTES + 5 * 1024 * 1024)

    with pytest.raises(FormatError) as error:
        extract_path(path)

    assert_refused(error, "huge.txt", "is 25 MB", "over the 20 MB limit", "QA_MAX_FILE_MB")


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["data.exe", "x.csv", "archive.tar.gz"])
def test_a_wrong_extension_is_refused_listing_the_supported_ones(name: str) -> None:
    with pytest.raises(FormatError) as error:
        extract(name, b"hello")

    assert_refused(error, name, "not supported", ", ".join(SUPPORTED))


def test_a_missing_extension_is_refused_asking_for_a_rename() -> None:
    with pytest.raises(FormatError) as error:
        extract("notes", b"hello")

    assert_refused(error, "notes", "no file extension", "rename it", ".txt, .md")


def test_a_file_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    corrupt_and_big = b"%PDF-broken" * 1000

    with pytest.raises(FormatError) as error:
        extract("big.pdf", corrupt_and_big, max_bytes=4096)

    assert_refused(error, "big.pdf", "is 10.7 KB", "over the 4 KB limit", "raise QA_MAX_FILE_MB")


def test_a_file_just_over_the_cap_shows_exact_byte_counts() -> None:
    with pytest.raises(FormatError) as error:
        extract("edge.txt", b"a" * (DEFAULT_MAX_BYTES + 1))

    assert_refused(error, "edge.txt", "is 20,971,521 bytes, over the 20,971,520 bytes limit", "QA_MAX_FILE_MB")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(FormatError) as error:
        extract("blank.txt", b"")

    assert_refused(error, "blank.txt", "is empty", "choose a file")


@pytest.mark.parametrize(("name", "data"), [("spaces.txt", b"  \n\t\r\n"), ("rule.md", b"---\n\n***\n")])
def test_a_file_with_only_whitespace_text_is_refused(name: str, data: bytes) -> None:
    with pytest.raises(FormatError) as error:
        extract(name, data)

    assert_refused(error, name, "no text to index", "add text")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("image.txt", b"GIF89a\x00\x01\x00\x01\x00\x00\xff", "NUL bytes"),
        ("photo.md", b"\x89PNG\r\n\x1a\n\xc3\x28\x80\x81", "not valid utf-8"),
        ("latin.txt", "caf\u00e9".encode("latin-1"), "not valid utf-8"),
        ("noise.html", bytes(range(1, 32)) * 20 + b"<p>hi</p>", "control characters"),
    ],
)
def test_binary_data_under_a_text_extension_is_refused_as_not_text(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(FormatError) as error:
        extract(name, data)

    assert_refused(error, name, "is not text", reason)
    assert "UTF-8" in str(error.value) or "saved as text" in str(error.value)


@pytest.mark.parametrize("data", [b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", b"not a pdf at all", b"\x00" * 64])
def test_a_corrupt_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(FormatError) as error:
        extract("broken.pdf", data)

    assert_refused(error, "broken.pdf", "is not a readable PDF", "re-export it")
    assert error.value.__cause__ is not None


def test_a_truncated_pdf_is_refused() -> None:
    data = make_pdf("Complete page.")

    with pytest.raises(FormatError) as error:
        extract("truncated.pdf", data[: len(data) // 3])

    assert_refused(error, "truncated.pdf", "not a readable PDF", "repair it")


def test_a_pdf_that_needs_a_password_is_refused_as_encrypted() -> None:
    data = make_pdf("Secret minutes.", owner_password="owner", user_password="reader")

    with pytest.raises(FormatError) as error:
        extract("locked.pdf", data)

    assert_refused(error, "locked.pdf", "is encrypted; save an unencrypted copy")


def test_a_scanned_pdf_without_a_text_layer_is_refused_with_ocr_advice() -> None:
    with pytest.raises(FormatError) as error:
        extract("scan.pdf", make_scanned_pdf())

    assert_refused(error, "scan.pdf", "has no text layer (a scan?); run OCR first, e.g. ocrmypdf")


def test_a_pdf_over_the_page_cap_is_refused() -> None:
    with pytest.raises(FormatError) as error:
        extract("long.pdf", make_pdf("one", "two", "three"), max_pages=2)

    assert_refused(error, "long.pdf", "has 3 pages, over the 2-page limit", "split it")


def test_html_holding_only_scripts_and_styles_is_refused() -> None:
    data = (
        b"<html><head><style>body{}</style></head><body><script>render()</script><noscript> </noscript></body></html>"
    )

    with pytest.raises(FormatError) as error:
        extract("app.html", data)

    assert_refused(error, "app.html", "no readable text", "save the text from a browser")


@pytest.mark.parametrize("kind", ["not a zip", "a zip without a document"])
def test_a_docx_that_is_not_a_word_document_is_refused(kind: str) -> None:
    if kind == "not a zip":
        data = b"just some bytes, renamed to .docx"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        data = buffer.getvalue()

    with pytest.raises(FormatError) as error:
        extract("report.docx", data)

    assert_refused(error, "report.docx", "is not a valid .docx", "save it as .docx")
    assert error.value.__cause__ is not None


@pytest.mark.parametrize("kind", ["pdf", "docx", "html", "md"])
def test_a_cut_short_file_gives_a_document_or_a_format_error_never_a_library_error(kind: str) -> None:
    whole = {
        "pdf": make_pdf("A page of text.", "Another page."),
        "docx": make_docx(),
        "html": HTML.encode("cp1252"),
        "md": MARKDOWN.encode(),
    }[kind]

    for cut in range(1, len(whole), max(1, len(whole) // 60)):
        try:
            document = extract(f"cut.{kind}", whole[:cut])
        except FormatError as error:
            assert str(error).startswith("cut.") and "\n" not in str(error)
        else:
            assert all(document.text[start:end] for start, end, _ in document.headings)


# --- names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../x.md", "/etc/passwd", "a\\..\\b", "x\x00.md", "", "   ", ".", "..", "C:\\Users\\x.md", "dir/", "a\nb.md"],
)
def test_safe_name_refuses_path_tricks(name: str) -> None:
    with pytest.raises(FormatError) as error:
        safe_name(name)

    assert "use a plain file name" in str(error.value)
    assert "\n" not in str(error.value)


def test_extract_refuses_a_path_trick_before_reading_the_data() -> None:
    with pytest.raises(FormatError, match="use a plain file name"):
        extract("../../secrets.txt", b"text")


@pytest.mark.parametrize(
    ("name", "base"), [("notes.md", "notes.md"), ("docs/notes.md", "notes.md"), ("a b.PDF", "a b.PDF")]
)
def test_safe_name_returns_the_basename_of_a_plain_name(name: str, base: str) -> None:
    assert safe_name(name) == base


def test_upper_case_extensions_are_accepted() -> None:
    assert extract("README.MD", b"# Read me").format == "md"
