"""Fit, on the tune split only, how the judge's score enters the ranking and when to abstain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

from qa.evidence import Evidence
from qa.judge import Calibration, CrossEncoder, judge_question, judged_ranking

# Candidates the judge re-ranks per question: the gold sentence is in the engine's top 6 for
# about 95% of answerable tune questions, and each more costs ~1.5 ms at serving time.
CANDIDATES = 6
RANK_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)
FEATURES = ("judge_best", "judge_margin", "engine_best", "dense_best", "coverage_chosen")
# Largest share of answerable tune questions the abstention may refuse: users forgive a missed
# abstention more than a refused answer, and the checks add a few false abstentions of their own.
MAX_FALSE_ABSTENTION = 0.06


@dataclass
class Scored:
    """One mined question with the judge's logits over its top candidates."""

    record: dict[str, Any]
    top: list[Evidence]
    logits: np.ndarray
    labels: np.ndarray


def _evidence(candidate: dict[str, Any]) -> Evidence:
    return Evidence(None, -1, candidate["score"], candidate["dense"], candidate["coverage"])  # type: ignore[arg-type]


def score_records(encoder: CrossEncoder, records: list[dict[str, Any]]) -> list[Scored]:
    """Run the judge over each record's top candidates."""
    out = []
    for r in tqdm(records, desc="judging", leave=False):
        top = r["candidates"][:CANDIDATES]
        previous = r["history"][-1][0] if r["history"] else None
        logits = encoder.scores(judge_question(r["question"], previous), [c["text"] for c in top])
        out.append(Scored(r, [_evidence(c) for c in top], logits, np.array([c["label"] for c in top])))
    return out


def _order(s: Scored, weight: float) -> np.ndarray:
    """Return the judged order of the candidates of ``s``, as ``judged_ranking`` makes it."""
    probability = 1.0 / (1.0 + np.exp(-s.logits.astype(np.float64)))
    combined = np.array([e.score for e in s.top]) + weight * probability
    return np.argsort(-combined, kind="stable")


def recall_at(scored: list[Scored], weight: float, k: int) -> float:
    """Return the share of answerable questions whose gold sentence ranks in the first ``k``."""
    hits = [float(s.labels[_order(s, weight)][:k].any()) for s in scored if s.record["answerable"]]
    return float(np.mean(hits)) if hits else 0.0


def feature_rows(scored: list[Scored], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the answerability features and labels of ``scored`` at rank weight ``weight``."""
    calibration = Calibration(CANDIDATES, weight, (), (), 0.0, 0.0)
    rows, labels = [], []
    for s in scored:
        _, values = judged_ranking(calibration, s.top, s.logits)
        rows.append([values[f] for f in FEATURES])
        labels.append(int(s.record["answerable"]))
    return np.array(rows), np.array(labels)


def fit(tune: list[Scored]) -> tuple[Calibration, dict[str, float]]:
    """Return the calibration fitted on ``tune`` and the tune figures it was chosen by."""
    weight = max(RANK_WEIGHTS, key=lambda w: (recall_at(tune, w, 1) + recall_at(tune, w, 3), -w))
    x, y = feature_rows(tune, weight)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    probability = model.predict_proba(x)[:, 1]
    answerable = np.sort(probability[y == 1])
    # The largest threshold that refuses at most MAX_FALSE_ABSTENTION of the answerable questions.
    threshold = float(answerable[int(np.floor(MAX_FALSE_ABSTENTION * len(answerable)))])
    calibration = Calibration(
        CANDIDATES, weight, FEATURES, tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), threshold
    )
    figures = {
        "rank_weight": weight,
        "recall_at_1": recall_at(tune, weight, 1),
        "recall_at_3": recall_at(tune, weight, 3),
        "engine_recall_at_1": recall_at(tune, 0.0, 1),
        "engine_recall_at_3": recall_at(tune, 0.0, 3),
    }
    return calibration, figures


def write(calibration: Calibration, path: Path) -> None:
    """Write ``calibration`` as JSON beside the weights."""
    import json

    payload = {
        "candidates": calibration.candidates,
        "rank_weight": calibration.rank_weight,
        "features": list(calibration.features),
        "weights": list(calibration.weights),
        "bias": calibration.bias,
        "threshold": calibration.threshold,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
