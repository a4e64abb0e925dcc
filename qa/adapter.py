"""The query adapter: a linear map, fitted by ``make train`` on questions and the sentences that
answer them, that moves a question's vector toward the way answers are written ("chipping away at
their base" toward "eroding their basis of support")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError

BUNDLED_ADAPTER = Path(__file__).parent / "models" / "adapter"
ADAPTER_FILE = "adapter.npy"


class AdapterError(QAError):
    """The adapter file is missing or damaged."""


@dataclass(frozen=True)
class QueryAdapter:
    """``q' = (q + matrix @ q) / |q + matrix @ q|`` for a unit question vector ``q``."""

    matrix: np.ndarray

    def apply(self, vector: np.ndarray) -> np.ndarray:
        """Return the adapted unit-length question vector."""
        moved = vector + self.matrix @ vector
        return (moved / np.linalg.norm(moved)).astype(np.float32)


def load_adapter(folder: Path = BUNDLED_ADAPTER, dimensions: int | None = None) -> QueryAdapter:
    """Return the adapter in ``folder``, checked against the hash ``make train`` recorded and, when
    given, the embedding's ``dimensions``."""
    path, record = folder / ADAPTER_FILE, folder / "files.json"
    for required in (path, record):
        if not required.is_file():
            raise AdapterError(f"The adapter file {required} is missing; reinstall the package or run `make train`.")
    try:
        expected = json.loads(record.read_text(encoding="utf-8")).get(ADAPTER_FILE)
        if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise ValueError("it does not match its recorded hash")
        matrix = np.load(path, allow_pickle=False).astype(np.float32)
        side = dimensions or matrix.shape[0]
        if matrix.shape != (side, side):
            raise ValueError(f"its shape {matrix.shape} does not fit {side}-dimensional embeddings")
    except (ValueError, OSError) as exc:
        raise AdapterError(
            f"The adapter file {path} is damaged ({exc}); reinstall the package or run `make train`."
        ) from exc
    return QueryAdapter(matrix)


def write_adapter(matrix: np.ndarray, folder: Path) -> None:
    """Write ``matrix`` and the hash ``load_adapter`` checks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ADAPTER_FILE
    np.save(path, matrix.astype(np.float32), allow_pickle=False)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "files.json").write_text(json.dumps({ADAPTER_FILE: digest}, indent=2) + "\n", encoding="utf-8")
