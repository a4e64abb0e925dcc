"""The loaded, in-memory search engine behind an Assistant; built from the Chroma store of record."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from index import Chunk
from index.embedder import load_embeddings
from index.store import IndexStore, LoadedIndex, SourceDocument
from qa.adapter import QueryAdapter, load_adapter
from qa.answerability import check_inputs, features
from qa.batching import EncoderBatcher
from qa.elsewhere import asks_only_what_the_document_lacks
from qa.evidence import Evidence, EvidenceScorer
from qa.judge import DOCUMENT_FILE, FOLLOW_UP_JUDGE_FILE, Calibration, load_judge
from qa.prior import FOLLOW_UP_FILE, PRIOR_FILE, QuestionPrior, load_prior, text_digest
from qa.query import Query, SpeakerFinder, Turn, author_pronouns, refers_back, resolve
from qa.ranker import DocumentRanker, load_ranker
from qa.search import LevelIndex
from qa.selection import Selection, decide, select
from qa.settings import Settings
from qa.text import Vocabulary, stem, terms

log = logging.getLogger(__name__)

# A previous answer this short names the subject a follow-up leans on.
SHORT_ANSWER_WORDS = 30


@functools.cache
def _one_blas_thread() -> None:
    """Run numpy's matrix products on one thread: a question's products are small, and on a busy
    2-core machine a second BLAS thread waits on a descheduled core (eval/bench_library.py measured
    library p50 93 -> 46 ms at 0.5 MB under load; the article alone unchanged)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _left_out(what: str, fitted_to: str, settings: Settings, instead: str, switch: str) -> None:
    """Warn that a trained part fitted to another embedding model's vectors is left out, and the fix."""
    log.warning(
        "The %s was fitted to %s's vectors, not %s's; %s. Run `make train` to fit one to this model, or set %s=0.",
        what,
        fitted_to or "another model",
        settings.model_name,
        instead,
        switch,
    )


# What each prior file is, and what the engine does without it when it was fitted to another model.
_PRIOR_ROLES = {
    PRIOR_FILE: ("question prior", "the judge goes without it"),
    FOLLOW_UP_FILE: ("follow-ups' prior", "follow-ups are judged by the stand-alone prior"),
}


@dataclass(frozen=True)
class _Asked:
    """A question as the engine reads it: resolved, its own words and terms, the terms it borrows
    from the history, its vector (with the history's) and alone, and the adapter's reading."""

    query: Query
    focus_words: list[str]
    focus_terms: list[str]
    context_terms: list[str]
    vector: np.ndarray
    alone: np.ndarray
    adapted: np.ndarray | None


class Engine:
    """Search structures for one loaded index: passages, sentences, vocabulary and speakers."""

    def __init__(
        self,
        settings: Settings,
        texts: dict[str, str],
        loaded: LoadedIndex,
        embeddings: Any,
        titles: dict[str, str] | None = None,
        pages: dict[str, tuple[int, ...]] | None = None,
    ) -> None:
        _one_blas_thread()
        self.settings = settings
        self.texts = texts
        self.pages = pages or {}
        self.loaded = loaded
        self.embeddings = embeddings
        self._batcher = EncoderBatcher(self._encode)
        searchable = [c.searchable_text(texts[c.source]) for c in loaded.chunks]
        rows = {"passage": [], "sentence": []}
        for i, c in enumerate(loaded.chunks):
            rows[c.level].append(i)
        self.passages = LevelIndex(
            [loaded.chunks[i] for i in rows["passage"]],
            loaded.vectors[rows["passage"]],
            [searchable[i] for i in rows["passage"]],
        )
        self.sentences = LevelIndex(
            [loaded.chunks[i] for i in rows["sentence"]],
            loaded.vectors[rows["sentence"]],
            [searchable[i] for i in rows["sentence"]],
        )
        self.scorer = EvidenceScorer(
            self.passages,
            self.sentences,
            [set(terms(searchable[i])) for i in rows["sentence"]],
            texts,
        )
        self.vocabulary = Vocabulary(searchable)
        speakers: dict[str, int | None] = {}
        for c in loaded.chunks:
            speakers.setdefault(c.speaker, c.comment)
        self.authors: dict[str, str | None] = dict.fromkeys(texts)
        for c in loaded.chunks:
            if c.segment_kind == "byline":
                self.authors[c.source] = c.speaker
        # Follow-ups about "the author" mean the first document's with a byline.
        self.author = next((a for a in self.authors.values() if a), None)
        self.titles = _titles(texts, loaded.chunks, titles or {})
        bio = " ".join(
            texts[c.source][c.start : c.end]
            for c in loaded.chunks
            if c.level == "passage" and c.speaker == self.author and c.segment_kind in ("signature", "bio")
        )
        self.speakers = SpeakerFinder(speakers, self.author, pronouns=author_pronouns(bio))
        dimensions = loaded.vectors.shape[1] if len(loaded.vectors) else None
        self.adapter = self._adapter(settings, dimensions)
        # Each document's sha256 names it to the models fitted on it (the ranker, the priors).
        digests = {source: text_digest(text) for source, text in texts.items()}
        self.ranker = self._ranker(settings, digests, self.adapter, self.scorer)
        self.priors = self._priors(settings, digests, dimensions)
        # Follow-ups have a prior of their own where one was fitted on the same document; else the
        # stand-alone one judges them too.
        own = self._priors(settings, digests, dimensions, FOLLOW_UP_FILE) if self.priors else {}
        self.follow_up_priors = {source: own.get(source, prior) for source, prior in self.priors.items()}
        # The generic judge judges any document; the document judge, the one its question prior was
        # fitted on (it reads the prior).
        self.judge = load_judge(settings.judge_folder()) if settings.judge else None
        self.document_judge = load_judge(settings.judge_folder(), DOCUMENT_FILE) if self.judge and self.priors else None
        # Its follow-ups have a judge of their own where one was fitted: the document judge learned
        # mostly from stand-alone questions, whose evidence scores say more than a follow-up's.
        # It reads the follow-ups' own prior, so it serves only where one was fitted.
        own_follow_ups = (
            self.document_judge is not None and bool(own) and (settings.judge_folder() / FOLLOW_UP_JUDGE_FILE).is_file()
        )
        self.follow_up_judge = load_judge(settings.judge_folder(), FOLLOW_UP_JUDGE_FILE) if own_follow_ups else None

    @staticmethod
    def _adapter(settings: Settings, dimensions: int | None) -> QueryAdapter | None:
        """Return the query adapter to rank with: none when switched off, or when it was fitted to
        another embedding model's vectors than the one in use."""
        if not settings.adapter:
            return None
        adapter = load_adapter(settings.adapter_folder())
        if adapter.fits(settings.model_name, dimensions):
            return adapter
        _left_out("query adapter", adapter.model, settings, "questions are embedded as they are", "QA_ADAPTER")
        return None

    @staticmethod
    def _ranker(
        settings: Settings, digests: dict[str, str], adapter: QueryAdapter | None, scorer: EvidenceScorer
    ) -> tuple[DocumentRanker, np.ndarray] | None:
        """Return the document ranker beside the adapter and the sentences it ranks, those of the
        document it was fitted on; None when switched off, when no loaded document is that one, or
        when the adapter whose vectors it weighs is not in use."""
        if not settings.ranker or adapter is None:
            return None
        ranker = load_ranker(settings.adapter_folder())
        if ranker is None:
            return None
        mine = [source for source, digest in digests.items() if digest == ranker.document]
        if not mine:
            return None
        if not ranker.fits(settings.model_name):
            _left_out("document ranker", ranker.model, settings, "the hand-set weights rank", "QA_RANKER")
            return None
        if ranker.adapter != adapter.digest:
            log.warning(
                "The document ranker was fitted over another query adapter than the one in %s; the hand-set "
                "weights rank. Run `make train` to fit one over this adapter, or set QA_RANKER=0.",
                settings.adapter_folder(),
            )
            return None
        return ranker, scorer.in_sources(frozenset(mine))

    @staticmethod
    def _priors(
        settings: Settings, digests: dict[str, str], dimensions: int | None, name: str = PRIOR_FILE
    ) -> dict[str, QuestionPrior]:
        """Return the question prior ``name`` of each loaded document it was fitted on (by its text's
        sha256, in ``digests``): none for any other document, none when switched off or fitted to another model, and
        none when the prior folder has no such file (only the stand-alone prior is required)."""
        if not settings.question_prior or (name != PRIOR_FILE and not (settings.prior_folder() / name).is_file()):
            return {}
        prior = load_prior(settings.prior_folder(), name)
        mine = {source for source, digest in digests.items() if digest == prior.document}
        if mine and not prior.fits(settings.model_name, dimensions):
            what, instead = _PRIOR_ROLES[name]
            _left_out(what, prior.model, settings, instead, "QA_QUESTION_PRIOR")
            return {}
        return dict.fromkeys(mine, prior)

    @classmethod
    def open(
        cls,
        settings: Settings,
        documents: list[SourceDocument],
        rebuild: bool = False,
        progress: Callable[[str, float], None] | None = None,
        titles: dict[str, str] | None = None,
        pages: dict[str, tuple[int, ...]] | None = None,
        spare: list[SourceDocument] | None = None,
    ) -> Engine:
        """Load the embedding model and the index (building it if needed) for ``documents``."""
        report = progress or (lambda _message, _fraction: None)
        report("Loading the embedding model (the first run also exports it to ONNX)", 0.05)
        store = open_store(settings, spare or ())
        report("Opening the index", 0.3)
        loaded = store.ensure(documents, rebuild=rebuild, progress=progress)
        report("Preparing search", 0.95)
        return cls(settings, {d.source: d.text for d in documents}, loaded, store.embeddings, titles, pages)

    def describe(self) -> dict[str, Any]:
        """Return the manifest and the counts of the loaded index."""
        return {
            **asdict(self.loaded.manifest),
            "passages": len(self.passages.units),
            "sentences": len(self.sentences.units),
            "built_now": self.loaded.built,
            "backend": self.settings.backend,
        }

    def embed(self, text: str) -> np.ndarray:
        """Return the unit-length embedding of ``text``; concurrent callers share encoder runs."""
        return self._batcher.embed(text)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return np.asarray([self.embeddings.embed_query(texts[0])], dtype=np.float32)
        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def _query_terms(self, text: str) -> list[str]:
        return [stem(w) for w in self.vocabulary.repair(text)]

    def _answer_terms(self, answer: str) -> list[str]:
        """Return the terms of a short previous answer: it names what "he" or "they" stand for
        ("Ali Akbar Hashemi Rafsanjani ..."). A long one, such as a full quoted answer, says too much."""
        return self._query_terms(answer) if len(answer.split()) <= SHORT_ANSWER_WORDS else []

    def _asks_about_something_else(self, focus_words: list[str], corrected: str) -> bool:
        """True when a question that does not point back names nothing the document has, everyday
        words apart ("What is the capital of Peru?", "And Peru?"): whatever came before, it asks about
        something else, so it is read alone rather than borrowing the last turn's subject."""
        if refers_back(corrected):
            return False
        return asks_only_what_the_document_lacks(self.scorer.idf, self.scorer.has_variant, focus_words, corrected)

    def _asked(self, question: str, history: list[Turn]) -> _Asked:
        """Return ``question`` as the engine reads it: resolved against ``history``, its terms and vectors."""
        # The question's own words, repaired once: resolve keeps the question as asked.
        focus_words = self.vocabulary.repair(question)
        corrected = self.vocabulary.correct(question)
        if history and self._asks_about_something_else(focus_words, corrected or question):
            history = []
        query = resolve(question, history, self.speakers)
        query = replace(query, spelled=self.vocabulary.repair_text(question), corrected=corrected)
        vector = self.embed(self.vocabulary.repair_text(query.text))
        alone = vector
        if query.context:
            alone = self.embed(query.spelled)
            both = vector + alone
            norm = float(np.linalg.norm(both))
            # Two opposite (or empty) vectors sum to nothing: the question alone then ranks.
            vector = both / norm if norm > 0 else alone
        return _Asked(
            query,
            focus_words,
            [stem(w) for w in focus_words],
            self._query_terms(query.context) + self._answer_terms(query.previous_answer),
            vector,
            alone,
            self.adapter.apply(vector) if self.adapter is not None else None,
        )

    def signals(self, question: str, history: list[Turn]) -> tuple[np.ndarray, np.ndarray]:
        """Return the ranking signals of every sentence for ``question`` and the offsets added to any
        score (EvidenceScorer.signals): what ``make train`` fits the document ranker on."""
        asked = self._asked(question, history)
        return self.scorer.signals(
            asked.query, asked.focus_terms, asked.context_terms, asked.vector, adapted=asked.adapted
        )

    def answer(self, question: str, history: list[Turn], sources: frozenset[str] | None = None) -> Selection:
        """Rank evidence for ``question`` in ``sources`` (all documents when None) and select what to quote."""
        asked = self._asked(question, history)
        query, focus_words, alone = asked.query, asked.focus_words, asked.alone
        ranked = self.scorer.rank(
            query,
            asked.focus_terms,
            asked.context_terms,
            asked.vector,
            self.settings.retrieval,
            self.settings.rrf_k,
            sources,
            asked.adapted,
            self.ranker,
        )
        hybrid = self.settings.retrieval == "hybrid"
        picked = select(
            self.scorer,
            ranked,
            query,
            focus_words,
            self.texts,
            self.settings.max_citations,
            self.settings.support_ratio,
            self.settings.active_checks() if hybrid else (),
        )
        if picked.abstain:
            return picked
        if not hybrid:
            # Baselines (dense or BM25 alone) never abstain.
            return decide(picked, ranked[0].score, -math.inf, "the evidence score", ())
        # The rules-only engine computes the judge's inputs too: make train learns from them.
        values = features(self.scorer, self.texts, query.spelled or query.question, ranked)
        # The prior of the document the best evidence comes from, on the question's own words.
        prior = (self.follow_up_priors if query.context else self.priors).get(ranked[0].unit.source)
        if prior is not None:
            values.update(prior.inputs(alone))
        if query.context:
            # Recorded, not read by the judges: make train needs it to apply their vetoes as served.
            values["follow_up"] = 1.0
        picked = replace(picked, inputs=check_inputs(values, picked.fired))
        # Evidence under the engine's own floor is too weak to judge: off-topic questions land there
        # (+5 points abstained, no new refusal). A few answerable paraphrases do too (7 refusals of
        # 1,776 on fresh sets 242-265); a lower floor for the judge alone tied on fresh sets
        # (variant L, docs/decisions-2026-12-08.md).
        source = ranked[0].unit.source
        judge = self._judge_for(source, follow_up=bool(query.context))
        if judge is None or ranked[0].score < self.settings.abstain_threshold:
            # The rules-only engine abstains on a weak score or on the first check that fires.
            return decide(picked, ranked[0].score, self.settings.abstain_threshold, "the evidence score", picked.fired)
        probability = judge.answerable(picked.inputs or {})
        # A check the judge does not read neither vetoes nor explains its verdict.
        picked = replace(picked, fired=judge.reading(picked.fired))
        vetoes = judge.vetoing(picked.fired, probability, follow_up=bool(query.context))
        return decide(picked, probability, self._threshold(judge), "the judge's answer probability", vetoes)

    def _judge_for(self, source: str, follow_up: bool = False) -> Calibration | None:
        """Return the judge of ``source``: the document judge where its question prior applies (the
        follow-up judge for a follow-up, where there is one), else the generic one (None without a judge)."""
        if self.document_judge is not None and source in self.priors:
            if follow_up and self.follow_up_judge is not None:
                return self.follow_up_judge
            return self.document_judge
        return self.judge

    def threshold(self, source: str | None = None, follow_up: bool = False) -> float:
        """Return the confidence under which the engine abstains on evidence from ``source`` (None: the
        first document), for a stand-alone question or a follow-up: its judge's, or the evidence
        score's without a judge."""
        first = next(iter(self.texts), "")
        return self._threshold(self._judge_for(source if source is not None else first, follow_up))

    def _threshold(self, judge: Calibration | None) -> float:
        if judge is None:
            return self.settings.abstain_threshold
        configured = self.settings.judge_threshold
        return configured if configured >= 0 else judge.threshold

    def related(self, ranked: list[Evidence], n: int) -> list[Chunk]:
        """Return the top ``n`` sentences from distinct passages: reading offered with an abstention."""
        seen: set[str | None] = set()
        out: list[Chunk] = []
        for e in ranked:
            if e.unit.parent in seen:
                continue
            seen.add(e.unit.parent)
            out.append(e.unit)
            if len(out) == n:
                break
        return out

    def passages_for(self, question: str, k: int) -> list[Chunk]:
        """Return the ``k`` best passages by hybrid (RRF) ranking."""
        vector = self.embed(self.vocabulary.repair_text(question))
        scores = self.passages.scores(self._query_terms(question), vector, self.settings.retrieval, self.settings.rrf_k)
        return [self.passages.units[i] for i in scores.ranking()[:k]]


def open_store(settings: Settings, spare: Sequence[SourceDocument] = ()) -> IndexStore:
    """Return the index store the settings name, with the embedding model loaded (cached per process)."""
    embeddings = load_embeddings(settings.resolved_model_path(), settings.backend, cache_dir=settings.onnx_export_dir())
    return IndexStore(settings.data_dir, embeddings, settings.model_name, chroma_url=settings.chroma_url, spare=spare)


def _titles(texts: dict[str, str], chunks: list[Chunk], given: dict[str, str]) -> dict[str, str]:
    """Return each document's title: the one its file gave, else its parsed title line, else its id."""
    lines: dict[str, Chunk] = {}
    for c in chunks:
        if c.segment_kind == "title":
            lines.setdefault(c.source, c)
    titles = {}
    for source, text in texts.items():
        line = lines.get(source)
        parsed = " ".join(text[line.start : line.end].split()) if line else source
        titles[source] = given.get(source) or parsed
    return titles
