"""Per-item scores of one system's answer, and their summary over a set of items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from statistics import fmean
from typing import Any

from eval import metrics
from eval.dataset import Item
from qa import Answer

# Summary metrics in display order; each is a mean over the items where it applies.
MEAN_METRICS = (
    "recall_at_1",
    "recall_at_3",
    "recall_at_5",
    "mrr",
    "ndcg_at_5",
    "span_coverage",
    "answer_hit",
    "citation_precision",
    "offsets_valid",
    "attribution",
    "accuracy",
)


@dataclass(frozen=True)
class ItemScore:
    """How one system did on one item; a metric is None where it does not apply."""

    system: str
    id: str
    category: str
    split: str
    answerable: bool
    abstained: bool
    latency_ms: float
    recall_at_1: float | None
    recall_at_3: float | None
    recall_at_5: float | None
    mrr: float | None
    ndcg_at_5: float | None
    span_coverage: float | None
    answer_hit: float | None
    citation_precision: float | None
    offsets_valid: float | None
    attribution: float | None
    accuracy: float
    answer: Answer

    def to_dict(self) -> dict[str, Any]:
        """Return the score and the full answer as a JSON-ready dict."""
        return {**{k: v for k, v in asdict(self).items() if k != "answer"}, "answer": self.answer.to_dict()}


def score_item(
    system: str,
    item: Item,
    answer: Answer,
    latency_ms: float,
    texts: Mapping[str, str],
    author: str,
) -> ItemScore:
    """Score ``answer`` to ``item``; an abstention's related passages do not count as evidence."""
    gold = metrics.locate(item.gold_spans, texts)
    evidence = [] if answer.abstained else answer.citations
    answerable = item.answerable
    hit = answerable and not answer.abstained and metrics.answer_hit(answer.text, item.answer_any)
    grounded = any(metrics.relevant(evidence, gold))

    def retrieval(value: float) -> float | None:
        return value if answerable else None

    return ItemScore(
        system=system,
        id=item.id,
        category=item.category,
        split=item.split,
        answerable=answerable,
        abstained=answer.abstained,
        latency_ms=latency_ms,
        recall_at_1=retrieval(metrics.recall_at(evidence, gold, 1)),
        recall_at_3=retrieval(metrics.recall_at(evidence, gold, 3)),
        recall_at_5=retrieval(metrics.recall_at(evidence, gold, 5)),
        mrr=retrieval(metrics.reciprocal_rank(evidence, gold)),
        ndcg_at_5=retrieval(metrics.ndcg_at(evidence, gold, 5)),
        span_coverage=retrieval(metrics.span_coverage(evidence, gold)),
        answer_hit=float(hit) if answerable else None,
        citation_precision=metrics.citation_precision(evidence, gold) if answerable else None,
        offsets_valid=float(metrics.offsets_valid(answer.citations, texts)) if answer.citations else None,
        attribution=(
            float(metrics.attribution_ok(answer.text, evidence, item.speaker, author)) if item.speaker else None
        ),
        accuracy=float(hit and grounded) if answerable else float(answer.abstained),
        answer=answer,
    )


def summarize(scores: Sequence[ItemScore]) -> dict[str, float | int | None]:
    """Return the item count and every summary metric over ``scores``; None where no item applies."""
    summary: dict[str, float | int | None] = {"items": len(scores)}
    for name in MEAN_METRICS:
        values = [v for s in scores if (v := getattr(s, name)) is not None]
        summary[name] = fmean(values) if values else None
    verdict = metrics.abstention([s.abstained for s in scores], [s.answerable for s in scores])
    summary["abstention_precision"] = verdict.precision
    summary["abstention_recall"] = verdict.recall
    summary["abstention_f1"] = verdict.f1
    summary["false_abstention"] = verdict.false_abstention
    latencies = [s.latency_ms for s in scores]
    summary["latency_p50_ms"] = metrics.percentile(latencies, 50)
    summary["latency_p95_ms"] = metrics.percentile(latencies, 95)
    return summary


def by_category(scores: Sequence[ItemScore]) -> dict[str, dict[str, float | int | None]]:
    """Return the summary of each category present in ``scores``, in first-seen order."""
    groups: dict[str, list[ItemScore]] = {}
    for s in scores:
        groups.setdefault(s.category, []).append(s)
    return {category: summarize(group) for category, group in groups.items()}


def problems(score: ItemScore) -> list[str]:
    """Return what went wrong on one item, in words; empty when the item passed every check."""
    if not score.answerable:
        return [] if score.abstained else ["missed abstention"]
    if score.abstained:
        return ["false abstention"]
    found: list[str] = []
    if not score.span_coverage:
        found.append("wrong citation")
    if not score.answer_hit:
        found.append("key phrase missing")
    if score.attribution == 0.0:
        found.append("attribution")
    return found
