"""The Chroma index: deterministic ids, idempotent re-indexing, stale manifests rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

from index.store import open_client
from qa import Assistant, Settings


def _ids(data_dir: Path, collection: str) -> list[str]:
    client = open_client(data_dir)
    return sorted(client.get_collection(collection).get()["ids"])


def test_reindexing_twice_gives_the_same_chunks_and_ids(tmp_path: Path) -> None:
    settings = Settings.load(data_dir=tmp_path / "d")
    first = Assistant(settings).load()
    ids_first = _ids(settings.data_dir, first["collection"])
    second = Assistant(settings).load(rebuild=True)
    ids_second = _ids(settings.data_dir, second["collection"])
    assert first["built_now"] and second["built_now"]
    assert first["chunks"] == second["chunks"] == len(ids_second)
    assert ids_first == ids_second


def test_existing_index_is_loaded_not_rebuilt(tmp_path: Path) -> None:
    settings = Settings.load(data_dir=tmp_path / "d")
    assert Assistant(settings).load()["built_now"]
    again = Assistant(settings).load()
    assert not again["built_now"]
    manifest = json.loads((settings.data_dir / "manifest.json").read_text())
    assert manifest["collection"] == again["collection"]
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_edited_document_marks_the_index_stale(tmp_path: Path, document_text: str) -> None:
    doc = tmp_path / "iran-hardliners-hunter.txt"
    doc.write_text(document_text, encoding="utf-8")
    settings = Settings.load(data_dir=tmp_path / "d", documents=[doc])
    original = Assistant(settings).load()
    doc.write_text(document_text.replace("Syrian daily", "Lebanese weekly"), encoding="utf-8")
    edited = Assistant(settings)
    info = edited.load()
    assert info["built_now"] and info["collection"] != original["collection"]
    answer = edited.ask("Where was the information first published?")
    assert any("Lebanese weekly" in c.quote for c in answer.citations)


def test_changed_model_name_marks_the_index_stale(tmp_path: Path) -> None:
    base = Settings.load(data_dir=tmp_path / "d")
    original = Assistant(base).load()
    renamed = Assistant(Settings.load(data_dir=tmp_path / "d", model_name="another/model")).load()
    assert renamed["built_now"] and renamed["collection"] != original["collection"]
    assert renamed["model"] == "another/model"


def test_any_plain_text_document_can_be_indexed_and_asked(tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text(
        "The lighthouse on Skerry Point was built in 1871.\n\nIts keeper, Ada Gray, kept a log of every storm.",
        encoding="utf-8",
    )
    bot = Assistant(Settings.load(data_dir=tmp_path / "d", documents=[doc]))
    answer = bot.ask("When was the lighthouse built?")
    assert not answer.abstained
    assert answer.citations[0].source == "notes"
    assert answer.citations[0].speaker == "Unknown"
    assert "1871" in answer.text


def test_the_same_text_under_two_names_is_indexed_twice(tmp_path: Path, document_text: str) -> None:
    first, second = tmp_path / "copy-a.txt", tmp_path / "copy-b.txt"
    first.write_text(document_text, encoding="utf-8")
    second.write_text(document_text, encoding="utf-8")
    single = Assistant(Settings.load(data_dir=tmp_path / "one", documents=[first])).load()
    both = Assistant(Settings.load(data_dir=tmp_path / "two", documents=[first, second])).load()
    assert both["chunks"] == 2 * single["chunks"]
    assert sorted(both["sources"]) == ["copy-a", "copy-b"]


def test_each_model_folder_gets_its_own_onnx_export(tmp_path: Path) -> None:
    bundled = Settings.load(data_dir=tmp_path / "d")
    other = Settings.load(data_dir=tmp_path / "d", model_path=str(tmp_path / "all-mpnet-base-v2"))
    assert bundled.onnx_export_dir() == Settings.load(data_dir=tmp_path / "d").onnx_export_dir()
    assert bundled.onnx_export_dir() != other.onnx_export_dir()
    assert other.onnx_export_dir().parent == bundled.model_cache()
    assert other.onnx_export_dir().name.startswith("all-mpnet-base-v2-")
