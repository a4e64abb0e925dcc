"""The public API stays narrow, light to import, and configured from one settings object."""

from __future__ import annotations

import subprocess
import sys

import pytest

import qa
from qa import Settings, SettingsError


def test_public_names_are_exactly_the_contract() -> None:
    assert sorted(qa.__all__) == sorted(
        [
            "Answer",
            "Assistant",
            "Change",
            "Citation",
            "DocumentError",
            "DocumentInfo",
            "IndexStoreError",
            "QAError",
            "QuestionError",
            "SUPPORTED_FORMATS",
            "Segment",
            "Settings",
            "SettingsError",
            "UNKNOWN_SPEAKER",
            "ask",
            "layout",
        ]
    )
    for name in qa.__all__:
        assert getattr(qa, name) is not None


def test_importing_qa_loads_no_heavy_library() -> None:
    code = "import sys, qa; print(sorted(m for m in ('gradio', 'torch', 'chromadb', 'sentence_transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_module_level_ask_answers_with_citations() -> None:
    answer = qa.ask("Who is the head of the judiciary?")
    assert not answer.abstained
    assert any("Ibrahim Raeisi" in c.quote for c in answer.citations)


def test_env_var_sets_a_value_and_an_explicit_argument_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MAX_CITATIONS", "2")
    monkeypatch.setenv("QA_RETRIEVAL", "bm25")
    settings = Settings.load(retrieval="dense")
    assert settings.max_citations == 2
    assert settings.retrieval == "dense"


@pytest.mark.parametrize(
    ("env", "value", "fix"),
    [("QA_RETRIEVAL", "magic", "QA_RETRIEVAL"), ("QA_MAX_CITATIONS", "many", "QA_MAX_CITATIONS")],
)
def test_bad_setting_names_the_variable_to_fix(monkeypatch: pytest.MonkeyPatch, env: str, value: str, fix: str):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=fix):
        Settings.load()
