"""Run the rules-only engine over every question source and keep what the judge learns from: the
answerability inputs of each question (scores, missing detail, checks that fired) and its label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.corpus import GoldQuestion
from qa import Assistant, Settings
from qa.evidence import EvidenceScorer
from qa.query import normalize_history
from train.splits import FOLLOW_UP_JUDGE_MEMORY, SOURCES, TRAINING_ARTICLES

# Questions about other documents asked of each document, per split: unanswerable by construction,
# they teach the judge what an off-topic question looks like (the shared questions are all on-topic).
FOREIGN_PER_SPLIT = 80


def assistant(
    document: Path, data_dir: Path, model_cache: Path, adapter: Path | None, prior: Path | None = None
) -> Assistant:
    """Return a loaded engine over ``document`` without a judge, ranking with the query adapter in
    ``adapter`` and reading the question prior in ``prior`` (None: none). With both just fitted, it
    computes the inputs the judge reads at serving time; without, the question vectors they are fitted on."""
    settings = Settings.load(
        documents=[document],
        data_dir=data_dir / document.stem,
        model_cache_dir=model_cache,
        judge=False,
        adapter=adapter is not None,
        adapter_path=str(adapter or ""),
        question_prior=prior is not None,
        prior_path=str(prior or ""),
    )
    bot = Assistant(settings)
    bot.load()
    return bot


def gold_rows(scorer: EvidenceScorer, question: GoldQuestion) -> tuple[int, ...]:
    """Return the rows of ``scorer``'s sentences that overlap ``question``'s gold spans, in order."""
    overlap = (np.flatnonzero((scorer.starts < end) & (start < scorer.ends)) for start, end in question.gold)
    return tuple(sorted({int(i) for rows in overlap for i in rows}))


def _record(bot: Assistant, source: str, split: str, q: GoldQuestion) -> dict[str, Any]:
    turns = normalize_history([list(t) for t in q.history], bot.settings.max_history_turns)
    selection = bot._loaded().answer(q.question, turns)
    return {
        "source": source,
        "split": split,
        "id": q.id,
        "answerable": q.answerable,
        "inputs": selection.inputs or {},
        "rules_abstained": selection.abstain,
    }


def main(out: Path, data_dir: Path, adapter: Path, prior: Path) -> list[dict[str, Any]]:
    """Mine every source and training article, the memory sets' follow-ups (the follow-up judge's),
    and the foreign questions of each source's document,
    into ``out`` (JSONL), with the query adapter in ``adapter`` and the question prior in ``prior``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    bots: dict[Path, Assistant] = {}
    asked: dict[tuple[Path, str], list[GoldQuestion]] = {}
    records = []
    for source in (*SOURCES, *TRAINING_ARTICLES, *FOLLOW_UP_JUDGE_MEMORY):
        bot = bots.get(source.document) or assistant(source.document, data_dir, data_dir / "models", adapter, prior)
        bots[source.document] = bot
        for q in tqdm(source.gold(bot.source_text(bot.sources[0])), desc=source.name, leave=False):
            split = source.split_of(q.split)
            records.append(_record(bot, source.name, split, q))
            if not q.history and source in SOURCES:
                asked.setdefault((source.document, split), []).append(q)
    # Foreign questions are asked of the sources' documents only, as before the training articles came.
    for document in dict.fromkeys(s.document for s in SOURCES):
        bot = bots[document]
        for split in ("train", "tune", "heldout"):
            pool = [q for (d, s), qs in asked.items() if d != document and s == split for q in qs]
            step = max(1, len(pool) // FOREIGN_PER_SPLIT)
            for q in tqdm(pool[::step][:FOREIGN_PER_SPLIT], desc=f"foreign · {document.stem}", leave=False):
                foreign = GoldQuestion(f"foreign:{q.id}", q.question, False, ())
                records.append(_record(bot, f"foreign→{document.stem}", split, foreign))
    out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records
