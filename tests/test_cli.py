"""The ``qa`` command end to end, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QA = [sys.executable, "-m", "qa.cli"]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_DATA_DIR": str(data_dir)}
    return subprocess.run([*QA, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def test_index_then_ask_json_prints_the_contract_fields(tmp_path: Path) -> None:
    built = _run(["index"], tmp_path / "d")
    assert built.returncode == 0, built.stderr
    assert "Built index" in built.stdout and "passages" in built.stdout
    asked = _run(["ask", "--json", "What does PIERE say about Germany?"], tmp_path / "d")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert set(answer) == {"text", "citations", "abstained", "reason", "confidence"}
    assert answer["abstained"] is False
    first = answer["citations"][0]
    assert set(first) == {"marker", "quote", "start", "end", "source", "section", "speaker", "page"}
    assert (first["speaker"], first["section"]) == ("PIERE", "comment")


def test_ask_prints_answer_and_sources(tmp_path: Path) -> None:
    asked = _run(["ask", "Who revealed the secret US-Iran contacts in 1986?"], tmp_path / "d")
    assert asked.returncode == 0, asked.stderr
    assert "hardliners revealed these contacts" in asked.stdout
    assert "Sources:" in asked.stdout and "Shireen T. Hunter · article" in asked.stdout


def test_bad_input_gives_a_clear_message_and_exit_code_2(tmp_path: Path) -> None:
    empty = _run(["ask", "   "], tmp_path / "d")
    assert empty.returncode == 2
    assert "question is empty" in empty.stderr and "Traceback" not in empty.stderr
    missing = _run(["ask"], tmp_path / "d")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
