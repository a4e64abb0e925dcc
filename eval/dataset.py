"""The hand-written question set: load it, check it, and pick a split."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTIONS = Path(__file__).with_name("questions.jsonl")
CATEGORIES = ("fact", "paraphrase", "typo", "quote", "bio", "comment", "two_places", "followup", "unanswerable")
SPLITS = ("tune", "test")
# The bundled document's byline: the speaker of the article and of the bio.
AUTHOR = "Shireen T. Hunter"
_FIELDS = ("id", "question", "history", "category", "answerable", "gold_spans", "answer_any", "speaker", "split")


class DatasetError(ValueError):
    """The question set is malformed or does not fit the document."""


@dataclass(frozen=True)
class Item:
    """One evaluation question with what a correct answer must rest on."""

    id: str
    question: str
    history: tuple[tuple[str, str], ...]
    category: str
    answerable: bool
    gold_spans: tuple[str, ...]
    answer_any: tuple[str, ...]
    speaker: str | None
    split: str


_HISTORY_SHAPES = 'a list of [question, reply] pairs or of {"role": "user"|"assistant", "content": ...} messages'


def _history(turns: Any, where: str) -> tuple[tuple[str, str], ...]:
    """Return an item's history as (question, reply) pairs, from pairs or from chat messages in turn."""
    if not isinstance(turns, list):
        raise DatasetError(f"{where}: history must be {_HISTORY_SHAPES}.")
    if all(isinstance(t, Mapping) for t in turns):
        roles = [t.get("role") for t in turns]
        if len(turns) % 2 or roles != ["user", "assistant"] * (len(turns) // 2):
            raise DatasetError(f"{where}: history messages must alternate user, assistant; got roles {roles}.")
        contents = [str(t.get("content", "")) for t in turns]
        return tuple(zip(contents[::2], contents[1::2], strict=True))
    if all(isinstance(t, list) and len(t) == 2 for t in turns):
        return tuple((str(user), str(reply)) for user, reply in turns)
    raise DatasetError(f"{where}: history must be {_HISTORY_SHAPES}.")


def _item(row: dict[str, Any], where: str) -> Item:
    missing = [f for f in _FIELDS if f not in row]
    if missing:
        raise DatasetError(f"{where}: missing field(s) {missing}; every item needs {list(_FIELDS)}.")
    history = _history(row["history"], where)
    return Item(
        id=str(row["id"]),
        question=str(row["question"]),
        history=history,
        category=str(row["category"]),
        answerable=bool(row["answerable"]),
        gold_spans=tuple(row["gold_spans"]),
        answer_any=tuple(row["answer_any"]),
        speaker=None if row["speaker"] is None else str(row["speaker"]),
        split=str(row["split"]),
    )


def load_items(path: Path = QUESTIONS) -> list[Item]:
    """Return the items of a JSONL question file, checked for shape and unique ids."""
    items: list[Item] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            items.append(_item(json.loads(line), f"{path.name} line {n}"))
    check_items(items)
    return items


def check_items(items: list[Item]) -> None:
    """Raise ``DatasetError`` naming the first item whose fields contradict each other."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DatasetError(f"Duplicate id {item.id!r}; give every item its own id.")
        seen.add(item.id)
        if item.category not in CATEGORIES:
            raise DatasetError(f"{item.id}: category {item.category!r} is not one of {CATEGORIES}.")
        if item.split not in SPLITS:
            raise DatasetError(f"{item.id}: split {item.split!r} is not one of {SPLITS}.")
        if item.answerable != (item.category != "unanswerable"):
            raise DatasetError(f"{item.id}: answerable must be false exactly for category 'unanswerable'.")
        if item.answerable and not (item.gold_spans and item.answer_any):
            raise DatasetError(f"{item.id}: an answerable item needs gold_spans and answer_any.")
        if not item.answerable and (item.gold_spans or item.answer_any or item.speaker):
            raise DatasetError(f"{item.id}: an unanswerable item has no gold_spans, answer_any or speaker.")


def check_against(items: list[Item], texts: Mapping[str, str]) -> None:
    """Raise ``DatasetError`` if a gold span is not an exact substring of any source text."""
    for item in items:
        for span in item.gold_spans:
            if not any(span in text for text in texts.values()):
                raise DatasetError(
                    f"{item.id}: gold span {span[:60]!r} is not in the indexed document(s) {sorted(texts)}; "
                    "the question set is written for the bundled article, so unset QA_DOCUMENTS."
                )


def select_split(items: list[Item], split: str) -> list[Item]:
    """Return the items of ``split`` ('tune', 'test' or 'all')."""
    if split == "all":
        return list(items)
    if split not in SPLITS:
        raise DatasetError(f"Unknown split {split!r}; use one of {(*SPLITS, 'all')}.")
    return [item for item in items if item.split == split]
