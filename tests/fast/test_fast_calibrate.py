"""The judges' thresholds: the lowest answerable tune probability but one, a clear error without any, and
the follow-up judge's, read out of fold."""

from __future__ import annotations

import numpy as np
import pytest

from train import calibrate


def _records(count: int, answerable: bool, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    shift = 1.0 if answerable else -1.0
    return [
        {
            "inputs": {"engine_best": float(shift + rng.normal()), "dense_best": float(shift + rng.normal())},
            "answerable": answerable,
        }
        for _ in range(count)
    ]


TRAIN = _records(30, True, 1) + _records(30, False, 2)


def test_the_threshold_spares_the_lowest_answerable_tune_question() -> None:
    tune = _records(10, True, 3) + _records(10, False, 4)

    judge = calibrate.fit(TRAIN, tune, seed=13)

    answerable = np.sort(calibrate.probabilities(judge, tune[:10]))
    assert answerable[0] < answerable[-1]
    assert judge.threshold == pytest.approx(answerable[calibrate.SPARED])


def test_a_tune_split_without_an_answerable_question_says_the_fix() -> None:
    with pytest.raises(ValueError, match="give this judge's documents answerable tune questions"):
        calibrate.fit(TRAIN, _records(10, False, 4), seed=13)


def test_a_threshold_read_out_of_fold_refuses_its_budget_of_the_train_answerable_questions() -> None:
    train = _records(1200, True, 5) + _records(600, False, 6)

    judge = calibrate.fit_out_of_fold(train, seed=13)

    # Fitted on all of them ...
    assert judge.weights == calibrate.fit(train, train, seed=13).weights
    # ... and thresholded on each read by the other folds' model: the budget's share of those readings.
    read = np.sort(calibrate.out_of_fold(train, seed=13)[:1200])
    budget = int(np.floor(calibrate.FOLLOW_UP_FALSE_ABSTENTION * 1200))
    assert budget >= 1
    assert judge.threshold == pytest.approx(read[budget])
    assert np.mean(read < judge.threshold) <= calibrate.FOLLOW_UP_FALSE_ABSTENTION
    # Not the same as reading them in sample.
    assert judge.threshold != pytest.approx(np.sort(calibrate.probabilities(judge, train[:1200]))[budget])
