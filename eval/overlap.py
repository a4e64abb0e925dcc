"""Which eval items ask, word for word, a question the trained models learned from.

Helpers who write question sets from the same document converge on the same questions ("Who is the
head of the judiciary?"): 22-46% of the items of each held-out set (19-20, 24-27, 31-34, 39-40, 49-60)
repeat a question of the train split of 31 sets (12-26% of that of 16). The query adapter, the question prior and the judges were fitted on those,
so figures over them flatter the engine; the report gives the new questions' figures beside them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from eval import dataset
from eval.dataset import Item
from qa.settings import BUNDLED_DOCUMENT

_WORD = re.compile(r"\w+")


def key(item: Item) -> str:
    """Return what makes two items the same question: the words of the question and of its history's
    questions, case and punctuation aside."""
    asked = [turn[0] for turn in item.history] + [item.question]
    return " | ".join(" ".join(_WORD.findall(unicodedata.normalize("NFKC", q).lower())) for q in asked)


@functools.cache
def trained_questions() -> frozenset[str]:
    """Return the keys of the bundled article's train-split questions (``train/splits.py``), and of
    the questions of ``ADAPTER_ONLY`` that a model learned: the query adapter their answerable
    stand-alone ones, the follow-ups' prior their follow-ups; and every question the priors'
    neighbours hold (``MEMORY_ONLY``)."""
    # train imports eval; imported here, so that eval loads without it.
    from train.splits import ADAPTER_ONLY, MEMORY_ONLY, SOURCES

    keys = set()
    for source in SOURCES:
        if source.document != BUNDLED_DOCUMENT:
            continue
        for item in dataset.load_items(source.questions):
            if source.split_of(item.split) == "train" and source.takes(item):
                keys.add(key(item))
    for source in ADAPTER_ONLY:
        keys.update(key(item) for item in dataset.load_items(source.questions) if item.history or item.answerable)
    for source in MEMORY_ONLY:
        keys.update(key(item) for item in dataset.load_items(source.questions))
    return frozenset(keys)


def seen_in_training(items: Sequence[Item]) -> frozenset[str]:
    """Return the ids of the items that repeat a train-split question."""
    trained = trained_questions()
    return frozenset(item.id for item in items if key(item) in trained)
