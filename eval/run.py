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

from eval import dataset, harness, outside, overlap, report, verdicts
from eval.systems import SYSTEMS, build_systems, our_assistant
from qa import Settings, SettingsError
from qa.judgment import CHECK_NAMES

DEFAULT_OUT = Path(__file__).with_name("results")
# Thresholds swept for the coverage curve: the evidence score lies in about [0, 1]; 0.05 steps
# resolve the curve well enough and keep the sweep under a minute.
SWEEP = tuple(round(0.05 * i, 2) for i in range(17))
# The judge's threshold is a probability: swept over all of [0, 1].
JUDGE_SWEEP = tuple(round(0.05 * i, 2) for i in range(21))


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
    parser.add_argument(
        "--document",
        type=Path,
        help="evaluate over this document instead (questions in the corpora format with offset gold, or the "
        "bundled sets' format): ours, the rules-only engine and naive LangChain, with the abstention curve",
    )
    parser.add_argument(
        "--disable-check",
        action="append",
        default=[],
        metavar="NAME",
        help="switch off one named check (repeatable) to measure what it adds; names: " + ", ".join(CHECK_NAMES),
    )
    return parser


def outside_main(args: argparse.Namespace) -> int:
    """Run ``qa eval --document PATH --questions PATH``: print and write the side-by-side figures."""
    names = [n for n in (x.strip() for x in args.systems.split(",")) if n in outside.OUTSIDE_SYSTEMS]
    try:
        results = outside.run(
            args.document,
            args.questions,
            names or outside.OUTSIDE_SYSTEMS,
            ",".join(args.disable_check),
            args.data_dir,
        )
    except (OSError, ValueError) as exc:
        print(f"qa eval: cannot evaluate {args.questions} over {args.document}: {exc}", file=sys.stderr)
        return 2
    name = (
        f"{args.document.stem}--{args.questions.stem}"
        if args.document.stem != args.questions.stem
        else args.document.stem
    )
    summary = outside.write(results, args.out / "full" / "outside" / name, name)
    columns = list(next(iter(summary.values())))
    print(f"qa eval · {name}" + (f" · checks off: {', '.join(args.disable_check)}" if args.disable_check else ""))
    print("system | " + " | ".join(columns))
    for system, figures in summary.items():
        print(f"{system} | " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in figures.values()))
    if args.json:
        text = json.dumps(summary, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


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
    try:
        Settings.load(disabled_checks=",".join(args.disable_check))
    except SettingsError as exc:
        print(f"qa eval: {exc}", file=sys.stderr)
        return 2
    if args.document is not None:
        return outside_main(args)
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
        ours = our_assistant(data_dir, model_cache, disabled_checks=",".join(args.disable_check) or None)
        manifest = ours.load()
        texts = {source: ours.source_text(source) for source in ours.sources}
        dataset.check_against(items, texts)
        author = dataset.AUTHOR
        systems = build_systems(names, ours, data_dir, model_cache, texts)
        scores = {s.name: harness.evaluate(s, selected, texts, author) for s in systems}
        # The curve moves the threshold that decides: the judge's when it is on, else the engine's.
        judged = ours.settings.judge
        threshold = ours.confidence_threshold()
        curve = []
        if not args.quick:
            thresholds = sorted({*(JUDGE_SWEEP if judged else SWEEP), threshold})
            knob = "judge_threshold" if judged else "abstain_threshold"
            curve = harness.sweep(
                lambda t: our_assistant(data_dir, model_cache, **{knob: t}), thresholds, selected, texts, author
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
            "decision_threshold": threshold,
            "model": manifest["model"],
            "chunker": manifest["chunker"],
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in started_load],
        },
        scores=scores,
        curve=curve,
        seen=overlap.seen_in_training(selected),
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
