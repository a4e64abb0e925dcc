"""Open Chroma safely: embedded or over HTTP with timeouts, and damaged files probed in a child process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from index.manifest import StoreDamaged

CHROMA_DIR = "chroma"
# A Chroma server on loopback or a LAN accepts a connection in milliseconds; 5 s absorbs a busy one.
SERVER_CONNECT_SECONDS = 5.0
# One add of 256 vectors takes well under a second; only a hung server needs 60 s to be noticed.
SERVER_READ_SECONDS = 60.0
# Opening and reading the bundled article's store takes ~2 s in a fresh interpreter; 5 min is "hung".
PROBE_TIMEOUT_SECONDS = 300.0
# The child opens the store as the caller will, so a reader that crashes (a segfault in Chroma's
# native HNSW code on a damaged segment file) takes down the child, not the server.
_PROBE = """
import sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
if sys.argv[2] in {c.name for c in client.list_collections()}:
    client.get_collection(sys.argv[2]).get(include=["embeddings", "metadatas"])
client.close()
"""


class StoreError(RuntimeError):
    """The store cannot be reached, opened or built; the message names it and says what to do."""


def chroma_settings() -> Any:
    """Return Chroma client settings: no telemetry, no reset."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(data_dir: Path, chroma_url: str | None = None) -> Any:
    """Return a Chroma client: embedded under ``data_dir``, or an HTTP client for ``chroma_url``."""
    if chroma_url:
        return _http_client(chroma_url)
    import chromadb

    return chromadb.PersistentClient(path=str(Path(data_dir) / CHROMA_DIR), settings=chroma_settings())


def open_embedded(data_dir: Path) -> Any:
    """Return the embedded client of ``data_dir``, or raise ``StoreDamaged`` if the store does not open."""
    try:
        return open_client(data_dir)
    except Exception as exc:
        _forget_failed_system(Path(data_dir) / CHROMA_DIR)
        raise StoreDamaged(f"it does not open ({exc})") from exc


def _forget_failed_system(path: Path) -> None:
    # chromadb 1.5 caches a client's System before starting it; when start() fails (a damaged
    # sqlite file), the broken System stays cached and every later client for the path reuses it.
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = str(path)
    if not SharedSystemClient._identifier_to_refcount.get(identifier):
        SharedSystemClient._identifier_to_system.pop(identifier, None)


def parse_url(chroma_url: str) -> Any:
    """Return ``chroma_url`` parsed, or raise ``StoreError`` if it is not ``http(s)://host[:port]``."""
    url = urlparse(chroma_url)
    try:
        url.port  # noqa: B018 - a bad port raises here
    except ValueError as exc:
        raise StoreError(f"QA_CHROMA_URL={chroma_url!r} has a bad port; use http://host:port.") from exc
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreError(f"QA_CHROMA_URL={chroma_url!r} is not a server address; use http://host:port.")
    return url


def _http_client(chroma_url: str) -> Any:
    import chromadb
    import httpx

    url = parse_url(chroma_url)
    heartbeat = f"{url.scheme}://{url.netloc}/api/v2/heartbeat"
    try:
        # Chroma's own client waits forever on a silent server; a bounded probe fails fast instead.
        response = httpx.get(heartbeat, timeout=SERVER_CONNECT_SECONDS, trust_env=False)
    except httpx.HTTPError as exc:
        raise StoreError(
            f"Cannot reach the Chroma server at {chroma_url} ({type(exc).__name__}: {exc}). Start it with "
            f"`chroma run --path DIR --host {url.hostname} --port {url.port or 8000}`, or unset QA_CHROMA_URL "
            "to use the embedded store."
        ) from exc
    if response.status_code != 200:
        raise StoreError(
            f"{heartbeat} answered HTTP {response.status_code}; is QA_CHROMA_URL={chroma_url} a Chroma server?"
        )
    try:
        client = chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings(),
        )
    except Exception as exc:
        raise StoreError(f"Cannot open the Chroma server at {chroma_url}: {exc}.") from exc
    # chromadb 1.5's HTTP session has no timeout at all; bound it so a hung server becomes an error.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(SERVER_READ_SECONDS, connect=SERVER_CONNECT_SECONDS)
    return client


def fingerprint(chroma_dir: Path) -> dict[str, str]:
    """Return the sha256 of every file under ``chroma_dir``, by relative path."""
    return {
        path.relative_to(chroma_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(chroma_dir.rglob("*"))
        if path.is_file()
    }


def read_fingerprint(path: Path) -> dict[str, str] | None:
    """Return the fingerprint saved at ``path``, or None."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def write_fingerprint(path: Path, chroma_dir: Path) -> None:
    """Save the fingerprint of ``chroma_dir`` at ``path``, atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(fingerprint(chroma_dir), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def probe(chroma_dir: Path, collection: str) -> str | None:
    """Open ``chroma_dir`` and read ``collection`` in a child process; return what went wrong, or None."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(chroma_dir), collection],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"reading it did not finish within {PROBE_TIMEOUT_SECONDS:.0f} s"
    if done.returncode < 0:
        return f"reading it crashed the reader (signal {-done.returncode})"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return f"it does not read ({lines[-1] if lines else f'exit code {done.returncode}'})"
    return None
