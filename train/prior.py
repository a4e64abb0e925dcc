"""Fit the question prior: a logistic model over the bundled article's question vectors, learned on
its train-split questions (answerable or not), with its L2 strength chosen on the tune split; and the
follow-ups' own, the same model fitted on the train follow-ups alone, its strength chosen on the
follow-ups of development sets (train/splits.py).

Each also carries its train questions' vectors, whose nearest neighbours' vote is the judge's second
prior input; they also hold the memory sets (train/splits.py: the keyword-query sets, and the
broader-brief sets' stand-alone questions or follow-ups), and each one's neighbour count and
temperature are chosen by out-of-fold log-loss over all it holds.

The judges learn how far to trust them from out-of-fold readings on the train split (and the
follow-up judge on the memory sets' follow-ups, each read by the other folds' neighbours and by
weights that never saw it): a prior scored on the very questions it was fitted on would look surer
than it is on new ones."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from qa.prior import (
    INPUT,
    NEIGHBOUR_INPUT,
    Neighbours,
    QuestionPrior,
    judge_input,
    similarity_chunks,
    stored_vectors,
    text_digest,
)
from qa.settings import BUNDLED_DOCUMENT
from train import mine
from train.splits import ADAPTER_ONLY, FOLLOW_UP_PRIOR_TUNE, FOLLOW_UPS, MEMORY_ONLY, SOURCES, QuestionSource

# Inverse L2 strengths tried; the one with the best AUROC on the tune split is kept.
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5
# Tune AUROCs are compared to this many decimals (chosen_strength, below).
AUROC_DIGITS = 3
# Neighbour counts and temperatures tried; the pair with the lowest out-of-fold log-loss on the train
# split (classes weighed equally) is kept. The train split's 4,000 questions, not the tune split's
# 200: the tune AUROC of the pairs differed by less than one question.
NEIGHBOUR_COUNTS = (5, 10, 20, 40, 80)
TEMPERATURES = (0.02, 0.05, 0.1, 0.2, 1.0)


@dataclass(frozen=True)
class Fitted:
    """The prior, the strength chosen, and the out-of-fold readings of each train and memory question
    by (source, id): its logit (a memory question's by the weights, which never saw it), and its
    neighbours' vote, under ``NEIGHBOUR_INPUT``."""

    prior: QuestionPrior
    strength: float
    tune_auroc: dict[float, float]
    out_of_fold: dict[tuple[str, str], float]
    neighbour_loss: dict[tuple[int, float], float]
    neighbour_out_of_fold: dict[tuple[str, str], float]


def chosen_strength(auroc: dict[float, float]) -> float:
    """Return the strength with the best tune AUROC, read to ``AUROC_DIGITS`` decimals, the stronger
    regularisation among equals: AUROCs that differ by less were ties broken by a machine's rounding
    (C 300 and 1000 both 0.998 on sets 17-18; which one won differed between two machines)."""
    return max(STRENGTHS, key=lambda c: (round(auroc[c], AUROC_DIGITS), -c))


def _model(strength: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=strength, max_iter=5000, class_weight="balanced", random_state=seed)


@functools.cache
def _bundled(data_dir: Path, model_cache: Path) -> tuple[Any, str]:
    """Return the bundled article's engine (no adapter, no prior) and text, loaded once for both priors."""
    bot = mine.assistant(BUNDLED_DOCUMENT, data_dir, model_cache, None)
    return bot._loaded(), bot.source_text(bot.sources[0])


def fit(
    data_dir: Path,
    model_cache: Path,
    model_name: str,
    seed: int,
    sources: tuple[QuestionSource, ...] = SOURCES,
    memory: tuple[QuestionSource, ...] = MEMORY_ONLY,
) -> Fitted:
    """Fit the prior on the bundled article's train-split questions of ``sources``, embedded as the
    engine embeds a question's own words (misspellings repaired); its neighbours hold those and the
    questions of ``memory``."""
    engine, text = _bundled(data_dir, model_cache)
    rows: dict[str, list[tuple[tuple[str, str], np.ndarray, int]]] = {"train": [], "tune": [], "memory": []}
    for source in (*sources, *memory):
        if source.document != BUNDLED_DOCUMENT:
            continue
        for q in source.gold(text):
            split = "memory" if source in memory else source.split_of(q.split)
            if split in rows:
                vector = engine.embed(engine.vocabulary.repair_text(q.question))
                rows[split].append(((source.name, q.id), vector, int(q.answerable)))
    keys = [key for key, _, _ in rows["train"]]
    x, y = np.array([v for _, v, _ in rows["train"]]), np.array([a for _, _, a in rows["train"]])
    tx, ty = np.array([v for _, v, _ in rows["tune"]]), np.array([a for _, _, a in rows["tune"]])
    auroc = {c: float(roc_auc_score(ty, _model(c, seed).fit(x, y).decision_function(tx))) for c in STRENGTHS}
    strength = chosen_strength(auroc)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    oof = np.zeros(len(y))
    for fit_rows, held_rows in folds.split(x, y):
        oof[held_rows] = _model(strength, seed).fit(x[fit_rows], y[fit_rows]).decision_function(x[held_rows])
    model = _model(strength, seed).fit(x, y)
    # The memory's questions are read by weights that never saw them.
    memory_keys = [key for key, _, _ in rows["memory"]]
    if memory_keys:
        memory_logits = model.decision_function(np.array([v for _, v, _ in rows["memory"]]))
        oof = np.concatenate([oof, memory_logits])
    # The neighbours: the train questions, then the memory's, as stored.
    stored = [*rows["train"], *rows["memory"]]
    vectors = stored_vectors(np.array([v for _, v, _ in stored]))
    labels = np.array([bool(a) for _, _, a in stored])
    loss, neighbour_oof = _neighbour_readings(vectors, labels, seed)
    keys = [*keys, *memory_keys]
    k, temperature = min(loss, key=lambda pair: (loss[pair], pair))
    neighbours = Neighbours(vectors, labels, k, temperature)
    prior = QuestionPrior(
        text_digest(text), model_name, model.coef_[0].astype(np.float32), float(model.intercept_[0]), neighbours
    )
    return Fitted(
        prior,
        strength,
        auroc,
        dict(zip(keys, (float(v) for v in oof), strict=True)),
        loss,
        dict(zip(keys, (float(v) for v in neighbour_oof[(k, temperature)]), strict=True)),
    )


def _neighbour_readings(
    vectors: np.ndarray, labels: np.ndarray, seed: int
) -> tuple[dict[tuple[int, float], float], dict[tuple[int, float], np.ndarray]]:
    """Return each (k, temperature)'s out-of-fold log-loss over all ``vectors`` (classes weighed
    equally), and its out-of-fold vote for every row: each row read by the neighbours of the other
    folds."""
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed).split(vectors, labels))
    weights = np.where(labels, 0.5 / labels.mean(), 0.5 / (1 - labels.mean()))
    pairs = [(k, temperature) for k in NEIGHBOUR_COUNTS for temperature in TEMPERATURES]
    votes = {pair: np.zeros(len(labels)) for pair in pairs}
    for kept, held in folds:
        # Each fold's cosines are computed once and read by every (k, temperature).
        similarities = similarity_chunks(vectors[held], vectors[kept])
        for k, temperature in pairs:
            votes[(k, temperature)][held] = Neighbours(vectors[kept], labels[kept], k, temperature).votes(similarities)
    loss, readings = {}, {}
    for pair, vote in votes.items():
        probability = 1 / (1 + np.exp(-np.clip(vote, -30, 30)))
        loss[pair] = float(log_loss(labels, probability, sample_weight=weights))
        readings[pair] = vote
    return loss, readings


def fit_follow_ups(data_dir: Path, model_cache: Path, model_name: str, seed: int) -> Fitted:
    """Fit the follow-ups' own prior: on the train split's follow-ups (89-92's included), its
    strength chosen on the follow-ups of the development sets ``FOLLOW_UP_PRIOR_TUNE``; its neighbours
    also hold the follow-ups of ``MEMORY_ONLY``. A question
    with a history counts as a follow-up, though the engine reads a few of them alone (one that does
    not lean on its turn)."""
    sources = (*SOURCES, *ADAPTER_ONLY, *FOLLOW_UP_PRIOR_TUNE)
    chosen = (replace(s, turns=FOLLOW_UPS) for s in sources if s.split != "tune" or s in FOLLOW_UP_PRIOR_TUNE)
    memory = tuple(replace(s, turns=FOLLOW_UPS) for s in MEMORY_ONLY)
    return fit(data_dir, model_cache, model_name, seed, tuple(chosen), memory)


def out_of_fold(records: list[dict], fitted: Fitted, follow_ups: Fitted) -> None:
    """Give each mined train or memory record of the bundled article its out-of-fold prior readings,
    as the judges read them, in place: a follow-up's from the follow-ups' prior."""
    for r in records:
        own = follow_ups if r["inputs"].get("follow_up") else fitted
        for name, readings in ((INPUT, own.out_of_fold), (NEIGHBOUR_INPUT, own.neighbour_out_of_fold)):
            value = readings.get((r["source"], r["id"]))
            if value is not None and name in r["inputs"]:
                r["inputs"][name] = judge_input(value)
