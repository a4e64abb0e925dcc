"""HTTP under load: run a server as a subprocess, drive it with concurrent clients, sample its peak RSS."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from eval.bench_stats import Timing


@dataclass
class LoadResult:
    """Latencies of the answered requests, the failures, and the wall time of one or more load blocks."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests sent, answered or not."""
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        """Requests completed per second of wall time."""
        return self.requests / self.seconds if self.seconds else 0.0

    def add(self, other: LoadResult) -> None:
        """Fold another block's results into this one."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds
        self.error_samples = (self.error_samples + other.error_samples)[:5]

    def to_dict(self) -> dict[str, Any]:
        """Return the counts, requests/s and latency percentiles, JSON-ready."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_second": round(self.per_second, 2),
            "latency": Timing.of(self.latencies).to_dict() if self.latencies else None,
            "error_samples": self.error_samples,
        }


class Server:
    """A server subprocess on a loopback port whose process tree's peak RSS is sampled until it stops."""

    def __init__(self, name: str, command: Sequence[str], port: int, env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.peak_rss = 0
        self._log = log.open("wb")
        self.process = subprocess.Popen(list(command), env=dict(env), stdout=self._log, stderr=subprocess.STDOUT)
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name=f"rss-{name}", daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        # 20 samples a second: a load block lasts seconds, so a short-lived peak is still caught.
        try:
            root = psutil.Process(self.process.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.wait(0.05):
            try:
                tree = [root, *root.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree)
            except psutil.NoSuchProcess:
                return
            self.peak_rss = max(self.peak_rss, rss)

    def wait_ready(self, timeout: float) -> float:
        """Poll ``GET /api/health`` until it returns 200; return the seconds waited or raise with the log."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + "/api/health", timeout=2.0).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        tail = Path(self._log.name).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"The {self.name} server at {self.url} was not ready within {timeout:.0f} s:\n{tail}")

    def stop(self) -> None:
        """Terminate the server (kill it after 10 s) and stop sampling."""
        self._stop.set()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def run_load(url: str, payloads: Sequence[Mapping[str, Any]], clients: int, requests: int) -> LoadResult:
    """Send ``requests`` POSTs to ``url`` from ``clients`` concurrent clients, cycling through ``payloads``.

    The clients are coroutines on one event loop, each with its own connection: on 2 shared cores a
    thread per client cost the load generator twice the CPU (3.5 vs 1.5 ms a request), taken from the server.
    """
    return asyncio.run(_load(url, payloads, clients, requests))


async def _load(url: str, payloads: Sequence[Mapping[str, Any]], clients: int, requests: int) -> LoadResult:
    result = LoadResult()
    counter = itertools.count()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:

        async def client() -> None:
            while (i := next(counter)) < requests:
                started = time.perf_counter()
                try:
                    response = await http.post(url, json=payloads[i % len(payloads)])
                    ok = response.status_code == 200 and "text" in response.json()
                    problem = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
                except (httpx.HTTPError, ValueError) as exc:
                    ok, problem = False, f"{type(exc).__name__}: {exc}"
                if ok:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(problem)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result
