"""The naive baseline as a process of its own, for the benchmark's cold-start and HTTP figures.

Run as a module: ``python -m eval.bench_naive build|ask|serve --persist DIR [--docs PATH ...]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# langchain-core imports pydantic anyway, so this costs the baseline's cold start nothing.
from pydantic import BaseModel

from eval.naive import NaiveBaseline, naive_embeddings


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
        return baseline.ask(body.question).to_dict()

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
    baseline = NaiveBaseline(naive_embeddings(), args.persist)
    if args.command == "build":
        print(f"Indexed {baseline.build(read_sources(args.docs))} chunks in {args.persist}")
    elif args.command == "ask":
        print(baseline.search(args.question)[0].page_content.replace("\n", " "))
    else:
        _serve(baseline, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
