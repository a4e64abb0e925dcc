"""Chroma server mode: QA_CHROMA_URL makes the same code use a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from eval.soak import free_port, start_chroma, stop_process
from qa import Assistant, IndexStoreError, Settings
from qa.cli import main as qa_main

START_TIMEOUT = 60.0
QUESTION = "What does Commenter 4 say about Shia Islam?"

pytestmark = pytest.mark.server


@dataclass
class ChromaServer:
    """A `chroma run` process serving ``path`` on 127.0.0.1:``port``."""

    path: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        """Start the server and wait for its heartbeat."""
        self.process = start_chroma(self.path, self.port, self.log, START_TIMEOUT)
        return self

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self.process is not None:
            stop_process(self.process)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real Chroma server with its data under tmp_path, stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-server", free_port(), tmp_path / "chroma.log").start()
    yield server
    server.stop()


def _assert_commenter_4(bot: Assistant, document_text: str) -> None:
    answer = bot.ask(QUESTION)
    assert not answer.abstained and {c.speaker for c in answer.citations} == {"Commenter 4"}
    assert all(document_text[c.start : c.end] == c.quote for c in answer.citations)


def test_server_mode_indexes_answers_and_keeps_the_index_across_a_restart(
    chroma_server: ChromaServer, tmp_path: Path, document_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_CHROMA_URL", chroma_server.url)
    first = Assistant(Settings.load())
    built = first.load()
    _assert_commenter_4(first, document_text)
    data_dir = first.settings.data_dir
    assert built["built_now"] and built["store"] == f"server:{chroma_server.url}"
    assert not (data_dir / "chroma").exists() and not (data_dir / "manifest.json").exists()

    chroma_server.stop()
    chroma_server.start()
    again = Assistant(Settings.load())
    loaded = again.load()

    assert not loaded["built_now"], "the server kept the index"
    assert loaded["checksum"] == built["checksum"] and loaded["collection"] == built["collection"]
    assert again.ask(QUESTION) == first.ask(QUESTION)


def test_hosts_building_on_one_server_at_once_keep_one_copy(
    chroma_server: ChromaServer, tmp_path: Path, document_text: str
) -> None:
    # Two data folders stand for two hosts: no shared file lock, only the server in common.
    bots = [Assistant(Settings.load(data_dir=tmp_path / f"host-{i}", chroma_url=chroma_server.url)) for i in range(2)]
    infos: list[dict] = [{}, {}]
    threads = [threading.Thread(target=lambda i=i: infos.__setitem__(i, bots[i].load())) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert infos[0]["checksum"] == infos[1]["checksum"] and infos[0]["collection"] == infos[1]["collection"]
    names = {c["name"] for c in httpx.get(_collections_url(chroma_server)).json()}
    assert names == {infos[0]["collection"]}, "one copy, no leftover build collections"
    for bot in bots:
        _assert_commenter_4(bot, document_text)


def _collections_url(server: ChromaServer) -> str:
    return f"{server.url}/api/v2/tenants/default_tenant/databases/default_database/collections"


def test_a_server_that_is_down_gives_an_error_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    bot = Assistant(Settings.load(chroma_url=url))

    with pytest.raises(IndexStoreError) as raised:
        bot.load()

    assert f"Cannot reach the Chroma server at {url}" in str(raised.value)
    assert "chroma run" in str(raised.value) and "QA_CHROMA_URL" in str(raised.value)


def test_a_server_that_never_answers_times_out_with_an_error_naming_the_url(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        bot = Assistant(Settings.load(chroma_url=url))

        with pytest.raises(IndexStoreError, match="Cannot reach the Chroma server at " + url) as raised:
            bot.load()

    assert "Timeout" in str(raised.value)


def test_cli_reports_a_down_server_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("QA_CHROMA_URL", url)

    code = qa_main(["--data-dir", str(tmp_path / "d"), "index"])
    err = capsys.readouterr().err

    assert code == 2
    assert f"Cannot reach the Chroma server at {url}" in err and "Traceback" not in err


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://127.0.0.1:8000", "http://127.0.0.1:notaport"])
def test_a_malformed_chroma_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    bot = Assistant(Settings.load(chroma_url=url))

    with pytest.raises(IndexStoreError, match="QA_CHROMA_URL=") as raised:
        bot.load()

    assert "http://host:port" in str(raised.value)


def test_server_mode_adds_and_removes_documents_collection_by_collection(
    chroma_server: ChromaServer, tmp_path: Path
) -> None:
    import chromadb

    bot = Assistant(Settings.load(data_dir=tmp_path / "d", chroma_url=chroma_server.url))
    notes = tmp_path / "tides.md"
    notes.write_text("# Tides\n\nThe harbour dries out at low tide twice a day.", encoding="utf-8")
    (change,) = bot.add(notes)
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    names = {c.name for c in client.list_collections()}
    assert len(names) == 2, "the bundled article's collection and one for the new document"
    answer = bot.ask("How often does the harbour dry out?", documents=[change.document.id])
    assert not answer.abstained and "twice a day" in answer.text

    bot.remove(change.document.id)
    left = {c.name for c in client.list_collections()}
    assert len(left) == 1 and left < names
    assert [d.id for d in bot.documents()] == ["iran-hardliners-hunter"]
