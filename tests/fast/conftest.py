"""The fast lane's parts: a deterministic fake embedding model and Chroma's in-memory client.

Both are real subclasses of what the engine uses (LangChain ``Embeddings``, ``IndexStore``), swapped
in only while the lane's shared Assistant loads, so no test outside this folder ever sees them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

import qa.engine
from index.clients import chroma_settings
from index.store import IndexStore
from qa import Assistant, Settings

# MiniLM's width, so every array shape matches the real lane's.
DIMENSIONS = 384
FAKE_MODEL_NAME = "fake/hashed-bag-of-words-384"
_WORD = re.compile(r"\w+")


class HashedBagOfWords(Embeddings):
    """Unit-length vectors from hashed lower-cased words and word pairs: equal texts give equal
    vectors and shared words give a positive cosine, in every process (no salted ``hash()``)."""

    def _vector(self, text: str) -> np.ndarray:
        words = _WORD.findall(text.lower())
        features = words + [f"{a} {b}" for a, b in pairwise(words)] or [""]
        vector = np.zeros(DIMENSIONS, dtype=np.float32)
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % DIMENSIONS
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        # Features that cancel out still need a unit vector: the engine divides by the norm.
        return vector / norm if norm else np.eye(DIMENSIONS, dtype=np.float32)[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain ``Embeddings`` interface)."""
        return [self._vector(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain ``Embeddings`` interface)."""
        return self._vector(text).tolist()


class InMemoryStore(IndexStore):
    """The real store over Chroma's in-process ephemeral client: vectors never reach the disk."""

    def __init__(self, data_dir: Path, embeddings: Embeddings, model: str, client: Any = None, **kwargs: Any) -> None:
        import chromadb

        super().__init__(data_dir, embeddings, model, client or chromadb.EphemeralClient(settings=chroma_settings()))


def fake_embeddings(*_args: Any, **_kwargs: Any) -> Embeddings:
    """Stand in for ``index.embedder.load_embeddings``: the fake, whatever model is asked for."""
    return HashedBagOfWords()


def load_fake(settings: Settings) -> Assistant:
    """Return an Assistant loaded over the fake model and the in-memory store; the swap ends with the load."""
    bot = Assistant(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qa.engine, "load_embeddings", fake_embeddings)
        patch.setattr(qa.engine, "IndexStore", InMemoryStore)
        bot.load()
    return bot


@pytest.fixture(scope="session")
def fake_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the fast lane: a throwaway data folder and the fake model's name in the manifest;
    no judge, query adapter or question prior, which were fitted to MiniLM's vectors, not the fake model's."""
    return Settings.load(
        data_dir=tmp_path_factory.mktemp("fast-qa-data"),
        model_name=FAKE_MODEL_NAME,
        judge=False,
        adapter=False,
        question_prior=False,
    )


@pytest.fixture(scope="session")
def load_fake_assistant() -> Callable[[Settings], Assistant]:
    """Return the loader of Assistants on the fake parts, for tests that need other settings."""
    return load_fake


@pytest.fixture(scope="session")
def fake_assistant(fake_settings: Settings) -> Assistant:
    """An Assistant over the bundled document, loaded once per session with the fake parts."""
    return load_fake(fake_settings)
