"""`make train`: fit the query adapter, the document ranker over it and the question prior, mine the
answerability inputs with the engine (all on), fit the judges on the train split (the follow-up
judge on the bundled article's train and memory follow-ups), choose each one's threshold on the
tune questions of the documents it judges (the follow-up judge's on its own follow-ups read out of
fold), and write them with model cards of held-out figures."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from qa import Settings
from qa.adapter import BUNDLED_ADAPTER, write_adapter
from qa.judge import BUNDLED_JUDGE, DOCUMENT_FILE, FOLLOW_UP_JUDGE_FILE, write_judge
from qa.prior import BUNDLED_PRIOR, FOLLOW_UP_FILE, write_prior
from qa.ranker import write_ranker
from train import adapter, calibrate, card, mine, prior, ranker
from train.splits import OUTSIDE_TUNE, TRAINING_ARTICLES

SEED = 13


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fit_adapter(work: Path, out: Path) -> None:
    """Fit the query adapter on the train split, then the document ranker over it, and write both,
    with their card, into ``out``."""
    started = time.monotonic()
    sentences, found = adapter.examples(work, work / "models")
    matrix = adapter.fit(sentences, [e for e in found if e.split == "train"], SEED)
    write_adapter(matrix, out, Settings().model_name)
    before, after = adapter.recall_at_3(sentences, found, None), adapter.recall_at_3(sentences, found, matrix)
    card.write_adapter_card(out / "README.md", before, after, len(found), SEED, time.monotonic() - started)
    print(json.dumps({"dense recall@3 without": before, "with": after}, indent=2))
    # The document ranker weighs the adapted signals, so it is fitted over this adapter.
    fitted = ranker.fit(work, work / "models", out, Settings().model_name)
    write_ranker(fitted.ranker, out)
    with (out / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(ranker.card(fitted))
    print(json.dumps({"ranker tune recall@1, @3": fitted.tune, "strength": fitted.strength}, indent=2))


def fit_prior(work: Path, out: Path) -> tuple[prior.Fitted, prior.Fitted]:
    """Fit the question prior and the follow-ups' own on the bundled article's train split and write
    them, with their card, into ``out``."""
    fitted = prior.fit(work, work / "models", Settings().model_name, SEED)
    follow_ups = prior.fit_follow_ups(work, work / "models", Settings().model_name, SEED)
    write_prior(fitted.prior, out)
    write_prior(follow_ups.prior, out, FOLLOW_UP_FILE)
    card.write_prior_card(out / "README.md", fitted, follow_ups, SEED)
    print(json.dumps({"question prior tune AUROC by C": fitted.tune_auroc, "C": fitted.strength}, indent=2))
    print(json.dumps({"follow-up prior tune AUROC by C": follow_ups.tune_auroc, "C": follow_ups.strength}, indent=2))
    return fitted, follow_ups


def main(argv: list[str] | None = None) -> int:
    """Run the whole training; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    parser.add_argument("--work", type=Path, default=Path(".qa-data/train"), help="scratch folder")
    parser.add_argument("--out", type=Path, default=BUNDLED_JUDGE, help="where the judge is written")
    parser.add_argument("--adapter-out", type=Path, default=BUNDLED_ADAPTER, help="where the adapter is written")
    parser.add_argument("--prior-out", type=Path, default=BUNDLED_PRIOR, help="where the question prior is written")
    parser.add_argument("--reuse", action="store_true", help="reuse the adapter and mined inputs in --work")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    mined = args.work / "mined.jsonl"
    if not (args.reuse and mined.is_file()):
        fit_adapter(args.work, args.adapter_out)
    # Fitted every time (it is quick): the judge needs its out-of-fold logits on the train split.
    fitted, follow_ups = fit_prior(args.work, args.prior_out)
    if args.reuse and mined.is_file():
        records = _records(mined)
    else:
        records = mine.main(mined, args.work, args.adapter_out, args.prior_out)
    prior.out_of_fold(records, fitted, follow_ups)
    by_split = {s: [r for r in records if r["split"] == s] for s in ("train", "tune", "heldout", "memory")}
    articles = {s.name for s in TRAINING_ARTICLES}
    # The document judge learns from the bundled article's split (and the two outside train articles);
    # the generic one, which judges every other document, from the other documents alone (the outside
    # and training articles), with its threshold chosen on the outside tune article. Fitted on the
    # bundled article too, its threshold fell as that article's question sets grew (0.086 with 16 sets,
    # 0.042 with 31), and Harvard's abstention with it (22.7% -> 15.3%); without, its discrimination
    # was unchanged (Harvard within 10% false abstention 53.3% -> 55.3%), and so was the article's
    # with the question prior off (held-out sets: 46.9% -> 45.7% abstained).
    # The document judge's threshold is chosen on the tune questions asked of the bundled article:
    # chosen on all of them, an Islamism question set it (0.035 instead of 0.058), a document this
    # judge never serves (variant T, docs/decisions-2026-12-07.md).
    train = [r for r in by_split["train"] if r["source"] not in articles]
    own_tune = [r for r in by_split["tune"] if calibrate.on_prior_document(r)]
    document = calibrate.fit(train, own_tune, SEED, inputs=calibrate.DOCUMENT_INPUTS)
    # A check precise on the outside train articles (Force, Steam_engine) that fires on the outside
    # tune article and refuses nothing answerable there vetoes for the generic judge too (answer-type
    # and negation).
    others = [r for r in by_split["train"] if not calibrate.on_prior_document(r)]
    outside_train = [r for r in others if r["source"] not in articles]
    outside_tune = [r for r in by_split["tune"] if r["source"] in OUTSIDE_TUNE]
    also = calibrate.clean_on(calibrate.vetoes(outside_train), outside_tune)
    generic = calibrate.fit(others, outside_tune, SEED, also)
    # The follow-up judge learns from the bundled article's train and memory follow-ups alone, its
    # threshold chosen on them read out of fold (train/splits.py FOLLOW_UP_JUDGE_MEMORY).
    follow_up_records = [
        r
        for r in (*by_split["train"], *by_split["memory"])
        if r["inputs"].get("follow_up") and calibrate.on_prior_document(r)
    ]
    follow_up = calibrate.fit_out_of_fold(follow_up_records, SEED, inputs=calibrate.DOCUMENT_INPUTS)
    write_judge(generic, args.out)
    write_judge(document, args.out, DOCUMENT_FILE)
    write_judge(follow_up, args.out, FOLLOW_UP_JUDGE_FILE)

    def as_served(rows: list[dict]) -> dict[str, float]:
        return calibrate.figures(calibrate.served(rows, document, generic, follow_up), rows)

    report = {"tune (all)": as_served(by_split["tune"])}
    for name in dict.fromkeys(r["source"] for r in by_split["heldout"]):
        report[f"{name} (heldout)"] = as_served([r for r in by_split["heldout"] if r["source"] == name])
    report["heldout (all)"] = as_served(by_split["heldout"])
    card.write(
        args.out / "README.md",
        {"document": document, "follow-up": follow_up, "generic": generic},
        {**{s: len(v) for s, v in by_split.items()}, "own tune": len(own_tune), "follow-ups": len(follow_up_records)},
        report,
        SEED,
        time.monotonic() - started,
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
