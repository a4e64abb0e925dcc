"""The benchmark's outputs: a rich table on the terminal, bench.md, bench.json and two PNG charts."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from eval.bench_library import markdown_section as library_section
from eval.bench_stats import Figure, Results, Timing

# Hand-written analysis of the committed run (causes of misses, where the time goes), quoted in bench.md.
ANALYSIS = Path(__file__).with_name("bench_analysis.md")
PACKAGES = ("onnxruntime", "torch", "sentence-transformers", "transformers", "chromadb", "langchain-chroma", "bm25s")
# Warm timings drawn in the latency chart, with their labels.
LATENCY_SERIES = {
    "ours_ask": "ours ask (onnx)",
    "ours_torch_ask": "ours ask (torch)",
    "naive_search": "naive similarity_search",
    "ours_floor": "floor: onnx embedding",
    "naive_floor": "floor: torch embedding",
}
HTTP_SERIES = {"ours_http": "ours HTTP, 16 clients", "naive_http": "naive HTTP, 16 clients"}


def value(number: float | None, unit: str) -> str:
    """Return ``number`` formatted for its unit."""
    if number is None:
        return "n/a"
    if unit == "ms":
        return f"{number:.2f} ms"
    if unit == "s":
        return f"{number:.2f} s"
    if unit == "MB":
        return f"{number:.0f} MB"
    if unit == "×":
        return f"{number:.2f}×"
    if unit == "req/s":
        return f"{number:.1f} req/s"
    return f"{number:.3f}"


def verdict(figure: Figure) -> str:
    """Return 'met', 'MISSED' or '' for a figure without a target."""
    return "" if figure.met is None else ("met" if figure.met else "MISSED")


def ratio(figure: Figure) -> str:
    """Return ours ÷ naive as text."""
    return "n/a" if figure.ratio is None else f"{figure.ratio:.2f}×"


def print_table(figures: Sequence[Figure], console: Any) -> None:
    """Print every figure with ours, naive, the ratio and the target verdict."""
    from rich.table import Table

    table = Table(title="qa bench: ours vs naive LangChain (ratio = ours ÷ naive)")
    for column in ("figure", "ours", "naive", "ratio", "target", "status"):
        table.add_column(column, justify="left" if column in ("figure", "target") else "right")
    for f in figures:
        style = {"met": "green", "MISSED": "bold red"}.get(verdict(f), "")
        table.add_row(
            f.label,
            value(f.ours, f.unit),
            value(f.naive, f.unit),
            ratio(f),
            f.target,
            f"[{style}]{verdict(f)}[/]" if style else "",
        )
    console.print(table)


def _environment() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        commit = (
            subprocess.run(
                ["git", "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                cwd=Path(__file__).parent,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except OSError:
        commit = None
    return {"python": platform.python_version(), "machine": platform.machine(), "commit": commit, "packages": versions}


def _latency_chart(timings: Mapping[str, Timing], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (title, {label: timings[key] for key, label in series.items() if key in timings})
        for title, series in (("Warm, in process", LATENCY_SERIES), ("HTTP /api/ask under load", HTTP_SERIES))
    ]
    panels = [(title, series) for title, series in panels if series]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.2 + 0.6 * sum(len(s) for _, s in panels)), squeeze=False)
    for ax, (title, series) in zip(axes[:, 0], panels, strict=True):
        labels = list(series)[::-1]
        ax.boxplot(
            [[s * 1e3 for s in series[label].samples] for label in labels],
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            tick_labels=labels,
        )
        ax.set_xscale("log")
        ax.set_xlabel("latency, ms (log; box = p25–p75, whiskers = p5–p95)")
        ax.set_title(title)
        ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _scaling_chart(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    copies = [r["copies"] for r in rows]
    fig, (build, query) = plt.subplots(1, 2, figsize=(10, 4))
    build.plot(copies, [r["ours_build_s"] for r in rows], "o-", label="ours")
    build.plot(copies, [r["naive_build_s"] for r in rows], "s-", label="naive")
    build.plot(
        copies,
        [rows[0]["ours_build_s"] * c / copies[0] for c in copies],
        ":",
        color="grey",
        label="linear from ours at 1×",
    )
    build.set_title("index build")
    build.set_ylabel("seconds")
    for key, label, marker in (("ours_query", "ours ask", "o-"), ("naive_query", "naive search", "s-")):
        query.plot(copies, [r[key]["p50_ms"] for r in rows], marker, label=f"{label} p50")
    query.axhline(2 * rows[0]["ours_query"]["p50_ms"], ls=":", color="grey", label="target: 2× ours at 1×")
    query.set_title("query latency")
    query.set_ylabel("ms")
    for ax in (build, query):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("copies of the document")
        ax.grid(which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _contention(run: Mapping[str, Any]) -> list[str]:
    loads, cpus = run["load_average"], run["cpus"]
    sampled = ", ".join(f"{x:.1f}" for x in loads)
    # The benchmark alone keeps about the CPU count busy (server plus clients); more means other work ran too.
    if max(loads) <= cpus + 1:
        return [f"The 1-minute load average, sampled at each phase, was {sampled} on {cpus} CPUs: about the "
                "benchmark's own load.", ""]  # fmt: skip
    return [
        f"**Other work shared the machine during this run**: the 1-minute load average, sampled at each phase, "
        f"was {sampled} on {cpus} CPUs (the benchmark alone accounts for about {cpus}). Absolute times are "
        "inflated, and libraries whose worker threads wait on each other (torch's OpenMP pool, ONNX Runtime's) "
        "suffer most.",
        "",
    ]


def md_row(*cells: str) -> str:
    """Return one Markdown table row."""
    return "| " + " | ".join(cells) + " |"


def _markdown(figures: Sequence[Figure], details: Mapping[str, Any], run: Mapping[str, Any]) -> str:
    env = run["environment"]
    lines = [
        "# Benchmark: ours vs the naive LangChain baseline",
        "",
        f"Generated by `qa bench{' --quick' if run['quick'] else ''}` on {run['date']}, commit `{env['commit']}`, "
        f"{run['cpus']} CPUs, {run['duration_s']:.0f} s in all. The machine is shared and noisy, so the ratios "
        "count more than the absolute times.",
        "",
        *_contention(run),
        "**Ratio = ours ÷ naive.** Lower is better, except for requests/s and the quality rows.",
        "",
        "## Targets",
        "",
        "| figure | ours | naive | ratio | target | status |",
        "|---|---|---|---|---|---|",
    ]
    targeted = [f for f in figures if f.met is not None]
    lines += [
        md_row(
            f.label, value(f.ours, f.unit), value(f.naive, f.unit), ratio(f), f.target, "met" if f.met else "**missed**"
        )
        for f in targeted
    ]
    missed = [f for f in targeted if not f.met]
    lines += ["", f"{len(targeted) - len(missed)} of {len(targeted)} targets met."]
    if missed:
        lines += [
            "Missed: "
            + "; ".join(f"{f.label} measured {value(f.ours, f.unit)} (target {f.target})" for f in missed)
            + ". The analysis below says why."
        ]
    lines += ["", "## Every figure", "", "| figure | ours | naive | ratio | note |", "|---|---|---|---|---|"]
    lines += [md_row(f.label, value(f.ours, f.unit), value(f.naive, f.unit), ratio(f), f.note) for f in figures]
    quality = details.get("quality", {})
    if quality:
        lines += [
            "",
            "## Quality beside speed, per backend",
            "",
            f"All {run['questions']} questions (both splits), scored with `eval.scoring` as `qa eval` does.",
            "",
            "| system | recall@3 | answer hit | abstention F1 | false abstention |",
            "|---|---|---|---|---|",
        ]
        for name, s in quality.items():
            metrics = ("recall_at_3", "answer_hit", "abstention_f1", "false_abstention")
            lines.append(md_row(name, *(value(s.get(k), "") for k in metrics)))
    rows = details.get("scaling", [])
    if rows:
        lines += [
            "",
            "## Scaling",
            "",
            "| copies | chunks (ours / naive) | build ours | build naive | "
            "query p50 ours | query p50 naive | query p95 ours |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['copies']}× | {r['ours_chunks']} / {r['naive_chunks']} | {r['ours_build_s']:.2f} s | "
            f"{r['naive_build_s']:.2f} s | {r['ours_query']['p50_ms']:.2f} ms | {r['naive_query']['p50_ms']:.2f} ms"
            f" | {r['ours_query']['p95_ms']:.2f} ms |"
            for r in rows
        ]
    if details.get("library"):
        lines += library_section(details["library"])
    lines += [
        "",
        "![latency per system](bench-latency.png)",
        "",
        "![scaling: build and query time](bench-scaling.png)",
        "",
        "## Method",
        "",
        "- Ours: `Assistant.ask` (hybrid retrieval, answer composition, citations) on the default onnx backend, "
        "and again on torch. Naive: `RecursiveCharacterTextSplitter(500, 50)`, `HuggingFaceEmbeddings` with the "
        "same MiniLM, langchain-chroma on a `PersistentClient`, `similarity_search(k=3)`.",
        f"- Warm figures: {run['plan']['rounds']} round(s) over every question after a warm-up. The systems take "
        "turns every 10 questions, in rotating order, so noise hits all of them; a system's own calls (ask and "
        "floor) alternate per question, so their ratio compares calls made moments apart.",
        "- Floor: one query embedding with the backend in use (`Assistant.embed`; the baseline's `embed_query`).",
        "- Index build: the bundled document with the model already loaded, `Assistant.load(rebuild=True)` "
        "against a fresh naive collection, alternating; the median is reported.",
        "- Cold start: a new process (`qa ask`, or the baseline's script) until the answer's first line is "
        "printed, with the index already built; alternating; the median is reported.",
        f"- HTTP: both servers up (ours: `ui.py`; naive: a plain FastAPI app), {run['plan']['http_blocks']} "
        f"alternating blocks of {run['plan']['http_block_requests']} requests each, from 16 concurrent clients "
        "(httpx coroutines, one connection each) in the benchmark's process, on the same 2 cores, cycling through "
        "the eval questions. Peak RSS sums the server's process tree, sampled every 50 ms.",
        "- Scaling: the document written N times as distinct files, byte for byte the same, and indexed as N "
        "sources. Then the same rounds over the questions as the warm figures, with "
        "every corpus of both systems interleaved, so the growth ratios compare calls made under the same load.",
    ]
    if ANALYSIS.exists():
        lines += ["", ANALYSIS.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def write_reports(out: Path, results: Results, run: Mapping[str, Any]) -> list[Path]:
    """Write bench.json, bench.md, bench-latency.png and bench-scaling.png into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    figures, timings, details = results.figures, results.timings, results.details
    run = {**run, "date": time.strftime("%Y-%m-%d %H:%M %Z"), "environment": _environment()}
    paths = [out / "bench.json", out / "bench.md", out / "bench-latency.png"]
    payload = {
        "run": run,
        "figures": [f.to_dict() for f in figures],
        "timings": {name: t.to_dict() for name, t in timings.items()},
        **details,
    }
    paths[0].write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(_markdown(figures, details, run), encoding="utf-8")
    _latency_chart(timings, paths[2])
    if details.get("scaling"):
        paths.append(out / "bench-scaling.png")
        _scaling_chart(details["scaling"], paths[3])
    return paths
