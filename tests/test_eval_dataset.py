"""The eval question set is valid: exact gold spans, unique ids, every category and comment covered."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from eval.dataset import CATEGORIES, SPLITS, DatasetError, Item, check_against, check_items, load_items, select_split
from eval.metrics import fold

# The five reader comments, as the structure parser names their speakers.
COMMENTERS = ("PIERE", "Commenter 2", "Commenter 3", "Commenter 4", "Commenter 5")


@pytest.fixture(scope="module")
def items() -> list[Item]:
    """The committed question set."""
    return load_items()


def test_every_gold_span_is_an_exact_substring_of_the_document(items: list[Item], document_text: str) -> None:
    missing = [(item.id, span) for item in items for span in item.gold_spans if span not in document_text]
    assert missing == []
    check_against(items, {"iran-hardliners-hunter": document_text})


def test_ids_are_unique(items: list[Item]) -> None:
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids)) >= 60


def test_every_category_has_several_items_in_both_splits(items: list[Item]) -> None:
    counts = Counter((item.category, item.split) for item in items)
    assert {(c, s): counts[(c, s)] for c in CATEGORIES for s in SPLITS if counts[(c, s)] < 3} == {}


def test_at_least_fifteen_unanswerable_items(items: list[Item]) -> None:
    unanswerable = [item for item in items if not item.answerable]
    assert len(unanswerable) >= 15
    assert all(item.category == "unanswerable" and not item.gold_spans for item in unanswerable)


def test_each_comment_is_asked_about_at_least_twice_with_its_speaker(items: list[Item]) -> None:
    per_speaker = Counter(item.speaker for item in items)
    assert {c: per_speaker[c] for c in COMMENTERS if per_speaker[c] < 2} == {}


def test_key_phrases_appear_in_the_gold_spans(items: list[Item]) -> None:
    unreachable = [
        item.id
        for item in items
        if item.answerable and not any(fold(p) in fold(" ".join(item.gold_spans)) for p in item.answer_any)
    ]
    assert unreachable == []


def test_follow_ups_and_only_follow_ups_carry_history(items: list[Item]) -> None:
    assert {item.id for item in items if item.history} == {item.id for item in items if item.category == "followup"}


def test_both_splits_are_used_and_all_is_their_union(items: list[Item]) -> None:
    tune, test = select_split(items, "tune"), select_split(items, "test")
    assert tune and test
    assert len(tune) + len(test) == len(select_split(items, "all")) == len(items)


def test_check_items_rejects_a_duplicate_id_and_an_unknown_category(items: list[Item]) -> None:
    with pytest.raises(DatasetError, match="Duplicate id"):
        check_items([items[0], items[0]])
    with pytest.raises(DatasetError, match="category 'trivia'"):
        check_items([replace(items[0], category="trivia")])


def test_check_against_names_the_item_whose_gold_span_is_not_in_the_document(items: list[Item]) -> None:
    broken = replace(items[0], gold_spans=("a sentence the article never contains",))
    with pytest.raises(DatasetError, match=items[0].id):
        check_against([broken], {"doc": "some other text"})


def _row(history: object) -> dict[str, object]:
    return {
        "id": "x-1",
        "question": "What did he say?",
        "history": history,
        "category": "followup",
        "answerable": True,
        "gold_spans": ["Iran’s hardliners revealed these contacts"],
        "answer_any": ["hardliners"],
        "speaker": "Shireen T. Hunter",
        "split": "test",
    }


def test_a_history_of_chat_messages_reads_as_the_pairs_it_holds(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": "Who leaked the contacts?"},
        {"role": "assistant", "content": "Iran's hardliners."},
        {"role": "user", "content": "When?"},
        {"role": "assistant", "content": "In 1986."},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(_row(messages)) + "\n", encoding="utf-8")
    pairs = [[m["content"] for m in messages[:2]], [m["content"] for m in messages[2:]]]
    assert load_items(path)[0].history == (tuple(pairs[0]), tuple(pairs[1]))
    path.write_text(json.dumps(_row(pairs)) + "\n", encoding="utf-8")
    assert load_items(path)[0].history == (tuple(pairs[0]), tuple(pairs[1]))


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Who?"}],
        [{"role": "user", "content": "Who leaked it?"}],
        "Who leaked it?",
        [["only one part"]],
    ],
)
def test_a_history_of_another_shape_is_refused_with_the_shapes_it_takes(tmp_path: Path, history: object) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(_row(history)) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="history"):
        load_items(path)


def test_items_repeating_a_train_split_question_are_told_apart_from_new_ones() -> None:
    from eval.overlap import key, seen_in_training

    trained = load_items(Path(__file__).resolve().parents[1] / "eval" / "sets" / "independent-1.jsonl")[0]
    again = replace(trained, id="again", question=f"  {trained.question.upper()}!! ")
    new = replace(trained, id="new", question="Which questions has nobody asked yet about this article?")
    elsewhere = replace(trained, id="elsewhere", history=(("An earlier turn no training item had?", "No."),))

    assert key(again) == key(trained)
    assert seen_in_training([again, new, elsewhere]) == {"again"}


def test_the_report_gives_new_and_repeated_questions_their_own_figures() -> None:
    from eval.report import RunResult

    scores = [replace(_score(), id="a", recall_at_3=1.0), replace(_score(), id="b", recall_at_3=0.0)]
    run = RunResult("all", {}, "now", {}, {"ours": scores}, seen=frozenset({"a"}))

    split = run.by_novelty()
    assert (split["repeat a training question"]["recall_at_3"], split["new questions"]["recall_at_3"]) == (1.0, 0.0)
    assert split["new questions"]["items"] == 1


def _score():
    from eval.scoring import ItemScore
    from qa import Answer

    answer = Answer(text="x", citations=[], abstained=False)
    metrics = dict.fromkeys(("recall_at_1", "recall_at_5", "mrr", "ndcg_at_5", "span_coverage", "answer_hit"), None)
    metrics |= dict.fromkeys(("citation_precision", "offsets_valid", "attribution"), None)
    return ItemScore(
        "ours", "x", "fact", "test", True, False, 1.0, recall_at_3=None, accuracy=1.0, answer=answer, **metrics
    )


def test_no_set_the_ablation_reports_as_held_out_is_trained_on() -> None:
    from eval.ablation import HELDOUT
    from train.splits import MEMORY_ONLY, SOURCES

    trained = {s.questions.resolve() for s in (*SOURCES, *MEMORY_ONLY) if s.split != "heldout"}
    assert [name for name, _, questions in HELDOUT if questions.resolve() in trained] == []


def test_the_stand_alone_memory_takes_no_follow_up_and_the_follow_ups_memory_only_them() -> None:
    # A follow-up read without its turn ("Which hardliner leaked it, by name?") is another question:
    # the stand-alone prior's neighbours hold the broader-brief sets' stand-alone questions only.
    from train.splits import FOLLOW_UPS, MEMORY_ONLY, MEMORY_SETS, STAND_ALONE

    broader = [s for s in MEMORY_ONLY if s.turns == STAND_ALONE]
    assert len(broader) == len(MEMORY_SETS)
    with_follow_ups = 0
    for source in broader:
        items = load_items(source.questions)
        alone = [i for i in items if source.takes(i)]
        follow_ups = [i for i in items if replace(source, turns=FOLLOW_UPS).takes(i)]
        assert alone
        assert not any(i.history for i in alone) and all(i.history for i in follow_ups)
        assert len(alone) + len(follow_ups) == len(items)
        with_follow_ups += bool(follow_ups)
    # The keyword sets among them (since M3) have no follow-ups; the broader-brief ones do (M2's 37
    # and the 36 of M3).
    assert with_follow_ups == 73
