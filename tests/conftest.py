"""Shared fixtures: real model, real Chroma under tmp dirs, every test isolated from QA_* env vars.

The fast lane (``tests/fast/``, ``make test-fast``) swaps in a fake model and an in-memory store in its
own conftest; its tests carry the ``fast`` marker, so ``pytest -m "not fast"`` runs only the real lane.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa import Assistant, Settings

DOCUMENT = Path(__file__).resolve().parents[1] / "qa" / "documents" / "iran-hardliners-hunter.txt"
FAST_LANE = Path(__file__).resolve().parent / "fast"


def pytest_configure(config: pytest.Config) -> None:
    """Register the fast lane's marker."""
    config.addinivalue_line("markers", "fast: the fast lane (tests/fast): a fake embedding model, an in-memory store")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/fast as ``fast``."""
    for item in items:
        if FAST_LANE in item.path.parents:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export of the bundled model for the whole session."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache: Path) -> None:
    for name in list(os.environ):
        if name.startswith("QA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "qa-data"))
    monkeypatch.setenv("QA_MODEL_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def shared_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    """Settings of the one index most tests read (built once per session)."""
    return Settings.load(data_dir=tmp_path_factory.mktemp("shared-qa-data"), model_cache_dir=model_cache)


@pytest.fixture(scope="session")
def assistant(shared_settings: Settings) -> Assistant:
    """A loaded Assistant over the bundled document, shared by the session."""
    bot = Assistant(shared_settings)
    bot.load()
    return bot


@pytest.fixture(scope="session")
def document_text() -> str:
    """The bundled document's text."""
    return DOCUMENT.read_text(encoding="utf-8")
