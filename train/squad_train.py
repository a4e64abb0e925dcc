"""Turn SQuAD 2.0 training articles into the shared corpora's format (a plain text and offset-gold
questions per article), so more outside documents can train and tune the judge.

`python -m train.squad_train` reads the 10-article subset of SQuAD 2.0's train set in a local mirror
and writes `train/data/squad2-train10/`; every answer offset is checked against the written text."""

from __future__ import annotations

import argparse
import json
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

# A public GitHub repository that ships the first 10 articles of SQuAD 2.0's train set, as mirrored here.
MIRROR = Path("/work/.mirror/PhongNTDo+guide_train_MRC_transformers/repo")
SQUAD_TRAIN = "train-v2.0.json"
OUT = Path(__file__).parent / "data" / "squad2-train10"
# Between the title line and a paragraph, and between paragraphs: a blank line, as in squad2-dev4.
GAP = "\n\n"


def file_stem(title: str) -> str:
    """Return a file-system-safe ASCII stem for a SQuAD title ("Spectre_(2015_film)" → "Spectre_2015_film")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    kept = "".join(c if c.isalnum() or c in "_-" else "_" for c in ascii_title)
    return "_".join(part for part in kept.split("_") if part)


def _span(text: str, start: int, offset: int, doc: str) -> dict[str, Any]:
    span = {"text": text, "start": offset + start, "end": offset + start + len(text)}
    if doc[span["start"] : span["end"]] != text:
        raise ValueError(f"answer {text!r} is not at {span['start']}")
    return span


def _spans(answers: list[dict[str, Any]], offset: int, doc: str) -> list[dict[str, Any]]:
    return [_span(a["text"], a["answer_start"], offset, doc) for a in answers]


def convert(article: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Return one SQuAD article as a document text and its questions with offsets into that text."""
    title = article["title"].replace("_", " ")
    paragraphs = []
    for p in article["paragraphs"]:
        # Surrounding spaces would make a blank line that is not one; strip them and shift the gold.
        lead = len(p["context"]) - len(p["context"].lstrip())
        paragraphs.append((p["context"].strip(), lead, p["qas"]))
    doc = title + GAP + GAP.join(context for context, _, _ in paragraphs)
    questions = []
    offset = len(title) + len(GAP)
    for n, (context, lead, qas) in enumerate(paragraphs):
        for q in qas:
            questions.append(
                {
                    "id": q["id"],
                    "question": q["question"].strip(),
                    "answerable": not q["is_impossible"],
                    "answers": _spans(q["answers"], offset - lead, doc),
                    "plausible_answers": _spans(q.get("plausible_answers", []), offset - lead, doc),
                    "paragraph": n,
                }
            )
        offset += len(context) + len(GAP)
    return doc, questions


def _read_squad(path: Path | None) -> dict[str, Any]:
    if path is not None:
        return json.loads(path.read_text(encoding="utf-8"))
    shown = subprocess.run(
        ["git", "-C", str(MIRROR), "show", f"HEAD:{SQUAD_TRAIN}"], check=True, capture_output=True
    ).stdout
    return json.loads(shown.decode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Convert every article of the SQuAD file; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m train.squad_train", description=__doc__)
    parser.add_argument("--squad", type=Path, help=f"a SQuAD 2.0 JSON file (default: {SQUAD_TRAIN} in {MIRROR})")
    parser.add_argument("--out", type=Path, default=OUT, help="where the texts and questions are written")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for article in _read_squad(args.squad)["data"]:
        doc, questions = convert(article)
        stem = file_stem(article["title"])
        (args.out / f"{stem}.txt").write_text(doc + "\n", encoding="utf-8")
        rows = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
        (args.out / f"{stem}.jsonl").write_text(rows, encoding="utf-8")
        unanswerable = sum(not q["answerable"] for q in questions)
        print(f"{stem}: {len(questions)} questions, {unanswerable} unanswerable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
