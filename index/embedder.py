"""Load the sentence-transformers encoder through langchain-huggingface, offline and on the CPU."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from index.onnx_export import ModelError, export_onnx

# Two cores: one intra-op thread per core; more threads only add contention for one short query.
CPU_THREADS = 2


def _offline() -> None:
    # The model is on disk; never let the hub client reach for the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@lru_cache(maxsize=4)
def load_embeddings(model_path: str, backend: str = "onnx", cache_dir: Path | None = None) -> Embeddings:
    """Return normalised MiniLM embeddings, loaded once per process.

    ``torch``: sentence-transformers through langchain-huggingface. ``onnx``: the same model,
    exported once by sentence-transformers, run by onnxruntime without importing torch, which
    keeps a new process's first answer fast. Both give the same vectors (cosine 1.0).
    """
    _offline()
    if backend == "onnx":
        if cache_dir is None:
            raise ValueError("The onnx backend needs a cache_dir for the exported model.")
        return _onnx_encoder(model_path, cache_dir)
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    torch.set_num_threads(CPU_THREADS)
    return HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "backend": backend, "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
    )


def _onnx_encoder(model_path: str, cache_dir: Path) -> Embeddings:
    """Return the encoder over the verified export; an export that matches its record but does not load
    means the runtime, not the files, is at fault, so the error says so."""
    from index.onnx_encoder import OnnxEncoder

    export_dir = export_onnx(model_path, cache_dir)
    try:
        return OnnxEncoder(export_dir, threads=CPU_THREADS)
    except Exception as exc:
        raise ModelError(
            f"The ONNX export of {model_path} in {export_dir} is intact but onnxruntime or tokenizers cannot load "
            f"it ({type(exc).__name__}: {exc}). Reinstall with `make setup`, or set QA_BACKEND=torch."
        ) from exc
