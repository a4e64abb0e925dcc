"""The document ranker: its file, the scale it keeps, and that its fit learns what the data teach."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Settings
from qa.adapter import BUNDLED_ADAPTER, load_adapter
from qa.prior import text_digest
from qa.ranker import HAND_WEIGHTS, SIGNALS, DocumentRanker, RankerError, load_ranker, write_ranker
from qa.settings import BUNDLED_DOCUMENT
from train.ranker import Ranked, fit_weights, recall


def test_a_ranker_round_trips_and_keeps_the_hand_set_scale(tmp_path: Path) -> None:
    ranker = DocumentRanker.scaled("abc", "some/model", np.arange(1, len(SIGNALS) + 1, dtype=np.float32), "f00d")
    assert float(ranker.weights.sum()) == pytest.approx(float(HAND_WEIGHTS.sum()))
    write_ranker(ranker, tmp_path)
    loaded = load_ranker(tmp_path)
    assert loaded is not None and loaded.document == "abc" and loaded.fits("some/model") and loaded.adapter == "f00d"
    assert np.allclose(loaded.weights, ranker.weights, atol=1e-6)
    # A folder without one (an adapter of one's own) has none: the hand-set weights rank.
    assert load_ranker(tmp_path / "elsewhere") is None


def test_weights_that_do_not_sum_above_zero_are_refused() -> None:
    with pytest.raises(ValueError, match="sum to more than 0"):
        DocumentRanker.scaled("abc", "m", np.zeros(len(SIGNALS), dtype=np.float32))


def test_the_shipped_ranker_is_intact_fits_minilm_knows_its_document_and_has_a_card() -> None:
    ranker = load_ranker(BUNDLED_ADAPTER)
    assert ranker is not None and ranker.fits(Settings().model_name)
    assert ranker.document == text_digest(BUNDLED_DOCUMENT.read_text(encoding="utf-8"))
    # It weighs the shipped adapter's signals, and names that adapter.
    assert ranker.adapter == load_adapter(BUNDLED_ADAPTER).digest
    card = (BUNDLED_ADAPTER / "README.md").read_text(encoding="utf-8")
    assert "document ranker" in card and "recall@1" in card


def test_a_damaged_ranker_is_refused_with_the_fix(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_ADAPTER, tmp_path / "adapter")
    (tmp_path / "adapter" / "ranker.json").write_text('{"weights": [1, 2]}', encoding="utf-8")
    with pytest.raises(RankerError, match=r"damaged.*make train"):
        load_ranker(tmp_path / "adapter")


def test_the_fit_learns_which_signal_finds_the_answer() -> None:
    # The answering sentence stands out on one adapted signal only, and the lexical ones point
    # elsewhere: the hand-set weights miss it, the fitted weights find it on questions never fitted.
    rng = np.random.default_rng(3)
    telling = SIGNALS.index("adapted_dense")
    decoy = SIGNALS.index("coverage")

    def asked() -> Ranked:
        signals = rng.uniform(0.0, 0.5, size=(30, len(SIGNALS))).astype(np.float32)
        gold = int(rng.integers(30))
        signals[gold, telling] += 0.4
        signals[(gold + 1) % 30, decoy] += 0.9
        return Ranked(signals, np.zeros(30, dtype=np.float32), (gold,))

    train, held_out = [asked() for _ in range(80)], [asked() for _ in range(80)]
    hand = HAND_WEIGHTS.astype(np.float64)
    fitted = fit_weights(train, 1e-4, hand)
    assert recall(fitted, held_out, 1) > recall(hand, held_out, 1) + 0.5
    assert fitted[telling] == max(fitted)
