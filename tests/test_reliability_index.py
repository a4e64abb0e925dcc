"""Index faults: missing, damaged, read-only, stale, interrupted, shared by two processes, rebuilt while answering.

Every test uses the real model and real Chroma folders under tmp_path; damage is done to the
bytes on disk, and processes are real subprocesses killed with real signals.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock

from index import CHUNKER_VERSION
from index.chunking import document_hash
from index.clients import probe
from index.manifest import Manifest
from index.store import open_client
from qa import Assistant, Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What does Commenter 4 say about Shia Islam?"


def assert_answers_right(bot: Assistant, document_text: str) -> None:
    """Assert the known answer: Commenter 4's own words, quoted exactly."""
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    assert {c.speaker for c in answer.citations} == {"Commenter 4"}
    assert all(document_text[c.start : c.end] == c.quote for c in answer.citations)


def copy_index(assistant: Assistant, target: Path) -> Path:
    """Copy the session's built index to ``target`` (under its lock, so no process is mid-write)."""
    source = assistant.settings.data_dir
    with FileLock(str(source / "index.lock")):
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock", "feedback.jsonl"))
    return target


def collections(data_dir: Path) -> dict[str, int]:
    """Return every collection in the embedded store of ``data_dir`` with its record count."""
    client = open_client(data_dir)
    try:
        return {c.name: client.get_collection(c.name).count() for c in client.list_collections()}
    finally:
        client.close()


def store_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "index.store" and r.levelno >= logging.WARNING]


# ---------------------------------------------------------------------------- missing, damaged


def test_missing_data_dir_is_created_and_built_on_first_use(tmp_path: Path, document_text: str) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"
    bot = Assistant(Settings.load(data_dir=data_dir))

    info = bot.load()

    assert info["built_now"] and info["store"] == f"embedded:{data_dir / 'chroma'}"
    assert json.loads((data_dir / "manifest.json").read_text())["checksum"] == info["checksum"]
    assert_answers_right(bot, document_text)


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(0).randbytes(path.stat().st_size))


def _truncate(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


def _segment(chroma_dir: Path, name: str) -> Path:
    (found,) = chroma_dir.glob(f"*/{name}")
    return found


def _speaker_bit_rot(chroma_dir: Path) -> None:
    """Change who said what, in place: "Commenter 4" becomes "Commenter 9"; sqlite's pages stay valid."""
    path = chroma_dir / "chroma.sqlite3"
    raw = path.read_bytes()
    assert b"Commenter 4" in raw
    path.write_bytes(raw.replace(b"Commenter 4", b"Commenter 9"))


DAMAGE = {
    "sqlite-garbage": lambda d: _garbage(d / "chroma.sqlite3"),
    "sqlite-truncated": lambda d: _truncate(d / "chroma.sqlite3"),
    "sqlite-emptied": lambda d: (d / "chroma.sqlite3").write_bytes(b""),
    "sqlite-speaker-bit-rot": _speaker_bit_rot,
    "hnsw-vectors-garbage": lambda d: _garbage(_segment(d, "data_level0.bin")),
    "hnsw-header-garbage": lambda d: _garbage(_segment(d, "header.bin")),
    # Chroma reads wrong vectors here without any error; only the manifest's checksum notices.
    "hnsw-lengths-garbage": lambda d: _garbage(_segment(d, "length.bin")),
    "hnsw-all-truncated": lambda d: [_truncate(p) for p in _segment(d, "header.bin").parent.iterdir()],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_chroma_files_are_moved_aside_and_rebuilt(
    assistant: Assistant, tmp_path: Path, document_text: str, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    data_dir = copy_index(assistant, tmp_path / "qa-data")
    good = json.loads((data_dir / "manifest.json").read_text())
    DAMAGE[damage](data_dir / "chroma")
    bot = Assistant(Settings.load(data_dir=data_dir))

    with caplog.at_level(logging.INFO, logger="index.store"):
        info = bot.load()

    moved = sorted(data_dir.glob("chroma.corrupt-*"))
    assert info["built_now"]
    assert len(moved) == 1 and (moved[0] / "chroma.sqlite3").exists(), "the damaged store is kept for inspection"
    assert any("is damaged" in w and f"Moved it to {moved[0]}" in w for w in store_warnings(caplog))
    assert info["checksum"] == good["checksum"], "the rebuild holds exactly what the first build held"
    assert_answers_right(bot, document_text)


def test_chroma_files_that_crash_the_reader_are_caught_in_a_child_process(
    tmp_path: Path, document_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Chroma's native HNSW reader segfaults on a damaged data_level0.bin when it must also replay
    # log records into it: a store of 1,500 vectors with Chroma's default sync threshold (1000), as
    # other tools or older versions write it. Changed files are first read in a child process, so
    # the segfault ends the child, and this process moves the store aside and rebuilds.
    import chromadb

    settings = Settings.load(data_dir=tmp_path / "qa-data")
    chroma_dir = settings.data_dir / "chroma"
    name = Manifest.key({"iran-hardliners-hunter": document_hash(document_text)}, settings.model_name)
    client = chromadb.PersistentClient(str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    vectors = np.random.default_rng(0).standard_normal((1500, 384)).astype(np.float32)
    collection = client.create_collection(name, metadata={"hnsw:space": "cosine"})
    for i in range(0, len(vectors), 500):
        collection.add(ids=[str(j) for j in range(i, i + 500)], embeddings=vectors[i : i + 500])
    client.close()
    _garbage(_segment(chroma_dir, "data_level0.bin"))
    assert (probe(chroma_dir, name) or "").startswith("reading it crashed the reader")
    bot = Assistant(settings)

    with caplog.at_level(logging.WARNING, logger="index.store"):
        info = bot.load()

    assert info["built_now"]
    assert any("crashed the reader" in w and "Moved it to" in w for w in store_warnings(caplog))
    assert_answers_right(bot, document_text)


# ---------------------------------------------------------------------------- read-only, stale


@pytest.mark.parametrize("where", ["data-dir-is-a-file", "parent-is-a-file"])
def test_unwritable_data_dir_falls_back_to_an_in_memory_index(
    tmp_path: Path, document_text: str, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    # Tests run as root, where chmod cannot stop writes; a regular file where the folder (or its
    # parent) should be makes the folder impossible to create or write, as a read-only mount does.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    data_dir = blocker if where == "data-dir-is-a-file" else blocker / "qa-data"
    bot = Assistant(Settings.load(data_dir=data_dir))

    with caplog.at_level(logging.WARNING, logger="index.store"):
        info = bot.load()

    assert info["store"] == "memory" and info["built_now"]
    assert any("is not writable" in w and "in-memory index" in w for w in store_warnings(caplog))
    assert blocker.read_text() == "not a folder"
    assert_answers_right(bot, document_text)


def test_index_of_an_older_chunker_version_is_rebuilt_and_removed(
    tmp_path: Path, document_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "qa-data"
    with monkeypatch.context() as old_code:
        for module in ("index.chunking", "index.manifest", "index.store"):
            old_code.setattr(f"{module}.CHUNKER_VERSION", "0-old")
        old = Assistant(Settings.load(data_dir=data_dir)).load()
    assert old["chunker"] == "0-old"

    bot = Assistant(Settings.load(data_dir=data_dir))
    info = bot.load()

    assert info["built_now"] and info["chunker"] == CHUNKER_VERSION
    assert info["collection"] != old["collection"]
    assert json.loads((data_dir / "manifest.json").read_text())["chunker"] == CHUNKER_VERSION
    assert_answers_right(bot, document_text)
    assert collections(data_dir) == {info["collection"]: info["chunks"]}


def test_garbled_manifest_file_is_restored_from_the_store_without_a_rebuild(
    assistant: Assistant, tmp_path: Path, document_text: str
) -> None:
    data_dir = copy_index(assistant, tmp_path / "qa-data")
    (data_dir / "manifest.json").write_text('{"collection": "qa-', encoding="utf-8")
    bot = Assistant(Settings.load(data_dir=data_dir))

    info = bot.load()

    assert not info["built_now"]
    assert json.loads((data_dir / "manifest.json").read_text())["checksum"] == info["checksum"]
    assert_answers_right(bot, document_text)


# ---------------------------------------------------------------------------- processes


_PAUSE_MID_BUILD = """
import sys, time
from qa import Assistant, Settings

def progress(message, fraction):
    if message.startswith("Embedded"):  # the chunks are in the -building- collection now
        print("PAUSED", flush=True)
        time.sleep(600)

Assistant(Settings.load(data_dir=sys.argv[1])).load(progress=progress)
"""


def test_interrupted_build_is_detected_and_rebuilt_at_the_next_start(tmp_path: Path, document_text: str) -> None:
    data_dir = tmp_path / "qa-data"
    child = subprocess.Popen(
        [sys.executable, "-c", _PAUSE_MID_BUILD, str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = child.stdout.readline() if child.stdout else b""
        assert line.strip() == b"PAUSED", child.stderr.read().decode(errors="replace") if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = collections(data_dir)
    assert len(left) == 1 and "-building-" in next(iter(left))
    assert not (data_dir / "manifest.json").exists()

    bot = Assistant(Settings.load(data_dir=data_dir))
    info = bot.load()

    assert info["built_now"]
    assert collections(data_dir) == {info["collection"]: info["chunks"]}
    assert_answers_right(bot, document_text)


_START_AT_SIGNAL = """
import json, sys, time
from pathlib import Path
from qa import Assistant, Settings

go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
messages = []
bot = Assistant(Settings.load(data_dir=sys.argv[1]))
info = bot.load(progress=lambda message, fraction: messages.append(message))
answer = bot.ask(sys.argv[3])
print(json.dumps({"info": info, "messages": messages, "answer": answer.to_dict()}))
"""


def test_two_processes_starting_at_once_build_the_index_once(tmp_path: Path, document_text: str) -> None:
    data_dir, go = tmp_path / "qa-data", tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _START_AT_SIGNAL, str(data_dir), str(go), QUESTION],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )
        for _ in range(2)
    ]
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=500)
        assert child.returncode == 0, err.decode(errors="replace")[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))

    infos = [r["info"] for r in results]
    assert sorted(i["built_now"] for i in infos) == [False, True], "one builds, the other reads"
    assert infos[0]["collection"] == infos[1]["collection"] and infos[0]["checksum"] == infos[1]["checksum"]
    assert results[0]["answer"] == results[1]["answer"]
    assert {c["speaker"] for c in results[0]["answer"]["citations"]} == {"Commenter 4"}
    assert collections(data_dir) == {infos[0]["collection"]: infos[0]["chunks"]}, "no duplicates, no leftovers"
    reader = next(r for r in results if not r["info"]["built_now"])
    print("The reader waited on the lock:", "Waiting for another process" in " ".join(reader["messages"]))


# ---------------------------------------------------------------------------- rebuild under load


def test_rebuilding_while_answering_fails_no_request(assistant: Assistant, tmp_path: Path, document_text: str) -> None:
    bot = Assistant(Settings.load(data_dir=copy_index(assistant, tmp_path / "qa-data")))
    bot.load()
    questions = [QUESTION, "Who is the author?", "What happened in 1986?", "What is the capital of Australia?"]
    expected = {q: bot.ask(q) for q in questions}
    stop, rebuilding = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    answered_during_rebuild = [0]
    lock = threading.Lock()

    def ask_forever(offset: int) -> None:
        n = offset
        while not stop.is_set():
            question = questions[n % len(questions)]
            n += 1
            try:
                answer = bot.ask(question)
                assert answer == expected[question]
            except BaseException as exc:  # any failure at all is what this test counts
                errors.append(exc)
                return
            if rebuilding.is_set():
                with lock:
                    answered_during_rebuild[0] += 1

    threads = [threading.Thread(target=ask_forever, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    rebuilding.set()
    info = bot.load(rebuild=True)
    rebuilding.clear()
    stop.set()
    for thread in threads:
        thread.join()

    assert errors == []
    assert info["built_now"]
    assert answered_during_rebuild[0] > 0
    assert_answers_right(bot, document_text)
