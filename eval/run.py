"""`qa eval`: run ours and the baselines over the question set; write the verdicts, the summary and the full report."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from eval import dataset, harness, report, verdicts
from eval.systems import SYSTEMS, build_systems, our_assistant
from qa import Settings

DEFAULT_OUT = Path(__file__).with_name("results")
# Thresholds swept for the coverage curve: the evidence score lies in about [0, 1]; 0.05 steps
# resolve the curve well enough and keep the sweep under a minute.
SWEEP = tuple(round(0.05 * i, 2) for i in range(17))


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``qa eval``."""
    parser = argparse.ArgumentParser(prog="qa eval", description="Evaluate ours against three baselines.")
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test", help="items to report")
    parser.add_argument("--json", metavar="PATH", help="also write the results JSON here ('-' for stdout)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="results folder (default eval/results): <set>/verdicts.jsonl and summary.md, the full report in full/<set>/",
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}")
    parser.add_argument("--quick", action="store_true", help="skip the abstention-threshold sweep")
    parser.add_argument(
        "--questions",
        type=Path,
        default=dataset.QUESTIONS,
        help="question set in the eval/questions.jsonl format (default: the bundled set)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="index folder to use (default QA_DATA_DIR if set, else a temporary folder)"
    )
    return parser


def code_version() -> str:
    """Return the git commit of the code under test, marked when qa/ or index/ has uncommitted edits."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "qa", "index")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} + uncommitted edits in qa/ or index/" if dirty else commit


@contextlib.contextmanager
def index_dir(explicit: Path | None) -> Iterator[Path]:
    """Yield the index folder: the explicit one, QA_DATA_DIR if set, or a temporary folder."""
    configured = Settings.load().data_dir
    if explicit is not None:
        yield explicit
    elif configured != Settings().data_dir:
        yield configured
    else:
        with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
            yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation, write the set's verdicts, the summary and the full report; return the exit code."""
    args = build_parser().parse_args(argv)
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown or "ours" not in names:
        print(f"qa eval: --systems must include 'ours' and only {list(SYSTEMS)}; got {names}.", file=sys.stderr)
        return 2
    try:
        items = dataset.load_items(args.questions)
    except (OSError, ValueError) as exc:
        print(f"qa eval: cannot use the question set {args.questions}: {exc}", file=sys.stderr)
        return 2
    selected = dataset.select_split(items, args.split)
    started_load = os.getloadavg()
    with index_dir(args.data_dir) as data_dir:
        model_cache = Settings.load().model_cache_dir
        ours = our_assistant(data_dir, model_cache)
        manifest = ours.load()
        texts = {source: ours.source_text(source) for source in ours.sources}
        dataset.check_against(items, texts)
        author = dataset.AUTHOR
        systems = build_systems(names, ours, data_dir, model_cache, texts)
        scores = {s.name: harness.evaluate(s, selected, texts, author) for s in systems}
        threshold = ours.settings.abstain_threshold
        curve = []
        if not args.quick:
            thresholds = sorted({*SWEEP, threshold})
            curve = harness.sweep(
                lambda t: our_assistant(data_dir, model_cache, abstain_threshold=t), thresholds, selected, texts, author
            )
    settings = ours.settings
    run = report.RunResult(
        split=args.split,
        split_sizes={s: len(dataset.select_split(items, s)) for s in dataset.SPLITS},
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        config={
            **{
                f.name: value
                for f in fields(settings)
                if isinstance(value := getattr(settings, f.name), int | float | str | bool)
            },
            "code": code_version(),
            "model": manifest["model"],
            "chunker": manifest["chunker"],
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in started_load],
        },
        scores=scores,
        curve=curve,
    )
    name = verdicts.set_name(args.questions, dataset.QUESTIONS)
    paths = report.write(run, {item.id: item.question for item in items}, args.out / "full" / name)
    paths |= verdicts.write(scores["ours"], name, args.out)
    report.print_table(run, stderr=args.json == "-")
    if args.json == "-":
        print(json.dumps(report.to_json(run), ensure_ascii=False, indent=1))
    elif args.json:
        Path(args.json).write_text(paths["json"].read_text(encoding="utf-8"), encoding="utf-8")
    print("Wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
