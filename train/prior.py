"""Fit the question prior: a logistic model over the bundled article's question vectors, learned on
its train-split questions (answerable or not), with its L2 strength chosen on the tune split.

The judge learns how far to trust it from out-of-fold logits on the train split: a prior scored on
the very questions it was fitted on would look surer than it is on new ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from qa.prior import INPUT, QuestionPrior, judge_input, text_digest
from qa.settings import BUNDLED_DOCUMENT
from train import mine
from train.splits import SOURCES

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


def fit(data_dir: Path, model_cache: Path, model_name: str, seed: int) -> Fitted:
    """Fit the prior on the bundled article's train-split questions, embedded as the engine embeds a
    question's own words (misspellings repaired)."""
    bot = mine.assistant(BUNDLED_DOCUMENT, data_dir, model_cache, None)
    engine = bot._loaded()
    text = bot.source_text(bot.sources[0])
    keys: dict[str, list[tuple[str, str]]] = {"train": [], "tune": []}
    vectors: dict[str, list[np.ndarray]] = {"train": [], "tune": []}
    labels: dict[str, list[int]] = {"train": [], "tune": []}
    for source in SOURCES:
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


def out_of_fold(records: list[dict], fitted: Fitted) -> None:
    """Give each mined train record of the bundled article its out-of-fold prior, as the judge reads
    it, in place."""
    for r in records:
        value = fitted.out_of_fold.get((r["source"], r["id"]))
        if value is not None and INPUT in r["inputs"]:
            r["inputs"][INPUT] = judge_input(value)
