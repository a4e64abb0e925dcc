"""MiniLM on onnxruntime and tokenizers alone: the exported model without importing torch."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

# all-MiniLM-L6-v2 was trained with 256-token inputs; sentence-transformers truncates there too.
MAX_TOKENS = 256
# Encoding the whole document in one batch would pad every text to the longest; small batches
# keep padding (wasted work) low.
BATCH = 32


class OnnxEncoder(Embeddings):
    """Mean-pooled, unit-length sentence embeddings from a sentence-transformers ONNX export."""

    def __init__(self, model_dir: Path, threads: int = 2) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_dir / "onnx" / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        pad_id = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8")).get("padding") or {}
        tokenizer.enable_padding(pad_id=pad_id.get("pad_id", 0), pad_token=pad_id.get("pad_token", "[PAD]"))
        self._tokenizer = tokenizer
        # The Rust tokenizer's padding state is shared; one encode at a time keeps it consistent.
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return an (n, 384) float32 array of unit-length embeddings."""
        # Batching texts of similar length keeps padding, i.e. wasted work, low.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        out = []
        for i in range(0, len(ordered), BATCH):
            with self._lock:
                batch = self._tokenizer.encode_batch(ordered[i : i + BATCH])
            ids = np.array([b.ids for b in batch], dtype=np.int64)
            mask = np.array([b.attention_mask for b in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            tokens = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain ``Embeddings`` interface)."""
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain ``Embeddings`` interface)."""
        return self.encode([text])[0].tolist()
