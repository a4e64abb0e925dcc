"""Warm, in-process figures: ask latency, the one-embedding floor, and quality per backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eval.bench_stats import Figure, Results, interleave, ms
from eval.dataset import AUTHOR, Item
from eval.naive import NaiveBaseline
from eval.scoring import score_item, summarize
from qa import Answer, Assistant

# Questions run through every op before timing: first calls fill caches and lazy imports.
WARM_UP = 10


def asker(bot: Assistant) -> Callable[[Item], Answer]:
    """Return a function that asks ``bot`` an item's question with its history."""
    return lambda item: bot.ask(item.question, list(item.history) or None)


def measure_warm(
    results: Results, ours: Assistant, torch_ours: Assistant, naive: NaiveBaseline, items: Sequence[Item], rounds: int
) -> None:
    """Time ask, search and one query embedding per system over ``items``, interleaved, ``rounds`` times."""
    groups: list[dict[str, Callable[[Item], object]]] = [
        {"ours_ask": asker(ours), "ours_floor": lambda item: ours.embed(item.question)},
        {
            "naive_search": lambda item: naive.search(item.question),
            "naive_floor": lambda item: naive.embeddings.embed_query(item.question),
        },
        {"ours_torch_ask": asker(torch_ours)},
    ]
    interleave(groups, items[:WARM_UP], 1)
    t = interleave(groups, items, rounds)
    results.timings.update(t)
    ask, search = t["ours_ask"], t["naive_search"]
    over_floor = ask.p50 / t["ours_floor"].p50
    results.add(
        Figure(
            "ask_p50", "warm ask p50", "ms", ms(ask.p50), ms(search.p50), "≤ 0.5× naive",
            ask.p50 <= 0.5 * search.p50, "ours: full Assistant.ask; naive: similarity_search(k=3)",
        ),
        Figure("ask_p95", "warm ask p95", "ms", ms(ask.p95), ms(search.p95), "≤ 15 ms", ask.p95 <= 0.015),
        Figure(
            "floor_p50", "floor: one query embedding p50", "ms", ms(t["ours_floor"].p50), ms(t["naive_floor"].p50),
            note="ours: Assistant.embed (onnx); naive: HuggingFaceEmbeddings.embed_query (torch)",
        ),
        Figure(
            "ask_over_floor", "ask p50 ÷ floor", "×", over_floor, search.p50 / t["naive_floor"].p50, "≤ 1.6",
            over_floor <= 1.6, "cost above one model call, each system against its own floor",
        ),
        Figure(
            "torch_ask_p50", "warm ask p50, ours on torch", "ms", ms(t["ours_torch_ask"].p50), ms(search.p50),
            note="same pipeline with backend=torch",
        ),
    )  # fmt: skip


def measure_quality(
    results: Results, ours: Assistant, torch_ours: Assistant, naive: NaiveBaseline, items: Sequence[Item]
) -> None:
    """Score every item on both backends and the naive top-3 with the eval's own scoring."""
    texts = {source: ours.source_text(source) for source in ours.sources}
    systems: dict[str, Callable[[Item], Answer]] = {
        "ours-onnx": asker(ours),
        "ours-torch": asker(torch_ours),
        "naive": lambda item: naive.ask(item.question),
    }
    summary = {
        name: summarize([score_item(name, item, ask(item), 0.0, texts, AUTHOR) for item in items])
        for name, ask in systems.items()
    }
    results.details["quality"] = {
        name: {k: v for k, v in s.items() if not k.startswith("latency")} for name, s in summary.items()
    }
    for metric, label in (("recall_at_3", "recall@3"), ("answer_hit", "answer hit")):
        onnx, torch_, naive_ = (float(summary[name][metric] or 0.0) for name in systems)
        results.add(
            Figure(
                f"{metric}_onnx", f"{label}, ours onnx (default)", "", onnx, naive_, "≥ torch backend",
                onnx >= torch_, f"all {len(items)} questions; the naive answer is its top-3 chunks",
            ),
            Figure(f"{metric}_torch", f"{label}, ours torch", "", torch_, naive_),
        )  # fmt: skip
