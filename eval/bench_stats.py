"""The benchmark's records (timings, figures with ratios, a run's results) and the interleaved timer."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eval.metrics import percentile

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one operation, in seconds."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Timing:
        """Return the timing of ``samples``; raises if there are none, since a figure needs data."""
        if not samples:
            raise ValueError("A timing needs at least one sample; raise the iteration count.")
        return cls(tuple(samples))

    @property
    def p50(self) -> float:
        """Median, in seconds."""
        return float(percentile(self.samples, 50))

    @property
    def p95(self) -> float:
        """95th percentile, in seconds."""
        return float(percentile(self.samples, 95))

    def to_dict(self) -> dict[str, float | int]:
        """Return n, p50, p95, min and max in milliseconds."""
        return {
            "n": len(self.samples),
            "p50_ms": round(self.p50 * 1e3, 3),
            "p95_ms": round(self.p95 * 1e3, 3),
            "min_ms": round(min(self.samples) * 1e3, 3),
            "max_ms": round(max(self.samples) * 1e3, 3),
        }


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Call ``fn(*args)`` and return (seconds taken, its result)."""
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


@dataclass(frozen=True)
class Figure:
    """One reported number for ours beside the naive baseline's, with the issue's target when it has one.

    ``met`` is None for figures without a target; ``ratio`` is ours ÷ naive.
    """

    key: str
    label: str
    unit: str
    ours: float
    naive: float
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Ours ÷ naive; None when the baseline's figure is zero."""
        return self.ours / self.naive if self.naive else None

    def to_dict(self) -> dict[str, Any]:
        """Return every field plus the ratio, JSON-ready."""
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "ours": self.ours,
            "naive": self.naive,
            # Four significant digits: small ratios (0.02) keep their precision too.
            "ratio": None if self.ratio is None else float(f"{self.ratio:.4g}"),
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Results:
    """Everything one benchmark run measured: the figures, the raw timings, and per-phase details."""

    figures: list[Figure] = field(default_factory=list)
    timings: dict[str, Timing] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        """Record figures, in report order."""
        self.figures.extend(figures)


def interleave(
    groups: Sequence[Mapping[str, Callable[[T], object]]], items: Sequence[T], rounds: int, block: int = 10
) -> dict[str, Timing]:
    """Time every op of every group on every item, ``rounds`` times; return a timing per op name.

    A group is one system's ops. Groups take turns every ``block`` items, so all systems share the
    machine's noise; within a group the ops take turns per item, so a ratio such as ask ÷ floor
    compares calls made moments apart. Switching systems only per block keeps one library's busy-
    waiting worker threads (torch's OpenMP pool spins after each call) from taxing every call of
    another. Each round shuffles the items (seeded).
    """
    samples: dict[str, list[float]] = {name: [] for group in groups for name in group}
    for r in range(rounds):
        order = list(items)
        random.Random(r).shuffle(order)
        for b, start in enumerate(range(0, len(order), block)):
            for group in _rotated(list(groups), b):
                for j, item in enumerate(order[start : start + block]):
                    for name in _rotated(list(group), j):
                        samples[name].append(timed(group[name], item)[0])
    return {name: Timing.of(values) for name, values in samples.items()}


def _rotated(values: list[Any], turn: int) -> list[Any]:
    turn %= len(values)
    return values[turn:] + values[:turn]


def ms(seconds: float) -> float:
    """Return ``seconds`` in milliseconds."""
    return seconds * 1e3
