"""Question sets with gold as character offsets: the outside corpora's format, and the bundled sets located."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import DatasetError, Item, load_items

# The shared outside corpora: four SQuAD 2.0 development articles as plain texts with offset gold.
SHARED_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "squad2-dev4"


@dataclass(frozen=True)
class GoldQuestion:
    """One question over one document; ``gold`` are (start, end) offsets of what answers it."""

    id: str
    question: str
    answerable: bool
    gold: tuple[tuple[int, int], ...]
    # For an unanswerable question, the tempting wrong span its writer had in mind.
    plausible: tuple[tuple[int, int], ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    category: str = ""
    # The split the question set itself gives the item ("tune" or "test"), if any.
    split: str = ""


def load_offset_questions(path: Path, text: str) -> list[GoldQuestion]:
    """Return the questions of a corpora-format JSONL file, checking every offset against ``text``."""
    out: list[GoldQuestion] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            answerable = bool(row["answerable"])
            gold = tuple((int(a["start"]), int(a["end"])) for a in row.get("answers", []))
            plausible = tuple((int(a["start"]), int(a["end"])) for a in row.get("plausible_answers", []))
            question = str(row["question"])
            qid = str(row["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(
                f"{path.name} line {n}: not a question in the corpora format ({exc}); each line needs "
                "'id', 'question', 'answerable' and 'answers' with 'start' and 'end'."
            ) from exc
        for a, (start, end) in zip(row.get("answers", []), gold, strict=True):
            if text[start:end] != a.get("text", text[start:end]):
                raise DatasetError(f"{path.name} line {n}: answer offsets {start}-{end} do not match its text.")
        if answerable and not gold:
            raise DatasetError(f"{path.name} line {n}: an answerable question needs at least one answer span.")
        out.append(GoldQuestion(qid, question, answerable, gold, plausible, category="outside"))
    return out


def located(items: list[Item], text: str) -> list[GoldQuestion]:
    """Return string-gold items (the bundled sets) as offset-gold questions over ``text``."""
    out: list[GoldQuestion] = []
    for item in items:
        gold = []
        for span in item.gold_spans:
            start = text.find(span)
            if start < 0:
                raise DatasetError(f"{item.id}: gold span {span[:60]!r} is not in the document.")
            gold.append((start, start + len(span)))
        out.append(
            GoldQuestion(
                item.id, item.question, item.answerable, tuple(gold), (), item.history, item.category, item.split
            )
        )
    return out


def bundled_set(path: Path, text: str) -> list[GoldQuestion]:
    """Return a bundled question set (string gold) located in ``text``."""
    return located(load_items(path), text)


def load_questions(path: Path, text: str) -> list[GoldQuestion]:
    """Return the questions of ``path`` in either format: offset gold, or the bundled sets' string gold."""
    first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "{}")
    return bundled_set(path, text) if "gold_spans" in json.loads(first) else load_offset_questions(path, text)
