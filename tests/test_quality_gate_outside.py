"""Quality gate on an outside document the judge never trained or tuned on (Harvard_University, SQuAD 2.0)."""

from __future__ import annotations

import pytest

from eval import outside
from eval.corpus import SHARED_CORPORA

DOCUMENT = SHARED_CORPORA / "Harvard_University.txt"
QUESTIONS = SHARED_CORPORA / "Harvard_University.jsonl"


@pytest.fixture(scope="module")
def harvard() -> dict[str, float | int]:
    """Ours on the held-out outside article, end to end."""
    if not DOCUMENT.is_file():
        pytest.fail(f"The shared corpora are missing: {DOCUMENT} (CI lays shared/ beside the clone).")
    return outside.summarize(outside.run(DOCUMENT, QUESTIONS, ("ours",))["ours"])


def test_evidence_is_retrieved_for_most_answerable_questions(harvard: dict[str, float | int]) -> None:
    # Measured 0.893 (the rules-only engine: 0.893; naive LangChain: 0.848).
    assert harvard["retrieved_at_3"] >= 0.87


def test_abstention_catches_a_quarter_without_refusing_more_than_one_in_seven(harvard: dict[str, float | int]) -> None:
    # Measured 0.247 recall at 0.125 false abstention (rules-only engine: 0.233 at 0.116).
    assert harvard["abstention_recall"] >= 0.22
    assert harvard["false_abstention"] <= 0.14
