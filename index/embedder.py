"""Load the sentence-transformers encoder through langchain-huggingface, offline and on the CPU."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

# Two cores: one intra-op thread per core; more threads only add contention for one short query.
CPU_THREADS = 2


def _offline() -> None:
    # The model is on disk; never let the hub client reach for the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def export_onnx(model_path: str, export_dir: Path) -> Path:
    """Export ``model_path`` to ONNX once, into ``export_dir``; later loads reuse the export.

    The export needs torch; it runs in a child process so the serving process never loads torch
    (about 450 MB of memory). An unwritable ``export_dir`` falls back to a temporary folder.
    """
    if (export_dir / "onnx" / "model.onnx").exists():
        return export_dir
    try:
        export_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".onnx-", dir=export_dir.parent))
    except OSError as exc:
        log.warning("Cannot write the ONNX export to %s (%s); using a temporary folder.", export_dir, exc)
        export_dir = Path(tempfile.mkdtemp(prefix="qa-onnx-")) / "model"
        staging = Path(tempfile.mkdtemp(prefix=".onnx-", dir=export_dir.parent))
    log.info("Exporting the embedding model to ONNX in %s (once)", export_dir)
    done = subprocess.run(
        [sys.executable, "-m", "index.embedder", model_path, str(staging)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not (staging / "onnx" / "model.onnx").exists():
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"Exporting {model_path} to ONNX failed: {done.stderr.strip()[-500:]}")
    if export_dir.exists():
        shutil.rmtree(export_dir, ignore_errors=True)
    staging.replace(export_dir)
    return export_dir


def _export_here(model_path: str, target: str) -> None:
    """Run the export in this (child) process: load with the ONNX backend, save to ``target``."""
    _offline()
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(model_path, device="cpu", backend="onnx").save(target)


@lru_cache(maxsize=4)
def load_embeddings(model_path: str, backend: str = "onnx", cache_dir: Path | None = None) -> Embeddings:
    """Return normalised MiniLM embeddings, loaded once per process.

    ``torch``: sentence-transformers through langchain-huggingface. ``onnx``: the same model,
    exported once by sentence-transformers, run by onnxruntime without importing torch, which
    keeps a new process's first answer fast. Both give the same vectors (cosine 1.0).
    """
    _offline()
    if backend == "onnx":
        from index.onnx_encoder import OnnxEncoder

        if cache_dir is None:
            raise ValueError("The onnx backend needs a cache_dir for the exported model.")
        return OnnxEncoder(export_onnx(model_path, cache_dir), threads=CPU_THREADS)
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    torch.set_num_threads(CPU_THREADS)
    return HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "backend": backend, "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
    )


if __name__ == "__main__":
    _export_here(sys.argv[1], sys.argv[2])
