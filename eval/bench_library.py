"""Library scale: many documents added with ``Assistant.add``, against the one-document figures.

``python -m eval.bench_library`` (and the library section of ``qa bench``) writes N documents of S MB in
all, made deterministically from real text (the bundled article and the four SQuAD articles under
``../shared/corpora/squad2-dev4``, their paragraphs shuffled and recombined, one heading per document),
adds them to an empty library with a progress callback, and measures:

- the build: wall seconds of ``Assistant.add(folder)``, chunks per second, the progress it reported;
- warm query latency (p50, p95) over a fixed list of 30 questions, interleaved: (a) the bundled article
  alone, in its own data folder; (b) the whole library; (c) the library with ``documents=[the article]``.
  Round one asks each question for the first time (the figures the target uses); later rounds repeat them;
- peak RSS: this process after the build and after the queries (before any baseline is loaded), and a
  new process that opens the built library and answers once (a restart);
- a profile (cProfile) of five library questions not asked before: where a question's time goes;
- optionally the naive LangChain baseline over the same files (``--naive``), and Chroma server mode
  (``--chroma-url URL``, or ``--chroma-server`` to start ``chroma run`` for the run).

Targets, from the issue: library query p50 ≤ 2× the one-document p50, and peak RSS ≤ 1.5 GB.

``--simulate`` skips the build: the same documents chunked as the index chunks them, with random vectors
in place of embeddings, so query time and memory can be measured at sizes (20 MB) whose build takes
an hour or more here.

``qa bench`` runs this module in a child process, so the peak RSS is the library's own, not the rest of the
benchmark's (torch, several assistants).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.bench_stats import Results, interleave
from eval.corpus import SHARED_CORPORA
from eval.dataset import load_items
from qa.settings import BUNDLED_DOCUMENT

MB = 1024 * 1024
# The bundled article is in every library (an empty library answers over it) and is the filtered figure's id.
ARTICLE_ID = BUNDLED_DOCUMENT.stem
SQUAD = ("Steam_engine", "Harvard_University", "Islamism", "Force")
# The targets.
P50_FACTOR = 2.0
RSS_LIMIT_MB = 1.5 * 1024
# Questions per source in the fixed list: 14 about the article, 4 about each SQuAD text.
ARTICLE_QUESTIONS = 14
SQUAD_QUESTIONS = 4
# Rows kept per ordering of a profile.
PROFILE_ROWS = 14
# Paragraphs shorter than this (bylines, captions, signatures) are not reused in the made-up documents.
MIN_PARAGRAPH_CHARS = 80
# A Markdown document gets a sub-heading every this many paragraphs.
PARAGRAPHS_PER_SECTION = 3
# A made-up document draws most of its paragraphs from its main source, the rest from a second one.
MAIN_SHARE = 0.7


@dataclass(frozen=True)
class LibraryPlan:
    """How big a library and how many timed rounds: the default, ``--quick``, or the caller's."""

    documents: int
    megabytes: float
    rounds: int = 2
    naive: bool = False
    chroma_url: str | None = None
    chroma_server: bool = False

    def __post_init__(self) -> None:
        if self.documents < 1 or self.megabytes <= 0 or self.rounds < 1:
            raise ValueError("A library needs at least one document, a positive size and one round.")


# 200 documents of ~2.5 KB (~5,100 chunks): built and measured in about 3 minutes on this shared 2-core
# machine, whose build embeds 26-78 chunks/s depending on other work (2 MB, ~19,700 chunks: 4-11 minutes).
DEFAULT = LibraryPlan(documents=200, megabytes=0.5, rounds=2)
QUICK = LibraryPlan(documents=20, megabytes=0.2, rounds=1)


@dataclass(frozen=True)
class Question:
    """One timed question, the text it comes from, and strings any right answer contains."""

    text: str
    origin: str
    answers: tuple[str, ...]


# ------------------------------------------------------------------ the documents


def origins() -> dict[str, tuple[str, list[str]]]:
    """Return source name → (title, paragraphs) for the bundled article and the four SQuAD texts."""
    out: dict[str, tuple[str, list[str]]] = {}
    paths = {"Hunter": BUNDLED_DOCUMENT, **{name: SHARED_CORPORA / f"{name}.txt" for name in SQUAD}}
    for name, path in paths.items():
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; the library benchmark needs the shared SQuAD corpora.")
        blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))]
        title = blocks[0]
        out[name] = (title, [b for b in blocks[1:] if len(b) >= MIN_PARAGRAPH_CHARS])
    return out


def write_library(folder: Path, documents: int, megabytes: float, seed: int = 0) -> list[Path]:
    """Write ``documents`` files of ``megabytes`` MB in all into ``folder``; return their paths.

    Each document mixes shuffled paragraphs of a main source and a second one, under a title of its
    own; even-numbered ones are Markdown with a sub-heading every few paragraphs, odd ones plain text
    with a title line. The same arguments always give the same files.
    """
    sources = origins()
    names = list(sources)
    folder.mkdir(parents=True, exist_ok=True)
    target = max(1, int(megabytes * MB / documents))
    paths = []
    for i in range(documents):
        rng = random.Random(seed * 1_000_003 + i)
        main = names[i % len(names)]
        second = names[(i + 1 + i // len(names)) % len(names)]
        if second == main:
            second = names[(i + 2) % len(names)]
        decks: dict[str, list[str]] = {}

        def draw(name: str, decks: dict[str, list[str]] = decks, rng: random.Random = rng) -> str:
            if not decks.get(name):
                decks[name] = rng.sample(sources[name][1], len(sources[name][1]))
            return decks[name].pop()

        title = f"{sources[main][0]} and {sources[second][0]}, reader {i + 1:03d}"
        markdown = i % 2 == 0
        parts = [f"# {title}" if markdown else title]
        size = len(parts[0].encode("utf-8"))
        n = 0
        while size < target:
            if markdown and n % PARAGRAPHS_PER_SECTION == 0:
                heading = f"## Part {n // PARAGRAPHS_PER_SECTION + 1}"
                parts.append(heading)
                size += len(heading) + 2
            paragraph = draw(main if rng.random() < MAIN_SHARE else second)
            added = len(paragraph.encode("utf-8")) + 2
            # Stop nearer the target than a whole paragraph: the sizes add up to about ``megabytes``.
            if n and size + added / 2 > target:
                break
            parts.append(paragraph)
            size += added
            n += 1
        slug = f"{main}-{second}".lower().replace("_", "-")
        path = folder / f"{i + 1:03d}-{slug}.{'md' if markdown else 'txt'}"
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def question_sets() -> dict[str, list[Question]]:
    """Return three disjoint, fixed lists: ``timed`` (30 questions: 14 about the article, 4 about each SQuAD
    text), ``warm_up`` and ``profiled`` (5 each, never timed, so the timed and profiled questions are new to
    the engine's per-word caches, as a user's question is)."""
    items = [i for i in load_items() if i.answerable and not i.history]
    pool: dict[str, list[Question]] = {"Hunter": [Question(i.question, "Hunter", i.answer_any) for i in items]}
    for name in SQUAD:
        rows = [json.loads(line) for line in (SHARED_CORPORA / f"{name}.jsonl").read_text().splitlines() if line]
        pool[name] = [
            Question(r["question"], name, tuple(a["text"] for a in r["answers"])) for r in rows if r["answerable"]
        ]
    sets: dict[str, list[Question]] = {"timed": [], "warm_up": [], "profiled": []}
    for name, found in pool.items():
        timed = ARTICLE_QUESTIONS if name == "Hunter" else SQUAD_QUESTIONS
        # Evenly spread over the source, then the next ones along for the untimed lists.
        step = len(found) // (timed + 2)
        picked = found[::step]
        sets["timed"] += picked[:timed]
        sets["warm_up"] += picked[timed : timed + 1]
        sets["profiled"] += picked[timed + 1 : timed + 2]
    return sets


def questions() -> list[Question]:
    """Return the fixed, timed list of questions."""
    return question_sets()["timed"]


# ------------------------------------------------------------------ measuring


def peak_rss_mb() -> float:
    """Return this process's peak resident set size so far, in MB.

    Linux's VmHWM, which starts afresh at exec; ``ru_maxrss`` would carry over the forking parent's size
    into a child such as the restart figure's process. Elsewhere, ``ru_maxrss``.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) / 1024  # type: ignore[union-attr]
    except (OSError, AttributeError):
        scale = 1 if sys.platform != "darwin" else 1024  # macOS reports bytes, Linux KB
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / scale


def rss_mb() -> float:
    """Return this process's resident set size now, in MB."""
    import psutil

    return psutil.Process().memory_info().rss / MB


class ProgressLog:
    """The build's progress callback: keeps every report and passes one in ten percent on to ``say``."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.started = time.perf_counter()
        self.events: list[tuple[float, str, float]] = []
        self._next = 0.1

    def __call__(self, message: str, fraction: float) -> None:
        elapsed = time.perf_counter() - self.started
        self.events.append((elapsed, message, fraction))
        if message.startswith("Document ") and fraction >= self._next:
            self.say(f"library build {elapsed:6.1f} s, {fraction:4.0%}: {message}")
            self._next = fraction + 0.1

    def summary(self) -> dict[str, Any]:
        """Return how many reports came, how many named a document, and the first and last."""
        documents = [m for _, m, _ in self.events if m.startswith("Document ")]
        named = {m.split(" ", 2)[1] for m in documents}
        return {
            "events": len(self.events),
            "document_events": len(documents),
            "documents_named": len(named),
            "first": self.events[0][1] if self.events else None,
            "last_document_event": documents[-1] if documents else None,
            "max_fraction": max((f for _, _, f in self.events), default=0.0),
        }


def _hit(answer: Any, question: Question) -> bool:
    text = answer.text.lower().replace("’", "'")
    return not answer.abstained and any(a.lower().replace("’", "'") in text for a in question.answers)


def _quality(ask: Callable[[Question], Any], qs: Sequence[Question]) -> dict[str, Any]:
    """One untimed pass: how many answers hold a gold string, how many abstain, per origin."""
    answers = [ask(q) for q in qs]
    by_origin: dict[str, list[bool]] = {}
    for q, a in zip(qs, answers, strict=True):
        by_origin.setdefault(q.origin, []).append(_hit(a, q))
    return {
        "answer_hit": round(sum(_hit(a, q) for q, a in zip(qs, answers, strict=True)) / len(qs), 3),
        "abstained": sum(a.abstained for a in answers),
        "hit_by_origin": {k: f"{sum(v)}/{len(v)}" for k, v in by_origin.items()},
    }


def profile_queries(ask: Callable[[Question], Any], qs: Sequence[Question]) -> dict[str, Any]:
    """Profile ``ask`` over ``qs``; return the top functions by own time and by cumulative time, per query."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for q in qs:
        ask(q)
    profiler.disable()
    wall = (time.perf_counter() - started) / len(qs)
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else "built-in"
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls_per_query": round(calls / len(qs), 1),
                "own_ms": round(own * 1e3 / len(qs), 2),
                "cumulative_ms": round(cumulative * 1e3 / len(qs), 2),
            }
        )
    return {
        "questions": len(qs),
        "wall_ms_per_query": round(wall * 1e3, 2),
        "by_own_time": sorted(rows, key=lambda r: -r["own_ms"])[:PROFILE_ROWS],
        "by_cumulative_time": sorted(rows, key=lambda r: -r["cumulative_ms"])[:PROFILE_ROWS],
    }


def _start_chroma(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``chroma run`` on a free loopback port with its data in ``work``; return it and its URL."""
    from eval.soak import free_port, start_chroma

    port = free_port()
    return start_chroma(work / "chroma-server", port, work / "chroma.log"), f"http://127.0.0.1:{port}"


def _server_rss_mb(process: subprocess.Popen[bytes] | None) -> float | None:
    if process is None:
        return None
    import psutil

    proc = psutil.Process(process.pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / MB


def run_library(
    plan: LibraryPlan, work: Path, say: Callable[[str], None], model_cache: Path | None = None
) -> dict[str, Any]:
    """Measure everything the module docstring lists; return the report (JSON-ready)."""
    from qa import Assistant, Settings

    started = time.perf_counter()
    # The 1-minute load average at each phase: other work on the machine slows numpy's threads most.
    loads = {"start": round(os.getloadavg()[0], 2)}
    server = None
    chroma_url = plan.chroma_url
    if plan.chroma_server and not chroma_url:
        say("starting chroma run for server mode")
        server, chroma_url = _start_chroma(work)
    try:
        cache = model_cache or Settings.load().model_cache().resolve()

        def settings(data_dir: Path, documents: tuple[Path, ...]) -> Settings:
            return Settings.load(
                data_dir=data_dir, model_cache_dir=cache, documents=documents, chroma_url=chroma_url or None
            )

        paths = write_library(work / "files", plan.documents, plan.megabytes)
        sizes = [p.stat().st_size for p in paths]
        sets = question_sets()
        qs = sets["timed"]
        say(f"library: wrote {len(paths)} documents, {sum(sizes) / MB:.2f} MB; building the one-document index")
        one = Assistant(settings(work / "one", (BUNDLED_DOCUMENT,)))
        one_build = time.perf_counter()
        one_manifest = one.load()
        one_build = time.perf_counter() - one_build
        rss_before = peak_rss_mb()

        say(f"library: adding {len(paths)} documents with Assistant.add")
        library = Assistant(settings(work / "library", ()))
        progress = ProgressLog(say)
        build = time.perf_counter()
        changes = library.add(work / "files", progress=progress)
        build = time.perf_counter() - build
        manifest = library.load()
        rss_after_build, rss_now_after_build = peak_rss_mb(), rss_mb()
        ids = [d.id for d in library.documents()]
        if ARTICLE_ID not in ids:
            raise RuntimeError(f"The library lost the bundled article {ARTICLE_ID}; its ids are {ids[:5]}...")
        say(
            f"library: built {manifest['chunks']} chunks in {build:.1f} s "
            f"({manifest['chunks'] / build:.0f} chunks/s); timing {len(qs)} questions × {plan.rounds} round(s)"
        )

        def ask_one(q: Question) -> Any:
            return one.ask(q.text)

        def ask_all(q: Question) -> Any:
            return library.ask(q.text)

        def ask_filtered(q: Question) -> Any:
            return library.ask(q.text, documents=[ARTICLE_ID])

        groups: list[dict[str, Callable[[Question], object]]] = [
            {"one_document": ask_one},
            {"library_all": ask_all, "library_filtered": ask_filtered},
        ]
        loads["before_queries"] = round(os.getloadavg()[0], 2)
        interleave(groups, sets["warm_up"], 1)
        # Round one asks each question for the first time (the engine caches per-word work); later rounds repeat.
        first = interleave(groups, qs, 1, block=5)
        repeat = interleave(groups, qs, plan.rounds - 1, block=5) if plan.rounds > 1 else None
        timings = first
        rss_after_queries, rss_now_after_queries = peak_rss_mb(), rss_mb()
        loads["after_queries"] = round(os.getloadavg()[0], 2)
        server_rss = _server_rss_mb(server)
        quality = {
            "one_document": _quality(ask_one, qs),
            "library_all": _quality(ask_all, qs),
            "library_filtered": _quality(ask_filtered, qs),
        }
        one_p50, all_p50 = timings["one_document"].p50, timings["library_all"].p50
        filtered_p50 = timings["library_filtered"].p50
        # Cheap (five questions), so always: bench.md shows it when the p50 target is missed.
        profile = profile_queries(ask_all, sets["profiled"])

        naive = _naive(paths, work, qs, ask_all, say) if plan.naive else None

        say("library: reopening the built library in a new process (a restart)")
        reopened = reopen(work / "library", cache, chroma_url)
        chunks = int(manifest["chunks"])
        report: dict[str, Any] = {
            "plan": asdict(plan),
            "store": manifest.get("store"),
            "chroma_url": chroma_url,
            "documents_written": len(paths),
            "documents_in_library": len(ids),
            "added": sum(c.action == "added" for c in changes),
            "megabytes": round(sum(sizes) / MB, 3),
            "document_kb": {
                "min": round(min(sizes) / 1024, 1),
                "median": round(sorted(sizes)[len(sizes) // 2] / 1024, 1),
                "max": round(max(sizes) / 1024, 1),
            },
            "formats": {
                "md": sum(p.suffix == ".md" for p in paths),
                "txt": sum(p.suffix == ".txt" for p in paths),
            },
            "questions": len(qs),
            "rounds": plan.rounds,
            "build": {
                "seconds": round(build, 2),
                "chunks": chunks,
                "passages": manifest["passages"],
                "sentences": manifest["sentences"],
                "collections": len(manifest.get("parts") or [manifest["collection"]]),
                "chunks_per_s": round(chunks / build, 1),
                "manifest_build_seconds": manifest["build_seconds"],
                "progress": progress.summary(),
                "one_document_seconds": round(one_build, 2),
                "one_document_chunks": one_manifest["chunks"],
                "reload_seconds": reopened["load_seconds"],
            },
            # "query": first asks, the figures the targets use; "query_repeat": the same questions asked again.
            "query": {name: t.to_dict() for name, t in first.items()},
            "query_repeat": None if repeat is None else {name: t.to_dict() for name, t in repeat.items()},
            "quality": quality,
            "rss_mb": {
                "peak_before_library": round(rss_before, 1),
                "peak_after_build": round(rss_after_build, 1),
                "peak_after_queries": round(rss_after_queries, 1),
                "now_after_build": round(rss_now_after_build, 1),
                "now_after_queries": round(rss_now_after_queries, 1),
                "chroma_server": None if server_rss is None else round(server_rss, 1),
                # A new process that opens the built library and answers once: what a restart costs.
                "reopen_peak": reopened["peak_rss_mb"],
                "reopen_now": reopened["rss_mb"],
            },
            "profile": profile,
            "naive": naive,
        }
        peak = max(rss_after_queries, reopened["peak_rss_mb"]) + (server_rss or 0.0)
        report["targets"] = {
            "query_p50": {
                "target": f"library p50 ≤ {P50_FACTOR:g}× one-document p50",
                "one_document_ms": round(one_p50 * 1e3, 2),
                "library_ms": round(all_p50 * 1e3, 2),
                "filtered_ms": round(filtered_p50 * 1e3, 2),
                "factor": round(all_p50 / one_p50, 2),
                "filtered_factor": round(filtered_p50 / one_p50, 2),
                "met": all_p50 <= P50_FACTOR * one_p50,
            },
            "rss": {
                "target": f"peak RSS ≤ {RSS_LIMIT_MB:.0f} MB",
                "peak_mb": round(peak, 1),
                "met": peak <= RSS_LIMIT_MB,
            },
        }
        report["duration_s"] = round(time.perf_counter() - started, 1)
        report["load_average"] = {**loads, "end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
        return report
    finally:
        if server is not None:
            from eval.soak import stop_process

            stop_process(server)


def reopen(data_dir: Path, cache: Path, chroma_url: str | None) -> dict[str, float]:
    """Open the library in ``data_dir`` in a new process and answer once; return its load time and RSS."""
    command = [sys.executable, "-m", "eval.bench_library", "--reopen", str(data_dir), "--model-cache", str(cache)]
    if chroma_url:
        command += ["--chroma-url", chroma_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reopen_here(data_dir: Path, cache: Path, chroma_url: str | None) -> dict[str, float]:
    from qa import Assistant, Settings

    bot = Assistant(Settings.load(data_dir=data_dir, model_cache_dir=cache, documents=(), chroma_url=chroma_url))
    started = time.perf_counter()
    bot.load()
    load = time.perf_counter() - started
    started = time.perf_counter()
    bot.ask(question_sets()["warm_up"][0].text)
    return {
        "load_seconds": round(load, 2),
        "first_answer_ms": round((time.perf_counter() - started) * 1e3, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_mb": round(rss_mb(), 1),
    }


def simulate(plan: LibraryPlan, work: Path, say: Callable[[str], None], cache: Path) -> dict[str, Any]:
    """Query time and memory at sizes whose build takes hours here: the same documents, chunked as the index
    chunks them, with seeded random unit vectors in place of their embeddings (the numpy passes cost the
    same; the answers mean nothing). The article alone is a real index, for the ratio."""
    import numpy as np

    from index.chunking import CHUNKER_VERSION, chunk_document
    from index.embedder import load_embeddings
    from index.formats import extract
    from index.manifest import LoadedIndex, Manifest
    from index.structure import parse_document
    from qa import Assistant, Settings
    from qa.engine import Engine

    settings = Settings.load(data_dir=work / "simulated", model_cache_dir=cache, documents=())
    one = Assistant(Settings.load(data_dir=work / "one", model_cache_dir=cache, documents=(BUNDLED_DOCUMENT,)))
    one.load()
    paths = write_library(work / "files", plan.documents, plan.megabytes)
    say(f"simulated: chunking {len(paths)} documents, {plan.megabytes:g} MB")
    texts = {ARTICLE_ID: BUNDLED_DOCUMENT.read_text(encoding="utf-8")}
    headings: dict[str, Any] = {ARTICLE_ID: ()}
    for path in paths:
        document = extract(path.name, path.read_bytes())
        texts[path.stem], headings[path.stem] = document.text, document.headings
    chunks = []
    for source, text in texts.items():
        part = chunk_document(source, text, parse_document(text, headings[source]))
        chunks += sorted(part, key=lambda c: (c.start, c.level))
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(chunks), 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = Manifest("qa-simulated", {k: "" for k in texts}, settings.model_name, CHUNKER_VERSION, len(chunks), 0)
    embeddings = load_embeddings(settings.resolved_model_path(), "onnx", cache_dir=settings.onnx_export_dir())
    before = rss_mb()
    say(f"simulated: preparing search over {len(chunks)} chunks")
    started = time.perf_counter()
    engine = Engine(settings, texts, LoadedIndex(manifest, chunks, vectors), embeddings)
    prepare = time.perf_counter() - started
    after = rss_mb()
    sets = question_sets()

    def ask_all(q: Question) -> Any:
        return engine.answer(q.text, [])

    def ask_filtered(q: Question) -> Any:
        return engine.answer(q.text, [], frozenset({ARTICLE_ID}))

    groups: list[dict[str, Callable[[Question], object]]] = [
        {"one_document": lambda q: one.ask(q.text)},
        {"library_all": ask_all, "library_filtered": ask_filtered},
    ]
    interleave(groups, sets["warm_up"], 1)
    load = round(os.getloadavg()[0], 2)
    say(f"simulated: timing {len(sets['timed'])} questions")
    timings = interleave(groups, sets["timed"], 1, block=5)
    one_p50, all_p50 = timings["one_document"].p50, timings["library_all"].p50
    return {
        "simulated": True,
        "documents": len(texts),
        "megabytes": round(sum(p.stat().st_size for p in paths) / MB, 3),
        "chunks": len(chunks),
        "sentences": sum(c.level == "sentence" for c in chunks),
        "prepare_seconds": round(prepare, 1),
        "engine_rss_mb": round(after - before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average": load,
        "query": {name: t.to_dict() for name, t in timings.items()},
        "factor": round(all_p50 / one_p50, 2),
        "filtered_factor": round(timings["library_filtered"].p50 / one_p50, 2),
        "profile": profile_queries(ask_all, sets["profiled"]),
    }


def _naive(
    paths: Sequence[Path],
    work: Path,
    qs: Sequence[Question],
    ask_all: Callable[[Question], Any],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Build the naive baseline over the same files plus the article; time its search beside ours, interleaved."""
    from eval.naive import NaiveBaseline, naive_embeddings

    texts = {p.stem: p.read_text(encoding="utf-8") for p in paths}
    texts[ARTICLE_ID] = BUNDLED_DOCUMENT.read_text(encoding="utf-8")
    say(f"library: building the naive baseline over the same {len(texts)} documents")
    baseline = NaiveBaseline(naive_embeddings(), work / "naive")
    build = time.perf_counter()
    chunks = baseline.build(texts)
    build = time.perf_counter() - build
    groups: list[dict[str, Callable[[Question], object]]] = [
        {"naive_search": lambda q: baseline.search(q.text)},
        {"ours_library_all": ask_all},
    ]
    # Both have answered every question by now: these are repeats for ours too.
    t = interleave(groups, qs, 1, block=5)
    return {
        "build_seconds": round(build, 2),
        "chunks": chunks,
        "chunks_per_s": round(chunks / build, 1),
        "query": {name: timing.to_dict() for name, timing in t.items()},
    }


# ------------------------------------------------------------------ reporting


def verdict(met: bool) -> str:
    """Return MET or MISSED."""
    return "MET" if met else "MISSED"


SETUPS = {
    "one_document": "the article alone",
    "library_all": "whole library",
    "library_filtered": "library, documents=[the article]",
}


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Return the report as a few plain lines for a terminal."""
    b, q, t, rep = report["build"], report["query"], report["targets"], report.get("query_repeat")
    lines = [
        f"library: {report['documents_in_library']} documents ({report['documents_written']} written + the article), "
        f"{report['megabytes']:.2f} MB, store {report['store']}",
        f"build: {b['seconds']:.1f} s for {b['chunks']} chunks = {b['chunks_per_s']:.0f} chunks/s "
        f"({b['progress']['document_events']} progress reports naming {b['progress']['documents_named']} documents); "
        f"a new process opens it in {b['reload_seconds']:.1f} s, peak RSS {report['rss_mb']['reopen_peak']:.0f} MB",
    ]
    for name, label in SETUPS.items():
        again = f"; asked again p50 {rep[name]['p50_ms']:.1f} ms" if rep else ""
        lines.append(
            f"query, {label}: p50 {q[name]['p50_ms']:.1f} ms, p95 {q[name]['p95_ms']:.1f} ms (n={q[name]['n']}){again}"
        )
    p, r = t["query_p50"], t["rss"]
    lines += [
        f"target {p['target']}: {p['factor']:.2f}× ({p['library_ms']:.1f} ms vs {p['one_document_ms']:.1f} ms): "
        f"{verdict(p['met'])}; filtered: {p['filtered_factor']:.2f}×",
        f"target {r['target']}: {r['peak_mb']:.0f} MB: {verdict(r['met'])}",
    ]
    if report.get("naive"):
        n = report["naive"]
        lines.append(
            f"naive baseline: build {n['build_seconds']:.1f} s ({n['chunks']} chunks), search p50 "
            f"{n['query']['naive_search']['p50_ms']:.1f} ms vs ours {n['query']['ours_library_all']['p50_ms']:.1f} ms"
        )
    return lines


def markdown_section(report: dict[str, Any]) -> list[str]:
    """Return the library section of bench.md."""
    b, q, rep, rss = report["build"], report["query"], report.get("query_repeat"), report["rss_mb"]
    p, r = report["targets"]["query_p50"], report["targets"]["rss"]
    qual, kb = report["quality"], report["document_kb"]
    lines = [
        "",
        "## Library scale",
        "",
        f"{report['documents_written']} documents ({report['formats']['md']} Markdown, {report['formats']['txt']} "
        f"plain text, {kb['min']:.0f}–{kb['max']:.0f} KB, {report['megabytes']:.2f} MB in all), made from the "
        "bundled article and the four SQuAD articles by shuffling and recombining their paragraphs, added with "
        "`Assistant.add(folder)` to an empty library, which keeps the bundled article "
        f"({report['documents_in_library']} documents). Store: `{report['store']}`. Query latency: "
        f"{report['questions']} fixed questions (14 about the article, 4 about each SQuAD text), each asked for "
        "the first time, the three set-ups interleaved; the article alone has its own data folder. Run "
        "`python -m eval.bench_library --help` for other sizes.",
        "",
        f"1-minute load average at start / before the queries / after them / at the end: "
        f"{' / '.join(str(report['load_average'][k]) for k in ('start', 'before_queries', 'after_queries', 'end'))} "
        f"on {report['load_average']['cpus']} CPUs. Above the CPU count, other work competed, and numpy's "
        "BLAS threads, which the library's larger matrix products use, suffer most.",
        "",
        "| target | measured | status |",
        "|---|---|---|",
        md_row(
            p["target"],
            f"{p['library_ms']:.1f} ms vs {p['one_document_ms']:.1f} ms = {p['factor']:.2f}×",
            verdict(p["met"]),
        ),
        md_row(r["target"], f"{r['peak_mb']:.0f} MB (the larger of build + queries and a restart)", verdict(r["met"])),
        "",
        "| figure | value |",
        "|---|---|",
        md_row("build: `Assistant.add(folder)`, wall", f"{b['seconds']:.1f} s"),
        md_row("chunks (passages + sentences)", f"{b['chunks']} ({b['passages']} + {b['sentences']})"),
        md_row("build throughput", f"{b['chunks_per_s']:.0f} chunks/s"),
        md_row(
            "progress reports",
            f"{b['progress']['document_events']}, naming {b['progress']['documents_named']} documents; last: "
            f"“{b['progress']['last_document_event']}”",
        ),
        md_row("the article alone: build", f"{b['one_document_seconds']:.1f} s ({b['one_document_chunks']} chunks)"),
        md_row(
            "a restart: a new process opens the library and answers once",
            f"{b['reload_seconds']:.1f} s to load; peak RSS {rss['reopen_peak']:.0f} MB",
        ),
    ]
    for name, label in SETUPS.items():
        again = f"; asked again: {rep[name]['p50_ms']:.1f} / {rep[name]['p95_ms']:.1f} ms" if rep else ""
        lines.append(
            md_row(f"query p50 / p95, {label}", f"{q[name]['p50_ms']:.1f} / {q[name]['p95_ms']:.1f} ms{again}")
        )
    lines += [
        md_row(
            "peak RSS of the benchmark process: before the library / after build / after queries",
            f"{rss['peak_before_library']:.0f} / {rss['peak_after_build']:.0f} / {rss['peak_after_queries']:.0f} MB",
        ),
    ]
    if rss.get("chroma_server") is not None:
        lines.append(md_row("Chroma server RSS (added to the peak)", f"{rss['chroma_server']:.0f} MB"))
    lines.append(
        md_row(
            "answer hit: article alone / library / filtered",
            " / ".join(f"{qual[k]['answer_hit']:.2f}" for k in SETUPS),
        )
    )
    if report.get("naive"):
        n, nq = report["naive"], report["naive"]["query"]
        lines.append(
            md_row(
                "naive baseline over the same files",
                f"build {n['build_seconds']:.1f} s ({n['chunks']} chunks, {n['chunks_per_s']:.0f}/s); search p50 "
                f"{nq['naive_search']['p50_ms']:.1f} ms vs ours {nq['ours_library_all']['p50_ms']:.1f} ms",
            )
        )
    prof = report.get("profile")
    if prof and not p["met"]:
        lines += [
            "",
            f"Where a library question's time goes: cProfile over {prof['questions']} questions not asked before "
            f"({prof['wall_ms_per_query']:.0f} ms each under the profiler), by own time per question:",
            "",
            "| function | calls / question | own ms | cumulative ms |",
            "|---|---|---|---|",
        ]
        lines += [
            md_row(
                f"`{row['function']}`",
                f"{row['calls_per_query']:g}",
                f"{row['own_ms']:.1f}",
                f"{row['cumulative_ms']:.1f}",
            )
            for row in prof["by_own_time"][:8]
        ]
    return lines


def md_row(*cells: str) -> str:
    """Return one Markdown table row."""
    return "| " + " | ".join(cells) + " |"


# ------------------------------------------------------------------ qa bench and the command line


def measure_library(
    results: Results, plan: LibraryPlan, work: Path, env: dict[str, str], say: Callable[[str], None]
) -> dict[str, Any]:
    """Run the library benchmark in a child process (its own peak RSS); keep its report in ``results.details``."""
    out = work / "library.json"
    command = [
        sys.executable, "-m", "eval.bench_library", "--documents", str(plan.documents),
        "--mb", str(plan.megabytes), "--rounds", str(plan.rounds), "--work", str(work), "--json", str(out),
    ]  # fmt: skip
    if plan.naive:
        command.append("--naive")
    if plan.chroma_url:
        command += ["--chroma-url", plan.chroma_url]
    if plan.chroma_server:
        command.append("--chroma-server")
    say(f"library scale: {plan.documents} documents, {plan.megabytes:g} MB (child process)")
    # Its progress goes to this process's stderr; its report comes back as JSON.
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    report = json.loads(out.read_text(encoding="utf-8"))
    results.details["library"] = report
    return report


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m eval.bench_library``."""
    parser = argparse.ArgumentParser(prog="python -m eval.bench_library", description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, help=f"documents to write (default {DEFAULT.documents})")
    parser.add_argument("--mb", type=float, help=f"their total size in MB (default {DEFAULT.megabytes:g})")
    parser.add_argument("--rounds", type=int, help=f"timed rounds over the questions (default {DEFAULT.rounds})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.documents} documents, {QUICK.megabytes:g} MB")
    parser.add_argument("--naive", action="store_true", help="also build and time the naive baseline (torch)")
    parser.add_argument("--chroma-url", help="index on this Chroma server (server mode)")
    parser.add_argument("--chroma-server", action="store_true", help="start `chroma run` for the run (server mode)")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, deleted)")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--model-cache", type=Path, help="folder of the ONNX export to reuse")
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="no build: random vectors in place of embeddings, for query time and memory at sizes that take hours",
    )
    parser.add_argument("--reopen", type=Path, help=argparse.SUPPRESS)  # internal: the restart figure's process
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the library benchmark, print its summary, and write its report as JSON when asked."""
    import shutil

    from qa import Settings

    args = build_parser().parse_args(argv)
    if args.reopen:
        cache = args.model_cache or Settings.load().model_cache().resolve()
        print(json.dumps(_reopen_here(args.reopen, cache, args.chroma_url)))
        return 0
    base = QUICK if args.quick else DEFAULT
    plan = LibraryPlan(
        documents=args.documents or base.documents,
        megabytes=args.mb or base.megabytes,
        rounds=args.rounds or base.rounds,
        naive=args.naive,
        chroma_url=args.chroma_url,
        chroma_server=args.chroma_server,
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-bench-library-"))
    work.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        if args.simulate:
            cache = args.model_cache or Settings.load().model_cache().resolve()
            report = simulate(plan, work, say, cache)
        else:
            report = run_library(plan, work, say, args.model_cache)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.simulate:
        q = report["query"]
        print(
            f"simulated {report['megabytes']:g} MB, {report['chunks']} chunks: prepare {report['prepare_seconds']} s, "
            f"engine RSS +{report['engine_rss_mb']:.0f} MB, peak {report['peak_rss_mb']:.0f} MB; p50 one document "
            f"{q['one_document']['p50_ms']:.1f} ms, library {q['library_all']['p50_ms']:.1f} ms "
            f"({report['factor']:.2f}×), filtered {q['library_filtered']['p50_ms']:.1f} ms ({report['filtered_factor']:.2f}×)"
        )
    for line in [] if args.simulate else summary_lines(report):
        print(line)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
