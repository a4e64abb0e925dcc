"""The eval metrics give known values on small hand-made cases."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from eval import metrics, scoring
from eval.dataset import Item
from eval.metrics import Span
from qa import Answer, Citation

TEXT = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota. Kappa lambda mu."
TEXTS = {"doc": TEXT}


def cite(marker: int, phrase: str, speaker: str = "Shireen T. Hunter", source: str = "doc") -> Citation:
    """A citation of ``phrase`` at its real offsets in TEXT."""
    start = TEXT.find(phrase)
    return Citation(marker, phrase, start, start + len(phrase), source, "article", speaker)


GOLD = metrics.locate(["Delta epsilon zeta."], TEXTS)
MISS_1, HIT, MISS_2 = cite(1, "Alpha beta"), cite(2, "epsilon"), cite(3, "Kappa lambda")


def test_locate_finds_exact_offsets_and_rejects_a_missing_phrase() -> None:
    assert [Span("doc", 18, 37)] == GOLD
    with pytest.raises(ValueError, match="Omega"):
        metrics.locate(["Omega"], TEXTS)


def test_overlap_needs_a_shared_character_in_the_same_source() -> None:
    gold = GOLD[0]
    assert metrics.overlaps(HIT, gold)
    touching = Citation(1, "gamma. ", 11, 18, "doc", "article", "x")
    assert not metrics.overlaps(touching, gold)
    assert not metrics.overlaps(cite(1, "epsilon", source="other"), gold)


def test_recall_at_k_counts_a_hit_only_within_the_first_k_citations() -> None:
    ranked = [MISS_1, HIT, MISS_2]
    assert metrics.recall_at(ranked, GOLD, 1) == 0.0
    assert metrics.recall_at(ranked, GOLD, 2) == 1.0
    assert metrics.recall_at(ranked, GOLD, 3) == 1.0
    assert metrics.recall_at([], GOLD, 3) == 0.0


def test_reciprocal_rank_is_one_over_the_first_hit_rank() -> None:
    assert metrics.reciprocal_rank([MISS_1, HIT, MISS_2], GOLD) == 0.5
    assert metrics.reciprocal_rank([MISS_1, MISS_2], GOLD) == 0.0
    assert metrics.reciprocal_rank([HIT], GOLD) == 1.0


def test_ndcg_rewards_early_hits_and_each_gold_span_once() -> None:
    assert metrics.ndcg_at([MISS_1, HIT], GOLD, 5) == pytest.approx(1 / math.log2(3))
    two_gold = metrics.locate(["Delta epsilon zeta.", "Kappa lambda mu."], TEXTS)
    # Hits at ranks 1 and 3 against an ideal of ranks 1 and 2; a second hit on the same span gains nothing.
    got = metrics.ndcg_at([HIT, cite(2, "Delta"), MISS_2], two_gold, 5)
    assert got == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert metrics.ndcg_at([MISS_2, HIT], two_gold, 1) == 1.0
    assert metrics.span_coverage([HIT], two_gold) == 0.5


def test_citation_precision_is_the_share_of_citations_on_gold() -> None:
    assert metrics.citation_precision([MISS_1, HIT, MISS_2], GOLD) == pytest.approx(1 / 3)
    assert metrics.citation_precision([], GOLD) is None


def test_answer_hit_folds_case_and_curly_quotes() -> None:
    assert metrics.answer_hit("It ran in the Syrian daily Al Shar’a.", ["al shar'a"])
    assert metrics.answer_hit("“Nothing would remain”", ['"nothing would remain"'])
    assert not metrics.answer_hit("It ran in a Syrian paper.", ["al shar'a", "daily"])


def test_offsets_are_valid_only_when_every_quote_matches_its_range() -> None:
    assert metrics.offsets_valid([MISS_1, HIT], TEXTS)
    shifted = Citation(1, "epsilon", HIT.start + 1, HIT.end + 1, "doc", "article", "x")
    assert not metrics.offsets_valid([HIT, shifted], TEXTS)
    assert not metrics.offsets_valid([cite(1, "epsilon", source="missing")], TEXTS)


def test_attribution_needs_the_first_citation_by_the_speaker_and_the_name_in_the_text() -> None:
    author = "Shireen T. Hunter"
    reader = cite(1, "epsilon", speaker="Commenter 4")
    assert metrics.attribution_ok("Commenter 4 (a reader) writes: “epsilon” [1]", [reader], "Commenter 4", author)
    assert not metrics.attribution_ok("A reader writes: “epsilon” [1]", [reader], "Commenter 4", author)
    assert not metrics.attribution_ok("Commenter 4 writes [1]", [HIT, reader], "Commenter 4", author)
    assert metrics.attribution_ok("The author's bio says: …", [HIT], author, author)
    assert not metrics.attribution_ok("He has no authority. [1]", [HIT], author, author)
    assert not metrics.names_speaker("Commenter 45 writes", "Commenter 4", author)


def test_abstention_precision_recall_f1_and_false_abstention() -> None:
    # Four unanswerable items (two abstained on) and four answerable ones (one abstained on).
    answerable = [False] * 4 + [True] * 4
    abstained = [True, True, False, False, True, False, False, False]
    got = metrics.abstention(abstained, answerable)
    assert got.precision == pytest.approx(2 / 3)
    assert got.recall == pytest.approx(1 / 2)
    assert got.f1 == pytest.approx(4 / 7)
    assert got.false_abstention == pytest.approx(1 / 4)


def test_a_system_that_never_abstains_has_zero_f1_and_undefined_precision() -> None:
    got = metrics.abstention([False] * 4, [False, False, True, True])
    assert (got.precision, got.recall, got.f1, got.false_abstention) == (None, 0.0, 0.0, 0.0)


def test_latency_percentiles_interpolate() -> None:
    assert metrics.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert metrics.percentile([10.0, 20.0, 30.0, 40.0], 95) == pytest.approx(38.5)
    assert metrics.percentile([], 50) is None


BASE_ITEM = Item(
    id="x-01",
    question="q",
    history=(),
    category="fact",
    answerable=True,
    gold_spans=("Delta epsilon zeta.",),
    answer_any=("epsilon",),
    speaker=None,
    split="test",
)


def _item(**fields: object) -> Item:
    return replace(BASE_ITEM, **fields)


def test_an_abstention_scores_no_evidence_even_if_its_related_passages_hit_gold() -> None:
    answer = Answer("The document doesn't say.", [HIT], abstained=True)
    score = scoring.score_item("ours", _item(), answer, 5.0, TEXTS, "Shireen T. Hunter")
    assert (score.recall_at_3, score.answer_hit, score.accuracy, score.offsets_valid) == (0.0, 0.0, 0.0, 1.0)
    assert scoring.problems(score) == ["false abstention"]


def test_summary_averages_items_and_scores_abstention_on_the_whole_set() -> None:
    good = scoring.score_item("s", _item(), Answer("“epsilon” [1]", [HIT]), 10.0, TEXTS, "a")
    wrong = scoring.score_item("s", _item(id="x-02"), Answer("“Alpha beta” [1]", [MISS_1]), 30.0, TEXTS, "a")
    unanswerable = _item(id="x-03", category="unanswerable", answerable=False, gold_spans=(), answer_any=())
    abstained = scoring.score_item("s", unanswerable, Answer("No.", [], abstained=True), 20.0, TEXTS, "a")
    summary = scoring.summarize([good, wrong, abstained])
    assert summary["items"] == 3
    assert summary["recall_at_1"] == 0.5
    assert summary["accuracy"] == pytest.approx(2 / 3)
    assert (summary["abstention_precision"], summary["abstention_f1"], summary["false_abstention"]) == (1.0, 1.0, 0.0)
    assert summary["latency_p50_ms"] == 20.0
    assert scoring.problems(wrong) == ["wrong citation", "key phrase missing"]
