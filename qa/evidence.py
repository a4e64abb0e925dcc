"""Score every sentence as evidence for a query: dense, lexical, speaker and follow-up signals, and
the sentences around a chosen one that it leans on."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from index import Chunk
from qa.framing import FRAMING, THE_TEXT
from qa.names import DocumentNames
from qa.query import Query
from qa.ranker import AS_ASKED, HAND_WEIGHTS, SIGNALS, DocumentRanker
from qa.records import Citation
from qa.search import LevelIndex
from qa.text import fold, same_family, terms

# Terms borrowed from the previous question count this much of the current question's terms.
CONTEXT_TERM_WEIGHT = 0.5
# ... and all of them together at most this many times the weight of the question's own terms.
CONTEXT_SHARE_CAP = 1.0
# Framing words ("view", "role", "call") match the text by accident ("in view of"); they count less.
FRAMING_TERM_WEIGHT = 0.3
# Added when a sentence's speaker is the one the question names, subtracted when it is another.
SPEAKER_BONUS = 0.15
# Title, caption, byline and signature restate the topic; they are evidence only when asked about.
META_PENALTY = 0.4
_META_KINDS = frozenset({"title", "caption", "byline", "signature"})
_ASKS_META = re.compile(
    r"\b(?:title|headline|caption|image|photo(?:s|graph\w*)?|picture[sd]?|byline|signed)\b|\btop of the (?:article|page)\b"
    r"|\bwho\b.*\b(?:author|writer)\b"
    # "Who wrote this article?", "written by whom?"; not "What book ..., and who wrote it?"
    r"|\b(?:wrote|written)\b(?:\s+this)?(?:\s+by\s+whom)?\W*$"
    rf"|\b(?:wrote|written)\s+{THE_TEXT}\b",
    re.I,
)
# A question for the headline, the caption or the byline by name gets that line: its words rarely
# match ("who wrote this?" shares no word with "by Shireen T. Hunter").
_ASKS_KIND = {
    "title": re.compile(rf"\b(?:headline|title of {THE_TEXT})\b", re.I),
    "caption": re.compile(r"\b(?:caption|photo(?:s|graph\w*)?|pictured|image)\b", re.I),
    "byline": re.compile(
        rf"\bwho\s+(?:wrote|authored|penned)\s+(?:this|{THE_TEXT})\b|\bwho\s+is\s+{THE_TEXT}\s+by\b"
        r"|\bwritten\s+by\s+whom\b",
        re.I,
    ),
}
# A follow-up wants something new: sentences the last answer quoted lose this much.
REPEAT_PENALTY = 0.15
# A negating prefix before a word of four letters or more ("unsurprising", "non-religious").
_NEGATED_PREFIX = re.compile(r"^(?:un|non|dis|in|im|ir|il)(?=\w{4})")
# A question about the present ("her current position") is not answered by a period that has
# ended ("From 2005 to 2007 she was ...").
_ASKS_NOW = re.compile(r"\b(?:current|currently|now|nowadays|presently|today|these\s+days)\b", re.IGNORECASE)
_ENDED_PERIOD = re.compile(
    r"\b(?:from|between)\s+(?:\w+\s+)?\d{4}\s+(?:to|and|until)\s+(?:\w+\s+)?\d{4}\b|\buntil\s+(?:\w+\s+)?\d{4}\b",
    re.IGNORECASE,
)
ENDED_PERIOD_PENALTY = 0.1
# ... and the text goes on where the last answer stopped ("how did people react to that?", "what
# about Germany?"): the sentence after a quoted one gains this much, the one before it half.
FOLLOW_ON_BONUS = 0.15
# A piece of the last answer this long that a sentence contains marks that sentence as quoted.
MIN_QUOTED_PIECE = 20
REPEATED_SHARE = 0.5
PARTLY_QUOTED_WEIGHT = 1.0
# An answer that retells rather than quotes names the sentence sharing this many of its terms,
# and at least this share of them.
RETOLD_MIN_TERMS = 3
RETOLD_SHARE = 0.6
_ANSWER_PIECES = re.compile(r"[\"“”\n]|\[\d+\]|…|\.\.\.")
# A sentence whose first words point back ("these contacts", "this gesture") continues the one
# before it: the pair is quoted together when the earlier one is the best evidence.
_REFERS_BACK = re.compile(
    r"^(?:[\w’'-]+[\s,;:]+){0,10}?(?:this|these|those|such)\s+(?!is\b|was\b|are\b|were\b)[a-z]{3,}",
    re.IGNORECASE,
)
# Only short sentences get their antecedent quoted too; a long one carries its own subject.
ANTECEDENT_MAX_CHARS = 160
# A best sentence this short says too little alone: a next sentence that continues it is quoted too.
SHORT_SENTENCE_CHARS = 60
# A sentence counts as already quoted when this many of its first characters appear in the last
# answer: histories often carry shortened quotes.
QUOTED_PREFIX = 60
# The question's vector moves this far toward the mean of its closest sentences' vectors.
FEEDBACK_WEIGHT = 0.2
FEEDBACK_SENTENCES = 2
# Sentences kept in the ranking handed to selection: far more than an answer or the related
# passages ever use, and independent of document size.
RANKED_KEEP = 64

# A sentence opening with one of these leans on the sentence before it, so quote both.
_ANAPHORIC_OPENING = re.compile(
    r"^(?:it|this|that|these|those|they|he|she|his|her|their|its|such|for this|in this)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence with its score (the hand-set weights', which the thresholds read) and the
    signals behind it."""

    unit: Chunk
    row: int
    score: float
    dense: float
    coverage: float


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
        texts: dict[str, str],
    ) -> None:
        self.passages = passages
        self.texts = texts
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
        self.paragraph_postings = self._postings(
            [set(terms(paragraph_of(texts[u.source], u))) for u in sentences.units]
        )
        self.is_comment = np.array([u.section == "comment" for u in sentences.units], dtype=bool)
        # Each sentence's document, so a question limited to some documents masks the rest in one pass.
        self.source_of = np.array([u.source for u in sentences.units], dtype=object)
        self.speaker_id = {name: i for i, name in enumerate(dict.fromkeys(u.speaker for u in sentences.units))}
        self.speakers = np.array([self.speaker_id[u.speaker] for u in sentences.units], dtype=np.int64)
        # Bounded: every unknown word a user types is looked up once.
        self.has_variant = lru_cache(maxsize=8192)(self._has_variant)
        # The text of each sentence's segment (its paragraph, or its whole comment) and the names
        # the document uses: a question about a rare name needs evidence that names it.
        segments = segment_texts(sentences.units, texts)
        unique = list(dict.fromkeys(segments))
        unique_terms = {text: set(terms(text)) for text in unique}
        self.segment_terms = [unique_terms[text] for text in segments]
        owner = {text: u.source for text, u in zip(segments, sentences.units, strict=True)}
        self.names = DocumentNames.from_segments(
            unique, [unique_terms[text] for text in unique], [owner[text] for text in unique]
        )
        self.segment_kinds = np.array([u.segment_kind for u in sentences.units])
        self.is_meta = np.isin(self.segment_kinds, list(_META_KINDS))
        self.ended_period = np.array(
            [bool(_ENDED_PERIOD.search(texts[u.source][u.start : u.end])) for u in sentences.units], dtype=bool
        )
        # For follow-ups: each sentence folded and as plain terms (no header), to find what the
        # last answer quoted or retold.
        self.folded = [fold(texts[u.source][u.start : u.end]) for u in sentences.units]
        self.plain_terms = [set(terms(f)) for f in self.folded]
        # ... and where each sentence is, to find what a structured answer cited by offsets.
        self.sources = np.array([u.source for u in sentences.units])
        self.starts = np.array([u.start for u in sentences.units], dtype=np.int64)
        self.ends = np.array([u.end for u in sentences.units], dtype=np.int64)
        self.lengths = np.maximum(self.ends - self.starts, 1).astype(np.float32)
        # Each sentence's vector joined with the previous sentence's in its paragraph or comment:
        # a sentence often means what it says only with the one before ("this gesture").
        self.window_vectors = sentences.vectors.copy()
        for row in range(len(sentences.units)):
            if self.neighbour(row, -1, within_comment=True) is not None:
                joined = sentences.vectors[row - 1] + sentences.vectors[row]
                self.window_vectors[row] = joined / np.linalg.norm(joined)

    def _has_variant(self, term: str) -> bool:
        """True when the document has a word form of ``term`` the stemmer keeps apart ("ruler",
        "rule"), or the word it negates ("unsurprising" for "not surprising")."""
        base = _NEGATED_PREFIX.sub("", term)
        return any(same_family(term, known) or (base != term and same_family(base, known)) for known in self.idf)

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
        sources: frozenset[str] | None = None,
        adapted: np.ndarray | None = None,
        learned: tuple[DocumentRanker, np.ndarray] | None = None,
    ) -> list[Evidence]:
        """Return every sentence (of ``sources``, when given) as evidence, best first, then by score,
        or in a document ranker's order where ``learned`` (the ranker and the sentences it scores)
        applies. ``adapted``, the question's vector moved by the query adapter, ranks; ``vector``
        keeps the scale of the scores the thresholds read."""
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
        signals, offsets = self.signals(query, focus_terms, context_terms, vector, sources, adapted)
        dense, coverage = signals[:, SIGNALS.index("dense")], signals[:, SIGNALS.index("coverage")]
        # The hand-set score of the question as asked: its best is the score the thresholds read.
        score = signals @ AS_ASKED + offsets
        # The adapted question and pseudo-relevance feedback (the question moved toward its closest
        # sentences) find the sentences that say the same in other words. They only reorder: the
        # best score stays the plain question's, so the abstention thresholds keep their meaning.
        hand = signals @ HAND_WEIGHTS + offsets
        finite = np.isfinite(score)
        if not finite.any():
            return []
        hand = hand - (hand[finite].max() - score[finite].max())
        keep = min(RANKED_KEEP, len(hand))
        top = np.argpartition(-hand, keep - 1)[:keep]
        order = top[np.argsort(-hand[top], kind="stable")]
        if learned is not None and learned[1][order[0]]:
            # When the best sentence is in the document a ranker was fitted on (``learned``: it and
            # the rows it scores), the ranker orders that document's sentences after it (the support
            # quoted beside it) among the places they hold; other documents' sentences keep theirs.
            # The hand-set weights still choose the best, which the judge and the checks read, and
            # give every score.
            ranker, rows = learned
            rest = order[1:]
            places = np.flatnonzero(rows[rest])
            mine = rest[places]
            rest[places] = mine[np.argsort(-(ranker.score(signals[mine]) + offsets[mine]), kind="stable")]
        return [
            Evidence(self.sentences.units[i], int(i), float(hand[i]), float(dense[i]), float(coverage[i]))
            for i in order
            if np.isfinite(hand[i])
        ]

    def signals(
        self,
        query: Query,
        focus_terms: list[str],
        context_terms: list[str],
        vector: np.ndarray,
        sources: frozenset[str] | None = None,
        adapted: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return each sentence's ranking signals (sentences x ``SIGNALS``, qa/ranker.py) and the
        offsets its question's kind, speaker and history add to any score (-inf for sentences outside
        ``sources`` and for repeats a follow-up rules out)."""
        dense = self._dense(vector)
        focus = _weights(
            [(t, FRAMING_TERM_WEIGHT if t in FRAMING else 1.0) for t in focus_terms], self.idf, self.unknown_idf
        )
        context = _weights(
            [(t, CONTEXT_TERM_WEIGHT) for t in context_terms if t not in focus], self.idf, self.unknown_idf
        )
        # The question's own words lead: a long previous question must not outweigh "and Germany?".
        cap = CONTEXT_SHARE_CAP * sum(focus.values())
        if focus and sum(context.values()) > cap:
            scale = cap / sum(context.values())
            context = {t: w * scale for t, w in context.items()}
        weights = {**context, **focus}
        n = len(self.sentence_terms)
        coverage = self._coverage(weights, self.sentence_postings, n)
        paragraph_coverage = self._coverage(weights, self.paragraph_postings, n)
        offsets = self._offsets(query)
        if sources is not None:
            # Sentences of other documents drop out of the ranking (and of the feedback's shared part).
            offsets = np.where(self.in_sources(sources), offsets, -np.inf)
        base = vector if adapted is None else adapted
        base_dense = dense if adapted is None else self._dense(adapted)
        near = np.where(np.isfinite(offsets), base_dense, -np.inf) if sources is not None else base_dense
        closest = np.argpartition(-near, min(FEEDBACK_SENTENCES, n) - 1)[:FEEDBACK_SENTENCES]
        moved = base + FEEDBACK_WEIGHT * self.sentences.vectors[closest].mean(axis=0)
        moved = moved / np.linalg.norm(moved)
        columns = (
            dense,
            self._passage_dense(vector),
            base_dense,
            self._passage_dense(base),
            self._dense(moved),
            self._passage_dense(moved),
            coverage,
            paragraph_coverage,
        )
        return np.stack(columns, axis=1).astype(np.float32), offsets

    def in_sources(self, sources: frozenset[str]) -> np.ndarray:
        """Return which sentences are of the documents ``sources``."""
        return np.isin(self.source_of, np.array(sorted(sources), dtype=object))

    def _dense(self, vector: np.ndarray) -> np.ndarray:
        # A sentence is also read together with the one before it ("this gesture", "It alerted").
        return np.maximum(self.sentences.vectors @ vector, self.window_vectors @ vector)

    def _passage_dense(self, vector: np.ndarray) -> np.ndarray:
        return (self.passages.vectors @ vector)[self.parent]

    def _offsets(self, query: Query) -> np.ndarray:
        """Return what the question's kind, speaker and history add to each sentence's score."""
        n = len(self.sentence_terms)
        offset = np.zeros(n, dtype=np.float64)
        if not _ASKS_META.search(query.question):
            offset -= META_PENALTY * self.is_meta
        if _ASKS_NOW.search(query.question):
            offset -= ENDED_PERIOD_PENALTY * self.ended_period
        for kind, asks in _ASKS_KIND.items():
            if asks.search(query.question):
                offset += META_PENALTY * (self.segment_kinds == kind)
        if query.speaker:
            offset += SPEAKER_BONUS * np.where(self.speakers == self.speaker_id.get(query.speaker, -1), 1.0, -1.0)
        elif query.wants_commenter:
            offset += SPEAKER_BONUS * np.where(self.is_comment, 1.0, -1.0)
        if query.previous_answer or query.previous_citations:
            share = self.quoted_by(query)
            # Most of a sentence quoted is a repeat; a piece of it leaves the rest to ask about.
            repeated = share >= REPEATED_SHARE
            offset -= np.where(repeated, np.inf if query.asks_more else REPEAT_PENALTY, 0.0)
            offset += FOLLOW_ON_BONUS * self._follow_on(share)
        return offset

    def quoted_by(self, query: Query) -> np.ndarray:
        """Return how much of each sentence the last answer quoted: by its citations' offsets when
        the history carried them, else by matching its text."""
        cited = self.cited_in(query.previous_citations)
        return cited if cited is not None else self.quoted_in(query.previous_answer)

    def cited_in(self, citations: Sequence[Citation]) -> np.ndarray | None:
        """Return the share of each sentence that ``citations`` cover, by offsets; None when none of
        them quotes this document exactly where it says (a stale or foreign history)."""
        share = np.zeros(len(self.sentence_terms), dtype=np.float32)
        found = False
        for c in citations:
            text = self.texts.get(c.source)
            if text is None or not 0 <= c.start < c.end <= len(text) or text[c.start : c.end] != c.quote:
                continue
            found = True
            covered = np.minimum(self.ends, c.end) - np.maximum(self.starts, c.start)
            covered = np.where(self.sources == c.source, np.clip(covered, 0, None), 0)
            share = np.maximum(share, covered / self.lengths)
        return share if found else None

    def quoted_in(self, answer: str) -> np.ndarray:
        """Return how much of each sentence ``answer`` quotes: 1 when it holds the sentence's
        opening, else the share of the sentence that its longest contained piece covers
        (histories often carry shortened or partial quotes). An answer that quotes nothing
        exactly is matched by its words to the one sentence it most likely retells."""
        previous = fold(answer)
        pieces = [p.strip(" .,;:!?'") for p in _ANSWER_PIECES.split(previous)]
        pieces = [p for p in pieces if len(p) >= MIN_QUOTED_PIECE]
        share = np.array(
            [
                1.0 if s[:QUOTED_PREFIX] in previous else max((len(p) / len(s) for p in pieces if p in s), default=0.0)
                for s in self.folded
            ],
            dtype=np.float32,
        )
        said = set(terms(previous))
        if share.any() or not said:
            return share
        shared = np.array([len(said & ts) for ts in self.plain_terms], dtype=np.float32)
        row = int(np.argmax(shared))
        if shared[row] >= RETOLD_MIN_TERMS and shared[row] >= RETOLD_SHARE * len(said):
            share[row] = min(1.0, shared[row] / max(1, len(self.plain_terms[row])))
        return share

    def _follow_on(self, share: np.ndarray) -> np.ndarray:
        """Return 1 for the sentence right after a quoted one (same paragraph or comment),
        PARTLY_QUOTED_WEIGHT for one quoted only in part (or retold), 0.5 for the one right before
        a quoted one, else 0."""
        out = np.where((share > 0) & (share < REPEATED_SHARE), PARTLY_QUOTED_WEIGHT, 0.0).astype(np.float32)
        for row in np.flatnonzero(share):
            for offset, weight in ((1, 1.0), (-1, 0.5)):
                other = self.neighbour(int(row), offset, within_comment=True)
                if other is not None and not share[row + offset]:
                    out[row + offset] = max(out[row + offset], weight)
        return out

    def neighbour(self, row: int, offset: int, within_comment: bool = False) -> Chunk | None:
        """Return the sentence ``offset`` rows from ``row`` if it is in the same paragraph (or,
        with ``within_comment``, the same reader comment), else None."""
        unit = self.sentences.units[row]
        if not 0 <= row + offset < len(self.sentences.units):
            return None
        other = self.sentences.units[row + offset]
        first, second = (other, unit) if offset < 0 else (unit, other)
        same_speaker = other.source == unit.source and other.speaker == unit.speaker and other.section == unit.section
        same_comment = within_comment and other.section == "comment" and other.comment == unit.comment
        same_paragraph = "\n" not in self.texts[unit.source][first.end : second.start]
        return other if same_speaker and (same_paragraph or same_comment) else None

    def widened(self, e: Evidence, texts: dict[str, str]) -> Chunk:
        """Return the sentence widened to the sentences its pronouns lean on, and to a following
        sentence that refers back to it ("these contacts", "this gesture") or answers it."""
        text = texts[e.unit.source]
        unit = e.unit
        sentence = text[unit.start : unit.end]
        if len(sentence) <= ANTECEDENT_MAX_CHARS and _ANAPHORIC_OPENING.match(sentence):
            prev = self.neighbour(e.row, -1)
            if prev is not None:
                unit = replace(unit, start=prev.start)
        asks = sentence.rstrip().endswith("?")
        following = self.neighbour(e.row, 1, within_comment=asks)
        if following is not None:
            next_text = text[following.start : following.end]
            # A rhetorical question is answered by what follows it ("And where has this
            # reconciliation ever occurred?" / "Not in Italy, ..."); a short claim is
            # completed by a sentence that continues it ("It applies to all ...").
            continues = _REFERS_BACK.match(next_text) or (
                len(sentence) <= SHORT_SENTENCE_CHARS and _ANAPHORIC_OPENING.match(next_text)
            )
            if asks or continues:
                unit = replace(unit, end=following.end)
        return unit


def paragraph_of(text: str, unit: Chunk) -> str:
    """Return the line (paragraph) of ``text`` that holds ``unit``."""
    start = text.rfind("\n", 0, unit.start) + 1
    end = text.find("\n", unit.end)
    return text[start : len(text) if end == -1 else end]


def segment_texts(units: list[Chunk], texts: dict[str, str]) -> list[str]:
    """Return the text of each sentence's segment: its whole comment, or else its paragraph."""
    comments: dict[tuple[str, int], tuple[int, int]] = {}
    for u in units:
        if u.section == "comment" and u.comment is not None:
            start, end = comments.get((u.source, u.comment), (u.start, u.end))
            comments[(u.source, u.comment)] = (min(start, u.start), max(end, u.end))
    out = []
    for u in units:
        span = comments.get((u.source, u.comment)) if u.section == "comment" and u.comment is not None else None
        out.append(texts[u.source][span[0] : span[1]] if span else paragraph_of(texts[u.source], u))
    return out
