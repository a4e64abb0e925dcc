"""The benchmark runs end to end (quick mode) and reports every figure with its ratio; no timed assertions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval import bench
from eval.naive import CHUNK_SIZE, TOP_K, NaiveBaseline

# Every figure a run reports, whatever the scales; the scaling figures are checked per scale below.
FIGURES = {
    "ask_p50",
    "ask_p95",
    "floor_p50",
    "ask_over_floor",
    "torch_ask_p50",
    "recall_at_3_onnx",
    "recall_at_3_torch",
    "answer_hit_onnx",
    "answer_hit_torch",
    "index_build",
    "cold_start",
    "http_p50",
    "http_p95",
    "http_rps",
    "peak_rss",
    "scale_query_growth",
    "scale_build_growth",
}
TARGETED = {
    "ask_p50",
    "ask_p95",
    "ask_over_floor",
    "recall_at_3_onnx",
    "answer_hit_onnx",
    "index_build",
    "cold_start",
    "http_p95",
    "peak_rss",
    "scale_query_growth",
    "scale_build_growth",
}


# The quick run starts six Python processes that import torch; on a busy 2-core machine that alone takes minutes.
QUICK_RUN_TIMEOUT = 1200


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Path:
    """Run ``qa bench --quick`` once into a temporary folder and return that folder."""
    out = tmp_path_factory.mktemp("bench")
    # Module scope runs before the autouse env isolation, so isolate here the same way.
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("QA_")]:
            env.delenv(name)
        env.setenv("QA_DATA_DIR", str(out / "qa-data"))
        env.setenv("QA_MODEL_CACHE_DIR", str(model_cache))
        env.setenv("HF_HUB_OFFLINE", "1")
        assert bench.main(["--quick", "--out", str(out)]) == 0
    return out


@pytest.mark.server
@pytest.mark.timeout(QUICK_RUN_TIMEOUT)
def test_quick_bench_reports_every_figure_with_a_ratio(quick_run: Path) -> None:
    report = json.loads((quick_run / "bench.json").read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in report["figures"]}
    scales = report["run"]["plan"]["scales"]
    expected = FIGURES | {f"scale_{kind}_{n}x" for n in scales for kind in ("query_p50", "build")}
    assert expected <= set(figures)
    for key in expected:
        figure = figures[key]
        assert figure["ours"] > 0 or key.startswith(("recall", "answer")), key
        assert figure["ratio"] is not None, key
        assert figure["ratio"] == pytest.approx(figure["ours"] / figure["naive"], rel=1e-3), key
    assert {k for k, f in figures.items() if f["met"] is not None} == TARGETED


@pytest.mark.server
@pytest.mark.timeout(QUICK_RUN_TIMEOUT)
def test_quick_bench_serves_both_systems_without_errors(quick_run: Path) -> None:
    report = json.loads((quick_run / "bench.json").read_text(encoding="utf-8"))
    plan = report["run"]["plan"]
    for system in ("ours", "naive"):
        assert report["http"][system]["errors"] == 0, report["http"][system]["error_samples"]
        assert report["http"][system]["requests"] == plan["http_blocks"] * plan["http_block_requests"]
        assert report["peak_rss_mb"][system] > 50


@pytest.mark.server
@pytest.mark.timeout(QUICK_RUN_TIMEOUT)
def test_quick_bench_writes_markdown_with_targets_and_charts(quick_run: Path) -> None:
    markdown = (quick_run / "bench.md").read_text(encoding="utf-8")
    report = json.loads((quick_run / "bench.json").read_text(encoding="utf-8"))
    assert "## Targets" in markdown
    for figure in report["figures"]:
        assert figure["label"] in markdown
    for chart in ("bench-latency.png", "bench-scaling.png"):
        assert (quick_run / chart).read_bytes().startswith(b"\x89PNG")
        assert chart in markdown


def test_naive_baseline_answers_with_its_top_3_tutorial_chunks(document_text: str) -> None:
    naive = NaiveBaseline.from_texts({"hunter": document_text})
    question = "What did General Mohammad Ali Jafari say about talking to America?"
    answer = naive.ask(question)
    assert not answer.abstained
    assert [c.marker for c in answer.citations] == list(range(1, TOP_K + 1))
    assert answer.citations[0].quote.startswith("Thus, talking to America directly, openly, officially")
    for c in answer.citations:
        assert c.source == "hunter" and len(c.quote) <= CHUNK_SIZE
        assert document_text[c.start : c.end] == c.quote
    assert answer.text == "\n\n".join(c.quote for c in answer.citations)
    # The tutorial chain has no memory: a follow-up gets the same chunks as the question alone.
    assert naive.ask(question, [("Who is Jafari?", "A general.")]) == answer
