"""Quality gate on the test split with the real model: ours must clear fixed bars and beat the naive build."""

from __future__ import annotations

import pytest

from eval import dataset, harness, scoring
from eval.naive import NaiveBaseline
from eval.scoring import ItemScore
from eval.systems import AssistantSystem
from qa import Assistant

Summary = dict[str, float | int | None]
Scores = dict[str, list[ItemScore]]


@pytest.fixture(scope="module")
def test_split_scores(assistant: Assistant) -> Scores:
    """Ours and the naive LangChain baseline, scored on every item of the test split."""
    texts = {source: assistant.source_text(source) for source in assistant.sources}
    items = dataset.select_split(dataset.load_items(), "test")
    dataset.check_against(items, texts)
    systems = [AssistantSystem("ours", assistant), NaiveBaseline.from_texts(texts)]
    return {s.name: harness.evaluate(s, items, texts, dataset.AUTHOR) for s in systems}


@pytest.fixture(scope="module")
def ours(test_split_scores: Scores) -> Summary:
    """Our summary on the test split."""
    return scoring.summarize(test_split_scores["ours"])


@pytest.fixture(scope="module")
def naive(test_split_scores: Scores) -> Summary:
    """The naive baseline's summary on the test split."""
    return scoring.summarize(test_split_scores["naive"])


def failing(scores: list[ItemScore], metric: str) -> list[str]:
    """Return the ids of the items that score below 1 on ``metric``, to show in an assertion message."""
    return [s.id for s in scores if (v := getattr(s, metric)) is not None and v < 1.0]


# Reached with the query adapter (0.96, 48 of 50); until then a strict xfail at 0.94.
def test_ours_finds_evidence_in_the_top_3_for_95_percent(ours: Summary, test_split_scores: Scores) -> None:
    assert ours["recall_at_3"] >= 0.95, failing(test_split_scores["ours"], "recall_at_3")


def test_ours_answer_contains_a_key_phrase_for_90_percent(ours: Summary, test_split_scores: Scores) -> None:
    assert ours["answer_hit"] >= 0.90, failing(test_split_scores["ours"], "answer_hit")


def test_ours_abstains_on_unanswerable_questions_with_f1_at_least_0_85(
    ours: Summary, test_split_scores: Scores
) -> None:
    wrong = [s.id for s in test_split_scores["ours"] if s.abstained == s.answerable]
    assert ours["abstention_f1"] >= 0.85, wrong


def test_ours_abstains_on_at_most_5_percent_of_answerable_questions(ours: Summary, test_split_scores: Scores) -> None:
    false_abstentions = [s.id for s in test_split_scores["ours"] if s.answerable and s.abstained]
    assert ours["false_abstention"] <= 0.05, false_abstentions


def test_ours_attributes_every_speaker_item_correctly(ours: Summary, test_split_scores: Scores) -> None:
    assert ours["attribution"] == 1.0, failing(test_split_scores["ours"], "attribution")


def test_every_citation_quote_matches_its_offsets(ours: Summary, test_split_scores: Scores) -> None:
    assert ours["offsets_valid"] == 1.0, failing(test_split_scores["ours"], "offsets_valid")


def test_ours_beats_the_naive_baseline_on_recall_at_3(ours: Summary, naive: Summary) -> None:
    assert ours["recall_at_3"] > naive["recall_at_3"]


def test_ours_beats_the_naive_baseline_on_abstention(ours: Summary, naive: Summary) -> None:
    assert ours["abstention_f1"] > naive["abstention_f1"]
