"""The learned judges: logistic models, fitted by ``make train``, that give the probability that the
engine's best evidence answers the question, and the threshold under which the assistant abstains.

Three are shipped. The document judge (``document.json``) was fitted on the bundled article's own
questions and reads its question prior; it judges that article, and the follow-up judge
(``follow_up.json``), fitted on that article's follow-ups alone, judges its follow-ups. The generic judge
(``calibration.json``) was fitted on those and on outside articles' questions, with the checks that
misfire on other kinds of text as inputs rather than vetoes; it judges every other document."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from qa.checked_files import damaged, record, verified
from qa.errors import QAError

BUNDLED_JUDGE = Path(__file__).parent / "models" / "judge"
CALIBRATION_FILE = "calibration.json"
DOCUMENT_FILE = "document.json"
# The follow-ups' judge: fitted on the bundled article's follow-ups alone, it judges a question that
# leans on its turn where the document judge would (a folder without one leaves them to that judge).
FOLLOW_UP_JUDGE_FILE = "follow_up.json"


class JudgeError(QAError):
    """The judge's files are missing or damaged."""


@dataclass(frozen=True)
class Calibration:
    """The fitted answerability model: logistic ``weights`` over named ``features`` (inputs a question
    lacks count as 0), a ``bias``, the probability ``threshold`` under which to abstain, and the
    checks that ``vetoes`` an answer unless the probability reaches ``veto_override``."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    # Named checks precise enough on the train split to refuse an answer on their own ...
    vetoes: tuple[str, ...] = ()
    # ... unless the model, which weighs the check among all its inputs, answers with at least this
    # probability (above 1: never).
    veto_override: float = 2.0

    @classmethod
    def read(cls, path: Path) -> Calibration:
        """Read the calibration JSON written by ``make train``."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        calibration = cls(
            features=tuple(str(f) for f in raw["features"]),
            weights=tuple(float(w) for w in raw["weights"]),
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            vetoes=tuple(str(v) for v in raw.get("vetoes", ())),
            veto_override=float(raw.get("veto_override", 2.0)),
        )
        if len(calibration.features) != len(calibration.weights):
            raise ValueError("features and weights differ in length")
        return calibration

    def to_dict(self) -> dict[str, object]:
        """Return the calibration as the JSON-ready dict ``read`` takes."""
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "vetoes": list(self.vetoes),
            "veto_override": self.veto_override,
        }

    def reading(self, fired: tuple[str, ...]) -> tuple[str, ...]:
        """Return the checks among ``fired`` that are inputs of this judge: the ones it weighs."""
        return tuple(name for name in fired if f"check:{name}" in self.features)

    def vetoing(self, fired: tuple[str, ...], probability: float, follow_up: bool = False) -> tuple[str, ...]:
        """Return the checks among ``fired`` that refuse an answer judged at ``probability``. On a
        follow-up a veto always holds: unanswerable follow-ups are few among the judges' training
        questions (only sets 28-30's), so their confidence in one means little."""
        if probability >= self.veto_override and not follow_up:
            return ()
        return tuple(n for n in fired if n in self.vetoes)

    def answerable(self, values: dict[str, float]) -> float:
        """Return the fitted probability that the question is answered by its best evidence."""
        z = self.bias + sum(w * values.get(name, 0.0) for name, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def load_judge(folder: Path = BUNDLED_JUDGE, name: str = CALIBRATION_FILE) -> Calibration:
    """Return the judge ``name`` in ``folder``, checked against the hash ``make train`` recorded."""
    verified(folder, name, "judge", JudgeError)
    path = folder / name
    try:
        return Calibration.read(path)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise damaged(JudgeError, "judge", path, exc) from exc


def write_judge(calibration: Calibration, folder: Path, name: str = CALIBRATION_FILE) -> None:
    """Write ``calibration`` as ``name`` and the hash ``load_judge`` checks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(calibration.to_dict(), indent=2) + "\n", encoding="utf-8")
    record(folder, name)
