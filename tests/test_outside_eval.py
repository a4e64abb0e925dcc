"""The eval over any document with offset gold: loading, the figures, and the coverage curve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.corpus import load_offset_questions, load_questions
from eval.dataset import DatasetError
from eval.outside import Outcome, curve, summarize

TEXT = "Title\n\nThe bridge was opened in 1932. It is 503 metres long.\n\nThe river floods in spring."


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _when(question: str) -> dict:
    """An answerable row whose answer is the year the bridge opened."""
    start = TEXT.index("1932")
    return {
        "id": "a",
        "question": question,
        "answerable": True,
        "answers": [{"text": "1932", "start": start, "end": start + 4}],
    }


def _o(qid: str, answerable: bool, abstained: bool, confidence: float, hit: bool = False, vetoed: bool = False):
    return Outcome(qid, answerable, abstained, vetoed, confidence, hit and not abstained, hit, None)


def test_offset_questions_load_and_check_their_offsets(tmp_path: Path) -> None:
    start = TEXT.index("1932")
    rows = [
        _when("When?"),
        {"id": "b", "question": "Who?", "answerable": False, "answers": [], "plausible_answers": []},
    ]
    questions = load_offset_questions(_write(tmp_path, rows), TEXT)
    assert [(q.id, q.answerable, q.gold) for q in questions] == [("a", True, ((start, start + 4),)), ("b", False, ())]


def test_offsets_that_do_not_match_their_text_are_refused(tmp_path: Path) -> None:
    rows = [{"id": "a", "question": "When?", "answerable": True, "answers": [{"text": "1932", "start": 0, "end": 4}]}]
    with pytest.raises(DatasetError, match="do not match its text"):
        load_offset_questions(_write(tmp_path, rows), TEXT)


def test_a_line_in_neither_format_names_the_fields(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="needs 'id', 'question'"):
        load_offset_questions(_write(tmp_path, [{"question": "x"}]), TEXT)


def test_string_gold_sets_are_located_in_the_text(tmp_path: Path) -> None:
    row = {
        "id": "s-1",
        "question": "How long is it?",
        "history": [],
        "category": "fact",
        "answerable": True,
        "gold_spans": ["It is 503 metres long."],
        "answer_any": ["503"],
        "speaker": None,
        "split": "test",
    }
    (q,) = load_questions(_write(tmp_path, [row]), TEXT)
    start, end = q.gold[0]
    assert TEXT[start:end] == "It is 503 metres long."


def test_summary_counts_evidence_and_abstention() -> None:
    outcomes = [
        _o("a1", True, False, 0.9, hit=True),
        _o("a2", True, False, 0.8, hit=False),
        _o("a3", True, True, 0.2, hit=True),
        _o("u1", False, True, 0.1),
        _o("u2", False, False, 0.7),
    ]
    s = summarize(outcomes)
    assert s["evidence_at_3"] == pytest.approx(1 / 3)
    assert s["retrieved_at_3"] == pytest.approx(2 / 3)
    assert s["abstention_recall"] == pytest.approx(0.5)
    assert s["false_abstention"] == pytest.approx(1 / 3)


def test_curve_reads_abstention_recall_within_the_false_abstention_budget() -> None:
    outcomes = [_o(f"a{i}", True, False, 0.5 + i / 100) for i in range(10)]
    outcomes += [_o("u1", False, False, 0.1), _o("u2", False, False, 0.9), _o("u3", False, True, 0.95, vetoed=True)]
    points = curve(outcomes)
    # Abstaining under 0.5 refuses no answerable question and catches u1; the veto catches u3.
    assert (0.5, 0.0, pytest.approx(2 / 3)) in [(t, f, c) for t, f, c in points]
    assert summarize(outcomes)["recall_at_budget"] == pytest.approx(2 / 3)


def test_qa_eval_runs_over_any_document_with_offset_gold(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from eval.run import main

    document = tmp_path / "bridge.txt"
    document.write_text(TEXT, encoding="utf-8")
    rows = [
        _when("When was the bridge opened?"),
        {"id": "b", "question": "Who painted the bridge red in 1950?", "answerable": False, "answers": []},
    ]
    out = tmp_path / "results"
    code = main(
        [
            "--document",
            str(document),
            "--questions",
            str(_write(tmp_path, rows)),
            "--systems",
            "ours,rules",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads((out / "full" / "outside" / "bridge--q" / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) == {"ours", "rules"}
    assert summary["ours"]["questions"] == 2
    assert summary["ours"]["retrieved_at_3"] == 1.0
    assert (out / "full" / "outside" / "bridge--q" / "abstention-curve.png").stat().st_size > 1000
    assert "ours |" in capsys.readouterr().out


def test_qa_eval_refuses_an_unknown_check(capsys: pytest.CaptureFixture) -> None:
    from eval.run import main

    assert main(["--disable-check", "no-such-check"]) == 2
    assert "Unknown check" in capsys.readouterr().err


def test_the_ablation_asks_again_only_where_a_check_fired_and_matches_a_full_rerun(tmp_path: Path) -> None:
    from collections import Counter

    from eval import outside
    from eval.ablation import TUNE, without_check

    sets = TUNE[1:2]  # the bundled article's tune set 17
    full = {name: outside.run(doc, q, ("ours",), "", tmp_path)["ours"] for name, doc, q in sets}
    fired_on = {name: outside.fired_checks(doc, q, tmp_path) for name, doc, q in sets}
    fires = Counter(check for fired in fired_on[sets[0][0]].values() for check in fired)
    assert fires, "no check fired on set 17: the comparison below would prove nothing"
    check = fires.most_common(1)[0][0]
    shortcut = without_check(check, sets, full, fired_on, tmp_path)
    rerun = {name: outside.run(doc, q, ("ours",), check, tmp_path)["ours"] for name, doc, q in sets}
    assert shortcut == rerun
    # ... and not because switching the check off changed nothing.
    assert shortcut != full
