"""Training pairs for the judge: mined candidates, plus synthetic unanswerable questions."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

# Candidates per question that the judge trains on. The outside articles get more: their wrong
# sentences are more varied than the bundled article's, whose many questions repeat its few points.
TOP_OUTSIDE = 6
TOP_BUNDLED = 4
# Of each synthetic negative, the top candidates kept: the gold sentence is among them, which makes
# it the hard negative that teaches the judge that a changed detail is not answered.
TOP_SYNTHETIC = 3
# A capitalised name inside a sentence (not its first word) or a number: what SQuAD 2.0's writers changed.
_ENTITY = re.compile(r"(?<=[a-z,;:] )(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|\d[\d,.]*\d|\d)")


@dataclass(frozen=True)
class Pair:
    """One (question, candidate text) pair with its label and the question's group."""

    question: str
    text: str
    label: float
    group: str


def _with_context(record: dict[str, Any]) -> str:
    """Return the question with its previous turn: a follow-up alone is too short to judge."""
    if record["history"]:
        user, _ = record["history"][-1]
        return f"{record['question']} [SEP] {user}"
    return record["question"]


def pairs_of(record: dict[str, Any]) -> list[Pair]:
    """Return the mined pairs of one question record."""
    top = TOP_BUNDLED if record["category"] != "outside" else TOP_OUTSIDE
    question = _with_context(record)
    chosen = record["candidates"][:top] + [c for c in record["candidates"][top:] if c["label"]]
    return [Pair(question, c["text"], float(c["label"]), record["id"]) for c in chosen]


def entities(text: str) -> list[str]:
    """Return the names and numbers a question or document mentions."""
    return [m.group(0) for m in _ENTITY.finditer(text)]


def swapped(record: dict[str, Any], pool: list[str], rng: random.Random) -> dict[str, Any] | None:
    """Return an unanswerable twin of an answerable question: one name or number swapped for another
    of the same document (SQuAD 2.0's own recipe for negatives), or None when it names none."""
    if not record["answerable"] or record["history"]:
        return None
    names = entities(record["question"])
    if not names:
        return None
    old = rng.choice(names)
    numeric = old[0].isdigit()
    options = [
        p for p in pool if p[0].isdigit() == numeric and p.lower() != old.lower() and p not in record["question"]
    ]
    # The swap must not land on something the gold sentences say: that could still be answered.
    gold_text = " ".join(c["text"] for c in record["candidates"] if c["label"])
    options = [p for p in options if p not in gold_text]
    if not options:
        return None
    question = record["question"].replace(old, rng.choice(options), 1)
    candidates = [{**c, "label": 0} for c in record["candidates"][:TOP_SYNTHETIC]]
    candidates += [{**c, "label": 0} for c in record["candidates"][TOP_SYNTHETIC:] if c["label"]][:1]
    return {**record, "id": record["id"] + "-swap", "question": question, "answerable": False, "candidates": candidates}


def training_pairs(records: list[dict[str, Any]], seed: int, synthetic_share: float) -> list[Pair]:
    """Return the shuffled pairs of ``records``, with a ``synthetic_share`` of answerable ones twinned."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    for r in records:
        pools.setdefault(r["source"] if r["category"] == "outside" else "bundled", []).extend(
            e for c in r["candidates"] for e in entities(c["text"].split(" [SEP] ")[0])
        )
    pairs: list[Pair] = []
    for r in records:
        pairs += pairs_of(r)
        if rng.random() < synthetic_share:
            pool = pools[r["source"] if r["category"] == "outside" else "bundled"]
            twin = swapped(r, sorted(set(pool)), rng)
            if twin is not None:
                pairs += [Pair(twin["question"], c["text"], 0.0, twin["id"]) for c in twin["candidates"]]
    rng.shuffle(pairs)
    return pairs
