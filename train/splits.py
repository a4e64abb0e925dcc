"""Which question sets train the judge, which tune its abstention, and which it never sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.corpus import SHARED_CORPORA, GoldQuestion, load_questions
from eval.dataset import QUESTIONS
from qa.settings import BUNDLED_DOCUMENT
from train.squad_train import OUT as TRAIN10

SETS = QUESTIONS.parent / "sets"


ALL, FOLLOW_UPS, STAND_ALONE = "all", "follow-ups", "stand-alone"


@dataclass(frozen=True)
class QuestionSource:
    """One question file over one document, and the split it belongs to."""

    name: str
    document: Path
    questions: Path
    split: str
    # Which of the set's items are taken: ALL, FOLLOW_UPS (items with a history) or STAND_ALONE.
    turns: str = ALL

    def takes(self, question: Any) -> bool:
        """True when ``question`` (anything with a ``history``: a gold question or an eval item) is one
        this source contributes."""
        return self.turns == ALL or (self.turns == FOLLOW_UPS) == bool(question.history)

    def gold(self, text: str) -> list[GoldQuestion]:
        """Return the questions this source contributes, with their gold located in ``text``."""
        return [q for q in load_questions(self.questions, text) if self.takes(q)]

    def split_of(self, item_split: str) -> str:
        """Return the split of one item: the bundled set's own test items are never trained on, so
        the quality gate that reads them stays held out."""
        return "heldout" if self.name == "questions" and item_split == "test" else self.split


def _bundled(name: str, path: Path, split: str) -> QuestionSource:
    return QuestionSource(name, BUNDLED_DOCUMENT, path, split)


def _set(n: int, split: str, turns: str = ALL) -> QuestionSource:
    """Return question set ``n`` of the bundled article (``eval/sets/independent-n.jsonl``)."""
    return QuestionSource(f"independent-{n}", BUNDLED_DOCUMENT, SETS / f"independent-{n}.jsonl", split, turns)


def _outside(title: str, split: str) -> QuestionSource:
    return QuestionSource(title, SHARED_CORPORA / f"{title}.txt", SHARED_CORPORA / f"{title}.jsonl", split)


# Chosen before any training, by order of writing: the latest bundled sets and one outside article
# are held out; the two sets and one article before them fit the abstention threshold. Sets 21-23
# (development), 35-38 and 41-48 (written as training data) joined the train split later: with 31
# sets instead of 16, the blind sets 19-20, 24-27, 31-34 and 39-40, never trained on, were caught
# 276 instead of 267 of 306 unanswerable questions at 23 instead of 17 of 894 false abstentions
# (README, judgment section); with 8 sets, 350 instead of 375 of 436 on 17 sets.
TRAIN_SETS = (*range(1, 17), 21, 22, 23, 35, 36, 37, 38, *range(41, 49))
# The follow-ups of development sets 28-30, half of them unanswerable, train too: no train set had an
# unanswerable follow-up, so the judge and the prior had learned that a follow-up is answered. On the
# blind follow-up sets 65-67 the assistant then caught 63 instead of 52 of 90 unanswerable follow-ups
# (on 68-69, written after the choice, 38 instead of 31 of 60), at the cost of stand-alone answers
# (the twenty-two blind sets: 520 instead of 509 of 566 caught, 35 instead of 22 of 1,634 refused).
# The whole sets (their stand-alone questions too) caught 62, but moved the query adapter and cost a
# pinned near miss ("What does PIERE think about Trump's offer ...?" answered with the author's words);
# the prior carries the gain: the judge alone learning them caught 54.
FOLLOW_UP_SETS = (28, 29, 30)
# Sets 89-92, written to the broader brief (more questions on the article's main argument), teach the
# query adapter which sentences answer, and their follow-ups the follow-ups' prior (below). The
# stand-alone prior and the judges keep the sets above. On the fresh
# blind sets 103-106: evidence@3 271 instead of 269 of 296, 16 instead of 18 answerable questions refused,
# 93 of 104 unanswerable ones caught either way. In the whole train split they also moved the prior
# (C 1000 -> 300), which then caught 11 fewer on the twenty-two blind sets (README, judgment section).
ADAPTER_SETS = (89, 90, 91, 92)
SOURCES = (
    _outside("Force", "train"),
    _outside("Steam_engine", "train"),
    _outside("Islamism", "tune"),
    _outside("Harvard_University", "heldout"),
    _bundled("questions", QUESTIONS, "train"),
    *(_set(n, "train") for n in TRAIN_SETS),
    *(_set(n, "train", FOLLOW_UPS) for n in FOLLOW_UP_SETS),
    *(_set(n, "tune") for n in (17, 18)),
    *(_set(n, "heldout") for n in (19, 20)),
)

# The query adapter's own extra sources (train/adapter.py); mining, the stand-alone prior and the
# judges skip them.
ADAPTER_ONLY = tuple(_set(n, "train") for n in ADAPTER_SETS)
# The follow-ups' own prior (train/prior.py) learns from every train follow-up, 89-92's too, and
# chooses its strength on the follow-ups of the development sets 99-102 (5 of their 15 per set are
# unanswerable); the document ranker (train/ranker.py) chooses its strength on their stand-alone
# questions and sets 17-18's.
FOLLOW_UP_PRIOR_TUNE_SETS = (99, 100, 101, 102)
FOLLOW_UP_PRIOR_TUNE = tuple(_set(n, "tune", FOLLOW_UPS) for n in FOLLOW_UP_PRIOR_TUNE_SETS)

# Search-style keyword queries ("1986 arms deal", "Zarif"), written as training data: 128-131 to the
# brief of the blind keyword sets 126-127, 140-143 shorter (about 40 of 100 a single name, year or
# term). Only the stand-alone prior's neighbours (train/prior.py) hold them: the question sets taught
# the prior questions only, and it refused 10-12% of the blind keyword sets' answerable queries.
KEYWORD_SETS = (128, 129, 130, 131, 140, 141, 142, 143)
# The 37 broader-brief sets written 2026-12-05 to 12-07, blind until variant M2: only the priors'
# neighbour memories hold them, not the priors' weights, the adapter or the judges (since R4 the
# document ranker learns from their answerable stand-alone questions too, below). The stand-alone
# prior's holds their stand-alone questions (a follow-up read without its turn, "Which hardliner
# leaked it, by name?", is a different question), the follow-ups' prior's their follow-ups. On sets
# kept out of the memory, the judge caught 1,696 instead of 1,686 unanswerable questions at 60
# instead of 62 refusals (simulated; decided on fresh sets: docs/decisions-2026-12-07.md).
# Since variant M3 they also hold the 52 sets written after M2 (blind broader-brief and keyword sets,
# and the development sets 168-173): with 126-167 in the memory, development sets 168-185 were caught
# 6 more and refused 4 fewer (simulated; decided on fresh sets 186-193).
LATER_MEMORY_SETS = tuple(n for n in range(126, 186) if n not in KEYWORD_SETS)
MEMORY_SETS = (
    70,
    71,
    *range(79, 84),
    *range(85, 89),
    *range(93, 99),
    *range(103, 107),
    *range(110, 126),
    *LATER_MEMORY_SETS,
)
MEMORY_ONLY = (
    *(_set(n, "train") for n in KEYWORD_SETS),
    *(_set(n, "train", STAND_ALONE) for n in MEMORY_SETS),
)
# The follow-up judge (qa/judge.py, FOLLOW_UP_JUDGE_FILE) learns from the bundled article's train-split
# follow-ups and from the memory sets' follow-ups, each of those read by the follow-ups' prior as
# the judge reads a new one: its neighbours from the other folds (train/prior.py), its logit from
# weights that never saw it. Their split, "memory", is one the other judges do not read.
FOLLOW_UP_JUDGE_MEMORY = tuple(_set(n, "memory", FOLLOW_UPS) for n in MEMORY_SETS)
# The document ranker (train/ranker.py) learns from the memory sets' answerable stand-alone questions,
# which the query adapter never read (on the questions it was fitted on, the adapted signals would
# look stronger than they are on a new one), and chooses its strength on the tune sets 17-18 and
# the development sets 99-102.
RANKER_TRAIN = tuple(_set(n, "train", STAND_ALONE) for n in MEMORY_SETS)
RANKER_TUNE_SETS = (17, 18, 99, 100, 101, 102)
RANKER_TUNE = tuple(_set(n, "tune", STAND_ALONE) for n in RANKER_TUNE_SETS)

# Ten SQuAD 2.0 training articles (train/squad_train.py): train data only, for the query adapter and
# the generic judge; never tuned or reported on.
TRAINING_ARTICLES = tuple(
    QuestionSource(p.stem, p, p.with_suffix(".jsonl"), "train") for p in sorted(TRAIN10.glob("*.txt"))
)
# The outside articles that tune the generic judge's threshold.
OUTSIDE_TUNE = frozenset(s.name for s in SOURCES if s.split == "tune" and s.document != BUNDLED_DOCUMENT)
