"""EncoderBatcher with the real MiniLM: concurrent questions share encoder runs and each gets its own vector."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.embedder import load_embeddings
from qa import Settings
from qa.batching import EncoderBatcher

QUESTIONS = [
    "Who revealed the secret contacts in 1986?",
    "What does PIERE say about Germany?",
    "Where did Shireen Hunter get her PhD?",
    "What did General Jafari say?",
    "Who is Ibrahim Raeisi's father-in-law?",
    "What is AIPAC?",
]


@pytest.fixture(scope="module")
def encode(shared_settings: Settings):
    embeddings = load_embeddings(
        shared_settings.resolved_model_path(),
        shared_settings.backend,
        cache_dir=shared_settings.onnx_export_dir(),
    )
    return lambda texts: np.asarray(embeddings.embed_documents(texts), dtype=np.float32)


def test_one_caller_alone_gets_the_plain_embedding(encode) -> None:
    batcher = EncoderBatcher(encode)
    for q in QUESTIONS[:2]:
        np.testing.assert_allclose(batcher.embed(q), encode([q])[0], atol=1e-6)


def _held_encoder(encode, fail_run: int | None = None):
    """An encoder whose first run waits for ``release`` (and run ``fail_run`` raises); every run's texts are recorded."""
    started, release = threading.Event(), threading.Event()
    runs: list[list[str]] = []

    def held(texts: list[str]) -> np.ndarray:
        runs.append(list(texts))
        if len(runs) == 1:
            started.set()
            assert release.wait(30)
        if len(runs) == fail_run:
            raise RuntimeError("encoder failed")
        return encode(texts)

    return held, started, release, runs


def _ask_all(batcher: EncoderBatcher, questions: list[str], started: threading.Event, release: threading.Event):
    results: dict[str, np.ndarray | BaseException] = {}

    def ask(q: str) -> None:
        try:
            results[q] = batcher.embed(q)
        except BaseException as exc:  # recorded for the assertions below
            results[q] = exc

    first = threading.Thread(target=ask, args=(questions[0],))
    first.start()
    assert started.wait(30)
    rest = [threading.Thread(target=ask, args=(q,)) for q in questions[1:]]
    for t in rest:
        t.start()
    # Let every later caller queue up behind the busy encoder before it is freed.
    deadline = time.monotonic() + 30
    while len(batcher._waiting) < len(questions) - 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for t in [first, *rest]:
        t.join(30)
    return results


def test_callers_that_wait_share_one_run_and_each_gets_its_own_vector(encode) -> None:
    held, started, release, runs = _held_encoder(encode)
    batcher = EncoderBatcher(held, max_batch=16)
    results = _ask_all(batcher, QUESTIONS, started, release)
    assert runs[0] == QUESTIONS[:1]
    assert sorted(runs[1]) == sorted(QUESTIONS[1:]), "the waiting questions go in one run"
    assert len(runs) == 2
    for q in QUESTIONS:
        np.testing.assert_allclose(results[q], encode([q])[0], atol=1e-5)


def test_a_full_batch_leaves_the_rest_to_the_next_run(encode) -> None:
    held, started, release, runs = _held_encoder(encode)
    batcher = EncoderBatcher(held, max_batch=2)
    results = _ask_all(batcher, QUESTIONS, started, release)
    assert [len(r) for r in runs] == [1, 2, 2, 1]
    assert all(isinstance(results[q], np.ndarray) for q in QUESTIONS)


def test_an_encoder_error_reaches_every_caller_in_its_run_and_the_next_run_works(encode) -> None:
    held, started, release, runs = _held_encoder(encode, fail_run=2)
    batcher = EncoderBatcher(held)
    results = _ask_all(batcher, QUESTIONS, started, release)
    assert len(runs) == 2
    assert isinstance(results[QUESTIONS[0]], np.ndarray)
    for q in QUESTIONS[1:]:
        assert isinstance(results[q], RuntimeError) and "encoder failed" in str(results[q])
    np.testing.assert_allclose(batcher.embed(QUESTIONS[1]), encode(QUESTIONS[1:2])[0], atol=1e-6)
