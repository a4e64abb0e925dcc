"""Run the rules-only engine over every question source and keep what the judge learns from: the
answerability inputs of each question (scores, missing detail, checks that fired) and its label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.corpus import GoldQuestion, bundled_set, load_offset_questions
from qa import Assistant, Settings
from qa.query import normalize_history
from train.splits import SOURCES, QuestionSource


def questions_of(source: QuestionSource, text: str) -> list[GoldQuestion]:
    """Return the questions of ``source`` with offset gold."""
    if source.offset_gold:
        return load_offset_questions(source.questions, text)
    return bundled_set(source.questions, text)


def mine_source(source: QuestionSource, data_dir: Path, model_cache: Path) -> list[dict[str, Any]]:
    """Return one record per question of ``source``: its split, label, inputs and the engine's verdict."""
    # The engine without a judge computes the same inputs the judge reads at serving time.
    settings = Settings.load(
        documents=[source.document], data_dir=data_dir / source.document.stem, model_cache_dir=model_cache, judge=False
    )
    bot = Assistant(settings)
    bot.load()
    engine = bot._loaded()
    text = bot.source_text(bot.sources[0])
    records = []
    for q in tqdm(questions_of(source, text), desc=source.name, leave=False):
        turns = normalize_history([list(t) for t in q.history], settings.max_history_turns)
        selection = engine.answer(q.question, turns)
        records.append(
            {
                "source": source.name,
                "split": source.split_of(q.split),
                "id": q.id,
                "answerable": q.answerable,
                "inputs": selection.inputs or {},
                "rules_abstained": selection.abstain,
            }
        )
    return records


def main(out: Path, data_dir: Path) -> list[dict[str, Any]]:
    """Mine every source into ``out`` (JSONL) and return the records."""
    out.parent.mkdir(parents=True, exist_ok=True)
    records = [r for source in SOURCES for r in mine_source(source, data_dir, data_dir / "models")]
    out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records
