"""Offline guarantee: index, ask, the HTTP API and the chat page with every non-loopback socket blocked.

The server runs as a real `python ui.py` process with a socket guard loaded through
``sitecustomize``: any connection, datagram or name lookup for a host other than this machine is
refused and written to a log. The environment is cleaned of the offline switches the Makefile sets
(HF_HUB_OFFLINE, GRADIO_ANALYTICS_ENABLED, ANONYMIZED_TELEMETRY, ...), so the test proves the
code's own defaults: no model hub, no telemetry, no Gradio analytics.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from eval.soak import ServerProcess, server_env, start_server

pytestmark = pytest.mark.server

OFFLINE_SWITCHES = (
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "GRADIO_ANALYTICS_ENABLED",
    "ANONYMIZED_TELEMETRY",
    "DO_NOT_TRACK",
    "HF_HUB_DISABLE_TELEMETRY",
)

GUARD = '''
"""Refuse and record every non-loopback connection, datagram and name lookup of this process."""
import ipaddress, json, os, socket

LOG = os.environ["SOCKET_GUARD_LOG"]
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host):
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what, target):
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"pid": os.getpid(), "call": what, "target": repr(target)}) + "\\n")
    raise OSError(101, f"socket guard: {what} to {target!r} refused (network is unreachable)")


def _guard_address(what, original):
    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _refuse(what, address)
        return original(self, address, *args)
    return guarded


socket.socket.connect = _guard_address("connect", socket.socket.connect)
socket.socket.connect_ex = _guard_address("connect_ex", socket.socket.connect_ex)
_sendto = socket.socket.sendto


def _guarded_sendto(self, data, *args):
    address = args[-1]
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse("sendto", address)
    return _sendto(self, data, *args)


socket.socket.sendto = _guarded_sendto
_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo
with open(LOG + ".active", "a", encoding="utf-8") as fh:
    fh.write(f"{os.getpid()}\\n")
'''


def _install_guard(folder: Path) -> dict[str, str]:
    """Write the guard as ``sitecustomize`` in ``folder``; return the variables that load it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(textwrap.dedent(GUARD), encoding="utf-8")
    return {"PYTHONPATH": str(folder), "SOCKET_GUARD_LOG": str(folder / "refused.jsonl")}


def test_the_guard_refuses_and_records_a_connection_to_the_internet(tmp_path: Path) -> None:
    env = {**server_env(), **_install_guard(tmp_path / "guard")}
    fetch = "import urllib.request; urllib.request.urlopen('http://example.com/', timeout=5)"
    connect = "import socket; socket.socket().connect(('93.184.215.14', 80))"

    for code in (fetch, connect):
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "socket guard" in done.stderr

    refused = [json.loads(line) for line in Path(env["SOCKET_GUARD_LOG"]).read_text().splitlines()]
    assert [(r["call"], r["target"]) for r in refused] == [
        ("getaddrinfo", "'example.com'"),
        ("connect", "('93.184.215.14', 80)"),
    ]


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """`python ui.py` on a fresh data folder (it builds the index) with the socket guard loaded."""
    base = tmp_path_factory.mktemp("offline")
    env = {k: v for k, v in server_env(model_cache).items() if k not in OFFLINE_SWITCHES}
    env |= _install_guard(base / "guard")
    server = start_server(base / "qa-data", base / "server.log", env=env)
    yield server, Path(env["SOCKET_GUARD_LOG"])
    server.stop()


def test_index_ask_http_api_and_chat_page_work_with_the_network_blocked(
    guarded_server: tuple[ServerProcess, Path], document_text: str
) -> None:
    server, log = guarded_server
    health = httpx.get(f"{server.url}/api/health", timeout=10).json()
    asked = httpx.post(f"{server.url}/api/ask", json={"question": "What happened in 1986?"}, timeout=60)
    page = httpx.get(f"{server.url}/", timeout=30)
    config = httpx.get(f"{server.url}/config", timeout=30)
    chat = Client(server.url + "/", verbose=False).predict("Who is the author?", [], api_name="/chat")

    assert str(server.pid) in Path(f"{log}.active").read_text().split(), "the guard ran inside the server"
    assert health["ready"] and health["manifest"]["built_now"], "the index was built offline"
    assert asked.status_code == 200 and not asked.json()["abstained"]
    assert all(document_text[c["start"] : c["end"]] == c["quote"] for c in asked.json()["citations"])
    assert page.status_code == 200 and config.status_code == 200
    assert chat["citations"] and not chat["abstained"]
    server.stop()
    refused = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert refused == [], f"something tried to reach the network: {refused}"
    assert "socket guard" not in server.log.read_text(errors="replace")
