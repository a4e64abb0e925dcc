"""Run systems over items, timing each answer, and sweep our abstention threshold."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from eval import scoring
from eval.dataset import Item
from eval.scoring import ItemScore
from eval.systems import AssistantSystem, System
from qa import Assistant


@dataclass(frozen=True)
class CurvePoint:
    """Ours at one abstention threshold: how much it answers and how often it is right."""

    threshold: float
    coverage: float
    selective_accuracy: float | None
    accuracy: float
    abstention_f1: float | None
    false_abstention: float | None


def evaluate(system: System, items: Sequence[Item], texts: Mapping[str, str], author: str) -> list[ItemScore]:
    """Ask ``system`` every item once (after one untimed warm-up) and score the answers."""
    if items:
        system.ask(items[0].question, ())
    scores: list[ItemScore] = []
    for item in items:
        started = time.perf_counter()
        answer = system.ask(item.question, item.history)
        latency_ms = (time.perf_counter() - started) * 1000
        scores.append(scoring.score_item(system.name, item, answer, latency_ms, texts, author))
    return scores


def operating_point(scores: Sequence[ItemScore]) -> tuple[float, float | None]:
    """Return (coverage, accuracy on the answered items); the latter is None if nothing was answered."""
    answered = [s for s in scores if not s.abstained]
    accuracy = sum(s.accuracy for s in answered) / len(answered) if answered else None
    return len(answered) / len(scores), accuracy


def curve_point(threshold: float, scores: Sequence[ItemScore]) -> CurvePoint:
    """Summarize one threshold's scores as coverage (answered share) against accuracy."""
    coverage, selective_accuracy = operating_point(scores)
    summary = scoring.summarize(scores)
    return CurvePoint(
        threshold=threshold,
        coverage=coverage,
        selective_accuracy=selective_accuracy,
        accuracy=float(summary["accuracy"] or 0.0),
        abstention_f1=summary["abstention_f1"],
        false_abstention=summary["false_abstention"],
    )


def sweep(
    make_assistant: Callable[[float], Assistant],
    thresholds: Sequence[float],
    items: Sequence[Item],
    texts: Mapping[str, str],
    author: str,
) -> list[CurvePoint]:
    """Return one curve point per threshold, each from a fresh ``Assistant`` at that threshold."""
    points = []
    for threshold in thresholds:
        system = AssistantSystem("ours", make_assistant(threshold))
        points.append(curve_point(threshold, evaluate(system, items, texts, author)))
    return points
