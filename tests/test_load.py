"""Load, reduced size: 32 concurrent clients against `python ui.py`, while another process re-indexes.

The full soak (1,000 requests after 200 of warm-up) is ``python -m eval.soak``; this runs the same
code with fewer requests so it fits in ``make test``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from filelock import FileLock
from filelock import Timeout as LockTimeout

from eval.soak import bundled_documents, run, server_env, start_server
from qa import Assistant

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
# Reduced from the soak's 1,000: enough for every kind of request to repeat ~14 times per phase.
REQUESTS, WARMUP, CLIENTS = 240, 96, 32

pytestmark = pytest.mark.server


def _wait_until_locked(lock_file: Path, process: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    """Return once another process holds ``lock_file`` (it is re-indexing)."""
    lock = FileLock(str(lock_file))
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        assert process.poll() is None, "the re-index finished before it was seen holding the lock"
        try:
            lock.acquire(timeout=0)
        except LockTimeout:
            return
        lock.release()
        time.sleep(0.05)
    raise AssertionError(f"no process took {lock_file} within {timeout} s")


def test_32_clients_mixed_input_while_reindexing_get_no_unexpected_errors_and_no_memory_growth(
    assistant: Assistant, tmp_path: Path, model_cache: Path
) -> None:
    data_dir = tmp_path / "qa-data"
    source = assistant.settings.data_dir
    with FileLock(str(source / "index.lock")):
        shutil.copytree(source, data_dir, ignore=shutil.ignore_patterns("*.lock", "feedback.jsonl"))
    server = start_server(data_dir, tmp_path / "server.log", env=server_env(model_cache))
    reindex = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "--data-dir", str(data_dir), "index", "--rebuild"],
        cwd=ROOT,
        env={**os.environ, "QA_MODEL_CACHE_DIR": str(model_cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_locked(data_dir / "index.lock", reindex)
        report = run(server.url, bundled_documents(), REQUESTS, CLIENTS, WARMUP, max_seconds=300, pid=server.pid)
        out, err = reindex.communicate(timeout=300)
        health = httpx.get(f"{server.url}/api/health", timeout=10)
    finally:
        reindex.kill()
        server.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-test.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))

    assert reindex.returncode == 0 and "Built index" in out.decode(), err.decode(errors="replace")[-2000:]
    assert health.status_code == 200
    assert not report.stopped_early and report.requests == REQUESTS
    assert report.unexpected == 0, report.failures
    assert report.good_requests > 0 and report.good_with_valid_citations == report.good_requests
    assert report.rss_growth is not None and report.rss_growth <= 0.10, report.to_dict()
    assert "Traceback" not in server.log.read_text(errors="replace")
