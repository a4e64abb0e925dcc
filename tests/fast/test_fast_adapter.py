"""The query adapter: its files, the map it applies, and that its fit learns what the data teach."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Settings
from qa.adapter import BUNDLED_ADAPTER, AdapterError, QueryAdapter, load_adapter, write_adapter
from train.adapter import Example, fit, recall_at_3


def test_an_adapter_round_trips_through_its_files(tmp_path: Path) -> None:
    matrix = np.random.default_rng(0).normal(size=(8, 8)).astype(np.float32)
    write_adapter(matrix, tmp_path, "some/model")
    loaded = load_adapter(tmp_path)
    assert np.array_equal(loaded.matrix, matrix) and loaded.model == "some/model"


def test_the_adapted_vector_is_unit_length_and_no_change_is_identity() -> None:
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    assert np.allclose(QueryAdapter(np.zeros((3, 3), dtype=np.float32)).apply(vector), vector)
    moved = QueryAdapter(np.eye(3, dtype=np.float32)[::-1]).apply(vector)
    assert np.linalg.norm(moved) == pytest.approx(1.0)


def test_shipped_adapter_is_intact_fits_minilm_and_has_a_card() -> None:
    adapter = load_adapter(BUNDLED_ADAPTER)
    assert adapter.fits(Settings().model_name, 384)
    # Another model's vectors, or vectors of another size, it would only scramble.
    assert not adapter.fits("sentence-transformers/all-mpnet-base-v2", 384)
    assert not adapter.fits(Settings().model_name, 768)
    card = (BUNDLED_ADAPTER / "README.md").read_text(encoding="utf-8")
    assert "seed" in card and "tune" in card and "CC BY-SA 4.0" in card


def test_a_damaged_adapter_is_refused_with_the_fix(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_ADAPTER, tmp_path / "adapter")
    (tmp_path / "adapter" / "adapter.npy").write_bytes(b"not an array")
    with pytest.raises(AdapterError, match=r"damaged.*make train"):
        load_adapter(tmp_path / "adapter")
    (tmp_path / "adapter" / "files.json").unlink()
    with pytest.raises(AdapterError, match=r"files\.json is missing"):
        load_adapter(tmp_path / "adapter")


def test_the_fit_learns_how_questions_word_what_the_sentences_say() -> None:
    # Questions are their answer sentence seen through a fixed rotation of the space, plus noise:
    # what a question says differs from how the text says it, the same way every time.
    rng = np.random.default_rng(1)
    side = 16
    rotation, _ = np.linalg.qr(rng.normal(size=(side, side)))
    sentences = rng.normal(size=(40, side))
    sentences = (sentences / np.linalg.norm(sentences, axis=1, keepdims=True)).astype(np.float32)

    def asked(row: int, split: str) -> Example:
        vector = rotation @ sentences[row] + 0.3 * rng.normal(size=side)
        return Example("doc", split, (vector / np.linalg.norm(vector)).astype(np.float32), (row,))

    found = [asked(row, "train") for row in range(40) for _ in range(5)] + [asked(row, "tune") for row in range(40)]
    train = [e for e in found if e.split == "train"]
    matrix = fit({"doc": sentences}, train, seed=13, epochs=20, learning_rate=1e-2)
    before, after = recall_at_3({"doc": sentences}, found, None), recall_at_3({"doc": sentences}, found, matrix)
    assert after["outside tune"] > before["outside tune"] + 0.3, (before, after)
