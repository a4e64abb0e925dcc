"""``qa bench``: ours against the naive LangChain baseline, figure by figure, interleaved in one run.

``python -m eval.bench --help`` (or ``qa bench --help``) lists the options; eval/results/bench.md explains
the method.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from eval.bench_build import measure_build, measure_scaling
from eval.bench_library import DEFAULT as LIBRARY
from eval.bench_library import QUICK as QUICK_LIBRARY
from eval.bench_library import LibraryPlan, measure_library, summary_lines
from eval.bench_naive import read_sources
from eval.bench_process import measure_cold_start, measure_http, prepare_served
from eval.bench_stats import Results
from eval.bench_warm import measure_quality, measure_warm
from eval.dataset import Item, load_items
from eval.naive import NaiveBaseline, naive_embeddings
from qa import Assistant, Settings
from qa.settings import BUNDLED_DOCUMENT

RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True)
class Plan:
    """How much work each figure gets: the full run, or the same code path in miniature (``--quick``)."""

    rounds: int
    questions: int | None
    builds: int
    cold_starts: int
    http_blocks: int
    http_block_requests: int
    scales: tuple[int, ...]
    # The library figure (eval/bench_library.py): documents added, their total size (0 skips it), timed rounds.
    library_documents: int = LIBRARY.documents
    library_mb: float = LIBRARY.megabytes
    library_rounds: int = LIBRARY.rounds


# Per system: ≥ 300 warm calls (3 × 118 questions) and ≥ 500 HTTP requests (4 × 128), as the issue asks.
FULL = Plan(
    rounds=3, questions=None, builds=3, cold_starts=5, http_blocks=4, http_block_requests=128, scales=(1, 10, 100)
)
QUICK = Plan(
    rounds=1, questions=12, builds=1, cold_starts=1, http_blocks=2, http_block_requests=16, scales=(1, 2),
    library_documents=QUICK_LIBRARY.documents, library_mb=QUICK_LIBRARY.megabytes, library_rounds=QUICK_LIBRARY.rounds,
)  # fmt: skip


class Workspace:
    """A throwaway folder for the run's indexes and logs, plus how to make Assistants and subprocesses."""

    def __init__(self, root: Path, data_dir: Path | None = None) -> None:
        self.root = root
        # The bundled article, whatever QA_DOCUMENTS says: the figures are about the default document.
        self.documents = (BUNDLED_DOCUMENT,)
        # The user's model cache, so the ONNX export made once is reused by every run.
        self.model_cache = Settings.load(data_dir=data_dir).model_cache().resolve()

    def assistant(self, data_dir: Path, documents: tuple[Path, ...] | None = None, **overrides: str) -> Assistant:
        """Return an Assistant over ``documents`` (default: the bundled one) with its index in ``data_dir``."""
        settings = Settings.load(
            data_dir=data_dir, model_cache_dir=self.model_cache, documents=documents or self.documents, **overrides
        )
        return Assistant(settings)

    def env(self, **extra: str) -> dict[str, str]:
        """Return a subprocess environment: offline, no telemetry, this run's model cache and document."""
        return {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "QA_MODEL_CACHE_DIR": str(self.model_cache),
            "QA_DOCUMENTS": os.pathsep.join(map(str, self.documents)),
            **extra,
        }


def run_all(plan: Plan, items: list[Item], space: Workspace, say: Callable[[str], None]) -> Results:
    """Measure every figure, in an order that keeps the long scaling phase last."""
    results = Results()
    say("loading ours (onnx and torch backends) and building the naive baseline")
    ours = space.assistant(space.root / "ours-onnx", backend="onnx")
    torch_ours = space.assistant(space.root / "ours-torch", backend="torch")
    ours.load()
    torch_ours.load()
    naive = NaiveBaseline(naive_embeddings(), space.root / "naive")
    naive.build(read_sources(space.documents))
    say(f"warm latency: {plan.rounds} round(s) over {len(items)} questions")
    measure_warm(results, ours, torch_ours, naive, items, plan.rounds)
    say("quality per backend")
    measure_quality(results, ours, torch_ours, naive, items)
    say("index build")
    measure_build(results, ours, naive, space.documents, space.root, plan.builds)
    say("cold start")
    served = prepare_served(space.documents, space.root, space.env())
    measure_cold_start(results, *served, space.env(), space.root, plan.cold_starts)
    say("HTTP under load, and memory")
    measure_http(results, *served, items, space.env, space.root, plan.http_blocks, plan.http_block_requests)
    text = space.documents[0].read_text(encoding="utf-8")
    measure_scaling(results, space.assistant, naive, text, items, plan.scales, plan.rounds, space.root, say)
    if plan.library_mb > 0:
        library = LibraryPlan(plan.library_documents, plan.library_mb, plan.library_rounds)
        measure_library(results, library, space.root / "library", space.env(), say)
    return results


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``qa bench``."""
    parser = argparse.ArgumentParser(
        prog="qa bench", description="Benchmark ours against the naive LangChain baseline."
    )
    parser.add_argument("--quick", action="store_true", help="the same code path with few iterations (smoke test)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where the reports go (default {RESULTS})")
    parser.add_argument("--scales", help="comma-separated copy counts for the scaling figure (default 1,10,100)")
    parser.add_argument(
        "--data-dir", type=Path, help="data dir whose model cache to reuse (indexes are built in a temp folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (indexes and server logs)")
    parser.add_argument(
        "--library-mb",
        type=float,
        help=f"total MB of the library figure's {FULL.library_documents} documents (default {FULL.library_mb:g}, "
        f"--quick {QUICK.library_mb:g}; 0 skips it)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run every figure, print the table, and write bench.md, bench.json and the charts to ``--out``."""
    from rich.console import Console

    from eval.bench_report import print_table, write_reports

    args = build_parser().parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.scales:
        plan = replace(plan, scales=tuple(int(n) for n in args.scales.split(",")))
    if args.library_mb is not None:
        plan = replace(plan, library_mb=args.library_mb)
    items = load_items()
    if plan.questions:
        items = items[:: len(items) // plan.questions][: plan.questions]
    console = Console(stderr=True)
    load: list[float] = []

    def say(phase: str) -> None:
        load.append(round(os.getloadavg()[0], 2))
        console.log(phase)

    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        results = run_all(plan, items, Workspace(root, args.data_dir), say)
    finally:
        if args.keep:
            console.log(f"work folder kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    run = {
        "quick": args.quick,
        "plan": asdict(plan),
        "questions": len(items),
        "duration_s": round(time.perf_counter() - started, 1),
        # The 1-minute load average at the start of each phase and at the end: how busy the machine was.
        "load_average": [*load, round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    # Piped output gets a width that fits the table, rather than rich's 80-column default.
    print_table(results.figures, Console() if sys.stdout.isatty() else Console(width=130))
    for line in summary_lines(results.details["library"]) if "library" in results.details else []:
        print(line)
    paths = write_reports(args.out, results, run)
    console.log(f"wrote {', '.join(map(str, paths))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
