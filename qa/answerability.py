"""What the learned answerability model reads about a question and its best evidence: the engine's
scores, how much of what the question asks the evidence leaves out, and which named checks fired."""

from __future__ import annotations

import math
import re

from qa.evidence import Evidence, EvidenceScorer, paragraph_of
from qa.text import fold, terms

# A name or number inside the question (not its first word): what SQuAD 2.0's writers changed to
# make a question unanswerable, and what the evidence must then lack.
_DETAIL = re.compile(r"(?<=[\w,;:] )(?:[A-Z][\w'’-]*|\d[\d,.]*)")
# Candidates whose dense scores describe the neighbourhood of the best one.
TOP = 6


def _missing(
    question_terms: list[str], evidence_terms: set[str], idf: dict[str, float], unknown: float
) -> tuple[float, float]:
    """Return the largest IDF and the IDF-weighted share of the question's terms the evidence lacks."""
    weights = {t: idf.get(t, unknown) for t in question_terms}
    if not weights:
        return 0.0, 0.0
    absent = [w for t, w in weights.items() if t not in evidence_terms]
    return (max(absent, default=0.0) / unknown, sum(absent) / sum(weights.values()))


def features(scorer: EvidenceScorer, texts: dict[str, str], question: str, ranked: list[Evidence]) -> dict[str, float]:
    """Return the answerability features of ``question`` given the engine's ranking ``ranked``."""
    best = ranked[0]
    # By score: a document ranker orders the sentences after the best by its own weights.
    by_score = sorted(ranked, key=lambda e: -e.score)
    top = by_score[:TOP]
    text = texts[best.unit.source]
    paragraph = paragraph_of(text, best.unit)
    # The header says who speaks ("Reader comment 4 ..."); a question may name them.
    around = f"{best.unit.header} {paragraph}"
    question_terms = terms(question)
    # The best sentence's terms, header included, as indexed.
    in_sentence = scorer.sentence_terms[best.row]
    in_paragraph = set(terms(around))
    missing_max, missing_share = _missing(question_terms, in_sentence, scorer.idf, scorer.unknown_idf)
    paragraph_max, paragraph_share = _missing(question_terms, in_paragraph, scorer.idf, scorer.unknown_idf)
    folded = fold(around)
    details = _DETAIL.findall(question)
    lost = [d for d in details if fold(d).strip(".,") not in folded]
    return {
        "engine_best": best.score,
        "engine_margin": best.score - (by_score[1].score if len(by_score) > 1 else 0.0),
        "dense_best": max(e.dense for e in top),
        "coverage_best": best.coverage,
        "missing_max": missing_max,
        "missing_share": missing_share,
        "paragraph_missing_max": paragraph_max,
        "paragraph_missing_share": paragraph_share,
        "details_lost": float(len(lost)),
        "details_lost_share": len(lost) / len(details) if details else 0.0,
        "question_terms": math.log1p(len(question_terms)),
    }


def check_inputs(values: dict[str, float], fired: tuple[str, ...]) -> dict[str, float]:
    """Return ``values`` with one ``check:NAME`` input per named check that fired."""
    return values | {f"check:{name}": 1.0 for name in fired}
