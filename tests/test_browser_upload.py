"""A real Chromium adds a Markdown file through the upload box, then asks about it (and about what it lacks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# The server, browser and page fixtures and the ask helper are test_browser's; its base_url serves
# build_app(assistant), and this module overrides ``assistant`` with a fresh one over its own data folder.
from test_browser import ARTIFACTS, _ask, base_url, browser, page, save_screenshot  # noqa: F401

from qa import Assistant, Settings

pytestmark = [pytest.mark.browser, pytest.mark.server]

TITLE = "A short history of the Kilbride Curling Club"
FILE_NAME = "kilbride-curling.md"
MARKDOWN = f"""# {TITLE}

The Kilbride Curling Club was founded in 1887 by the miller James Orr and six farmers from the parish.

## The pond

For its first forty years the club played on the mill pond below Kilbride Hill, whenever the ice held.

## Members today

The club has 64 members today and plays every winter at the indoor rink in Greenock.
"""
FACT_QUESTION = "When was the Kilbride Curling Club founded?"
FACT = "founded in 1887"
MISSING_QUESTION = "How much does membership cost?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Assistant:
    """A loaded Assistant over its own data folder, so the upload leaves the session's shared index alone."""
    bot = Assistant(Settings.load(data_dir=tmp_path_factory.mktemp("upload-qa-data"), model_cache_dir=model_cache))
    bot.load()
    return bot


@pytest.fixture
def markdown_file(tmp_path: Path) -> Path:
    path = tmp_path / FILE_NAME
    path.write_text(MARKDOWN, encoding="utf-8")
    return path


def test_uploaded_markdown_is_picked_and_answers_quote_it(
    page: object,  # noqa: F811
    assistant: Assistant,
    markdown_file: Path,
) -> None:
    before = len(assistant.documents())
    assert page.locator("#picker input").input_value() == f"All documents ({before})"
    # The examples ask about the bundled article, which all documents include.
    assert page.locator("#examples").is_visible()

    # Record what the panel's progress display says while the file is indexed.
    page.evaluate(
        """() => {
            window.__progress = [];
            const panel = document.querySelector('#library');
            new MutationObserver(() => {
                for (const t of panel.querySelectorAll('[data-testid=status-tracker]:not(.hide)')) window.__progress.push(t.innerText);
            }).observe(panel, {subtree: true, childList: true, attributes: true, characterData: true});
        }"""
    )
    # What a drag and drop onto the box does: hand the file to its <input type=file>.
    page.set_input_files("#upload input[type=file]", str(markdown_file))
    page.wait_for_function("() => document.querySelector('#library-note').innerText.includes('added')")
    # The progress display said what it was doing, and went away once the file was in.
    progress = [" ".join(p.split()) for p in page.evaluate("window.__progress")]
    assert progress, "the panel showed no progress while the file was indexed"
    # It names the stage (reading, embedding, preparing search), or, when the browser's observer
    # sees only the ticks of a busy machine, at least its running timer.
    stages = ("Reading the files", "Embedding", "Preparing search", "Opening the index", "Document")
    assert any(stage in p for p in progress for stage in stages) or all(
        re.fullmatch(r"[\d.]+s", p) for p in progress if p
    ), progress
    page.wait_for_function("() => !document.querySelector('#library [data-testid=status-tracker]:not(.hide)')")

    (document,) = [d for d in assistant.documents() if d.title == TITLE]
    note = " ".join(page.locator("#library-note").inner_text().split())
    assert f"added: {TITLE} ({document.id}, md)" in note, note
    # The emphasis and code in the note render as Markdown, not as literal * and `.
    assert page.locator("#library-note em").inner_text() == TITLE
    assert page.locator("#library-note code").inner_text() == document.id
    # The picker now shows the new document, and its list holds it next to "All documents".
    picked = TITLE
    page.wait_for_function("v => document.querySelector('#picker input').value === v", arg=picked)
    # The heading counts the documents now, and the examples, about the bundled article, are gone.
    page.wait_for_function(
        "n => document.querySelector('#heading').innerText.includes(`Ask your documents (${n})`)", arg=before + 1
    )
    page.wait_for_function("() => !document.querySelector('#examples')?.checkVisibility()")
    page.click("#picker input")
    options = page.locator("ul[role=listbox] li[role=option]")
    options.first.wait_for(state="visible")
    # Each option reads as its label; the chosen one also carries a check mark.
    assert [" ".join(o.replace("✓", "").split()) for o in options.all_inner_texts()] == [
        f"All documents ({before + 1})",
        *(d.title for d in assistant.documents()),
    ]
    page.keyboard.press("Escape")
    assert page.locator("#picker input").input_value() == picked
    # The upload box is emptied for the next file, not left holding this one.
    assert page.locator("#upload .file-preview").count() == 0

    _ask(page, FACT_QUESTION)
    reply = " ".join(page.locator("#chat .bot").last.inner_text().split())
    # The answer names the document by its title, set in italics.
    assert reply.startswith(f"{TITLE} says:"), reply
    assert page.locator("#chat .bot").last.locator("em").first.inner_text() == TITLE
    assert FACT in reply and "[1]" in reply, reply

    card = page.locator("#source-1")
    card.wait_for(state="visible")
    assert FACT in " ".join(card.locator("mark.quoted").inner_text().split())
    assert "related" not in (card.get_attribute("class") or "")

    save_screenshot(page, "upload-answer.png", "upload-screenshot.png")

    page.click("#document-tab-button")
    shown = page.locator("#document-view .document")
    assert shown.count() == 1 and shown.get_attribute("data-source") == document.id
    mark = page.locator("#document-view mark#cite-1")
    mark.wait_for(state="visible")
    assert FACT in " ".join(mark.inner_text().split())
    assert "Kilbride Hill" in page.locator("#document-view").inner_text()
    page.screenshot(path=str(ARTIFACTS / "upload-document.png"), full_page=True)

    # The picker still limits answers to the file, which says nothing about fees.
    page.click("#sources-tab-button")
    _ask(page, MISSING_QUESTION)
    reply = " ".join(page.locator("#chat .bot").last.inner_text().split())
    assert reply.startswith("The document doesn't say."), reply
    assert page.locator("#sources .panel-note.abstained").is_visible()
    related = page.locator("#sources .source-card")
    assert related.count() >= 1
    assert all(c.get_attribute("class") == "source-card related" for c in related.all())
    page.screenshot(path=str(ARTIFACTS / "upload-abstain.png"), full_page=True)
