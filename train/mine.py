"""Run the engine over every question source and keep its top candidates, labelled by the gold offsets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.corpus import GoldQuestion, bundled_set, load_offset_questions
from qa import Assistant, Settings
from qa.judge_input import candidate_text
from qa.query import normalize_history
from train.splits import SOURCES, QuestionSource

# Candidates kept per question: the judge re-ranks fewer at run time, training sees a few more.
KEPT = 12


def _overlaps(start: int, end: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(start < e and s < end for s, e in spans)


def questions_of(source: QuestionSource, text: str) -> list[GoldQuestion]:
    """Return the questions of ``source`` with offset gold."""
    if source.offset_gold:
        return load_offset_questions(source.questions, text)
    return bundled_set(source.questions, text)


def mine_source(source: QuestionSource, data_dir: Path, model_cache: Path) -> list[dict[str, Any]]:
    """Return one record per question of ``source``: the engine's verdict and its top candidates."""
    settings = Settings.load(
        documents=[source.document], data_dir=data_dir / source.document.stem, model_cache_dir=model_cache
    )
    bot = Assistant(settings)
    bot.load()
    engine = bot._loaded()
    text = bot.source_text(bot.sources[0])
    records = []
    for q in tqdm(questions_of(source, text), desc=source.name, leave=False):
        history = [list(turn) for turn in q.history]
        selection = engine.answer(q.question, normalize_history(history, settings.max_history_turns))
        answer = bot.ask(q.question, history=history)
        ranked = selection.ranked
        keep = ranked[:KEPT]
        # Gold sentences the engine ranked lower still teach the judge what an answer looks like.
        keep += [e for e in ranked[KEPT:] if _overlaps(e.unit.start, e.unit.end, q.gold)][:2]
        records.append(
            {
                "source": source.name,
                "split": source.split,
                "id": q.id,
                "question": q.question,
                "history": history,
                "category": q.category,
                "answerable": q.answerable,
                "gold": q.gold,
                "engine": {
                    "abstained": answer.abstained,
                    "reason": selection.reason,
                    "evidence_score": selection.evidence_score,
                    "cited": [(c.start, c.end) for c in answer.citations],
                },
                "candidates": [
                    {
                        "start": e.unit.start,
                        "end": e.unit.end,
                        "rank": ranked.index(e),
                        "text": candidate_text(engine.scorer, engine.texts, e),
                        "score": e.score,
                        "dense": e.dense,
                        "coverage": e.coverage,
                        "label": int(q.answerable and _overlaps(e.unit.start, e.unit.end, q.gold)),
                        "plausible": int(_overlaps(e.unit.start, e.unit.end, q.plausible)),
                    }
                    for e in keep
                ],
            }
        )
    return records


def main(out: Path, data_dir: Path) -> None:
    """Mine every source into ``out`` (JSONL)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for source in SOURCES:
            for record in mine_source(source, data_dir, data_dir / "models"):
                f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main(Path(".qa-data/train/candidates.jsonl"), Path(".qa-data/train"))
