"""The committed record of an eval run: one verdict per item, and a summary table over every set.

``<results>/<set>/verdicts.jsonl`` holds ours' verdict on each item, sorted by id, with nothing that
changes between identical runs (no timings, dates or load averages), so its diff shows exactly which
items changed. Each line is one JSON array, the fields in ``Verdict``'s order (id, split, answerable,
abstained, evidence, hit, reason): without their names repeated on every line, the committed results
of 200 sets stay well under their size limit. A plain answer's reason is left out: it only restates
the judge's probability, which moves with every refit, so keeping it would change every row of a
refit's diff, and it was half the bytes. ``<results>/summary.md`` is computed from all verdict
files, so it needs no other input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from eval.scoring import ItemScore
from qa.records import Answer
from qa.selection import OUTWEIGHED

VERDICTS = "verdicts.jsonl"
SUMMARY = "summary.md"


@dataclass(frozen=True)
class Verdict:
    """How ours did on one item; ``evidence`` and ``hit`` are None for an unanswerable item."""

    id: str
    split: str
    answerable: bool
    abstained: bool
    # A gold span among the first three citations (recall@3 for this item).
    evidence: bool | None
    # A key phrase in the answer text (answer hit).
    hit: bool | None
    # Why ours abstained, or which checks its answer outweighed (``Answer.reason``); None for a
    # plain answer.
    reason: str | None


def kept_reason(answer: Answer) -> str | None:
    """Return the reason a verdict keeps: an abstention's, or an answer's that names an outweighed check."""
    reason = answer.reason
    return reason if answer.abstained or OUTWEIGHED in (reason or "") else None


def _flag(value: float | None) -> bool | None:
    return None if value is None else value > 0


def from_scores(scores: Iterable[ItemScore]) -> list[Verdict]:
    """Return one verdict per scored item, sorted by id."""
    return sorted(
        (
            Verdict(
                id=s.id,
                split=s.split,
                answerable=s.answerable,
                abstained=s.abstained,
                evidence=_flag(s.recall_at_3),
                hit=_flag(s.answer_hit),
                reason=kept_reason(s.answer),
            )
            for s in scores
        ),
        key=lambda v: v.id,
    )


def dumps(verdicts: Sequence[Verdict]) -> str:
    """Return verdicts as JSON lines: sorted by id, each an array of the fields in a fixed order."""
    rows = sorted(verdicts, key=lambda v: v.id)
    return "".join(json.dumps(list(astuple(v)), ensure_ascii=False, separators=(",", ":")) + "\n" for v in rows)


def loads(text: str) -> list[Verdict]:
    """Parse JSON lines written by ``dumps`` (or by earlier versions, one object per line)."""
    rows = (json.loads(line) for line in text.splitlines() if line.strip())
    return [Verdict(**row) if isinstance(row, dict) else Verdict(*row) for row in rows]


def set_name(questions: Path, bundled: Path) -> str:
    """Return the name a question set's results go under: ``bundled`` or the file's stem."""
    return "bundled" if questions.resolve() == bundled.resolve() else questions.stem


def _order(name: str) -> tuple[int, str, int]:
    # bundled first, then sets in number order: independent-2 before independent-10.
    stem, _, number = name.rpartition("-")
    if name == "bundled":
        return (0, "", 0)
    return (1, stem, int(number)) if number.isdigit() else (1, name, 0)


def _share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else "–"


def summary_row(name: str, verdicts: Sequence[Verdict]) -> list[str]:
    """Return one set's headline metrics as table cells."""
    answerable = [v for v in verdicts if v.answerable]
    unanswerable = [v for v in verdicts if not v.answerable]
    splits = sorted({v.split for v in verdicts})
    return [
        name,
        "all" if len(splits) > 1 else splits[0],
        str(len(verdicts)),
        _share([bool(v.evidence) for v in answerable]),
        _share([bool(v.hit) for v in answerable]),
        f"{sum(v.abstained for v in unanswerable)} / {len(unanswerable)}",
        f"{sum(v.abstained for v in answerable)} / {len(answerable)}",
    ]


def summary(results: Path) -> str:
    """Return the Markdown summary of every ``<set>/verdicts.jsonl`` under ``results``."""
    sets = {
        path.parent.name: loads(path.read_text(encoding="utf-8"))
        for path in results.glob(f"*/{VERDICTS}")
        if path.parent.name != "full"
    }
    header = ["set", "split", "items", "recall@3", "answer hit", "unanswerable abstained", "false abstentions"]
    lines = [
        "# Eval summary",
        "",
        "Ours on each question set, computed from `<set>/verdicts.jsonl` (written by `qa eval`; see",
        "eval/README.md). recall@3: a gold span among the first three citations; answer hit: a key phrase",
        "in the answer; both over answerable items. False abstentions: answerable items abstained on.",
        "Full reports, per-item JSON and charts are written to `full/<set>/`, which git ignores.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(summary_row(name, sets[name])) + " |" for name in sorted(sets, key=_order)]
    return "\n".join(lines) + "\n"


def write(scores: Iterable[ItemScore], name: str, results: Path) -> dict[str, Path]:
    """Write ``<results>/<name>/verdicts.jsonl``, then rewrite ``<results>/summary.md``; return both paths."""
    folder = results / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"verdicts": folder / VERDICTS, "summary": results / SUMMARY}
    paths["verdicts"].write_text(dumps(from_scores(scores)), encoding="utf-8")
    paths["summary"].write_text(summary(results), encoding="utf-8")
    return paths
