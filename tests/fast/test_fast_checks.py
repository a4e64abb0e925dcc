"""The named checks on the fake model: each vetoes its kind of near miss, by name, and can be switched off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from qa import Assistant, Settings
from qa.judgment import CHECKS

REASON = {check.name: check.reason for check in CHECKS}
# Each question has strong lexical evidence in the document, and one check that says why it still
# does not answer it.
NEAR_MISSES = [
    ("When did General Jafari step down?", "answer-type"),
    ("What happened after the article was published?", "after-the-text"),
    ("What kind of weapons was Iran desperate for in 1986?", "kind"),
]


@pytest.mark.parametrize(("question", "check"), NEAR_MISSES)
def test_a_near_miss_is_vetoed_by_its_named_check(fake_assistant: Assistant, question: str, check: str) -> None:
    selection = fake_assistant._loaded().answer(question, [])

    assert selection.abstain and selection.reason == REASON[check]
    assert fake_assistant.ask(question).abstained


@pytest.mark.parametrize("question", ["Who is the head of the judiciary?", "Where did Syria get the information?"])
def test_a_question_the_document_answers_passes_every_check(fake_assistant: Assistant, question: str) -> None:
    selection = fake_assistant._loaded().answer(question, [])

    assert not selection.abstain and selection.reason not in REASON.values()


def test_a_question_in_another_script_is_never_answered(fake_assistant: Assistant) -> None:
    assert fake_assistant.ask("这篇文章的作者是谁？").abstained


def test_a_switched_off_check_no_longer_vetoes(
    load_fake_assistant: Callable[[Settings], Assistant], fake_settings: Settings
) -> None:
    bot = load_fake_assistant(replace(fake_settings, disabled_checks="after-the-text"))

    selection = bot._loaded().answer("What happened after the article was published?", [])

    assert selection.reason != REASON["after-the-text"]


def test_every_check_has_a_name_and_a_reason() -> None:
    names = [check.name for check in CHECKS]

    assert len(names) == len(set(names)) and all(names)
    assert all(check.reason for check in CHECKS)
