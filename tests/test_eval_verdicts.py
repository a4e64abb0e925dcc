"""The committed eval record: verdicts sorted by id, free of timings, identical across identical runs;
the summary computed from them; full reports and charts only under the ignored ``full/`` folder."""

from __future__ import annotations

import json
import random
import subprocess
from dataclasses import asdict, fields, replace
from pathlib import Path

import pytest

from eval import run, verdicts
from eval.dataset import QUESTIONS
from eval.scoring import ItemScore
from qa import Answer, Citation
from qa.selection import OUTWEIGHED

ROOT = Path(__file__).resolve().parents[1]
CITATION = Citation(1, "a quote", 0, 7, "doc", "article", "Shireen T. Hunter")


def score(item_id: str, answerable: bool, abstained: bool, latency_ms: float, found: bool = True) -> ItemScore:
    """An ours ItemScore with the metrics that the verdict reads; the rest are plausible values."""
    answered_right = answerable and not abstained and found
    value = (1.0 if answered_right else 0.0) if answerable else None
    reason = "weak evidence" if abstained else f"quotes {item_id}"
    return ItemScore(
        system="ours",
        id=item_id,
        category="fact" if answerable else "unanswerable",
        split="test",
        answerable=answerable,
        abstained=abstained,
        latency_ms=latency_ms,
        recall_at_1=value,
        recall_at_3=value,
        recall_at_5=value,
        mrr=value,
        ndcg_at_5=value,
        span_coverage=value,
        answer_hit=value,
        citation_precision=value,
        offsets_valid=1.0,
        attribution=None,
        accuracy=float(answered_right or (not answerable and abstained)),
        answer=Answer(text="…", citations=[CITATION], abstained=abstained, reason=reason),
    )


SCORES = [
    score("fact-10", True, False, 3.1),
    score("fact-02", True, False, 2.7, found=False),
    score("unans-01", False, True, 4.0),
    score("fact-01", True, True, 1.9),
    score("unans-02", False, False, 5.5),
]


def test_verdicts_are_sorted_by_id_whatever_order_the_items_ran_in() -> None:
    shuffled = SCORES[:]
    random.Random(7).shuffle(shuffled)

    rows = verdicts.loads(verdicts.dumps(verdicts.from_scores(shuffled)))

    assert [r.id for r in rows] == ["fact-01", "fact-02", "fact-10", "unans-01", "unans-02"]


def test_verdicts_hold_the_outcome_and_reason_but_no_timing() -> None:
    lines = [json.loads(line) for line in verdicts.dumps(verdicts.from_scores(SCORES)).splitlines()]
    names = [f.name for f in fields(verdicts.Verdict)]

    # Each line is the fields' values in this order, nothing else.
    assert names == ["id", "split", "answerable", "abstained", "evidence", "hit", "reason"]
    assert all(isinstance(line, list) and len(line) == len(names) for line in lines)
    assert not any("latency" in k or "time" in k or "load" in k or "_at" in k for k in names)
    rows = {r.id: asdict(r) for r in verdicts.loads(verdicts.dumps(verdicts.from_scores(SCORES)))}
    assert rows["fact-10"] == {
        "id": "fact-10",
        "split": "test",
        "answerable": True,
        "abstained": False,
        "evidence": True,
        "hit": True,
        "reason": None,
    }
    assert (rows["fact-02"]["evidence"], rows["fact-02"]["hit"]) == (False, False)
    assert rows["fact-01"]["abstained"] and rows["fact-01"]["reason"] == "weak evidence"
    assert rows["unans-01"]["evidence"] is None and rows["unans-01"]["hit"] is None


def test_a_verdict_keeps_the_reason_of_an_abstention_or_of_an_answer_that_outweighed_a_check() -> None:
    def answer(abstained: bool, reason: str) -> Answer:
        return Answer(text="…", abstained=abstained, reason=reason)

    outweighed = f"the judge's answer probability 0.61 clears 0.04{OUTWEIGHED}no name for what is asked"

    assert verdicts.kept_reason(answer(True, "no name for what is asked")) == "no name for what is asked"
    assert verdicts.kept_reason(answer(False, outweighed)) == outweighed
    # A plain answer's reason only restates the judge's probability, which moves with every refit.
    assert verdicts.kept_reason(answer(False, "the judge's answer probability 0.99 clears 0.04")) is None


def test_identical_runs_write_identical_bytes_though_their_timings_differ(tmp_path: Path) -> None:
    slower = [replace(s, latency_ms=s.latency_ms * 10 + 1) for s in reversed(SCORES)]

    first = verdicts.write(SCORES, "independent-3", tmp_path / "a")
    second = verdicts.write(slower, "independent-3", tmp_path / "b")

    assert first["verdicts"].read_bytes() == second["verdicts"].read_bytes()
    assert first["summary"].read_bytes() == second["summary"].read_bytes()
    assert verdicts.loads(first["verdicts"].read_text()) == verdicts.from_scores(SCORES)


def test_summary_has_one_row_per_set_in_number_order_with_headline_metrics(tmp_path: Path) -> None:
    for name in ("independent-10", "independent-2", "bundled"):
        verdicts.write(SCORES, name, tmp_path)

    table = [line for line in (tmp_path / verdicts.SUMMARY).read_text().splitlines() if line.startswith("| ")]

    assert [row.split(" | ")[0] for row in table[1:]] == ["| bundled", "| independent-2", "| independent-10"]
    # 3 answerable: evidence and hit on one of them; 1 of 2 unanswerable abstained; 1 false abstention.
    assert table[1] == "| bundled | test | 5 | 0.333 | 0.333 | 1 / 2 | 1 / 3 |"


def test_the_bundled_set_is_named_bundled_and_others_by_their_file(tmp_path: Path) -> None:
    assert verdicts.set_name(QUESTIONS, QUESTIONS) == "bundled"
    assert verdicts.set_name(Path("eval/sets/independent-7.jsonl"), QUESTIONS) == "independent-7"


def test_verdict_fields_say_nothing_that_changes_between_identical_runs() -> None:
    assert {f.name for f in fields(verdicts.Verdict)} == {
        "id",
        "split",
        "answerable",
        "abstained",
        "evidence",
        "hit",
        "reason",
    }


def test_full_reports_are_ignored_by_git_and_the_committed_results_are_small() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "eval/results/full/bundled/results.json"], cwd=ROOT, check=False
    )
    tracked = subprocess.run(
        ["git", "ls-files", "eval/results"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()

    assert ignored.returncode == 0, "eval/results/full/ must be in .gitignore"
    assert not [p for p in tracked if p.endswith(("results.json", "/report.md")) or p.startswith("eval/results/full/")]
    assert sum((ROOT / p).stat().st_size for p in tracked if (ROOT / p).exists()) <= 2 * 1024 * 1024


@pytest.fixture
def tiny_set(tmp_path: Path) -> Path:
    """Three items of the bundled set (two answerable, one not) as a question set of their own."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if r["answerable"]][:2] + [r for r in rows if not r["answerable"]][:1]
    path = tmp_path / "tiny-1.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    return path


def test_qa_eval_writes_verdicts_and_summary_and_keeps_the_full_report_under_full(
    tiny_set: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results"

    code = run.main(["--questions", str(tiny_set), "--split", "all", "--quick", "--systems", "ours", "--out", str(out)])

    assert code == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and "full" not in p.parts) == [
        "summary.md",
        "tiny-1/verdicts.jsonl",
    ]
    assert {p.name for p in (out / "full" / "tiny-1").iterdir()} >= {"report.md", "results.json", "metrics.png"}
    rows = verdicts.loads((out / "tiny-1" / verdicts.VERDICTS).read_text())
    assert len(rows) == 3 and [r.id for r in rows] == sorted(r.id for r in rows)
    assert "| tiny-1 |" in (out / verdicts.SUMMARY).read_text()
