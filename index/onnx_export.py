"""The one-time ONNX export of the embedding model: written with a record of its files, verified on load.

A sentence-transformers export is a folder (``onnx/model.onnx``, ``tokenizer.json``, configs). After a
complete export, ``qa-export.json`` records each file's size and sha256. Every load checks the files
against it, so a truncated or overwritten export (an interrupted write, a full disk) is exported again
instead of failing every start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from filelock import FileLock
from filelock import Timeout as LockTimeout

log = logging.getLogger(__name__)

RECORD = "qa-export.json"
# The files the encoder reads; an export without them is not one.
REQUIRED = ("onnx/model.onnx", "tokenizer.json")
# An export takes ~10 s on 2 cores (longer for bigger models); past this, the exporting process is stuck.
LOCK_TIMEOUT_SECONDS = 900.0


class ModelError(RuntimeError):
    """The embedding model cannot be exported or loaded; the message names the cause."""


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files(folder: Path) -> dict[str, dict[str, int | str]]:
    return {
        path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != RECORD
    }


def export_problem(export_dir: Path) -> str | None:
    """Return what is wrong with the export in ``export_dir``, or None when every file matches its record."""
    try:
        record = json.loads((export_dir / RECORD).read_text(encoding="utf-8"))
        files = record["files"]
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise ValueError("'files' is not a mapping of file records")
    except FileNotFoundError:
        return f"it has no {RECORD} (an interrupted export, or an older version wrote it)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"its record {RECORD} is unreadable ({type(exc).__name__}: {exc})"
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        return f"its record {RECORD} lists no {', '.join(missing)}"
    for name, expected in files.items():
        path = export_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != expected.get("size"):
            return f"{name} is {size:,} bytes where the export wrote {expected.get('size')}"
        if _sha256(path) != expected.get("sha256"):
            return f"{name} differs from what the export wrote (sha256)"
    return None


def export_onnx(model_path: str, export_dir: Path) -> Path:
    """Return a verified ONNX export of ``model_path`` in ``export_dir``, exporting it when missing or corrupt.

    One process at a time checks or writes an export folder (a file lock beside it). An unwritable
    ``export_dir`` is still used if it holds a verified export; otherwise the export goes to a
    temporary folder.
    """
    try:
        export_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(export_dir.parent / f"{export_dir.name}.lock"))
        lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
    except LockTimeout as exc:
        raise ModelError(
            f"Gave up after {LOCK_TIMEOUT_SECONDS:.0f} s waiting for {exc.lock_file}; another process is still "
            "exporting the model. Stop it, or set QA_MODEL_CACHE_DIR to another folder."
        ) from exc
    except OSError as exc:
        if export_problem(export_dir) is None:
            return export_dir
        log.warning("Cannot write the ONNX export to %s (%s); using a temporary folder.", export_dir, exc)
        return _export(model_path, Path(tempfile.mkdtemp(prefix="qa-onnx-")) / "model")
    try:
        if export_dir.exists():
            problem = export_problem(export_dir)
            if problem is None:
                return export_dir
            log.warning("The ONNX export in %s is corrupt: %s. Exporting the model again.", export_dir, problem)
        return _export(model_path, export_dir)
    finally:
        lock.release()


def _export(model_path: str, export_dir: Path) -> Path:
    """Export into a staging folder beside ``export_dir``, record its files, then move it into place.

    The export needs torch; it runs in a child process so the serving process never loads torch
    (about 450 MB of memory).
    """
    log.info("Exporting the embedding model to ONNX in %s (once)", export_dir)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".onnx-", dir=export_dir.parent))
    except OSError as exc:
        raise ModelError(f"Cannot write the ONNX export to {export_dir.parent}: {exc}") from exc
    done = subprocess.run(
        [sys.executable, "-m", "index.onnx_export", model_path, str(staging)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not (staging / REQUIRED[0]).exists():
        shutil.rmtree(staging, ignore_errors=True)
        lines = done.stderr.strip().splitlines()
        raise ModelError(
            f"Exporting the embedding model {model_path} to ONNX failed: "
            f"{lines[-1] if lines else f'exit code {done.returncode}'}. Check that QA_MODEL_PATH names a "
            "sentence-transformers model folder and that it is intact."
        )
    try:
        tmp = staging / f".{RECORD}.tmp"
        tmp.write_text(json.dumps({"model": model_path, "files": _files(staging)}, indent=1), encoding="utf-8")
        os.replace(tmp, staging / RECORD)
        if export_dir.exists():
            shutil.rmtree(export_dir)
        staging.replace(export_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"Cannot write the ONNX export to {export_dir}: {exc}") from exc
    return export_dir


def _export_here(model_path: str, target: str) -> None:
    """Run the export in this (child) process: load with the ONNX backend, save to ``target``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(model_path, device="cpu", backend="onnx").save(target)


if __name__ == "__main__":
    _export_here(sys.argv[1], sys.argv[2])
