"""Build figures: index build with the model loaded, and build and query time as the corpus grows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import median
from typing import Any

from eval.bench_naive import read_sources
from eval.bench_stats import Figure, Results, interleave, ms, timed
from eval.bench_warm import WARM_UP, asker
from eval.dataset import Item
from eval.naive import NaiveBaseline
from qa import Assistant

# "About linear": the largest corpus may cost a quarter more per copy than the smallest.
LINEAR_SLACK = 1.25


def measure_build(
    results: Results, ours: Assistant, naive: NaiveBaseline, documents: Sequence[Path], work: Path, builds: int
) -> None:
    """Rebuild ours and build a fresh naive collection, alternating, ``builds`` times; report medians."""
    texts = read_sources(documents)
    seconds: dict[str, list[float]] = {"ours": [], "naive": [], "ours_manifest": []}
    for r in range(builds):
        fresh = NaiveBaseline(naive.embeddings, work / f"naive-build-{r}")
        for name in ("ours", "naive") if r % 2 == 0 else ("naive", "ours"):
            if name == "ours":
                elapsed, manifest = timed(ours.load, True)
                seconds["ours_manifest"].append(float(manifest["build_seconds"]))
            else:
                elapsed, _ = timed(fresh.build, texts)
            seconds[name].append(elapsed)
    results.details["index_build"] = seconds
    ours_s, naive_s = median(seconds["ours"]), median(seconds["naive"])
    results.add(
        Figure(
            "index_build", "index build, model loaded", "s", ours_s, naive_s, "≤ 1.5 s", ours_s <= 1.5,
            f"Assistant.load(rebuild=True); its manifest says {median(seconds['ours_manifest']):.2f} s",
        )
    )  # fmt: skip


def write_copies(text: str, n: int, folder: Path) -> list[Path]:
    """Write ``text`` ``n`` times as distinct files in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"copy-{i:03d}.txt" for i in range(n)]
    for path in paths:
        path.write_text(text, encoding="utf-8")
    return paths


def measure_scaling(
    results: Results,
    make_assistant: Callable[[Path, tuple[Path, ...]], Assistant],
    naive: NaiveBaseline,
    text: str,
    items: Sequence[Item],
    scales: Sequence[int],
    rounds: int,
    work: Path,
    say: Callable[[str], None],
) -> None:
    """Build both systems over N copies for each N in ``scales``; then time queries on every corpus at once.

    The query rounds interleave all corpora of both systems, so a growth ratio (100× ÷ 1×) compares
    calls made under the same load, not minutes apart.
    """
    rows: list[dict[str, Any]] = []
    groups: list[dict[str, Callable[[Item], object]]] = []
    for n in scales:
        say(f"scaling: building over {n}× the document")
        folder = work / f"scale-{n}"
        paths = write_copies(text, n, folder / "docs")
        ours = make_assistant(folder / "ours", tuple(paths))
        ours_build, manifest = timed(ours.load)
        grown = NaiveBaseline(naive.embeddings, folder / "naive")
        naive_build, naive_chunks = timed(grown.build, read_sources(paths))
        groups += [{f"ours_{n}x": asker(ours)}, {f"naive_{n}x": lambda item, store=grown: store.search(item.question)}]
        rows.append({
            "copies": n, "ours_chunks": manifest["chunks"], "naive_chunks": naive_chunks,
            "ours_build_s": ours_build, "ours_manifest_build_s": manifest["build_seconds"], "naive_build_s": naive_build,
        })  # fmt: skip
    say(f"scaling: querying all {len(scales)} corpora, interleaved")
    interleave(groups, items[:WARM_UP], 1)
    t = interleave(groups, items, rounds)
    for row in rows:
        n = row["copies"]
        ours_q, naive_q = t[f"ours_{n}x"], t[f"naive_{n}x"]
        row.update(ours_query=ours_q.to_dict(), naive_query=naive_q.to_dict())
        results.add(
            Figure(
                f"scale_query_p50_{n}x", f"query p50 at {n}×", "ms", ms(ours_q.p50), ms(naive_q.p50),
                note=f"chunks: ours {row['ours_chunks']}, naive {row['naive_chunks']}",
            ),
            Figure(f"scale_build_{n}x", f"index build at {n}×", "s", row["ours_build_s"], row["naive_build_s"]),
        )  # fmt: skip
    results.details["scaling"] = rows
    first, last = rows[0], rows[-1]
    factor = last["copies"] / first["copies"]
    span = f"{last['copies']}× ÷ {first['copies']}×"
    query_growth = {s: last[f"{s}_query"]["p50_ms"] / first[f"{s}_query"]["p50_ms"] for s in ("ours", "naive")}
    build_growth = {s: last[f"{s}_build_s"] / first[f"{s}_build_s"] for s in ("ours", "naive")}
    results.add(
        Figure(
            "scale_query_growth", f"query p50 growth {span}", "×", query_growth["ours"], query_growth["naive"],
            "≤ 2×", query_growth["ours"] <= 2.0,
        ),
        Figure(
            "scale_build_growth", f"build time growth {span}", "×", build_growth["ours"], build_growth["naive"],
            f"≈ linear (≤ {LINEAR_SLACK * factor:g}×)", build_growth["ours"] <= LINEAR_SLACK * factor,
            f"linear would be {factor:g}×",
        ),
    )  # fmt: skip
