"""Hybrid search over the in-memory copy of the index: dense cosine plus BM25, fused by RRF."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bm25s
import numpy as np

from index import Chunk
from qa.text import terms

# bm25s logs every index build at DEBUG through its own handler; keep the console for answers.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Scores:
    """Per-unit scores of one query at one level (passages or sentences), row-aligned with the units."""

    dense: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray

    def ranking(self) -> np.ndarray:
        """Return unit indices, best first."""
        return np.argsort(-self.fused, kind="stable")


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[order] = np.arange(1, len(scores) + 1, dtype=np.float32)
    return ranks


class LevelIndex:
    """Dense vectors and a BM25 index for one level of units (passages or sentences)."""

    def __init__(self, units: list[Chunk], vectors: np.ndarray, searchable: list[str]) -> None:
        self.units = units
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.bm25 = bm25s.BM25()
        # An empty token list would break bm25s; a placeholder term matches no query.
        self.bm25.index([terms(t) or ["\x00"] for t in searchable], show_progress=False)

    def scores(self, query_terms: list[str], query_vector: np.ndarray, mode: str, rrf_k: int) -> Scores:
        """Score every unit for the query; ``mode`` picks which signals enter the fusion."""
        dense = self.vectors @ query_vector
        lexical = (
            self.bm25.get_scores(query_terms).astype(np.float32)
            if query_terms
            else np.zeros(len(self.units), dtype=np.float32)
        )
        if mode == "dense":
            fused = 1.0 / (rrf_k + _ranks(dense))
        elif mode == "bm25":
            fused = 1.0 / (rrf_k + _ranks(lexical))
        else:
            fused = 1.0 / (rrf_k + _ranks(dense)) + 1.0 / (rrf_k + _ranks(lexical + 1e-6 * dense))
        return Scores(dense=dense, lexical=lexical, fused=fused)
