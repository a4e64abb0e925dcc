"""Choose what to quote from the ranked evidence, and judge whether it answers the question."""

from __future__ import annotations

from dataclasses import dataclass, replace

from index import Chunk
from qa.answer_types import wrong_answer_type
from qa.checks import (
    asks_after_the_document,
    asks_another_of_the_kind,
    asks_beyond_names,
    asks_what_came_of_it,
    lacks_the_asked_detail,
    lacks_the_kind_asked,
    mostly_foreign_script,
)
from qa.evidence import Evidence, EvidenceScorer, paragraph_of
from qa.names import lacks_a_named_one, lacks_named_answer
from qa.query import Query
from qa.text import stem

# Another speaker's view is quoted beside the best sentence at this fraction of its score: the
# article and its commenters often speak to the same point, and the answer should show both.
CROSS_SPEAKER_RATIO = 0.7
# A supporting sentence needs this many words; shorter lines (salutations, signatures) add noise.
MIN_SUPPORT_WORDS = 4
# Two quoted sentences closer than this cosine say the same thing; keep one.
DUPLICATE_COSINE = 0.9


@dataclass(frozen=True)
class Selection:
    """The spans chosen for an answer and the verdict on whether they answer it."""

    chosen: list[Chunk]
    ranked: list[Evidence]
    evidence_score: float
    abstain: bool
    reason: str | None = None


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
    threshold: float,
    check_answer_type: bool = True,
) -> Selection:
    """Choose up to ``max_citations`` strong, non-redundant sentences and judge the evidence."""
    if not ranked:
        return Selection([], ranked, 0.0, True, "no evidence")
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
    reason = "weak evidence" if best.score < threshold else None
    if reason is None and check_answer_type:
        reason = abstain_reason(scorer, query, focus_words, best, quoted, context)
    return Selection(chosen, ranked, best.score, reason is not None, reason)


def abstain_reason(
    scorer: EvidenceScorer,
    query: Query,
    focus_words: list[str],
    best: Evidence,
    quoted: list[str],
    context: list[str],
) -> str | None:
    """Return why the evidence does not answer the question, or None when it may."""
    question = query.question
    if mostly_foreign_script(question):
        return "not in the document's language"
    if wrong_answer_type(question, quoted, context):
        return "no answer of the asked type"
    if lacks_named_answer(question, quoted) or lacks_a_named_one(question, quoted[:1]):
        return "no name for what is asked"
    if lacks_the_kind_asked(question, quoted):
        return "no kind named for what is asked"
    # Reader comments, written after the text, may say what came after it.
    after = asks_after_the_document(question) and not query.wants_commenter
    if after or asks_what_came_of_it(question, quoted):
        return "asks about events after the text"
    if asks_another_of_the_kind(question, quoted):
        return "the evidence is about another one"
    if query.speaker and best.unit.speaker != query.speaker:
        return "the one asked about does not speak to it"
    if query.context:
        # A follow-up's own words are too few to judge alone.
        return None
    if asks_beyond_names(scorer.names, scorer.idf, focus_words, question, best.dense):
        return "only names in common with the document"
    focus_terms = [stem(w) for w in focus_words]
    if scorer.names.ungrounded(
        focus_terms, scorer.segment_terms[best.row], best.unit.speaker, query.spelled or question
    ):
        return "the evidence is about someone or something else"
    # The best sentence's terms, header included, as indexed.
    if lacks_the_asked_detail(scorer.idf, scorer.has_variant, focus_words, question, scorer.sentence_terms[best.row]):
        return "a detail the document lacks"
    return None
