"""Model files that ``make train`` writes with their sha256 in ``files.json`` beside them, and that
are checked against it when loaded: the judges, the query adapter, the document ranker and the
question prior."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from qa.errors import QAError

RECORD = "files.json"


def damaged(error: type[QAError], what: str, path: Path, exc: Exception) -> QAError:
    """Return ``error`` saying that the ``what`` file at ``path`` is damaged, and the fix."""
    return error(f"The {what} file {path} is damaged ({exc}); reinstall the package or run `make train`.")


def verified(folder: Path, name: str, what: str, error: type[QAError]) -> dict[str, Any]:
    """Return ``folder``'s record once ``name`` there matches the hash it holds; raise ``error``, with
    the fix, when either file is missing or they do not match."""
    path, record = folder / name, folder / RECORD
    for required in (path, record):
        if not required.is_file():
            raise error(f"The {what} file {required} is missing; reinstall the package or run `make train`.")
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
        if hashlib.sha256(path.read_bytes()).hexdigest() != recorded.get(name):
            raise ValueError("it does not match its recorded hash")
    except (ValueError, OSError, AttributeError) as exc:
        raise damaged(error, what, path, exc) from exc
    return recorded


def record(folder: Path, name: str, **extra: str) -> None:
    """Write the hash of ``name`` in ``folder``, and ``extra`` facts about it, into the folder's
    record, beside what it holds of the folder's other files."""
    path = folder / RECORD
    try:
        held = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        held = {}
    held = held if isinstance(held, dict) else {}
    digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    path.write_text(json.dumps({**held, name: digest, **extra}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
