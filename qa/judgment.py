"""Named checks on the chosen evidence; each has a reason it gives when it fires.

With the judge on, every check is an input of the fitted answerability model (``check:NAME``), and
the checks precise enough on the train split also veto an answer on their own (``Calibration.vetoes``);
with the judge off (the rules-only engine) the first check that fires vetoes the answer. A check earns its place by the held-out ablation
(``qa eval --disable-check NAME``, ``python -m eval.ablation``): foreign-script changed no held-out abstention,
off-topic questions included, and was deleted. speaker was deleted with it and came back with the query
adapter, which ranks the author's sentences first for some questions about a commenter's view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qa.answer_types import wrong_answer_type
from qa.checks import (
    asks_after_the_document,
    asks_another_of_the_kind,
    lacks_the_kind_asked,
    negates_what_the_evidence_asserts,
)
from qa.evidence import Evidence, EvidenceScorer
from qa.names import lacks_a_named_one, lacks_named_answer
from qa.query import Query
from qa.text import stem


@dataclass(frozen=True)
class Judged:
    """What a check reads: the question's record and the evidence chosen to answer it."""

    scorer: EvidenceScorer
    query: Query
    focus_words: list[str]
    best: Evidence
    quoted: list[str]
    context: list[str]

    @property
    def asked(self) -> str:
        """Return the question as the checks read it: with its misspellings repaired ("how many
        yeras" asks for years)."""
        return self.query.corrected or self.query.question


@dataclass(frozen=True)
class Check:
    """One named check: ``fires`` says whether the evidence fails the question in this way."""

    name: str
    reason: str
    fires: Callable[[Judged], bool]


def _after_the_text(j: Judged) -> bool:
    # Reader comments, written after the text, may say what came after it.
    return asks_after_the_document(j.asked) and not j.query.wants_commenter


def _ungrounded(j: Judged) -> bool:
    if j.query.context:
        return False
    focus_terms = [stem(w) for w in j.focus_words]
    return j.scorer.names.ungrounded(focus_terms, j.scorer.segment_terms[j.best.row], j.best.unit.speaker, j.asked)


def _other_speaker(j: Judged) -> bool:
    # "What does PIERE think about ...?" answered with the author's words says nothing of PIERE's.
    return bool(j.query.speaker) and j.best.unit.speaker != j.query.speaker


def _negation(j: Judged) -> bool:
    # The best sentence itself: a neighbour quoted beside it may negate something else.
    best = j.best.unit
    return negates_what_the_evidence_asserts(j.asked, j.scorer.texts[best.source][best.start : best.end])


CHECKS: tuple[Check, ...] = (
    Check("answer-type", "no answer of the asked type", lambda j: wrong_answer_type(j.asked, j.quoted, j.context)),
    Check(
        "named-answer",
        "no name for what is asked",
        lambda j: lacks_named_answer(j.asked, j.quoted) or lacks_a_named_one(j.asked, j.quoted[:1]),
    ),
    Check("kind", "no kind named for what is asked", lambda j: lacks_the_kind_asked(j.asked, j.quoted)),
    Check("after-the-text", "asks about events after the text", _after_the_text),
    Check(
        "another-one",
        "the evidence is about another one",
        lambda j: asks_another_of_the_kind(j.asked, j.quoted),
    ),
    Check("ungrounded", "the evidence is about someone or something else", _ungrounded),
    Check("speaker", "the one asked about does not speak to it", _other_speaker),
    Check("negation", "the question negates what the evidence says", _negation),
)
CHECK_NAMES = tuple(c.name for c in CHECKS)
REASONS = {c.name: c.reason for c in CHECKS}


def fired(judged: Judged, active: tuple[str, ...]) -> tuple[str, ...]:
    """Return the names of the active checks that fire on ``judged``, in check order."""
    return tuple(c.name for c in CHECKS if c.name in active and c.fires(judged))
