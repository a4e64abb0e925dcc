"""The query adapter: a linear map, fitted by ``make train`` on questions and the sentences that
answer them, that moves a question's vector toward the way answers are written ("chipping away at
their base" toward "eroding their basis of support")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.checked_files import damaged, record, verified
from qa.errors import QAError

BUNDLED_ADAPTER = Path(__file__).parent / "models" / "adapter"
ADAPTER_FILE = "adapter.npy"


class AdapterError(QAError):
    """The adapter file is missing or damaged."""


@dataclass(frozen=True)
class QueryAdapter:
    """``q' = (q + matrix @ q) / |q + matrix @ q|`` for a unit question vector ``q`` of ``model``."""

    matrix: np.ndarray
    # The embedding model whose vectors it was fitted to; another model's vectors it would only scramble.
    model: str = ""
    # The sha256 of its file: a document ranker fitted over it names it.
    digest: str = ""

    def fits(self, model: str, dimensions: int | None) -> bool:
        """True when it was fitted to ``model``'s vectors of ``dimensions`` (None: any)."""
        return self.model == model and dimensions in (None, self.matrix.shape[0])

    def apply(self, vector: np.ndarray) -> np.ndarray:
        """Return the adapted unit-length question vector."""
        moved = vector + self.matrix @ vector
        return (moved / np.linalg.norm(moved)).astype(np.float32)


def load_adapter(folder: Path = BUNDLED_ADAPTER) -> QueryAdapter:
    """Return the adapter in ``folder``, checked against the hash ``make train`` recorded."""
    recorded = verified(folder, ADAPTER_FILE, "adapter", AdapterError)
    path = folder / ADAPTER_FILE
    try:
        matrix = np.load(path, allow_pickle=False).astype(np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"its shape {matrix.shape} is not square")
    except (ValueError, OSError) as exc:
        raise damaged(AdapterError, "adapter", path, exc) from exc
    return QueryAdapter(matrix, str(recorded.get("model", "")), str(recorded.get(ADAPTER_FILE, "")))


def write_adapter(matrix: np.ndarray, folder: Path, model: str) -> None:
    """Write ``matrix``, fitted to ``model``'s vectors, and the hash ``load_adapter`` checks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / ADAPTER_FILE, matrix.astype(np.float32), allow_pickle=False)
    record(folder, ADAPTER_FILE, model=model)
