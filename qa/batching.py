"""Opportunistic batching: questions that arrive while the encoder is busy share its next run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Most questions embedded in one run; more would pad short questions to the longest for little gain.
MAX_BATCH = 16


@dataclass
class _Job:
    text: str
    vector: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


class EncoderBatcher:
    """Embeds one text per call, thread-safe. A caller that finds the encoder idle runs it at once
    with every text waiting (so one caller alone waits for nothing); callers that arrive meanwhile
    wait and go together in the next run. Under load, fewer and larger runs spend less CPU per
    question than one run each."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = MAX_BATCH) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._ready = threading.Condition()
        self._waiting: list[_Job] = []
        self._busy = False

    def embed(self, text: str) -> np.ndarray:
        """Return the unit-length embedding of ``text``; re-raises the encoder's error, if any."""
        job = _Job(text)
        with self._ready:
            self._waiting.append(job)
            while not job.done:
                if self._busy:
                    self._ready.wait()
                    continue
                # The encoder is idle: this caller runs it for the oldest waiting texts, its own among them
                # or, when more than a batch waits, in a later round of this loop.
                self._busy = True
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                self._ready.release()
                try:
                    self._run(batch)
                finally:
                    self._ready.acquire()
                    for j in batch:
                        j.done = True
                    self._busy = False
                    self._ready.notify_all()
        if job.error is not None:
            raise job.error
        assert job.vector is not None
        return job.vector

    def _run(self, batch: list[_Job]) -> None:
        try:
            vectors = self._encode([j.text for j in batch])
            for j, v in zip(batch, vectors, strict=True):
                j.vector = np.asarray(v, dtype=np.float32)
        except BaseException as exc:
            for j in batch:
                j.error = exc
