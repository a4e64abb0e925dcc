"""The public API's contract on the fake model: records, exact citations, settings, errors, the retriever."""

from __future__ import annotations

import json

import pytest

import qa
from qa import Answer, Assistant, Citation, QAError, QuestionError, Settings, SettingsError


def test_every_public_name_resolves() -> None:
    assert {"Answer", "Assistant", "Citation", "QAError", "QuestionError", "Settings", "ask"} <= set(qa.__all__)
    for name in qa.__all__:
        assert getattr(qa, name) is not None


def test_an_answer_quotes_the_document_exactly_with_numbered_markers(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("What does PIERE say about Germany?")

    assert isinstance(answer, Answer) and not answer.abstained
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert isinstance(c, Citation)
        assert fake_assistant.source_text(c.source)[c.start : c.end] == c.quote
        assert f"“{c.quote}” [{c.marker}]" in answer.text
    assert "German Princes" in " ".join(c.quote for c in answer.citations)


def test_an_abstention_lists_related_passages_that_quote_the_document(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("What is the boiling point of mercury?")

    assert answer.abstained and answer.text.startswith("The document doesn't say")
    assert answer.citations
    for c in answer.citations:
        assert fake_assistant.source_text(c.source)[c.start : c.end] == c.quote


def test_to_dict_is_json_with_the_documented_fields(fake_assistant: Assistant) -> None:
    answer = fake_assistant.ask("Who is the head of the judiciary?")
    as_json = json.loads(json.dumps(answer.to_dict()))

    assert {"text", "citations", "abstained"} <= set(as_json)
    assert set(as_json["citations"][0]) == {"marker", "quote", "start", "end", "source", "section", "speaker", "page"}
    assert Answer.from_dict(as_json) == answer


def test_search_and_the_retriever_return_exact_slices_with_offsets(fake_assistant: Assistant) -> None:
    found = fake_assistant.search("Who revealed the secret contacts in 1986?", k=3)
    docs = fake_assistant.as_retriever(k=2).invoke("Who revealed the secret contacts in 1986?")

    assert [c.marker for c in found] == [1, 2, 3]
    text = fake_assistant.source_text(found[0].source)
    assert all(text[c.start : c.end] == c.quote for c in found)
    assert len(docs) == 2
    assert all(text[d.metadata["start"] : d.metadata["end"]] == d.page_content for d in docs)


def test_the_same_question_gets_the_same_answer(fake_assistant: Assistant) -> None:
    question = "Why are Iran's hardliners reluctant to talk to America?"

    assert fake_assistant.ask(question) == fake_assistant.ask(question)


def test_an_unknown_source_is_a_qa_error(fake_assistant: Assistant) -> None:
    with pytest.raises(QAError, match="Unknown source"):
        fake_assistant.source_text("nope")


def test_question_errors_are_value_errors_and_qa_errors(fake_assistant: Assistant) -> None:
    with pytest.raises(QuestionError) as raised:
        fake_assistant.ask("")

    assert isinstance(raised.value, ValueError) and isinstance(raised.value, QAError)


def test_an_explicit_setting_wins_over_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MAX_CITATIONS", "2")
    monkeypatch.setenv("QA_RETRIEVAL", "bm25")

    settings = Settings.load(retrieval="dense")

    assert (settings.max_citations, settings.retrieval) == (2, "dense")


def test_a_bad_setting_names_the_variable_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MAX_CITATIONS", "many")

    with pytest.raises(SettingsError, match="QA_MAX_CITATIONS"):
        Settings.load()


def test_the_fast_lane_runs_on_the_fake_model_in_memory(fake_assistant: Assistant, fake_settings: Settings) -> None:
    manifest = fake_assistant.load()

    assert type(fake_assistant._loaded().embeddings).__name__ == "HashedBagOfWords"
    assert manifest["model"] == fake_settings.model_name
    assert not manifest["store"].startswith("embedded")
