"""The document ranker: weights of the sentence evidence score, learned by ``make train`` on
questions about the one document it was fitted on. There it orders the sentences after the best
one (the support quoted beside it); the hand-set weights still choose the best and give every score.

It scores a sentence from the same signals as the hand-set score (qa/evidence.py): its dense
similarity to the question as asked, as moved by the query adapter and as moved again by feedback
(each for the sentence and for its passage), and how much of the question's terms the sentence and
its paragraph cover. The weights are scaled to sum to the hand-set score's, so the kind, speaker and
follow-up offsets keep their meaning and the score its range."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.checked_files import damaged, record, verified
from qa.errors import QAError

RANKER_FILE = "ranker.json"
# The signals it weighs, in the order of its weights (EvidenceScorer.signals computes them).
SIGNALS = (
    "dense",
    "passage_dense",
    "adapted_dense",
    "adapted_passage_dense",
    "fed_dense",
    "fed_passage_dense",
    "coverage",
    "paragraph_coverage",
)
# The hand-set weights of the evidence score (tuned on the eval tune split, eval/README.md): on the
# question moved by the adapter and feedback they rank (HAND_WEIGHTS; on the ranker's own document
# they choose the best sentence), on the question as asked they give the score whose best the
# thresholds read (AS_ASKED). Their sum is the scale a ranker's weights are scaled to.
_HAND_SET = {"dense": 0.45, "passage_dense": 0.2, "coverage": 0.35, "paragraph_coverage": 0.1}
# Ranking reads the moved question's dense signals in place of the question as asked's.
_MOVED = {s: s.removeprefix("fed_") for s in SIGNALS if s.startswith("fed_") or "coverage" in s}
HAND_WEIGHTS = np.array([_HAND_SET[_MOVED[s]] if s in _MOVED else 0.0 for s in SIGNALS], dtype=np.float32)
AS_ASKED = np.array([_HAND_SET.get(s, 0.0) for s in SIGNALS], dtype=np.float32)


class RankerError(QAError):
    """The ranker file is missing or damaged."""


@dataclass(frozen=True)
class DocumentRanker:
    """Weights over ``SIGNALS`` for the sentences of the document whose text has sha256 ``document``,
    fitted on vectors of ``model`` moved by the query adapter whose file has sha256 ``adapter``."""

    document: str
    model: str
    weights: np.ndarray
    adapter: str = ""

    @classmethod
    def scaled(cls, document: str, model: str, weights: np.ndarray, adapter: str = "") -> DocumentRanker:
        """Return the ranker with ``weights`` scaled to sum to the hand-set weights' sum."""
        total = float(np.sum(weights))
        if not total > 0:
            raise ValueError("its weights must sum to more than 0; fit it again with a larger L2 strength")
        weights = (weights * (float(HAND_WEIGHTS.sum()) / total)).astype(np.float32)
        return cls(document, model, weights, adapter)

    def fits(self, model: str) -> bool:
        """True when it was fitted to ``model``'s vectors."""
        return self.model == model

    def score(self, signals: np.ndarray) -> np.ndarray:
        """Return each sentence's score from its row of ``signals`` (sentences x ``SIGNALS``)."""
        return signals @ self.weights

    def to_dict(self) -> dict[str, object]:
        return {
            "document_sha256": self.document,
            "model": self.model,
            "adapter_sha256": self.adapter,
            "signals": list(SIGNALS),
            "weights": [round(float(w), 6) for w in self.weights],
        }


def load_ranker(folder: Path) -> DocumentRanker | None:
    """Return the ranker in ``folder`` (checked against the hash ``make train`` recorded), or None
    when the folder holds none."""
    path = folder / RANKER_FILE
    if not path.is_file():
        return None
    verified(folder, RANKER_FILE, "document ranker", RankerError)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        weights = np.asarray(raw["weights"], dtype=np.float32)
        if list(raw["signals"]) != list(SIGNALS) or weights.shape != (len(SIGNALS),):
            raise ValueError(f"its signals are not {list(SIGNALS)}")
        return DocumentRanker.scaled(
            str(raw["document_sha256"]), str(raw["model"]), weights, str(raw["adapter_sha256"])
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise damaged(RankerError, "document ranker", path, exc) from exc


def write_ranker(ranker: DocumentRanker, folder: Path) -> None:
    """Write ``ranker`` and the hash ``load_ranker`` checks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RANKER_FILE).write_text(json.dumps(ranker.to_dict(), indent=2) + "\n", encoding="utf-8")
    record(folder, RANKER_FILE)
