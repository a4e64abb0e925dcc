"""Score evidence sentences for a query, pick a diverse few, and decide whether to abstain."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from index import Chunk
from qa.query import Query
from qa.search import LevelIndex

# Weights of the sentence evidence score; tuned on the eval tune split (see eval/README.md).
W_SENTENCE_DENSE = 0.45
W_PASSAGE_DENSE = 0.2
W_COVERAGE = 0.35
# Added when a sentence's speaker is the one the question names, subtracted when it is another.
SPEAKER_BONUS = 0.15
# Two quoted sentences closer than this cosine say the same thing; keep one.
DUPLICATE_COSINE = 0.9

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b|\bcentury\b")
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|dozen|several|many|few)\b", re.IGNORECASE)
_WHEN = re.compile(r"^\s*(?:when\b|(?:in\s+)?what\s+(?:year|date|month|decade|century)\b|which\s+(?:year|date)\b)", re.IGNORECASE)
_HOW_MANY = re.compile(r"\bhow\s+(?:many|much|old|long)\b|\bwhat\s+(?:number|percentage|amount)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence with the score that ranks it and the signals behind it."""

    unit: Chunk
    row: int
    score: float
    dense: float
    coverage: float


@dataclass(frozen=True)
class Selection:
    """The sentences chosen for an answer and the verdict on whether they answer it."""

    chosen: list[Evidence]
    ranked: list[Evidence]
    evidence_score: float
    abstain: bool


class EvidenceScorer:
    """Ranks sentences by dense similarity, passage context and weighted term coverage."""

    def __init__(self, passages: LevelIndex, sentences: LevelIndex, sentence_terms: list[set[str]]) -> None:
        self.passages = passages
        self.sentences = sentences
        self.sentence_terms = sentence_terms
        n = len(sentence_terms)
        df: dict[str, int] = {}
        for ts in sentence_terms:
            for t in ts:
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.unknown_idf = math.log(1 + n / 0.5)
        self.passage_row = {u.id: i for i, u in enumerate(passages.units)}
        self.sentence_parent = np.array([self.passage_row[u.parent] for u in sentences.units], dtype=np.int64)

    def _coverage(self, query_terms: list[str]) -> np.ndarray:
        unique = list(dict.fromkeys(query_terms))
        weights = np.array([self.idf.get(t, self.unknown_idf) for t in unique], dtype=np.float32)
        total = float(weights.sum())
        if total == 0:
            return np.zeros(len(self.sentence_terms), dtype=np.float32)
        present = np.array([[t in ts for t in unique] for ts in self.sentence_terms], dtype=np.float32)
        return present @ weights / total

    def rank(self, query: Query, query_terms: list[str], vector: np.ndarray, mode: str, rrf_k: int) -> list[Evidence]:
        """Return every sentence as evidence, best first."""
        s_scores = self.sentences.scores(query_terms, vector, mode, rrf_k)
        if mode != "hybrid":
            # Baselines rank by one signal alone and never abstain: score 1.0 clears any threshold.
            order = s_scores.ranking()
            return [
                Evidence(self.sentences.units[i], int(i), 1.0, float(s_scores.dense[i]), 0.0)
                for i in order
            ]
        p_dense = self.passages.vectors @ vector
        coverage = self._coverage(query_terms)
        score = (
            W_SENTENCE_DENSE * s_scores.dense
            + W_PASSAGE_DENSE * p_dense[self.sentence_parent]
            + W_COVERAGE * coverage
        )
        if query.speaker or query.wants_commenter:
            speakers = [u.speaker for u in self.sentences.units]
            if query.speaker:
                match = np.array([s == query.speaker for s in speakers], dtype=np.float32)
            else:
                match = np.array([u.section == "comment" for u in self.sentences.units], dtype=np.float32)
            score = score + SPEAKER_BONUS * (2 * match - 1)
        order = np.argsort(-score, kind="stable")
        return [
            Evidence(self.sentences.units[i], int(i), float(score[i]), float(s_scores.dense[i]), float(coverage[i]))
            for i in order
        ]


def wrong_answer_type(question: str, chosen: list[Evidence], texts: dict[str, str]) -> bool:
    """True when the question asks for a year or a count and no chosen sentence holds one."""
    quoted = [texts[e.unit.source][e.unit.start : e.unit.end] for e in chosen]
    if _WHEN.search(question):
        return not any(_YEAR.search(q) for q in quoted)
    if _HOW_MANY.search(question):
        return not any(_NUMBER.search(q) for q in quoted)
    return False


def select(
    ranked: list[Evidence],
    query: Query,
    texts: dict[str, str],
    vectors: np.ndarray,
    max_citations: int,
    support_ratio: float,
    threshold: float,
) -> Selection:
    """Choose up to ``max_citations`` strong, non-redundant sentences and judge the evidence."""
    pool = [
        e
        for e in ranked
        if not query.already_quoted or texts[e.unit.source][e.unit.start : e.unit.end] not in query.already_quoted
    ]
    if not pool:
        return Selection([], ranked, 0.0, True)
    best = pool[0]
    chosen = [best]
    for e in pool[1:]:
        if len(chosen) >= max_citations or e.score < support_ratio * best.score:
            break
        if max(float(vectors[e.row] @ vectors[c.row]) for c in chosen) >= DUPLICATE_COSINE:
            continue
        chosen.append(e)
    abstain = best.score < threshold or wrong_answer_type(query.question, chosen, texts)
    return Selection(chosen, ranked, best.score, abstain)
