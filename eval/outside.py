"""Evaluate over any document with offset gold: ours, the rules-only engine and naive LangChain,
with evidence@3, abstention at the shipped setting, and the abstention coverage curve."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from tqdm import tqdm

from eval.corpus import GoldQuestion, load_questions
from eval.naive import NaiveBaseline
from qa import Answer, Assistant, Settings
from qa.assistant import clean_question
from qa.query import normalize_history

# The systems compared on every document, in display order.
OUTSIDE_SYSTEMS = ("ours", "rules", "naive")
# The false-abstention rate at which abstention recall is read off the curve (the bar).
FALSE_ABSTENTION_BUDGET = 0.10


@dataclass(frozen=True)
class Outcome:
    """One system's answer to one question, reduced to what the figures need."""

    id: str
    answerable: bool
    abstained: bool
    # Abstained by a named check rather than by the confidence threshold.
    vetoed: bool
    confidence: float
    # Whether one of the first three quotes holds gold: as answered, and counting an abstention's
    # related passages (retrieval alone).
    evidence_at_3: bool
    retrieved_at_3: bool
    reason: str | None


def _holds_gold(answer: Answer, gold: Sequence[tuple[int, int]]) -> bool:
    return any(c.start < end and start < c.end for c in answer.citations[:3] for start, end in gold)


def outcome(q: GoldQuestion, answer: Answer) -> Outcome:
    """Reduce ``answer`` to ``q`` to an ``Outcome``."""
    retrieved = q.answerable and _holds_gold(answer, q.gold)
    # An abstention whose reason gives no score under a threshold came from a vetoing check.
    vetoed = answer.abstained and " is under " not in (answer.reason or "")
    return Outcome(
        q.id,
        q.answerable,
        answer.abstained,
        vetoed,
        float(answer.confidence if answer.confidence is not None else 0.0),
        retrieved and not answer.abstained,
        retrieved,
        answer.reason,
    )


def curve(outcomes: Sequence[Outcome]) -> list[tuple[float, float, float]]:
    """Return (threshold, false abstention, abstention recall) when abstaining under each threshold,
    besides what the named checks veto."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    points = []
    for t in sorted({o.confidence for o in outcomes} | {float("-inf"), float("inf")}):
        false = sum(o.vetoed or o.confidence < t for o in answerable) / max(len(answerable), 1)
        caught = sum(o.vetoed or o.confidence < t for o in unanswerable) / max(len(unanswerable), 1)
        points.append((t, false, caught))
    return points


def summarize(outcomes: Sequence[Outcome]) -> dict[str, float | int]:
    """Return the headline figures of one system on one question set."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    abstained = [o for o in outcomes if o.abstained]
    recall = sum(o.abstained for o in unanswerable) / max(len(unanswerable), 1)
    precision = sum(not o.answerable for o in abstained) / max(len(abstained), 1)
    within = [caught for _, false, caught in curve(outcomes) if false <= FALSE_ABSTENTION_BUDGET]
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "evidence_at_3": fmean(o.evidence_at_3 for o in answerable) if answerable else 0.0,
        "retrieved_at_3": fmean(o.retrieved_at_3 for o in answerable) if answerable else 0.0,
        "abstention_recall": recall,
        "false_abstention": sum(o.abstained for o in answerable) / max(len(answerable), 1),
        "abstention_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "recall_at_budget": max(within, default=0.0),
    }


def _answers(name: str, document: Path, data_dir: Path, disabled: str) -> Any:
    if name == "naive":
        text = document.read_text(encoding="utf-8")
        return NaiveBaseline.from_texts({document.stem: text})
    settings = Settings.load(
        documents=[document],
        data_dir=data_dir,
        model_cache_dir=Settings.load().model_cache(),
        judge=name == "ours",
        disabled_checks=disabled or None,
    )
    bot = Assistant(settings)
    bot.load()
    return bot


def run(
    document: Path,
    questions: Path,
    systems: Sequence[str] = OUTSIDE_SYSTEMS,
    disabled_checks: str = "",
    data_dir: Path | None = None,
    only: Collection[str] | None = None,
) -> dict[str, list[Outcome]]:
    """Ask every question of ``questions`` (or those whose id is in ``only``) about ``document`` with
    each system; return their outcomes. The index is built in ``data_dir`` (kept for the next run),
    else in a temporary folder."""
    text = document.read_text(encoding="utf-8")
    gold = [q for q in load_questions(questions, text) if only is None or q.id in only]
    results: dict[str, list[Outcome]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-outside-") as tmp:
        root = data_dir or Path(tmp)
        for name in systems:
            system = _answers(name, document, root / document.stem, disabled_checks)
            results[name] = [
                outcome(q, system.ask(q.question, [list(t) for t in q.history]))
                for q in tqdm(gold, desc=f"{document.stem} · {name}", leave=False)
            ]
    return results


def fired_checks(document: Path, questions: Path, data_dir: Path) -> dict[str, tuple[str, ...]]:
    """Return, per question id, the named checks that fire on the evidence ours chooses for it. A
    check that does not fire on a question's evidence changes nothing there when switched off: the
    checks read the chosen evidence, and choosing it reads none of them."""
    text = document.read_text(encoding="utf-8")
    bot = _answers("ours", document, data_dir / document.stem, "")
    engine = bot._loaded()
    return {
        q.id: engine.answer(
            clean_question(q.question, bot.settings.max_question_chars),
            normalize_history([list(t) for t in q.history], bot.settings.max_history_turns),
        ).fired
        for q in tqdm(load_questions(questions, text), desc=f"{document.stem} · checks", leave=False)
    }


def write(results: dict[str, list[Outcome]], out: Path, title: str) -> dict[str, dict[str, float | int]]:
    """Write per-system outcomes (JSON), the summary (Markdown) and the curve chart into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {name: summarize(outcomes) for name, outcomes in results.items()}
    (out / "outcomes.json").write_text(
        json.dumps({n: [asdict(o) for o in os] for n, os in results.items()}, indent=1) + "\n", encoding="utf-8"
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    _chart(results, out / "abstention-curve.png", title)
    return summary


def _chart(results: dict[str, list[Outcome]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    for name, outcomes in results.items():
        points = curve(outcomes)
        ax.plot([p[1] for p in points], [p[2] for p in points], label=name)
        shipped = summarize(outcomes)
        ax.scatter([shipped["false_abstention"]], [shipped["abstention_recall"]], marker="o")
    ax.axvline(FALSE_ABSTENTION_BUDGET, color="grey", linestyle=":")
    ax.set_xlabel("false abstention (answerable refused)")
    ax.set_ylabel("abstention recall (unanswerable refused)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
