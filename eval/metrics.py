"""Deterministic metrics: retrieval, answer, abstention, attribution and latency, as pure functions."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa import Citation

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


@dataclass(frozen=True)
class Span:
    """A character range ``[start, end)`` of one source document."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Abstention:
    """Abstention quality, with unanswerable items as the positive class; None where undefined."""

    precision: float | None
    recall: float | None
    f1: float | None
    false_abstention: float | None


def fold(text: str) -> str:
    """Return ``text`` lower-cased with curly quotes made straight, for phrase matching."""
    return text.translate(_QUOTES).lower()


def locate(phrases: Sequence[str], texts: Mapping[str, str]) -> list[Span]:
    """Return the first occurrence of each phrase in the first source that holds it."""
    spans: list[Span] = []
    for phrase in phrases:
        for source, text in texts.items():
            start = text.find(phrase)
            if start >= 0:
                spans.append(Span(source, start, start + len(phrase)))
                break
        else:
            raise ValueError(f"Gold span {phrase[:60]!r} is in none of the sources {sorted(texts)}.")
    return spans


def overlaps(citation: Citation, span: Span) -> bool:
    """True when the citation shares at least one character with the span in the same source."""
    return citation.source == span.source and citation.start < span.end and span.start < citation.end


def relevant(citations: Sequence[Citation], gold: Sequence[Span]) -> list[bool]:
    """Return, per citation in order, whether it overlaps any gold span."""
    return [any(overlaps(c, s) for s in gold) for c in citations]


def recall_at(citations: Sequence[Citation], gold: Sequence[Span], k: int) -> float:
    """Return 1.0 if one of the first ``k`` citations overlaps a gold span, else 0.0."""
    return float(any(relevant(citations[:k], gold)))


def reciprocal_rank(citations: Sequence[Citation], gold: Sequence[Span]) -> float:
    """Return 1 / rank of the first citation that overlaps a gold span, or 0.0."""
    for rank, hit in enumerate(relevant(citations, gold), start=1):
        if hit:
            return 1.0 / rank
    return 0.0


def ndcg_at(citations: Sequence[Citation], gold: Sequence[Span], k: int = 5) -> float:
    """Return nDCG@k where a citation gains the number of gold spans it is first to cover.

    The ideal ranking puts one gold span per rank; a citation covering several spans at once may
    reach that ideal early, so the score is capped at 1.0.
    """
    if not gold:
        return 0.0
    covered: set[Span] = set()
    dcg = 0.0
    for rank, citation in enumerate(citations[:k], start=1):
        new = {s for s in gold if s not in covered and overlaps(citation, s)}
        covered |= new
        dcg += len(new) / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return min(1.0, dcg / ideal)


def span_coverage(citations: Sequence[Citation], gold: Sequence[Span]) -> float:
    """Return the fraction of gold spans that some citation overlaps."""
    if not gold:
        return 0.0
    return sum(any(overlaps(c, s) for c in citations) for s in gold) / len(gold)


def citation_precision(citations: Sequence[Citation], gold: Sequence[Span]) -> float | None:
    """Return the fraction of citations that overlap a gold span; None without citations."""
    if not citations:
        return None
    return sum(relevant(citations, gold)) / len(citations)


def answer_hit(text: str, answer_any: Sequence[str]) -> bool:
    """True when the answer text contains one of the key phrases (case and quote style folded)."""
    folded = fold(text)
    return any(fold(phrase) in folded for phrase in answer_any)


def offsets_valid(citations: Sequence[Citation], texts: Mapping[str, str]) -> bool:
    """True when every citation's quote is exactly ``source[start:end]``."""
    return all(c.source in texts and texts[c.source][c.start : c.end] == c.quote for c in citations)


def names_speaker(text: str, speaker: str, author: str) -> bool:
    """True when the text names the speaker as a whole word ('author' also names the author)."""
    names = [speaker, "author"] if speaker == author else [speaker]
    folded = fold(text)
    return any(re.search(rf"\b{re.escape(fold(name))}\b", folded) for name in names)


def attribution_ok(text: str, citations: Sequence[Citation], speaker: str, author: str) -> bool:
    """True when the first citation is by ``speaker`` and the answer text names them."""
    return bool(citations) and citations[0].speaker == speaker and names_speaker(text, speaker, author)


def abstention(abstained: Sequence[bool], answerable: Sequence[bool]) -> Abstention:
    """Return abstention precision, recall, F1 and the false-abstention rate on answerable items."""
    pairs = list(zip(abstained, answerable, strict=True))
    true_pos = sum(a and not ok for a, ok in pairs)
    false_pos = sum(a and ok for a, ok in pairs)
    positives = sum(not ok for _, ok in pairs)
    n_answerable = len(pairs) - positives
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else None
    recall = true_pos / positives if positives else None
    false_neg = positives - true_pos
    f1 = 2 * true_pos / (2 * true_pos + false_pos + false_neg) if positives else None
    false_rate = false_pos / n_answerable if n_answerable else None
    return Abstention(precision, recall, f1, false_rate)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile (linear interpolation) of ``values``; None when empty."""
    return float(np.percentile(values, q)) if len(values) else None
