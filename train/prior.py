"""Fit the question prior: a logistic model over the bundled article's question vectors, learned on
its train-split questions (answerable or not), with its L2 strength chosen on the tune split; and the
follow-ups' own, the same model fitted on the train follow-ups alone, its strength chosen on the
follow-ups of development sets (train/splits.py).

The judge learns how far to trust it from out-of-fold logits on the train split: a prior scored on
the very questions it was fitted on would look surer than it is on new ones."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from qa.prior import INPUT, QuestionPrior, judge_input, text_digest
from qa.settings import BUNDLED_DOCUMENT
from train import mine
from train.splits import ADAPTER_ONLY, FOLLOW_UP_PRIOR_TUNE, SOURCES, QuestionSource

# Inverse L2 strengths tried; the one with the best AUROC on the tune split is kept.
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5


@dataclass(frozen=True)
class Fitted:
    """The prior, the strength chosen, and the out-of-fold logit of each train question by (source, id)."""

    prior: QuestionPrior
    strength: float
    tune_auroc: dict[float, float]
    out_of_fold: dict[tuple[str, str], float]


def _model(strength: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=strength, max_iter=5000, class_weight="balanced", random_state=seed)


@functools.cache
def _bundled(data_dir: Path, model_cache: Path) -> tuple[Any, str]:
    """Return the bundled article's engine (no adapter, no prior) and text, loaded once for both priors."""
    bot = mine.assistant(BUNDLED_DOCUMENT, data_dir, model_cache, None)
    return bot._loaded(), bot.source_text(bot.sources[0])


def fit(
    data_dir: Path, model_cache: Path, model_name: str, seed: int, sources: tuple[QuestionSource, ...] = SOURCES
) -> Fitted:
    """Fit the prior on the bundled article's train-split questions of ``sources``, embedded as the
    engine embeds a question's own words (misspellings repaired)."""
    engine, text = _bundled(data_dir, model_cache)
    keys: dict[str, list[tuple[str, str]]] = {"train": [], "tune": []}
    vectors: dict[str, list[np.ndarray]] = {"train": [], "tune": []}
    labels: dict[str, list[int]] = {"train": [], "tune": []}
    for source in sources:
        if source.document != BUNDLED_DOCUMENT:
            continue
        for q in source.gold(text):
            split = source.split_of(q.split)
            if split in keys:
                keys[split].append((source.name, q.id))
                vectors[split].append(engine.embed(engine.vocabulary.repair_text(q.question)))
                labels[split].append(int(q.answerable))
    x, y = np.array(vectors["train"]), np.array(labels["train"])
    tx, ty = np.array(vectors["tune"]), np.array(labels["tune"])
    auroc = {c: float(roc_auc_score(ty, _model(c, seed).fit(x, y).decision_function(tx))) for c in STRENGTHS}
    strength = max(STRENGTHS, key=lambda c: (auroc[c], -c))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    oof = np.zeros(len(y))
    for fit_rows, held_rows in folds.split(x, y):
        oof[held_rows] = _model(strength, seed).fit(x[fit_rows], y[fit_rows]).decision_function(x[held_rows])
    model = _model(strength, seed).fit(x, y)
    prior = QuestionPrior(text_digest(text), model_name, model.coef_[0].astype(np.float32), float(model.intercept_[0]))
    return Fitted(prior, strength, auroc, dict(zip(keys["train"], (float(v) for v in oof), strict=True)))


def fit_follow_ups(data_dir: Path, model_cache: Path, model_name: str, seed: int) -> Fitted:
    """Fit the follow-ups' own prior: on the train split's follow-ups (89-92's included), its
    strength chosen on the follow-ups of the development sets ``FOLLOW_UP_PRIOR_TUNE``. A question
    with a history counts as a follow-up, though the engine reads a few of them alone (one that does
    not lean on its turn)."""
    sources = (*SOURCES, *ADAPTER_ONLY, *FOLLOW_UP_PRIOR_TUNE)
    chosen = (replace(s, follow_ups_only=True) for s in sources if s.split != "tune" or s in FOLLOW_UP_PRIOR_TUNE)
    return fit(data_dir, model_cache, model_name, seed, tuple(chosen))


def out_of_fold(records: list[dict], fitted: Fitted, follow_ups: Fitted) -> None:
    """Give each mined train record of the bundled article its out-of-fold prior, as the judge reads
    it, in place: a follow-up's from the follow-ups' prior."""
    for r in records:
        own = follow_ups if r["inputs"].get("follow_up") else fitted
        value = own.out_of_fold.get((r["source"], r["id"]))
        if value is not None and INPUT in r["inputs"]:
            r["inputs"][INPUT] = judge_input(value)
