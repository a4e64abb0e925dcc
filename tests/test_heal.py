"""Derived files heal: the ONNX export, the Chroma index and the manifests are checked when loaded,
and a corrupt one is rebuilt with a warning that says what was corrupt.

Real model, real ONNX export and real Chroma under tmp_path; the damage is done to the bytes on disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.embedder import load_embeddings
from index.onnx_export import RECORD, ModelError, export_problem
from index.store import open_client
from qa import Assistant, IndexStoreError, Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What does Commenter 4 say about Shia Islam?"


def settings_for(data_dir: Path) -> Settings:
    """Settings with the ONNX export inside the data folder (its default place), not the session's cache."""
    return Settings.load(data_dir=data_dir, model_cache_dir=data_dir / "models")


def assert_answers_right(bot: Assistant, document_text: str) -> None:
    """Assert the known answer: Commenter 4's own words, quoted exactly."""
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    assert {c.speaker for c in answer.citations} == {"Commenter 4"}
    assert all(document_text[c.start : c.end] == c.quote for c in answer.citations)


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def overwrite_with_garbage(data_dir: Path, seed: int, same_length: bool) -> list[Path]:
    """Overwrite every file under ``data_dir`` with random bytes; return the files overwritten."""
    rng = random.Random(seed)
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    for path in files:
        size = path.stat().st_size
        if not same_length:
            size = rng.choice([0, 1, size // 3, size + 17, 2 * size + 5])
        path.write_bytes(rng.randbytes(size))
    return files


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a built index and its own ONNX export (built once for this module)."""
    data_dir = tmp_path_factory.mktemp("pristine") / "qa-data"
    Assistant(settings_for(data_dir)).load()
    assert (settings_for(data_dir).onnx_export_dir() / RECORD).exists()
    return data_dir


@pytest.fixture
def data_dir(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pristine data folder."""
    return Path(shutil.copytree(pristine, tmp_path / "qa-data", ignore=shutil.ignore_patterns("*.lock")))


@pytest.fixture
def export_copy(assistant: Assistant, tmp_path: Path) -> Path:
    """A copy of the session's verified ONNX export."""
    return Path(shutil.copytree(assistant.settings.onnx_export_dir(), tmp_path / "export"))


# ---------------------------------------------------------------------------- everything overwritten


def test_every_file_overwritten_with_same_length_garbage_is_rebuilt_for_a_new_assistant(
    data_dir: Path, document_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    overwritten = overwrite_with_garbage(data_dir, seed=1, same_length=True)
    assert any(p.name == "model.onnx" for p in overwritten) and any(p.name == "chroma.sqlite3" for p in overwritten)
    # A new process would load the export from disk; this one has it cached in memory.
    load_embeddings.cache_clear()
    bot = Assistant(settings_for(data_dir))

    with caplog.at_level(logging.INFO):
        info = bot.load()

    assert info["built_now"]
    found = warnings_in(caplog)
    assert any("The ONNX export in" in w and "is corrupt" in w and "Exporting the model again" in w for w in found)
    assert any("Chroma store" in w and "is damaged" in w and "rebuilding the index" in w for w in found)
    assert any("manifest.json is unreadable" in w for w in found)
    assert export_problem(bot.settings.onnx_export_dir()) is None
    assert_answers_right(bot, document_text)

    load_embeddings.cache_clear()
    again = Assistant(settings_for(data_dir))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert not again.load()["built_now"], "the healed folder loads as it is at the next start"
    assert warnings_in(caplog) == []


@pytest.mark.parametrize("seed", [2, 3])
def test_every_file_overwritten_with_garbage_of_other_lengths_heals_at_the_next_qa_ask(
    data_dir: Path, seed: int
) -> None:
    overwrite_with_garbage(data_dir, seed=seed, same_length=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | {"QA_DATA_DIR": str(data_dir)}

    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "-v", "ask", "--json", QUESTION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert not answer["abstained"] and {c["speaker"] for c in answer["citations"]} == {"Commenter 4"}
    assert "The ONNX export in" in done.stderr and "Exporting the model again" in done.stderr
    assert "WARNING" in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------------------- the ONNX export


def test_export_record_notices_truncation_by_size(export_copy: Path) -> None:
    model = export_copy / "onnx" / "model.onnx"
    with model.open("r+b") as fh:
        fh.truncate(model.stat().st_size // 2)

    problem = export_problem(export_copy)

    assert problem is not None and problem.startswith("onnx/model.onnx is ") and "where the export wrote" in problem


def test_export_record_notices_a_flipped_byte_by_hash(export_copy: Path) -> None:
    tokenizer = export_copy / "tokenizer.json"
    raw = bytearray(tokenizer.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    tokenizer.write_bytes(bytes(raw))

    assert export_problem(export_copy) == "tokenizer.json differs from what the export wrote (sha256)"


def test_an_export_without_its_record_is_not_trusted(export_copy: Path) -> None:
    (export_copy / RECORD).unlink()

    assert "has no qa-export.json" in (export_problem(export_copy) or "")


def test_a_truncated_export_is_exported_again_with_a_warning(
    data_dir: Path, document_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(data_dir)
    model = settings.onnx_export_dir() / "onnx" / "model.onnx"
    with model.open("r+b") as fh:
        fh.truncate(1000)
    load_embeddings.cache_clear()
    bot = Assistant(settings)

    with caplog.at_level(logging.WARNING):
        info = bot.load()

    assert not info["built_now"], "only the export was damaged; the index is loaded as it is"
    assert any("onnx/model.onnx is 1,000 bytes where the export wrote" in w for w in warnings_in(caplog))
    assert export_problem(settings.onnx_export_dir()) is None
    assert_answers_right(bot, document_text)


def test_an_intact_export_that_does_not_load_names_the_runtime_not_the_folder(data_dir: Path) -> None:
    # Files that match their record but do not load point at the runtime; re-exporting would not help.
    export_dir = settings_for(data_dir).onnx_export_dir()
    junk = b"not a protobuf"
    (export_dir / "onnx" / "model.onnx").write_bytes(junk)
    record = json.loads((export_dir / RECORD).read_text())
    record["files"]["onnx/model.onnx"] = {"size": len(junk), "sha256": hashlib.sha256(junk).hexdigest()}
    (export_dir / RECORD).write_text(json.dumps(record))
    load_embeddings.cache_clear()

    with pytest.raises(IndexStoreError) as caught:
        Assistant(settings_for(data_dir)).load()

    message = str(caught.value)
    assert "is intact but onnxruntime or tokenizers cannot load it" in message and "protobuf" in message.lower()
    assert "writable" not in message
    assert isinstance(caught.value.__cause__, ModelError)


def test_a_model_folder_that_cannot_be_exported_names_the_model(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{ not json")
    bot = Assistant(Settings.load(data_dir=tmp_path / "qa-data", model_path=str(broken)))

    with pytest.raises(IndexStoreError) as caught:
        bot.load()

    message = str(caught.value)
    assert f"Exporting the embedding model {broken} to ONNX failed" in message and "writable" not in message


# ---------------------------------------------------------------------------- the index and the manifests


def test_a_store_missing_a_chunk_is_rebuilt_on_the_count_in_its_manifest(
    data_dir: Path, document_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = json.loads((data_dir / "manifest.json").read_text())
    client = open_client(data_dir)
    collection = client.get_collection(manifest["collection"])
    collection.delete(ids=[collection.get(limit=1)["ids"][0]])
    client.close()
    bot = Assistant(settings_for(data_dir))

    with caplog.at_level(logging.WARNING):
        info = bot.load()

    assert info["built_now"] and info["chunks"] == manifest["chunks"]
    assert any(
        f"holds {manifest['chunks'] - 1} chunks where the manifest says {manifest['chunks']}" in w
        for w in warnings_in(caplog)
    )
    assert_answers_right(bot, document_text)


def test_unreadable_manifest_and_file_record_are_named_and_rewritten(
    data_dir: Path, document_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    (data_dir / "manifest.json").write_bytes(b"\x00\xff garbage")
    (data_dir / "chroma-files.json").write_bytes(b"[1, 2")
    bot = Assistant(settings_for(data_dir))

    with caplog.at_level(logging.WARNING):
        info = bot.load()

    assert not info["built_now"], "the store itself is intact, so it is read, not rebuilt"
    found = warnings_in(caplog)
    assert any("chroma-files.json is unreadable" in w for w in found)
    assert any("manifest.json is unreadable; rewriting it from the index" in w for w in found)
    assert json.loads((data_dir / "manifest.json").read_text())["checksum"] == info["checksum"]
    assert_answers_right(bot, document_text)
