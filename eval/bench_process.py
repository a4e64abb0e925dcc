"""Out-of-process figures: cold start of `qa ask`, HTTP under load, and the server's peak memory."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import Any

from eval.bench_load import LoadResult, Server, run_load
from eval.bench_stats import Figure, Results, Timing, ms
from eval.dataset import Item
from eval.soak import free_port

COLD_START_QUESTION = "Who is the head of Iran's judiciary?"
# The load: 16 concurrent clients.
HTTP_CLIENTS = 16
# Fail rather than hang if a server never becomes ready (ours is ready in ~10-20 s here).
SERVER_START_TIMEOUT = 300.0
SUBPROCESS_TIMEOUT = 600.0


def qa_command() -> list[str]:
    """Return the command that runs ``qa``: the console script beside this Python, else ``-m qa.cli``."""
    script = Path(sys.executable).with_name("qa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qa.cli"]


def naive_command(*args: str) -> list[str]:
    """Return the command that runs the naive baseline's script with ``args``."""
    return [sys.executable, "-m", "eval.bench_naive", *args]


def run(command: Sequence[str], env: Mapping[str, str]) -> None:
    """Run ``command`` to completion, raising with its output if it fails."""
    done = subprocess.run(list(command), env=dict(env), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit {done.returncode}:\n{done.stderr[-2000:]}")


def first_output(command: Sequence[str], env: Mapping[str, str], log: Path) -> tuple[float, float]:
    """Start ``command``; return the seconds until it prints its first line, and until it exits."""
    with log.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), env=dict(env), stdout=subprocess.PIPE, stderr=err, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        printed = time.perf_counter() - started
        process.stdout.read()
        code = process.wait(timeout=SUBPROCESS_TIMEOUT)
        exited = time.perf_counter() - started
    if code != 0 or not line.strip():
        raise RuntimeError(f"{' '.join(command)} printed no answer (exit {code}):\n{log.read_text()[-2000:]}")
    return printed, exited


def prepare_served(documents: Sequence[Path], work: Path, env: Mapping[str, str]) -> tuple[Path, Path]:
    """Build the indexes the subprocesses open, in subprocesses: embedded Chroma is not process-safe."""
    ours_dir, naive_dir = work / "served-ours", work / "served-naive"
    run([*qa_command(), "--data-dir", str(ours_dir), "index"], env)
    run(naive_command("build", "--persist", str(naive_dir), "--docs", *map(str, documents)), env)
    return ours_dir, naive_dir


def measure_cold_start(
    results: Results, ours_dir: Path, naive_dir: Path, env: Mapping[str, str], work: Path, runs: int
) -> None:
    """Time new processes answering one question until the answer's first line is printed, alternating."""
    commands = {
        "ours": [*qa_command(), "--data-dir", str(ours_dir), "ask", COLD_START_QUESTION],
        "naive": naive_command("ask", COLD_START_QUESTION, "--persist", str(naive_dir)),
    }
    printed: dict[str, list[float]] = {"ours": [], "naive": []}
    exited: dict[str, list[float]] = {"ours": [], "naive": []}
    for r in range(runs):
        for name in ("ours", "naive") if r % 2 == 0 else ("naive", "ours"):
            first, done = first_output(commands[name], env, work / f"cold-{name}.log")
            printed[name].append(first)
            exited[name].append(done)
    results.details["cold_start"] = {"answer_printed_s": printed, "process_exit_s": exited}
    ours_s, naive_s = median(printed["ours"]), median(printed["naive"])
    note = f"median of {runs}; index built; process exit after {median(exited['ours']):.2f} s"
    results.add(Figure("cold_start", "cold start: `qa ask` to answer printed", "s", ours_s, naive_s, "≤ 5 s",
                       ours_s <= 5.0, note))  # fmt: skip


def measure_http(
    results: Results,
    ours_dir: Path,
    naive_dir: Path,
    items: Sequence[Item],
    env: Callable[..., dict[str, str]],
    work: Path,
    blocks: int,
    block_requests: int,
) -> None:
    """Serve both systems; drive each with 16 clients in alternating blocks while sampling its RSS."""
    payloads: list[dict[str, Any]] = [
        {"question": item.question, "history": [list(turn) for turn in item.history]} for item in items
    ]
    ports = {"ours": free_port(), "naive": free_port()}
    commands = {
        "ours": [sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", str(ports["ours"]),
                 "--data-dir", str(ours_dir)],
        "naive": naive_command("serve", "--persist", str(naive_dir), "--port", str(ports["naive"])),
    }  # fmt: skip
    loads = {"ours": LoadResult(), "naive": LoadResult()}
    servers: dict[str, Server] = {}
    try:
        for name, command in commands.items():
            servers[name] = Server(name, command, ports[name], env(QA_DATA_DIR=str(ours_dir)), work / f"{name}.log")
            ready = servers[name].wait_ready(SERVER_START_TIMEOUT)
            results.details.setdefault("server_ready_s", {})[name] = round(ready, 2)
        for server in servers.values():
            run_load(server.url + "/api/ask", payloads, HTTP_CLIENTS, HTTP_CLIENTS)
        for block in range(blocks):
            for name in ("ours", "naive") if block % 2 == 0 else ("naive", "ours"):
                loads[name].add(run_load(servers[name].url + "/api/ask", payloads, HTTP_CLIENTS, block_requests))
    finally:
        for server in servers.values():
            server.stop()
    results.details["http"] = {name: load.to_dict() for name, load in loads.items()}
    if not loads["ours"].latencies or not loads["naive"].latencies:
        raise RuntimeError(f"Every HTTP request to a server failed: {results.details['http']}")
    timing = {name: Timing.of(load.latencies) for name, load in loads.items()}
    results.timings.update({f"{name}_http": t for name, t in timing.items()})
    ours, naive = loads["ours"], loads["naive"]
    errors = f"errors: ours {ours.errors} of {ours.requests}, naive {naive.errors} of {naive.requests}"
    peak = {name: server.peak_rss / 2**20 for name, server in servers.items()}
    results.details["peak_rss_mb"] = peak
    results.add(
        Figure("http_p50", "HTTP /api/ask p50, 16 clients", "ms", ms(timing["ours"].p50), ms(timing["naive"].p50),
               note=errors),
        Figure("http_p95", "HTTP /api/ask p95, 16 clients", "ms", ms(timing["ours"].p95), ms(timing["naive"].p95),
               "≤ 150 ms, 0 errors", timing["ours"].p95 <= 0.150 and ours.errors == 0, errors),
        Figure("http_rps", "HTTP requests/s, 16 clients", "req/s", ours.per_second, naive.per_second,
               note="higher is better"),
        Figure("peak_rss", "server peak RSS (process tree)", "MB", peak["ours"], peak["naive"], "≤ 1024 MB",
               peak["ours"] <= 1024, "sampled every 50 ms from server start to the end of the load"),
    )  # fmt: skip
