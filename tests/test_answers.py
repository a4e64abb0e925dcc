"""Answers from the real model and a real Chroma index: offsets, attribution, abstention, follow-ups."""

from __future__ import annotations

import re

import pytest

from qa import Answer, Assistant, QAError, QuestionError

SPREAD = [
    "Who revealed the secret US-Iran contacts in 1986?",
    "What did General Jafari say?",
    "Where was the information about the contacts first published?",
    "Who is the head of the judiciary?",
    "What does PIERE say about Germany?",
    "Which commenter mentions AIPAC?",
    "What does the Shireen joon commenter say about Shia Islam?",
    "How many books has Hunter written?",
    "who was mcfarlane",
    "What is the boiling point of water?",
    "Why does the author think the hardliners fear talks with America?",
]


def _check_offsets(bot: Assistant, answer: Answer) -> None:
    assert answer.citations
    for c in answer.citations:
        assert bot.source_text(c.source)[c.start : c.end] == c.quote
        assert c.section in {"title", "byline", "article", "bio", "comment"}
    markers = [c.marker for c in answer.citations]
    assert markers == list(range(1, len(markers) + 1))
    if not answer.abstained:
        assert [int(m) for m in re.findall(r"\[(\d+)\]", answer.text)] == markers


@pytest.mark.parametrize("question", SPREAD)
def test_every_citation_slices_the_source_exactly(assistant: Assistant, question: str) -> None:
    _check_offsets(assistant, assistant.ask(question))


def test_answer_quotes_the_fact_and_names_the_author(assistant: Assistant) -> None:
    answer = assistant.ask("What did General Jafari say?")
    assert not answer.abstained
    assert "nothing would remain of the revolution" in answer.text
    assert "Shireen T. Hunter" in answer.text
    assert answer.citations[0].speaker == "Shireen T. Hunter"


@pytest.mark.parametrize(
    ("question", "speaker", "phrase"),
    [
        ("What does PIERE say about Germany?", "PIERE", "German Princes"),
        ("Who says Rev. Hagee was invited to speak at AIPAC meetings?", "Commenter 2", "AIPAC"),
        ("What does the commenter who writes 'Shireen joon' say about Shia Islam?", "Commenter 4", "Shia Islam"),
    ],
)
def test_comment_questions_cite_the_right_commenter(assistant: Assistant, question: str, speaker: str, phrase: str):
    answer = assistant.ask(question)
    assert not answer.abstained
    assert {(c.section, c.speaker) for c in answer.citations} == {("comment", speaker)}
    assert any(phrase in c.quote for c in answer.citations)
    assert speaker in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "What is the boiling point of water?",
        "What is the capital of Australia?",
        "How do I bake sourdough bread?",
        # "photo..." asks about the photo caption only as photo, photos or photograph.
        "What is photosynthesis?",
    ],
)
def test_off_topic_questions_abstain_with_related_passages(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained
    assert answer.text.startswith("The document doesn't say")
    assert 1 <= len(answer.citations) <= 3


@pytest.mark.parametrize(
    "question",
    ["Who is the head of the judiciary?", "Where does Shireen Hunter work?", "What did Rouhani hint at?"],
)
def test_plainly_answerable_questions_do_not_abstain(assistant: Assistant, question: str) -> None:
    assert not assistant.ask(question).abstained


def test_year_question_without_a_year_in_the_evidence_abstains(assistant: Assistant) -> None:
    assert assistant.ask("What year was the JCPOA signed?").abstained


def test_near_miss_naming_a_detail_the_document_lacks_abstains(assistant: Assistant) -> None:
    answer = assistant.ask("Who succeeded Rafsanjani as speaker of the Iranian parliament?")
    assert answer.abstained
    assert any("speaker of the Iranian parliament" in c.quote for c in answer.citations)


@pytest.mark.parametrize("question", ["What did the hardliners leak?", "What question does PIERE raise?"])
def test_paraphrase_with_one_unfamiliar_word_still_answers(assistant: Assistant, question: str) -> None:
    assert not assistant.ask(question).abstained


def test_follow_up_question_uses_previous_subject(assistant: Assistant) -> None:
    question = "What did he say?"
    bare = assistant.ask(question)
    history = [
        ("Who is Mohammad Ali Jafari?", "The author writes: “General Mohammad Ali Jafari, the former commander” [1]")
    ]
    follow = assistant.ask(question, history=history)
    assert bare.abstained or not any("Jafari" in c.quote for c in bare.citations)
    assert not follow.abstained
    assert any("nothing would remain of the revolution" in c.quote for c in follow.citations)


@pytest.mark.parametrize(
    ("question", "user", "assistant_text", "phrase"),
    [
        # "what's" is "what is": his name is the name of the man just mentioned.
        (
            "what's his name?",
            "What did the former IRGC commander say about talking to America?",
            "He said that if Iran talks to America, nothing would remain of the revolution.",
            "Jafari",
        ),
        # A time told from now answers for the event its sentence tells.
        (
            "when did he say that?",
            "Who said that if Iran talks to America nothing would remain of the revolution?",
            "General Mohammad Ali Jafari, the former commander in chief of the IRGC.",
            "A few months ago",
        ),
        # "at the time" points back to the last turn.
        (
            "why was iran reaching out at the time?",
            "Who revealed the secret 1986 contacts with Washington?",
            "Iran's hardliners revealed them.",
            "desperate for weapons",
        ),
    ],
)
def test_short_follow_ups_answer_from_the_last_turn(
    assistant: Assistant, question: str, user: str, assistant_text: str, phrase: str
) -> None:
    answer = assistant.ask(question, history=[(user, assistant_text)])
    assert not answer.abstained
    assert phrase in answer.text


@pytest.mark.parametrize(
    ("question", "history", "phrase"),
    [
        (
            "and germany?",
            [
                (
                    "What does PIERE say about Italy, Spain and France?",
                    "PIERE writes: “Catholic Religion has been crushed”",
                )
            ],
            "German Princes",
        ),
        (
            "What came after 1997?",
            [("Who stopped contacts with America?", "The author writes: “leftists prevented such contacts” [1]")],
            "born- again liberals",
        ),
        (
            "and what did the experts make of it",
            # A retold answer, not a quote: matched by its words to the sentence it retells.
            [("What did Trump offer Iran?", "He gave Iran's leaders a phone number and said he was waiting to talk.")],
            "dismissed this gesture as meaningless",
        ),
    ],
)
def test_follow_up_goes_on_where_the_last_answer_stopped(
    assistant: Assistant, question: str, history: list[tuple[str, str]], phrase: str
) -> None:
    answer = assistant.ask(question, history=history)
    assert not answer.abstained
    assert any(phrase in c.quote for c in answer.citations), answer.text


@pytest.mark.parametrize(
    ("question", "section"), [("What is the headline of this piece?", "title"), ("who wrote this?", "byline")]
)
def test_asking_for_the_headline_cites_the_title(assistant: Assistant, question: str, section: str) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained
    assert any(c.section == section for c in answer.citations[:1]), answer.text


def test_who_wrote_a_book_is_not_a_question_about_the_byline(assistant: Assistant) -> None:
    answer = assistant.ask("Who wrote The Agony of the Russian Idea?")
    assert "MacDaniel" in answer.text and all(c.section != "byline" for c in answer.citations)


def test_a_strong_sentence_beside_the_best_one_is_quoted_with_it(assistant: Assistant) -> None:
    answer = assistant.ask("Where did Syria get it?")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "through Syria" in quotes and "from the Soviet Union" in quotes


def test_sentences_quoted_together_count_as_one_citation(assistant: Assistant) -> None:
    # Two supporting sentences merge into one quoted passage, which leaves room for a third.
    answer = assistant.ask("Where did Syria get the information about the secret U.S.-Iran contacts?")
    quotes = " ".join(c.quote for c in answer.citations)
    assert len(answer.citations) <= 3
    assert "from the Soviet Union" in quotes


def test_history_accepts_openai_style_messages(assistant: Assistant) -> None:
    messages = [
        {"role": "user", "content": "Who is Ibrahim Raeisi?"},
        {"role": "assistant", "content": "He is the head of the judiciary."},
    ]
    answer = assistant.ask("And who is his father-in-law?", history=messages)
    assert "father-in-law" in answer.citations[0].quote


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 5000, None, 42])
def test_bad_questions_raise_a_value_error_that_says_the_fix(assistant: Assistant, question: object) -> None:
    with pytest.raises(QuestionError) as caught:
        assistant.ask(question)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, QAError)
    assert re.search(r"empty|limit|must be a string", str(caught.value))


@pytest.mark.parametrize("history", ["not a list", [("only one",)], [{"role": "robot", "content": "x"}], [1, 2]])
def test_history_of_the_wrong_shape_is_a_question_error(assistant: Assistant, history: object) -> None:
    with pytest.raises(QuestionError, match=r"history|role"):
        assistant.ask("Who is Zarif?", history=history)


def test_unknown_source_is_a_qa_error(assistant: Assistant) -> None:
    with pytest.raises(QAError, match="Unknown source"):
        assistant.source_text("nope")


def test_langchain_retriever_returns_exact_passages(assistant: Assistant) -> None:
    docs = assistant.as_retriever(k=3).invoke("Who revealed the secret contacts in 1986?")
    assert len(docs) == 3
    text = assistant.source_text(docs[0].metadata["source"])
    for d in docs:
        assert text[d.metadata["start"] : d.metadata["end"]] == d.page_content
    assert any("hardliners revealed these contacts" in d.page_content for d in docs)


@pytest.mark.parametrize("question", ["What does the photo show?", "Who is in the photograph?"])
def test_a_question_about_the_photo_is_answered_with_its_caption(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained
    assert answer.citations[0].quote == "Iranian Supreme Leader Ayatollah Ali Khamenei"
