"""Your own documents end to end: ``qa add`` Markdown, HTML and PDF files, ask across them, refuse bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chromadb
import pytest
from fpdf import FPDF

from index.clients import chroma_settings
from qa import Assistant, DocumentError, Settings
from qa.cli import main as qa_main

QA = [sys.executable, "-m", "qa.cli"]

MARKDOWN = """# Lighthouse keeping on Skerryvore

The Skerryvore lighthouse was built between 1838 and 1844 by the engineer Alan Stevenson.

## The keepers

Three keepers lived on the rock at a time. Each keeper served four weeks on the rock and two weeks ashore.
"""

HTML = """<html><head><title>The Walled Garden</title><script>var tracker = "Kellie";</script></head>
<body><nav>Home | Shop | About</nav><main><h1>The Walled Garden</h1>
<p>The walled garden at Kellie Castle grows over eighty varieties of apple.</p>
<h2>Opening hours</h2><p>The garden opens daily from 9am to 5pm between April and October.</p></main>
<footer>Copyright the garden trust</footer></body></html>
"""

PDF_PAGES = [
    "Annual report of the Harbour Rowing Club. The club was founded by dock workers.",
    "The club owns eleven boats. The oldest boat, the Marion, was built of larch in 1921.",
    "Membership costs forty pounds a year for adults.",
]


def make_pdf(path: Path, pages: list[str]) -> Path:
    """Write a PDF with one paragraph per page (fpdf2, a text layer like any word processor's)."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def _run(args: list[str], data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_DATA_DIR": str(data_dir), **extra}
    return subprocess.run([*QA, *args], capture_output=True, text=True, env=env, timeout=600, check=False)


def _collections(data_dir: Path) -> dict[str, int]:
    client = chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings())
    try:
        return {c.name: client.get_collection(c.name).count() for c in client.list_collections()}
    finally:
        client.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Path:
    """A data folder where ``qa add`` indexed a Markdown, an HTML and a 3-page PDF file."""
    root = tmp_path_factory.mktemp("own-documents")
    (root / "files").mkdir()
    (root / "files" / "skerryvore.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "files" / "garden.html").write_text(HTML, encoding="utf-8")
    make_pdf(root / "files" / "rowing-report.pdf", PDF_PAGES)
    data_dir = root / "data"
    added = _run(["add", str(root / "files")], data_dir, QA_MODEL_CACHE_DIR=str(model_cache))
    assert added.returncode == 0, added.stderr
    assert added.stdout.count("added") == 3, added.stdout
    return data_dir


def _ask(data_dir: Path, question: str, *extra: str) -> dict:
    asked = _run(["ask", "--json", question, *extra], data_dir)
    assert asked.returncode == 0, asked.stderr
    return json.loads(asked.stdout)


def _ids(data_dir: Path) -> dict[str, str]:
    listed = _run(["documents", "--json"], data_dir)
    assert listed.returncode == 0, listed.stderr
    return {d["name"]: d["id"] for d in json.loads(listed.stdout)}


def test_qa_add_then_ask_cites_the_right_document_with_exact_offsets_and_pages(library: Path) -> None:
    ids = _ids(library)
    assert {"skerryvore.md", "garden.html", "rowing-report.pdf", "iran-hardliners-hunter.txt"} == set(ids)
    bot = Assistant(Settings.load(data_dir=library))
    cases = [
        ("How long did each keeper serve on the rock?", "skerryvore.md", "four weeks on the rock", None),
        ("How many varieties of apple grow at Kellie Castle?", "garden.html", "eighty varieties of apple", None),
        ("When was the Marion built?", "rowing-report.pdf", "built of larch in 1921", 2),
        ("How much does membership of the rowing club cost?", "rowing-report.pdf", "forty pounds", 3),
    ]
    for question, name, fact, page in cases:
        answer = _ask(library, question)
        assert not answer["abstained"], (question, answer)
        (cited,) = [c for c in answer["citations"] if fact in c["quote"]]
        assert cited["source"] == ids[name], (question, answer)
        for c in answer["citations"]:
            assert bot.source_text(c["source"])[c["start"] : c["end"]] == c["quote"]
        assert cited["page"] == page
        assert cited["speaker"] == "Unknown"
    # A document without a byline is named by its title, not "the author".
    garden = _ask(library, "How many varieties of apple grow at Kellie Castle?")
    assert garden["text"].startswith("*The Walled Garden* says:")


def test_questions_the_files_do_not_answer_get_an_abstention(library: Path) -> None:
    for question in ("What is the capital of Peru?", "How many pear trees grow in the walled garden?"):
        answer = _ask(library, question)
        assert answer["abstained"], (question, answer["text"])
        assert answer["text"].startswith("The document doesn't say.")


def test_a_question_can_be_limited_to_one_document(library: Path) -> None:
    ids = _ids(library)
    limited = _ask(library, "Who built it?", "--document", ids["skerryvore.md"])
    assert {c["source"] for c in limited["citations"]} == {ids["skerryvore.md"]}
    unknown = _run(["ask", "Who built it?", "--document", "no-such-id"], library)
    assert unknown.returncode == 2 and "Unknown document id" in unknown.stderr and "Traceback" not in unknown.stderr


def _bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | None] = {
        "empty.txt": b"",
        "junk.md": bytes(range(256)) * 8,
        "notes": b"no extension",
        "data.exe": b"MZ\x90\x00",
        "scripts.html": b"<html><head><script>alert(1)</script><style>p{}</style></head><body></body></html>",
        "broken.pdf": b"%PDF-1.4 this is not really a pdf",
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data or b"")
        out[name] = folder / name
    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 100, style="F")  # a page with marks but no text layer, as a scan has
    scan.output(str(folder / "scan.pdf"))
    out["scan.pdf"] = folder / "scan.pdf"
    locked = FPDF()
    locked.set_encryption(owner_password="owner", user_password="user")
    locked.add_page()
    locked.set_font("helvetica", size=12)
    locked.cell(0, 10, "A secret report.")
    locked.output(str(folder / "locked.pdf"))
    out["locked.pdf"] = folder / "locked.pdf"
    return out


def test_every_bad_file_gets_one_line_exit_2_and_leaves_the_library_untouched(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before_library = (library / "library" / "library.json").read_bytes()
    before_collections = _collections(library)
    expected = {
        "empty.txt": "empty",
        "junk.md": "not text",
        "notes": ".pdf",
        "data.exe": ".pdf",
        "scripts.html": "text",
        "broken.pdf": "pdf",
        "scan.pdf": "OCR",
        "locked.pdf": "encrypted",
    }
    for name, path in _bad_files(tmp_path / "bad").items():
        code = qa_main(["--data-dir", str(library), "add", str(path)])
        err = capsys.readouterr().err.strip()
        assert code == 2, (name, err)
        assert err.count("\n") == 0 and "Traceback" not in err, err
        assert name in err and expected[name].lower() in err.lower(), err
    # Two files with one name, in two folders: refused before anything is read into the library.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.md").write_text("# One\n\nFirst text.", encoding="utf-8")
    (tmp_path / "b" / "same.md").write_text("# Two\n\nSecond text.", encoding="utf-8")
    code = qa_main(["--data-dir", str(library), "add", str(tmp_path / "a"), str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 2 and "same.md" in err and "two files" in err
    # A file over the size cap is refused from its size alone.
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300_000)
    monkeypatch.setenv("QA_MAX_FILE_MB", "1")
    code = qa_main(["--data-dir", str(library), "add", str(big)])
    monkeypatch.delenv("QA_MAX_FILE_MB")
    err = capsys.readouterr().err
    assert code == 2 and "big.txt" in err and "QA_MAX_FILE_MB" in err
    # One good file beside a bad one: all or nothing.
    good = tmp_path / "good.md"
    good.write_text("# Good\n\nA perfectly good file.", encoding="utf-8")
    assert qa_main(["--data-dir", str(library), "add", str(good), str(tmp_path / "bad" / "empty.txt")]) == 2
    capsys.readouterr()
    assert (library / "library" / "library.json").read_bytes() == before_library
    assert _collections(library) == before_collections


def test_upload_names_with_path_tricks_are_refused(tmp_path: Path) -> None:
    bot = Assistant(Settings.load(data_dir=tmp_path / "d"))
    for name in ("../evil.md", "/etc/passwd.txt", "..", "a\x00b.md"):
        with pytest.raises(DocumentError) as refused:
            bot.add_files([(name, b"# Title\n\nSome text.")])
        assert "file name" in str(refused.value)
    assert not (tmp_path / "d" / "library" / "library.json").exists()


def test_adding_again_changes_nothing_a_changed_file_reindexes_itself_and_remove_drops_its_vectors(
    tmp_path: Path,
) -> None:
    bot = Assistant(Settings.load(data_dir=tmp_path / "d"))
    one, two = tmp_path / "one.md", tmp_path / "two.md"
    one.write_text("# Tides\n\nThe harbour dries out at low tide twice a day.", encoding="utf-8")
    two.write_text("# Nets\n\nThe nets are mended every Sunday by the harbour master.", encoding="utf-8")
    first = bot.add([one, two])
    assert [c.action for c in first] == ["added", "added"]
    ids = [d.id for d in bot.documents()]
    assert ids[0] == "iran-hardliners-hunter" and len(ids) == 3
    collections = _collections(tmp_path / "d")
    assert len(collections) == 3, "one collection per document"

    assert [c.action for c in bot.add(one)] == ["unchanged"]
    assert _collections(tmp_path / "d") == collections

    two.write_text("# Nets\n\nThe nets are mended every Monday by the harbour master.", encoding="utf-8")
    (changed,) = bot.add(two)
    assert changed.action == "updated" and changed.document.id != first[1].document.id
    after = _collections(tmp_path / "d")
    assert len(set(after) & set(collections)) == 2, "the other two documents kept their vectors"
    answer = bot.ask("When are the nets mended?", documents=[changed.document.id])
    assert "Monday" in answer.text

    gone = bot.remove(first[0].document.id)
    assert gone.name == "one.md"
    assert first[0].document.id not in {d.id for d in bot.documents()}
    assert len(_collections(tmp_path / "d")) == 2
    with pytest.raises(DocumentError, match="No document has the id"):
        bot.remove("no-such-id")
    # A second assistant on the same folder sees the library as it is now.
    other = Assistant(Settings.load(data_dir=tmp_path / "d"))
    assert [d.id for d in other.documents()] == [d.id for d in bot.documents()]
