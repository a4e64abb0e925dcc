"""Score evidence sentences for a query, pick a diverse few, and decide whether to abstain."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from index import Chunk
from qa.query import Query
from qa.search import LevelIndex
from qa.text import fold, stem, terms

# Weights of the sentence evidence score; tuned on the eval tune split (see eval/README.md).
W_SENTENCE_DENSE = 0.45
W_PASSAGE_DENSE = 0.2
W_COVERAGE = 0.35
W_PARAGRAPH_COVERAGE = 0.1
# Terms borrowed from the previous question count this much of the current question's terms.
CONTEXT_TERM_WEIGHT = 0.5
# Framing words ("view", "role", "call") match the text by accident ("in view of"); they count less.
FRAMING_TERM_WEIGHT = 0.3
# Added when a sentence's speaker is the one the question names, subtracted when it is another.
SPEAKER_BONUS = 0.15
# Title, caption, byline and signature restate the topic; they are evidence only when asked about.
META_PENALTY = 0.4
_META_KINDS = frozenset({"title", "caption", "byline", "signature"})
_ASKS_META = re.compile(
    r"\b(?:title|headline|caption|image|photo|picture|byline|wrote|written|signed)\b|\bwho\b.*\b(?:author|writer)\b",
    re.I,
)
# Share of the question's known terms the best sentence must hold for a lone unknown term to
# mean "a detail the document lacks"; tuned on the eval tune split.
FULL_MATCH = 0.9
# The question must name at least this many things the document has: with fewer, one unknown
# word is as likely a paraphrase ("What did the hardliners leak?") as a missing detail.
MIN_KNOWN_TERMS = 2
# Words at least this common in English (Zipf scale: 5 = once per 100,000 words; "work" 6.0,
# "succeeded" 4.1, "phd" 4.1) are everyday words a paraphrase uses, not a specific detail.
EVERYDAY_ZIPF = 5.0
# Words that frame a question rather than name what it asks for (among them the reporting verbs
# of attribution questions: "raise", "stress", "claim"); absent from a text, they say nothing
# about whether the text answers.
_FRAMING = frozenset(
    stem(w)
    for w in """get go goes come stand stands call called calls mean means meaning describe described role point
    person people thing things kind type way part happen happened take make use write wrote written cite
    cites refer refers name named known view views argue argues claim claims believe feel look example
    reason main idea opinion piece writer commenter reader respond response reply question ask asks
    raise raises state states suggest suggests note notes stress stresses emphasize emphasise highlight
    highlights observe remark explain explains propose insist assert complain warn warns admit deny
    recall recalls quote quotes mention mentions""".split()
)
# A follow-up wants something new: sentences the last answer quoted lose this much.
REPEAT_PENALTY = 0.15
# Another speaker's view is quoted beside the best sentence at this fraction of its score: the
# article and its commenters often speak to the same point, and the answer should show both.
CROSS_SPEAKER_RATIO = 0.7
# A supporting sentence needs this many words; shorter lines (salutations, signatures) add noise.
MIN_SUPPORT_WORDS = 4
# A sentence whose first words point back ("these contacts", "this gesture") continues the one
# before it: the pair is quoted together when the earlier one is the best evidence.
_REFERS_BACK = re.compile(
    r"^(?:[\w’'-]+[\s,;:]+){0,10}?(?:this|these|those|such)\s+(?!is\b|was\b|are\b|were\b)[a-z]{3,}",
    re.IGNORECASE,
)
# Only short sentences get their antecedent quoted too; a long one carries its own subject.
ANTECEDENT_MAX_CHARS = 160
# A sentence counts as already quoted when this many of its first characters appear in the last
# answer: histories often carry shortened quotes.
QUOTED_PREFIX = 60
# Sentences kept in the ranking handed to selection: far more than an answer or the related
# passages ever use, and independent of document size.
RANKED_KEEP = 64
# Two quoted sentences closer than this cosine say the same thing; keep one.
DUPLICATE_COSINE = 0.9

_YEAR = re.compile(r"\b1[5-9]\d\d\b|\b20\d\d\b")
_DATE = re.compile(r"\b1[5-9]\d\ds?\b|\b20\d\ds?\b|\bcentury\b|\bdecades?\b|\b(?:19|20)th\b", re.IGNORECASE)
_COUNT = re.compile(
    r"\b(?!(?:1[5-9]|20)\d\d\b)\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|dozen)\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    r"^\s*when\b|\b(?:what|which)\s+(?:year|date|day|month|decade|century)\b|\bhow\s+long\s+ago\b", re.IGNORECASE
)
_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|old)\b|\b(?:what|which)\s+(?:\w+\s+)?(?:number|percentage|amount|figure|sum)\b",
    re.IGNORECASE,
)
# A sentence opening with one of these leans on the sentence before it, so quote both.
_ANAPHORIC_OPENING = re.compile(
    r"^(?:it|this|that|these|those|they|he|she|his|her|their|its|such|for this|in this)\b", re.IGNORECASE
)


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
    """The spans chosen for an answer and the verdict on whether they answer it."""

    chosen: list[Chunk]
    ranked: list[Evidence]
    evidence_score: float
    abstain: bool


def _weights(terms_with_weight: list[tuple[str, float]], idf: dict[str, float], unknown: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for term, w in terms_with_weight:
        out[term] = max(out.get(term, 0.0), w * idf.get(term, unknown))
    return out


class EvidenceScorer:
    """Ranks sentences by dense similarity, passage context and weighted term coverage."""

    def __init__(
        self,
        passages: LevelIndex,
        sentences: LevelIndex,
        sentence_terms: list[set[str]],
        paragraph_terms: list[set[str]],
    ) -> None:
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
        passage_row = {u.id: i for i, u in enumerate(passages.units)}
        self.parent = np.array([passage_row[u.parent] for u in sentences.units], dtype=np.int64)
        # Each sentence's whole paragraph: context such as a year two sentences earlier.
        self.sentence_postings = self._postings(sentence_terms)
        self.paragraph_postings = self._postings(paragraph_terms)
        self.is_comment = np.array([u.section == "comment" for u in sentences.units], dtype=bool)
        self.speaker_id = {name: i for i, name in enumerate(dict.fromkeys(u.speaker for u in sentences.units))}
        self.speakers = np.array([self.speaker_id[u.speaker] for u in sentences.units], dtype=np.int64)
        self._folded_prefixes: list[str] | None = None
        self._variants: dict[str, bool] = {}
        self.is_meta = np.array([u.segment_kind in _META_KINDS for u in sentences.units], dtype=bool)

    def has_variant(self, term: str) -> bool:
        """True when the document has a word form of ``term`` the stemmer keeps apart ("ruler", "rule")."""
        if term not in self._variants:
            self._variants[term] = len(term) >= 4 and any(
                len(known) >= 4 and (known.startswith(term) or term.startswith(known)) for known in self.idf
            )
        return self._variants[term]

    @staticmethod
    def _postings(term_sets: list[set[str]]) -> dict[str, np.ndarray]:
        rows: dict[str, list[int]] = {}
        for i, ts in enumerate(term_sets):
            for t in ts:
                rows.setdefault(t, []).append(i)
        return {t: np.array(r, dtype=np.int64) for t, r in rows.items()}

    @staticmethod
    def _coverage(weights: dict[str, float], postings: dict[str, np.ndarray], n: int) -> np.ndarray:
        # Inverted lists keep this proportional to the matches, not to the number of sentences.
        covered = np.zeros(n, dtype=np.float32)
        total = sum(weights.values())
        if total == 0:
            return covered
        for term, w in weights.items():
            rows = postings.get(term)
            if rows is not None:
                covered[rows] += w
        return covered / total

    def rank(
        self,
        query: Query,
        focus_terms: list[str],
        context_terms: list[str],
        vector: np.ndarray,
        mode: str,
        rrf_k: int,
        texts: dict[str, str],
    ) -> list[Evidence]:
        """Return every sentence as evidence, best first."""
        if mode != "hybrid":
            # Baselines rank by one signal alone and never abstain: score 1.0 clears any threshold.
            lexical_terms = focus_terms + [t for t in context_terms if t not in focus_terms]
            s_scores = self.sentences.scores(lexical_terms, vector, mode, rrf_k)
            return [
                Evidence(self.sentences.units[i], int(i), 1.0, float(s_scores.dense[i]), 0.0)
                for i in s_scores.ranking()[:RANKED_KEEP]
            ]
        # Every sentence is scored, so there is no candidate stage for RRF to feed; the passages'
        # dense+BM25 RRF as an extra feature cost abstention recall on tune (9 -> 8 of 12 at 0.1).
        dense = self.sentences.vectors @ vector
        weights = _weights(
            [(t, FRAMING_TERM_WEIGHT if t in _FRAMING else 1.0) for t in focus_terms]
            + [(t, CONTEXT_TERM_WEIGHT) for t in context_terms],
            self.idf,
            self.unknown_idf,
        )
        n = len(self.sentence_terms)
        coverage = self._coverage(weights, self.sentence_postings, n)
        paragraph_coverage = self._coverage(weights, self.paragraph_postings, n)
        p_dense = self.passages.vectors @ vector
        score = (
            W_SENTENCE_DENSE * dense
            + W_PASSAGE_DENSE * p_dense[self.parent]
            + W_COVERAGE * coverage
            + W_PARAGRAPH_COVERAGE * paragraph_coverage
        )
        if not _ASKS_META.search(query.question):
            score = score - META_PENALTY * self.is_meta
        if query.speaker:
            score = score + SPEAKER_BONUS * np.where(self.speakers == self.speaker_id.get(query.speaker, -1), 1.0, -1.0)
        elif query.wants_commenter:
            score = score + SPEAKER_BONUS * np.where(self.is_comment, 1.0, -1.0)
        if query.previous_answer:
            if self._folded_prefixes is None:
                self._folded_prefixes = [
                    fold(texts[u.source][u.start : u.end])[:QUOTED_PREFIX] for u in self.sentences.units
                ]
            previous = fold(query.previous_answer)
            quoted = np.array([p in previous for p in self._folded_prefixes], dtype=bool)
            score = np.where(quoted, -np.inf if query.asks_more else score - REPEAT_PENALTY, score)
        keep = min(RANKED_KEEP, len(score))
        top = np.argpartition(-score, keep - 1)[:keep]
        order = top[np.argsort(-score[top], kind="stable")]
        return [
            Evidence(self.sentences.units[i], int(i), float(score[i]), float(dense[i]), float(coverage[i]))
            for i in order
            if np.isfinite(score[i])
        ]

    def _neighbour(self, e: Evidence, offset: int, text: str) -> Chunk | None:
        """Return the sentence ``offset`` rows away if it is in the same paragraph, else None."""
        row = e.row + offset
        if not 0 <= row < len(self.sentences.units):
            return None
        other = self.sentences.units[row]
        first, second = (other, e.unit) if offset < 0 else (e.unit, other)
        same_paragraph = (
            other.source == e.unit.source
            and other.speaker == e.unit.speaker
            and other.section == e.unit.section
            and "\n" not in text[first.end : second.start]
        )
        return other if same_paragraph else None

    def widened(self, e: Evidence, texts: dict[str, str], forward: bool) -> Chunk:
        """Return the sentence widened to the sentences its pronouns lean on, and (``forward``)
        to a following sentence that refers back to it ("these contacts", "this gesture")."""
        text = texts[e.unit.source]
        unit = e.unit
        sentence = text[unit.start : unit.end]
        if len(sentence) <= ANTECEDENT_MAX_CHARS and _ANAPHORIC_OPENING.match(sentence):
            prev = self._neighbour(e, -1, text)
            if prev is not None:
                unit = replace(unit, start=prev.start)
        if forward:
            following = self._neighbour(e, 1, text)
            if following is not None and _REFERS_BACK.match(text[following.start : following.end]):
                unit = replace(unit, end=following.end)
        return unit


def lacks_the_asked_detail(
    scorer: EvidenceScorer, focus_words: list[str], best: Evidence, texts: dict[str, str]
) -> bool:
    """True when the best sentence matches everything the question names but one specific word
    that the document never uses: the near miss of "Who succeeded Jafari as IRGC commander?".

    Paraphrases differ from the text in several words at once, and in everyday words ("work",
    "job"); exactly one unknown, uncommon word is the signature of a detail the document lacks.
    """
    from wordfreq import zipf_frequency

    specific = [(w, stem(w)) for w in dict.fromkeys(focus_words) if stem(w) not in _FRAMING]
    unknown = [
        w
        for w, t in specific
        if t not in scorer.idf and not scorer.has_variant(t) and zipf_frequency(w, "en") < EVERYDAY_ZIPF
    ]
    known = [t for _, t in specific if t in scorer.idf]
    if len(unknown) != 1 or len(known) < MIN_KNOWN_TERMS:
        return False
    unit = best.unit
    present = set(terms(f"{unit.header} {texts[unit.source][unit.start : unit.end]}"))
    weight = sum(scorer.idf[t] for t in known)
    return sum(scorer.idf[t] for t in known if t in present) >= FULL_MATCH * weight


def mostly_foreign_script(question: str) -> bool:
    """True when most letters of ``question`` are outside the Latin script.

    The document and MiniLM are English; such a question matches no word, and its dense score
    is noise (a Persian question once scored like a paraphrase), so it cannot be judged.
    """
    letters = [c for c in question if c.isalpha()]
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    return bool(letters) and latin < 0.5 * len(letters)


def wrong_answer_type(question: str, quoted: list[str], context: list[str]) -> bool:
    """True when the evidence cannot hold what the question asks for: a year, a date or a count.

    ``quoted`` are the chosen spans; ``context`` their surrounding passages, which must hold
    any year the question names.
    """
    for year in _YEAR.findall(question):
        if not any(year in c for c in context):
            return True
    if _WHEN.search(question):
        return not any(_DATE.search(q) for q in quoted)
    if _HOW_MANY.search(question):
        return not any(_COUNT.search(q) for q in quoted)
    return False


def paragraph_of(text: str, unit: Chunk) -> str:
    """Return the line (paragraph) of ``text`` that holds ``unit``."""
    start = text.rfind("\n", 0, unit.start) + 1
    end = text.find("\n", unit.end)
    return text[start : len(text) if end == -1 else end]


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
        return Selection([], ranked, 0.0, True)
    vectors = scorer.sentences.vectors
    best = ranked[0]
    picked = [best]
    floor = min(support_ratio, CROSS_SPEAKER_RATIO) * best.score
    for e in ranked[1:]:
        if len(picked) >= max_citations or e.score < floor:
            break
        same_speaker = any(c.unit.speaker == e.unit.speaker for c in picked)
        if e.score < (support_ratio if same_speaker else CROSS_SPEAKER_RATIO) * best.score:
            continue
        if max(float(vectors[e.row] @ vectors[c.row]) for c in picked) >= DUPLICATE_COSINE:
            continue
        if len(texts[e.unit.source][e.unit.start : e.unit.end].split()) < MIN_SUPPORT_WORDS:
            continue
        picked.append(e)
    chosen = _merge([scorer.widened(e, texts, forward=e is best) for e in picked])
    quoted = [texts[u.source][u.start : u.end] for u in chosen]
    context = [paragraph_of(texts[e.unit.source], e.unit) for e in picked]
    abstain = best.score < threshold or (
        check_answer_type
        and (
            mostly_foreign_script(query.question)
            or wrong_answer_type(query.question, quoted, context)
            # A follow-up's own words are too few to judge alone.
            or (not query.context and lacks_the_asked_detail(scorer, focus_words, best, texts))
        )
    )
    return Selection(chosen, ranked, best.score, abstain)
