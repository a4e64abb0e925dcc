"""PNG charts of an eval run: metrics per system, accuracy per category, and the abstention curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from eval.harness import CurvePoint

Summary = Mapping[str, float | int | None]

# Bars of the metrics chart: (summary key, label); all are shares in [0, 1].
BAR_METRICS = (
    ("recall_at_1", "Recall@1"),
    ("recall_at_3", "Recall@3"),
    ("recall_at_5", "Recall@5"),
    ("mrr", "MRR"),
    ("ndcg_at_5", "nDCG@5"),
    ("answer_hit", "Answer hit"),
    ("citation_precision", "Citation\nprecision"),
    ("abstention_f1", "Abstention\nF1"),
    ("false_abstention", "False\nabstention ↓"),
    ("attribution", "Attribution"),
    ("accuracy", "Accuracy"),
)
COLORS = {"ours": "#1b7837", "naive": "#b2182b", "dense": "#2166ac", "bm25": "#e08214"}


def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def metrics_chart(overall: Mapping[str, Summary], split: str, path: Path) -> Path:
    """Draw grouped bars of the quality metrics and a latency panel, one colour per system."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    names = list(overall)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 8.5), gridspec_kw={"height_ratios": [2.2, 1]}, constrained_layout=True
    )
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [overall[name].get(key) for key, _ in BAR_METRICS]
        xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(BAR_METRICS))]
        heights = [v if v is not None else 0.0 for v in values]
        bars = top.bar(xs, heights, width, label=name, color=COLORS.get(name))
        for bar, value in zip(bars, values, strict=True):
            text = "n/a" if value is None else f"{value:.2f}"
            top.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=6.5,
                rotation=90,
                xytext=(0, 2),
                textcoords="offset points",
            )
    top.set_xticks(range(len(BAR_METRICS)), [label for _, label in BAR_METRICS], fontsize=9)
    top.set_ylim(0, 1.22)
    top.set_ylabel("share of items")
    top.set_title(f"Quality per system on the {split} split (higher is better, except ↓)")
    top.legend(ncols=len(names), loc="upper center", frameon=False)
    top.grid(axis="y", alpha=0.3)
    for i, name in enumerate(names):
        p50, p95 = overall[name].get("latency_p50_ms"), overall[name].get("latency_p95_ms")
        bottom.barh([i + 0.2], [p95 or 0.0], 0.4, color=COLORS.get(name), alpha=0.45)
        bottom.barh([i - 0.2], [p50 or 0.0], 0.4, color=COLORS.get(name))
        bottom.annotate(
            f"p50 {p50:.1f} ms · p95 {p95:.1f} ms",
            (max(p50 or 0, p95 or 0), i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    bottom.set_yticks(range(len(names)), names)
    bottom.set_xscale("log")
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    bottom.set_xlabel("latency per question, ms (log scale; solid p50, light p95)")
    bottom.invert_yaxis()
    bottom.margins(x=0.35)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def category_chart(per_category: Mapping[str, Mapping[str, Summary]], split: str, path: Path) -> Path:
    """Draw accuracy per category, one bar per system."""
    plt = _pyplot()
    names = list(per_category)
    categories = list(next(iter(per_category.values()))) if names else []
    fig, ax = plt.subplots(figsize=(13, 4.8), constrained_layout=True)
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(categories))]
        values = [per_category[name][c].get("accuracy") or 0.0 for c in categories]
        ax.bar(xs, values, width, label=name, color=COLORS.get(name))
    counts = [per_category[names[0]][c]["items"] for c in categories] if names else []
    ax.set_xticks(range(len(categories)), [f"{c}\n(n={n})" for c, n in zip(categories, counts, strict=True)])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("accuracy")
    ax.set_title(f"Accuracy per category on the {split} split (answered with a cited key phrase, or rightly abstained)")
    ax.legend(ncols=len(names), loc="upper center", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _threshold_labels(points: Sequence[CurvePoint]) -> list[tuple[str, CurvePoint]]:
    """Return one label per run of consecutive thresholds that land on the same curve point."""
    runs: list[list[CurvePoint]] = []
    for p in points:
        same = runs and (runs[-1][0].coverage, runs[-1][0].selective_accuracy) == (p.coverage, p.selective_accuracy)
        if same:
            runs[-1].append(p)
        else:
            runs.append([p])
    return [
        (f"{r[0].threshold:.2f}" if len(r) == 1 else f"{r[0].threshold:.2f}–{r[-1].threshold:.2f}", r[0]) for r in runs
    ]


def abstention_chart(
    curve: Sequence[CurvePoint],
    configured: float,
    baselines: Mapping[str, tuple[float, float | None]],
    split: str,
    path: Path,
) -> Path:
    """Draw coverage against accuracy on answered items as the threshold sweeps, and F1 by threshold.

    ``baselines`` maps a system to its (coverage, accuracy on answered) operating point.
    """
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True)
    points = [p for p in curve if p.selective_accuracy is not None]
    left.plot(
        [p.coverage for p in points],
        [p.selective_accuracy for p in points],
        "-o",
        color=COLORS["ours"],
        label="ours, threshold swept",
        markersize=4,
    )
    for label, p in _threshold_labels(points):
        left.annotate(
            label,
            (p.coverage, p.selective_accuracy),
            fontsize=7,
            xytext=(-4, 5),
            textcoords="offset points",
            color="#444444",
            rotation=45,
        )
    chosen = [p for p in points if p.threshold == configured]
    if chosen:
        left.plot(
            [chosen[0].coverage],
            [chosen[0].selective_accuracy],
            "*",
            color="black",
            markersize=14,
            label=f"ours at configured threshold {configured:.2f}",
        )
    for name, (coverage, accuracy) in baselines.items():
        if accuracy is not None:
            left.plot([coverage], [accuracy], "s", color=COLORS.get(name), markersize=8, label=name)
    left.set_xlabel("coverage (share of questions answered)")
    left.set_ylabel("accuracy on the answered questions")
    left.set_xlim(-0.02, 1.08)
    left.set_ylim(0, 1.08)
    left.set_title(f"Coverage vs accuracy, {split} split (labels: threshold)")
    left.grid(alpha=0.3)
    left.legend(loc="lower left", fontsize=8)
    xs = [p.threshold for p in curve]
    right.plot(
        xs, [p.abstention_f1 or 0.0 for p in curve], "-o", markersize=4, label="abstention F1", color=COLORS["ours"]
    )
    right.plot(
        xs,
        [p.false_abstention or 0.0 for p in curve],
        "-o",
        markersize=4,
        label="false abstention",
        color=COLORS["naive"],
    )
    right.plot(xs, [p.accuracy for p in curve], "-o", markersize=4, label="accuracy (all items)", color="#555555")
    right.axvline(configured, color="black", linestyle="--", linewidth=1, label="configured threshold")
    right.set_xlabel("abstention threshold (evidence score)")
    right.set_ylim(0, 1.15)
    right.set_title(f"Ours: abstention quality by threshold, {split} split")
    right.grid(alpha=0.3)
    right.legend(loc="upper left", ncols=2, fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
