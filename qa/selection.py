"""Choose what to quote from the ranked evidence, and judge whether it answers the question."""

from __future__ import annotations

from dataclasses import dataclass, replace

from index import Chunk
from qa.evidence import Evidence, EvidenceScorer, paragraph_of
from qa.judgment import Judged, veto
from qa.query import Query

# Another speaker's view is quoted beside the best sentence at this fraction of its score: the
# article and its commenters often speak to the same point, and the answer should show both.
CROSS_SPEAKER_RATIO = 0.7
# A supporting sentence needs this many words; shorter lines (salutations, signatures) add noise.
MIN_SUPPORT_WORDS = 4
# Two quoted sentences closer than this cosine say the same thing; keep one.
DUPLICATE_COSINE = 0.9


@dataclass(frozen=True)
class Verdict:
    """How likely the best evidence answers the question, and why not when it falls short."""

    score: float
    threshold: float
    # What the score measures, said in the reason when it falls short.
    source: str

    @property
    def reason(self) -> str | None:
        """Return why the evidence falls short, or None when it clears the threshold."""
        if self.score >= self.threshold:
            return None
        return f"{self.source} {self.score:.2f} is under the threshold {self.threshold:.2f}"


@dataclass(frozen=True)
class Selection:
    """The spans chosen for an answer and the verdict on whether they answer it."""

    chosen: list[Chunk]
    ranked: list[Evidence]
    evidence_score: float
    abstain: bool
    reason: str | None = None
    # What supports an answer: the verdict's score, and that no check vetoed it.
    support: str | None = None


def _merge(spans: list[Chunk]) -> list[Chunk]:
    out: list[Chunk] = []
    for span in sorted(spans, key=lambda u: (u.source, u.start)):
        if out and out[-1].source == span.source and span.start < out[-1].end:
            out[-1] = replace(out[-1], end=max(out[-1].end, span.end))
        else:
            out.append(span)
    return out


def select(
    scorer: EvidenceScorer,
    ranked: list[Evidence],
    query: Query,
    focus_words: list[str],
    texts: dict[str, str],
    max_citations: int,
    support_ratio: float,
    verdict: Verdict,
    checks: tuple[str, ...],
) -> Selection:
    """Choose up to ``max_citations`` strong, non-redundant sentences, then judge the evidence: the
    verdict's score against its threshold, then the active named checks."""
    if not ranked:
        return Selection([], ranked, 0.0, True, "the document has no text to quote")
    vectors = scorer.sentences.vectors
    best = ranked[0]
    picked = [best]
    spans = [scorer.widened(best, texts)]
    floor = min(support_ratio, CROSS_SPEAKER_RATIO) * best.score
    beside = {n.start for n in (scorer.neighbour(best.row, o) for o in (-1, 1)) if n is not None}
    for e in ranked[1:]:
        # Citations are counted as quoted: sentences that merge into one passage are one citation.
        if len(_merge(spans)) >= max_citations or e.score < floor:
            break
        if any(s.source == e.unit.source and s.start <= e.unit.start and e.unit.end <= s.end for s in spans):
            continue  # already quoted as context of a chosen sentence
        same_speaker = any(c.unit.speaker == e.unit.speaker for c in picked)
        # The sentence closest in meaning to the question supports the answer even when it shares
        # fewer of its words ("clerical hardliners" for "conservative clergy"); so does a strong
        # sentence right beside the best one, which often carries the rest of the story ("Syria,
        # in turn, had received it from the Soviet Union").
        closest = e.dense >= best.dense or (e.unit.source == best.unit.source and e.unit.start in beside)
        if e.score < (support_ratio if same_speaker and not closest else CROSS_SPEAKER_RATIO) * best.score:
            continue
        if max(float(vectors[e.row] @ vectors[c.row]) for c in picked) >= DUPLICATE_COSINE:
            continue
        if len(texts[e.unit.source][e.unit.start : e.unit.end].split()) < MIN_SUPPORT_WORDS:
            continue
        picked.append(e)
        spans.append(scorer.widened(e, texts))
    chosen = _merge(spans)
    # The best span first, then the rest in document order.
    quoted = [texts[u.source][u.start : u.end] for u in [spans[0], *chosen]]
    context = [paragraph_of(texts[e.unit.source], e.unit) for e in picked]
    reason = verdict.reason
    if reason is None and checks:
        reason = veto(Judged(scorer, query, focus_words, best, quoted, context), checks)
    support = (
        None if reason else f"{verdict.source} {verdict.score:.2f} clears {verdict.threshold:.2f}; no check vetoed"
    )
    return Selection(chosen, ranked, verdict.score, reason is not None, reason, support)
