"""The systems under test behind one tiny interface: ours, two one-signal baselines, naive LangChain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from eval.naive import NaiveBaseline
from qa import Answer, Assistant, Settings

# Display order and one-line descriptions of every system the eval knows.
SYSTEMS = {
    "ours": "the Assistant: hybrid (BM25 + dense) ranking, evidence sentences, abstention",
    "rules": "the Assistant without its trained judge: the engine's score threshold and the named checks alone",
    "naive": "LangChain tutorial build: 500/50 splitter, the same MiniLM, Chroma top-3 chunks as the answer",
    "dense": "the Assistant with dense retrieval only (our chunking and composer)",
    "bm25": "the Assistant with BM25 retrieval only (our chunking and composer)",
}


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
            built.append(NaiveBaseline.from_texts(texts))
        elif name == "rules":
            built.append(AssistantSystem(name, our_assistant(data_dir, model_cache_dir, judge=False)))
        elif name in ("dense", "bm25"):
            built.append(AssistantSystem(name, our_assistant(data_dir, model_cache_dir, retrieval=name)))
        else:
            raise ValueError(f"Unknown system {name!r}; choose from {list(SYSTEMS)}.")
    return built
