"""What the judgment model reads for one candidate: the sentence, then who says it and its neighbours."""

from __future__ import annotations

from qa.evidence import Evidence, EvidenceScorer

# Longest model input in word pieces, question included. 96 holds a question and the sentence
# (median pair: 99 pieces with both neighbours); the judge's cost grows with it.
MAX_TOKENS = 96


def candidate_text(scorer: EvidenceScorer, texts: dict[str, str], e: Evidence) -> str:
    """Return the text paired with the question: the sentence first, so truncation cuts context, not it."""
    unit = e.unit
    text = texts[unit.source]
    around = [scorer.neighbour(e.row, offset) for offset in (-1, 1)]
    context = " ".join(text[n.start : n.end] for n in around if n is not None)
    parts = [text[unit.start : unit.end], unit.header, context]
    return " [SEP] ".join(p for p in parts if p)
