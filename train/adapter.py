"""Fit the query adapter: a linear map on question vectors, learned so that each training question's
vector lands nearest the sentences that answer it, among all the sentences of its document.

The data are the train split's answerable questions (train/splits.py), the sets that train this
adapter and not the stand-alone prior or the judges (``ADAPTER_SETS``), and the ten SQuAD 2.0 training
articles (train/data/squad2-train10/); the tune split chooses how far the map may move a vector."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa import Assistant
from qa.settings import BUNDLED_DOCUMENT
from train import mine
from train.splits import ADAPTER_ONLY, SOURCES, TRAINING_ARTICLES, QuestionSource

# DECAY was chosen on the tune split (sets 17-18, Islamism) among 1e-1, 1e-2 and 1e-3, by retrieval
# recall@3: see the model card and the README's judgment section.
DECAY = 1e-3
EPOCHS = 3
TEMPERATURE = 20.0
LEARNING_RATE = 1e-3
BATCH = 32


@dataclass(frozen=True)
class Example:
    """One answerable question: its vector as the engine embeds it, and the rows of its document's
    sentences that hold its answer."""

    document: str
    split: str
    vector: np.ndarray
    gold: tuple[int, ...]


def _sources() -> list[QuestionSource]:
    return [*SOURCES, *ADAPTER_ONLY, *TRAINING_ARTICLES]


def examples(data_dir: Path, model_cache: Path) -> tuple[dict[str, np.ndarray], list[Example]]:
    """Return each document's sentence vectors and every answerable standalone question of every
    source, embedded as the engine embeds it (misspellings repaired), without any adapter."""
    sentences: dict[str, np.ndarray] = {}
    found: list[Example] = []
    bots: dict[Path, Assistant] = {}
    for source in _sources():
        bot = bots.get(source.document) or mine.assistant(source.document, data_dir, model_cache, None)
        bots[source.document] = bot
        engine = bot._loaded()
        scorer = engine.scorer
        sentences[source.document.stem] = scorer.sentences.vectors
        questions = source.gold(bot.source_text(bot.sources[0]))
        for q in tqdm(questions, desc=f"adapter · {source.name}", leave=False):
            if q.history or not q.answerable:
                continue
            rows = mine.gold_rows(scorer, q)
            if rows:
                vector = engine.embed(engine.vocabulary.repair_text(q.question))
                found.append(Example(source.document.stem, source.split_of(q.split), vector, rows))
    return sentences, found


def fit(
    sentences: dict[str, np.ndarray],
    train: list[Example],
    seed: int,
    epochs: int = EPOCHS,
    learning_rate: float = LEARNING_RATE,
) -> np.ndarray:
    """Return the adapter matrix fitted on ``train``: softmax over each document's sentences, the
    answering ones the target, with an L2 pull toward no change."""
    import torch

    torch.manual_seed(seed)
    order = np.random.default_rng(seed)
    side = next(iter(sentences.values())).shape[1]
    matrix = torch.zeros(side, side, requires_grad=True)
    optimizer = torch.optim.Adam([matrix], lr=learning_rate)
    banks = {d: torch.from_numpy(np.asarray(v, dtype=np.float32)) for d, v in sentences.items()}
    for _ in range(epochs):
        permutation = order.permutation(len(train))
        for start in range(0, len(train), BATCH):
            loss = torch.zeros(())
            picked = [train[i] for i in permutation[start : start + BATCH]]
            for example in picked:
                vector = torch.from_numpy(np.asarray(example.vector, dtype=np.float32))
                moved = vector + matrix @ vector
                logits = TEMPERATURE * (banks[example.document] @ (moved / moved.norm()))
                loss = loss + torch.logsumexp(logits, 0) - torch.logsumexp(logits[list(example.gold)], 0)
            loss = loss / len(picked) + DECAY * (matrix**2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return matrix.detach().numpy().astype(np.float32)


def recall_at_3(sentences: dict[str, np.ndarray], found: list[Example], matrix: np.ndarray | None) -> dict[str, float]:
    """Return dense recall@3 (a gold sentence among the three nearest) per document kind and split."""
    hits: dict[str, list[bool]] = collections.defaultdict(list)
    for example in found:
        vector = example.vector if matrix is None else example.vector + matrix @ example.vector
        top = np.argsort(-(sentences[example.document] @ vector))[:3]
        kind = "bundled" if example.document == BUNDLED_DOCUMENT.stem else "outside"
        hits[f"{kind} {example.split}"].append(bool(set(top.tolist()) & set(example.gold)))
    return {k: float(np.mean(v)) for k, v in sorted(hits.items())}
