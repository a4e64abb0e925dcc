"""Choose what to quote from the ranked evidence, and judge whether it answers the question."""

from __future__ import annotations

from dataclasses import dataclass, replace

from index import Chunk
from qa.evidence import Evidence, EvidenceScorer, paragraph_of
from qa.judgment import REASONS, Judged, fired
from qa.query import Query

# Another speaker's view is quoted beside the best sentence at this fraction of its score: the
# article and its commenters often speak to the same point, and the answer should show both.
CROSS_SPEAKER_RATIO = 0.7
# A supporting sentence needs this many words; shorter lines (salutations, signatures) add noise.
MIN_SUPPORT_WORDS = 4
# Two quoted sentences closer than this cosine say the same thing; keep one.
DUPLICATE_COSINE = 0.9
# An answer's reason names the checks that fired but were outweighed after this.
OUTWEIGHED = "; outweighed: "


@dataclass(frozen=True)
class Selection:
    """The spans chosen for an answer, the named checks that fire on them, and the verdict."""

    chosen: list[Chunk]
    ranked: list[Evidence]
    # The names of the active checks that fire on the chosen evidence, in check order.
    fired: tuple[str, ...] = ()
    # How sure the engine is that the chosen evidence answers: the judge's probability, or the
    # evidence score when the judge is off.
    evidence_score: float = 0.0
    abstain: bool = False
    # Why it abstained, or what supports the answer.
    reason: str | None = None
    # The inputs of the judge's answerability model (its features and one per check that fired).
    inputs: dict[str, float] | None = None


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
    checks: tuple[str, ...],
) -> Selection:
    """Choose up to ``max_citations`` strong, non-redundant sentences and ask the active named checks
    about them; the engine then decides whether they answer."""
    if not ranked:
        return Selection([], ranked, abstain=True, reason="the document has no text to quote")
    vectors = scorer.sentences.vectors
    best = ranked[0]
    picked = [best]
    spans = [scorer.widened(best, texts)]
    floor = min(support_ratio, CROSS_SPEAKER_RATIO) * best.score
    beside = {n.start for n in (scorer.neighbour(best.row, o) for o in (-1, 1)) if n is not None}
    for e in ranked[1:]:
        # Citations are counted as quoted: sentences that merge into one passage are one citation.
        if len(_merge(spans)) >= max_citations:
            break
        if e.score < floor:
            continue  # a document ranker may order a stronger sentence after a weaker one
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
    judged = Judged(scorer, query, focus_words, best, quoted, context)
    return Selection(chosen, ranked, fired(judged, checks) if checks else ())


def decide(picked: Selection, confidence: float, threshold: float, measure: str, vetoes: tuple[str, ...]) -> Selection:
    """Return ``picked`` with the verdict: abstain under ``threshold``, or when a check in ``vetoes`` fired.

    The other checks that fired already weigh in ``confidence`` (the judge's inputs); when the
    assistant abstains the reason names the first that fired, since it is what a reader can act on.
    """
    short = confidence < threshold
    vetoed = [REASONS[name] for name in picked.fired if name in vetoes]
    fired_reasons = [REASONS[name] for name in picked.fired]
    if vetoed:
        reason = vetoed[0]
    elif short and fired_reasons:
        reason = f"{fired_reasons[0]} ({measure} {confidence:.2f} is under {threshold:.2f})"
    elif short:
        reason = f"{measure} {confidence:.2f} is under the threshold {threshold:.2f}"
    else:
        outweighed = f"{OUTWEIGHED}{', '.join(fired_reasons)}" if fired_reasons else ""
        reason = f"{measure} {confidence:.2f} clears {threshold:.2f}{outweighed}"
    return replace(picked, evidence_score=confidence, abstain=short or bool(vetoed), reason=reason)
