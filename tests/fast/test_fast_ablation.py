"""The ablation's verdicts: a check earns its place by a gain over its cost, and one that never fired
on a split has no evidence there either way."""

from __future__ import annotations

from eval.ablation import table


def _figures(recall: float, false: float) -> dict[str, float]:
    # 100 questions: 20 unanswerable, 80 answerable.
    return {"abstention_recall": recall, "false_abstention": false, "questions": 100, "answerable": 80}


def test_verdicts_weigh_gain_against_cost_and_name_checks_that_never_fired() -> None:
    rows = [
        ("helps", 3, _figures(0.5, 0.05), _figures(0.4, 0.04)),
        ("costs", 2, _figures(0.5, 0.05), _figures(0.5, 0.03)),
        ("idle", 0, _figures(0.5, 0.05), _figures(0.5, 0.05)),
    ]
    lines = table("Tune", rows).splitlines()
    assert lines[0] == "### Tune"
    verdicts = {line.split(" | ")[0].strip("| "): line.rsplit(" | ", 1)[1].strip(" |") for line in lines[4:]}
    added = {line.split(" | ")[0].strip("| "): line.split(" | ")[4] for line in lines[4:]}
    assert added == {"helps": "+2 / +1", "costs": "+0 / +2", "idle": "+0 / +0"}
    assert verdicts == {
        "helps": "earns its place",
        "costs": "no gain over its cost",
        "idle": "never fired here: no evidence either way",
    }
