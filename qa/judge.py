"""The learned judge: a logistic model, fitted by ``make train``, that gives the probability that the
engine's best evidence answers the question, and the threshold under which the assistant abstains."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

BUNDLED_JUDGE = Path(__file__).parent / "models" / "judge"


class JudgeError(QAError):
    """The judge's files are missing or damaged."""


@dataclass(frozen=True)
class Calibration:
    """The fitted answerability model: logistic ``weights`` over named ``features`` (inputs a question
    lacks count as 0), a ``bias``, the probability ``threshold`` under which to abstain, and the
    checks that ``vetoes`` an answer whatever the probability."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    # Named checks precise enough on the train split to refuse an answer on their own.
    vetoes: tuple[str, ...] = ()

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
        }

    def answerable(self, values: dict[str, float]) -> float:
        """Return the fitted probability that the question is answered by its best evidence."""
        z = self.bias + sum(w * values.get(name, 0.0) for name, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def load_judge(folder: Path = BUNDLED_JUDGE) -> Calibration:
    """Return the judge in ``folder``, checked against the hash ``make train`` recorded."""
    path, record = folder / "calibration.json", folder / "files.json"
    for required in (path, record):
        if not required.is_file():
            raise JudgeError(f"The judge file {required} is missing; reinstall the package or run `make train`.")
    try:
        expected = json.loads(record.read_text(encoding="utf-8")).get("calibration.json")
        if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise ValueError("it does not match its recorded hash")
        return Calibration.read(path)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise JudgeError(
            f"The judge file {path} is damaged ({exc}); reinstall the package or run `make train`."
        ) from exc


def write_judge(calibration: Calibration, folder: Path) -> None:
    """Write ``calibration`` and the hash ``load_judge`` checks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "calibration.json"
    path.write_text(json.dumps(calibration.to_dict(), indent=2) + "\n", encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "files.json").write_text(json.dumps({"calibration.json": digest}, indent=2) + "\n", encoding="utf-8")
