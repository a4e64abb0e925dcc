"""Fit the document ranker (qa/ranker.py): the weights of the evidence signals that rank the bundled
article's sentences, learned so that each question's answering sentences come first.

The data are the answerable stand-alone questions of the memory sets (``MEMORY_SETS``), which the
query adapter never read, so the adapted signals are as strong on them as on a new question; the
regularisation is chosen on the tune sets 17-18 and the development sets 99-102."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa import Assistant
from qa.adapter import load_adapter
from qa.prior import text_digest
from qa.ranker import HAND_WEIGHTS, SIGNALS, DocumentRanker
from qa.settings import BUNDLED_DOCUMENT
from train import mine
from train.splits import RANKER_TRAIN, RANKER_TUNE, QuestionSource

# Chosen among these by recall@1 (then @3) on the tune questions.
STRENGTHS = (1e-4, 1e-3, 1e-2)
ITERATIONS = 300


@dataclass(frozen=True)
class Ranked:
    """One answerable question: its sentences' signals and offsets, and the rows that answer it."""

    signals: np.ndarray
    offsets: np.ndarray
    gold: tuple[int, ...]


@dataclass(frozen=True)
class Fitted:
    """The ranker chosen, and recall@1 and @3 on the tune questions for each strength and by hand."""

    ranker: DocumentRanker
    strength: float
    tune: dict[str, tuple[float, float]]
    questions: dict[str, int]


def examples(bot: Assistant, sources: tuple[QuestionSource, ...]) -> list[Ranked]:
    """Return the answerable questions of ``sources`` with their signals, as ``bot`` reads them."""
    engine = bot._loaded()
    text = bot.source_text(bot.sources[0])
    found = []
    for source in sources:
        for q in tqdm(source.gold(text), desc=f"ranker · {source.name}", leave=False):
            if not q.answerable:
                continue
            rows = mine.gold_rows(engine.scorer, q)
            if rows:
                signals, offsets = engine.signals(q.question, [])
                found.append(Ranked(signals, np.nan_to_num(offsets, neginf=-1e3), rows))
    return found


def recall(weights: np.ndarray, found: list[Ranked], k: int) -> float:
    """Return the share of ``found`` with an answering sentence among the ``k`` best by ``weights``
    (scaled to the hand-set sum, the offsets added as served)."""
    ranker = DocumentRanker.scaled("", "", weights)
    hits = [
        bool(set(np.argsort(-(ranker.score(e.signals) + e.offsets), kind="stable")[:k].tolist()) & set(e.gold))
        for e in found
    ]
    return float(np.mean(hits)) if hits else 0.0


def fit_weights(found: list[Ranked], strength: float, start: np.ndarray) -> np.ndarray:
    """Return weights fitted by a softmax over each question's sentences, the answering ones the
    target, the offsets weighed as the scaled weights serve them (their sum over the hand-set sum)."""
    import torch

    total = float(start.sum())
    signals = [torch.from_numpy(e.signals) for e in found]
    offsets = [torch.from_numpy(e.offsets.astype(np.float32)) for e in found]
    weights = torch.tensor(start * 10, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights], max_iter=ITERATIONS, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.zeros(())
        for x, o, e in zip(signals, offsets, found, strict=True):
            s = x @ weights + (weights.sum() / total) * o
            loss = loss + torch.logsumexp(s, 0) - torch.logsumexp(s[list(e.gold)], 0)
        loss = loss / len(found) + strength * (weights**2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weights.detach().numpy().astype(np.float64)


def fit(data_dir: Path, model_cache: Path, adapter: Path, model: str) -> Fitted:
    """Return the ranker for the bundled article over the adapter in ``adapter``, its strength
    chosen on the tune questions."""
    bot = mine.assistant(BUNDLED_DOCUMENT, data_dir, model_cache, adapter)
    train, tune = examples(bot, RANKER_TRAIN), examples(bot, RANKER_TUNE)
    hand = HAND_WEIGHTS.astype(np.float64)
    scores = {"hand-set": (recall(hand, tune, 1), recall(hand, tune, 3))}
    candidates = {}
    for strength in STRENGTHS:
        weights = fit_weights(train, strength, hand)
        candidates[strength] = weights
        scores[f"{strength:g}"] = (recall(weights, tune, 1), recall(weights, tune, 3))
    best = max(STRENGTHS, key=lambda s: scores[f"{s:g}"])
    document = text_digest(bot.source_text(bot.sources[0]))
    ranker = DocumentRanker.scaled(document, model, candidates[best], load_adapter(adapter).digest)
    return Fitted(ranker, best, scores, {"train": len(train), "tune": len(tune)})


def card(fitted: Fitted) -> str:
    """Return the ranker's section of the adapter's model card."""
    rows = "\n".join(f"| {name} | {r1:.3f} | {r3:.3f} |" for name, (r1, r3) in fitted.tune.items())
    weights = "\n".join(f"| `{n}` | {w:+.3f} |" for n, w in zip(SIGNALS, fitted.ranker.weights, strict=True))
    return f"""
# The document ranker (`ranker.json`)

- **What it is:** weights of the sentence evidence score on the bundled article (the document
  whose sha256 it holds), learned to put the answering sentences first: a linear softmax ranker
  over {len(SIGNALS)} signals (`qa/ranker.py`). It orders the sentences after the best one, the
  support quoted beside it; the hand-set weights still choose the best sentence, which the judge and
  the checks read, and give every score. Every other document is ranked by the hand-set weights.
  `QA_RANKER=0` switches it off.
- **Fitted on:** the {fitted.questions["train"]} answerable stand-alone questions of the memory sets
  (`MEMORY_SETS` in `train/splits.py`), which the adapter above never read. L-BFGS, L2 strength
  **{fitted.strength:g}**, chosen among {", ".join(f"{s:g}" for s in STRENGTHS)} by recall@1 (then @3)
  on the {fitted.questions["tune"]} answerable stand-alone questions of sets 17-18 and 99-102.
- **Why:** the hand-set weights let the question's words outweigh what the adapter learned, so
  the article's central argument ("the real problem lies elsewhere ..."), which shares few words
  with the questions that ask for it, was not quoted. Ranking first too, it moved the sentence the
  judge and the checks read, and refused more (variants R and R3, docs/decisions-2026-12-07.md).

## Ranking recall on the tune questions (answering sentence first, or in the first three)
| weights | recall@1 | recall@3 |
|---|---|---|
{rows}

## Weights (scaled)
| signal | weight |
|---|---|
{weights}
"""
