"""The trained judge: a small cross-encoder (ONNX, int8) that scores how well a sentence answers a
question, and the fitted rule that turns its scores into a ranking and an abstention."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.evidence import Evidence
from qa.judge_input import MAX_TOKENS

BUNDLED_JUDGE = Path(__file__).parent / "models" / "judge"


class JudgeError(QAError):
    """The judge's files are missing or damaged."""


@dataclass(frozen=True)
class Calibration:
    """What was fitted on the tune split: how the judge's score enters the ranking, and when to abstain.

    ``features`` name the inputs of the answerability model, ``weights`` and ``bias`` its
    logistic coefficients, and ``threshold`` the probability under which the assistant abstains.
    """

    candidates: int
    rank_weight: float
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    @classmethod
    def read(cls, path: Path) -> Calibration:
        """Read the calibration JSON written by ``make train``."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            candidates=int(raw["candidates"]),
            rank_weight=float(raw["rank_weight"]),
            features=tuple(raw["features"]),
            weights=tuple(float(w) for w in raw["weights"]),
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
        )

    def answerable(self, values: dict[str, float]) -> float:
        """Return the fitted probability that the question is answered by its best candidate."""
        z = self.bias + sum(w * values[name] for name, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class CrossEncoder:
    """Scores (question, candidate) pairs with the exported cross-encoder on ONNX Runtime."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model, tokenizer, card = folder / "model.onnx", folder / "tokenizer.json", folder / "files.json"
        for path in (model, tokenizer, card):
            if not path.is_file():
                raise JudgeError(f"The judge file {path} is missing; reinstall the package or run `make train`.")
        expected = json.loads(card.read_text(encoding="utf-8"))
        for name in ("model.onnx", "tokenizer.json"):
            if _sha256(folder / name) != expected.get(name):
                raise JudgeError(
                    f"The judge file {folder / name} does not match its recorded hash (damaged or partly "
                    "written); reinstall the package or run `make train`."
                )
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        # Two threads: the machine's two cores; the encoder batcher already serialises runs.
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def scores(self, question: str, candidates: list[str]) -> np.ndarray:
        """Return one logit per candidate: higher means it answers ``question`` better."""
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        encoded = self.tokenizer.encode_batch([(question, c) for c in candidates])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return self.session.run(["logits"], feed)[0][:, 0]


class Judge(CrossEncoder):
    """The cross-encoder with the calibration fitted for it on the tune split."""

    def __init__(self, folder: Path = BUNDLED_JUDGE) -> None:
        super().__init__(folder)
        path = folder / "calibration.json"
        if not path.is_file():
            raise JudgeError(f"The judge file {path} is missing; reinstall the package or run `make train`.")
        self.calibration = Calibration.read(path)


def judge_question(question: str, previous_user: str | None) -> str:
    """Return what the judge reads as the question: a follow-up with the question before it."""
    return f"{question} [SEP] {previous_user}" if previous_user else question


def judged_ranking(
    calibration: Calibration, top: list[Evidence], logits: np.ndarray
) -> tuple[list[Evidence], dict[str, float]]:
    """Re-rank ``top`` by engine score plus the weighted judge probability; return it with the
    answerability features of the question."""
    probability = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    combined = np.array([e.score for e in top]) + calibration.rank_weight * probability
    order = np.argsort(-combined, kind="stable")
    ordered = [replace(top[i], score=float(combined[i])) for i in order]
    return ordered, features(top, logits, order)


def features(top: list[Evidence], logits: np.ndarray, order: np.ndarray) -> dict[str, float]:
    """Return every candidate answerability feature; the calibration picks the ones it was fitted on."""
    best = int(order[0])
    others = np.delete(logits, best)
    return {
        "judge_best": float(logits[best]),
        "judge_max": float(logits.max()),
        "judge_margin": float(logits[best] - others.max()) if len(others) else 0.0,
        "judge_first": float(logits[0]),
        "engine_best": float(top[0].score),
        "engine_chosen": float(top[best].score),
        "dense_best": float(max(e.dense for e in top)),
        "coverage_chosen": float(top[best].coverage),
    }
