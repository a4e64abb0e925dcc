"""The learned judgment's parts: the judge's model and files, the verdict, named checks, answer types."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.corpus import load_offset_questions
from qa import Assistant, Settings, SettingsError
from qa.adapter import load_adapter, write_adapter
from qa.answer_types import wrong_answer_type
from qa.errors import DocumentError
from qa.judge import (
    BUNDLED_JUDGE,
    DOCUMENT_FILE,
    FOLLOW_UP_JUDGE_FILE,
    Calibration,
    JudgeError,
    load_judge,
    write_judge,
)
from qa.judgment import CHECK_NAMES, REASONS
from qa.prior import (
    BUNDLED_PRIOR,
    FOLLOW_UP_FILE,
    MAX_INPUT,
    NEIGHBOUR_INPUT,
    Neighbours,
    PriorError,
    QuestionPrior,
    judge_input,
    load_prior,
    neighbours_file,
    similarity_chunks,
    text_digest,
    write_prior,
)
from qa.query import normalize_history
from qa.ranker import DocumentRanker, write_ranker
from qa.selection import Selection, decide
from qa.settings import BUNDLED_DOCUMENT
from qa.text import stem
from train.squad_train import OUT as SQUAD_TRAIN10
from train.squad_train import convert, file_stem


def _calibration(**overrides: object) -> Calibration:
    values = {
        "features": ("engine_best", "check:answer-type"),
        "weights": (4.0, -3.0),
        "bias": -1.0,
        "threshold": 0.5,
        "vetoes": ("named-answer",),
    }
    values.update(overrides)
    return Calibration(**values)  # type: ignore[arg-type]


def test_calibration_is_a_logistic_model_over_named_inputs() -> None:
    calibration = _calibration()
    p = calibration.answerable({"engine_best": 0.5, "check:answer-type": 1.0, "unused": 9.0})
    assert p == pytest.approx(1 / (1 + math.exp(-(-1.0 + 2.0 - 3.0))))
    # An input the question lacks counts as 0.
    assert calibration.answerable({"engine_best": 0.5}) == pytest.approx(1 / (1 + math.exp(-1.0)))


def test_a_judge_round_trips_through_its_files(tmp_path: Path) -> None:
    write_judge(_calibration(veto_override=0.9), tmp_path)
    assert load_judge(tmp_path) == _calibration(veto_override=0.9)


def test_shipped_judge_is_intact_and_has_a_card() -> None:
    judge = load_judge(BUNDLED_JUDGE)
    assert 0.0 < judge.threshold < 1.0
    assert set(judge.vetoes) <= set(CHECK_NAMES)
    assert {f"check:{name}" for name in CHECK_NAMES} <= set(judge.features)
    card = (BUNDLED_JUDGE / "README.md").read_text(encoding="utf-8")
    assert "seed" in card and "heldout" in card and "CC BY-SA 4.0" in card


def test_a_damaged_judge_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_JUDGE, tmp_path / "judge")
    (tmp_path / "judge" / "calibration.json").write_text('{"features": []}', encoding="utf-8")
    with pytest.raises(JudgeError, match=r"damaged.*make train"):
        load_judge(tmp_path / "judge")


def test_a_missing_judge_file_names_it(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_JUDGE, tmp_path / "judge")
    (tmp_path / "judge" / "files.json").unlink()
    with pytest.raises(JudgeError, match=r"files\.json is missing"):
        load_judge(tmp_path / "judge")


def test_a_veto_refuses_whatever_the_probability() -> None:
    picked = Selection([], [], fired=("answer-type", "named-answer"))
    verdict = decide(picked, 0.99, 0.5, "p", ("named-answer",))
    assert verdict.abstain and verdict.reason == REASONS["named-answer"]


def test_a_veto_yields_only_to_a_judge_sure_past_its_override() -> None:
    calibration = _calibration(veto_override=0.9)
    fired = ("answer-type", "named-answer")
    assert calibration.vetoing(fired, 0.89) == ("named-answer",)
    assert calibration.vetoing(fired, 0.9) == ()
    # The judges learned few unanswerable follow-ups: on one a veto holds whatever they say.
    assert calibration.vetoing(fired, 0.99, follow_up=True) == ("named-answer",)
    # Without an override in its file a judge's vetoes hold at any probability.
    assert _calibration().vetoing(fired, 1.0) == ("named-answer",)


def test_a_check_that_is_no_veto_is_outweighed_by_a_confident_judge() -> None:
    picked = Selection([], [], fired=("kind",))
    verdict = decide(picked, 0.9, 0.5, "p", ("named-answer",))
    assert not verdict.abstain
    assert verdict.reason == f"p 0.90 clears 0.50; outweighed: {REASONS['kind']}"
    refused = decide(picked, 0.2, 0.5, "p", ("named-answer",))
    assert refused.abstain and refused.reason.startswith(REASONS["kind"])


def test_features_say_what_the_evidence_leaves_out(assistant: Assistant) -> None:
    """A question whose name the document lacks loses it; one the document answers keeps it."""
    answered = assistant.ask("Who revealed the secret contacts in 1986?")
    assert not answered.abstained and "clears" in (answered.reason or "")
    engine = assistant._loaded()
    selection = engine.answer("What did Angela Merkel say about the Iran deal in 2015?", [])
    assert selection.inputs is not None and selection.inputs["details_lost"] >= 2.0


def test_settings_list_the_active_checks_and_refuse_unknown_ones() -> None:
    assert Settings.load().active_checks() == CHECK_NAMES
    fewer = Settings.load(disabled_checks=f"{CHECK_NAMES[0]}, {CHECK_NAMES[-1]}")
    assert fewer.active_checks() == CHECK_NAMES[1:-1]
    with pytest.raises(SettingsError, match=r"Unknown check.*no-such-check"):
        Settings.load(disabled_checks="no-such-check")


def test_check_names_are_unique() -> None:
    assert len(set(CHECK_NAMES)) == len(CHECK_NAMES)


@pytest.mark.parametrize(
    ("question", "evidence", "wrong"),
    [
        ("In what year did Caesar die?", "Caesar was killed in 44 BC.", False),
        ("When was the abbey built?", "It was built in the 12th century.", False),
        ("When did the empire fall?", "The empire fell in AD 476.", False),
        ("In which year was the hall opened?", "It was opened in 1066.", False),
        ("When was the bridge finished?", "The bridge is long and narrow.", True),
    ],
)
def test_dates_of_any_grain_answer_when(question: str, evidence: str, wrong: bool) -> None:
    assert wrong_answer_type(question, [evidence], [evidence]) is wrong


def test_british_and_american_spellings_share_a_stem() -> None:
    assert stem("kilometres") == stem("kilometers")
    assert stem("colour") == stem("color")
    assert stem("organised") == stem("organized")
    assert stem("four") != stem("for")


def test_a_squad_article_becomes_title_and_paragraphs_with_gold_offsets_into_it() -> None:
    article = {
        "title": "Spectre_(2015_film)",
        "paragraphs": [
            {
                "context": " Spectre is a film.",
                "qas": [
                    {
                        "id": "a",
                        "question": "What is Spectre? ",
                        "is_impossible": False,
                        "answers": [{"text": "a film", "answer_start": 12}],
                    }
                ],
            },
            {
                "context": "It was released in 2015.",
                "qas": [
                    {
                        "id": "b",
                        "question": "When was it banned?",
                        "is_impossible": True,
                        "answers": [],
                        "plausible_answers": [{"text": "2015", "answer_start": 19}],
                    }
                ],
            },
        ],
    }
    doc, (answered, unanswerable) = convert(article)
    assert doc == "Spectre (2015 film)\n\nSpectre is a film.\n\nIt was released in 2015."
    assert answered["question"] == "What is Spectre?" and answered["answerable"]
    span = answered["answers"][0]
    assert doc[span["start"] : span["end"]] == "a film"
    plausible = unanswerable["plausible_answers"][0]
    assert not unanswerable["answerable"] and unanswerable["answers"] == []
    assert doc[plausible["start"] : plausible["end"]] == "2015" and unanswerable["paragraph"] == 1
    assert file_stem("The_Legend_of_Zelda:_Twilight_Princess") == "The_Legend_of_Zelda_Twilight_Princess"
    assert file_stem("Beyoncé") == "Beyonce"


def test_squad_training_articles_keep_every_gold_offset() -> None:
    documents = sorted(SQUAD_TRAIN10.glob("*.txt"))
    assert len(documents) == 10
    for document in documents:
        text = document.read_text(encoding="utf-8")
        questions = document.with_suffix(".jsonl")
        rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()]
        assert len(load_offset_questions(questions, text)) == len(rows)
        for row in rows:
            for span in row["answers"] + row["plausible_answers"]:
                assert text[span["start"] : span["end"]] == span["text"], (document.name, row["id"])


def test_the_adapter_reranks_and_one_fitted_to_another_model_is_left_out_with_a_warning(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question = "What is slowly wearing down the support the hardliners rely on?"
    plain = Assistant(replace(shared_settings, adapter=False))
    plain.load()
    # It moves the question toward how the text says it ("are eroding their basis of support"),
    # which plain MiniLM ranks second.
    adapted = assistant.ask(question)
    assert "eroding their basis of support" in adapted.citations[0].quote, adapted.text
    assert "eroding their basis of support" not in plain.ask(question).citations[0].quote
    write_adapter(load_adapter().matrix, tmp_path, "sentence-transformers/some-other-model")
    other = Assistant(replace(shared_settings, adapter_path=str(tmp_path)))
    with caplog.at_level("WARNING"):
        other.load()
        answer = other.ask(question)
    assert "fitted to sentence-transformers/some-other-model's vectors" in caplog.text
    assert answer.citations == plain.ask(question).citations


def test_the_document_ranker_ranks_only_its_document_and_one_for_another_model_is_left_out(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = assistant._loaded()
    assert engine.ranker is not None
    ranker, rows = engine.ranker
    # In a library, it ranks the sentences of the document it was fitted on and no other's.
    other = tmp_path / "harbour.txt"
    other.write_text("The Harbour Rowing Club meets on Tuesdays at the boathouse.\n", encoding="utf-8")
    both = Assistant(replace(shared_settings, documents=(BUNDLED_DOCUMENT, other), data_dir=tmp_path / "both"))
    both.load()
    learned = both._loaded().ranker
    assert learned is not None
    sources = both._loaded().scorer.source_of
    assert learned[1].sum() == rows.sum() and not learned[1][sources == "harbour.txt"].any()
    # A question the other document answers is ranked there exactly as without the ranker.
    alone = Assistant(replace(both.settings, ranker=False))
    alone.load()
    question = "When does the rowing club meet?"
    with_ranker, without = both._loaded().answer(question, []), alone._loaded().answer(question, [])
    assert [e.row for e in with_ranker.ranked] == [e.row for e in without.ranked]
    # Fitted to another model's vectors, it is left out with a warning and the hand-set weights rank.
    folder = tmp_path / "adapter"
    shutil.copytree(shared_settings.adapter_folder(), folder)
    write_ranker(
        DocumentRanker.scaled(ranker.document, "sentence-transformers/some-other-model", ranker.weights), folder
    )
    hand = Assistant(replace(shared_settings, ranker=False))
    hand.load()
    assert hand._loaded().ranker is None
    other_model = Assistant(replace(shared_settings, adapter_path=str(folder)))
    with caplog.at_level("WARNING"):
        other_model.load()
    assert "document ranker was fitted to sentence-transformers/some-other-model" in caplog.text
    assert other_model._loaded().ranker is None
    # Fitted over another adapter's vectors, likewise.
    write_ranker(DocumentRanker.scaled(ranker.document, ranker.model, ranker.weights, "0" * 64), folder)
    other_adapter = Assistant(replace(shared_settings, adapter_path=str(folder)))
    with caplog.at_level("WARNING"):
        other_adapter.load()
    assert "fitted over another query adapter" in caplog.text
    assert other_adapter._loaded().ranker is None


def test_the_document_ranker_orders_the_support_and_leaves_the_verdict_to_the_hand_set_best(
    assistant: Assistant, shared_settings: Settings
) -> None:
    hand = Assistant(replace(shared_settings, ranker=False))
    hand.load()
    questions = (
        "What is the real reason Iran's hardliners don't want to talk to America?",
        "Who revealed the secret contacts in 1986?",
        "trump phone number",
        "What is the population of Iran?",
    )
    for question in questions:
        learned, plain = assistant._loaded().answer(question, []), hand._loaded().answer(question, [])
        # The best sentence, its score and the judge's verdict are the hand-set weights'.
        assert learned.ranked[0].row == plain.ranked[0].row, question
        assert learned.evidence_score == pytest.approx(plain.evidence_score), question
        assert learned.abstain == plain.abstain, question
    # The title's question is answered with the thesis, which shares few of its words: the hand-set
    # weights quote the 1986 episode instead.
    title = questions[0]
    thesis = "However, the real problem lies elsewhere"
    assert any(thesis in c.quote for c in assistant.ask(title).citations)
    assert not any(thesis in c.quote for c in hand.ask(title).citations)


def test_the_question_prior_weighs_in_only_on_the_document_it_was_fitted_on(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prior = load_prior()
    assert prior.document == text_digest(assistant.source_text(assistant.sources[0]))
    engine = assistant._loaded()
    on_ground = engine.answer("Why did the hardliners reveal the secret contacts with Washington?", [])
    off_ground = engine.answer("What is the best recipe for Persian saffron rice?", [])
    assert on_ground.inputs is not None and off_ground.inputs is not None
    assert on_ground.inputs["question_prior"] > off_ground.inputs["question_prior"]
    # The judge reads it capped: a familiar kind of question does not vouch for a detail the text lacks.
    assert on_ground.inputs["question_prior"] <= MAX_INPUT
    # Another document's questions are judged without it.
    other = tmp_path / "harbour.txt"
    other.write_text("The Harbour Rowing Club meets on Tuesdays at the boathouse.\n", encoding="utf-8")
    club = Assistant(replace(shared_settings, documents=(other,), data_dir=tmp_path / "club-data"))
    club.load()
    selection = club._loaded().answer("When does the rowing club meet?", [])
    assert selection.inputs is not None and "question_prior" not in selection.inputs
    # One fitted to another model's vectors is left out, with a warning that says the fix.
    write_prior(QuestionPrior(prior.document, "sentence-transformers/some-other-model", prior.weights, 0.0), tmp_path)
    with caplog.at_level("WARNING"):
        stranger = Assistant(replace(shared_settings, prior_path=str(tmp_path)))
        stranger.load()
    assert "QA_QUESTION_PRIOR=0" in caplog.text
    assert "question_prior" not in (stranger._loaded().answer("Who wrote the article?", []).inputs or {})


def test_follow_ups_are_judged_by_their_own_prior_where_one_was_fitted(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path
) -> None:
    turns = normalize_history(
        [("Which book does the author quote at the end?", "The Agony of the Russian Idea by Timothy MacDaniel.")], 4
    )
    engine = assistant._loaded()
    question = "Who published it?"
    vector = engine.embed(engine.vocabulary.repair_text(question))
    own, alone = load_prior(BUNDLED_PRIOR, FOLLOW_UP_FILE).logit(vector), load_prior().logit(vector)
    assert own != pytest.approx(alone)
    follow_up = engine.answer(question, turns).inputs or {}
    assert follow_up.get("follow_up") == 1.0
    assert follow_up["question_prior"] == pytest.approx(judge_input(own), abs=1e-4)
    # The same question asked alone is read by the stand-alone prior.
    assert (engine.answer(question, []).inputs or {})["question_prior"] == pytest.approx(judge_input(alone), abs=1e-4)
    # A prior folder without a follow-ups' prior judges follow-ups by the stand-alone one.
    write_prior(load_prior(), tmp_path)
    plain = Assistant(replace(shared_settings, prior_path=str(tmp_path)))
    plain.load()
    inputs = plain._loaded().answer(question, turns).inputs or {}
    assert inputs["question_prior"] == pytest.approx(judge_input(alone), abs=1e-4)


def test_the_prior_may_lower_the_answer_probability_without_limit_but_raise_it_only_so_far() -> None:
    assert judge_input(-12.5) == -12.5
    assert judge_input(MAX_INPUT - 1) == MAX_INPUT - 1
    assert judge_input(MAX_INPUT + 7) == MAX_INPUT


def test_a_damaged_question_prior_is_refused_with_the_fix(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_PRIOR, tmp_path / "prior")
    (tmp_path / "prior" / "prior.json").write_text('{"weights": []}', encoding="utf-8")
    with pytest.raises(PriorError, match=r"damaged.*make train"):
        load_prior(tmp_path / "prior")


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_neighbours_vote_by_the_nearest_questions_each_class_weighed_by_its_size() -> None:
    # Three answerable questions about one thing, one unanswerable about another.
    vectors = np.array([_unit(1, 0, 0), _unit(1, 0.1, 0), _unit(1, 0, 0.1), _unit(0, 1, 0)])
    neighbours = Neighbours(vectors, np.array([True, True, True, False]), k=2, temperature=0.05)
    assert neighbours.logit(_unit(1, 0.05, 0.05)) > 3
    assert neighbours.logit(_unit(0.1, 1, 0)) < -3
    # Equally near, one unanswerable question weighs as much as three answerable ones.
    equal = Neighbours(np.array([_unit(1, 0, 0)] * 3 + [_unit(0, 1, 0)]), np.array([True, True, True, False]), 4, 0.05)
    assert equal.logit(_unit(0, 0, 1)) == pytest.approx(0.0, abs=1e-9)
    # All neighbours in one class: strong, never infinite.
    assert math.isfinite(Neighbours(vectors[:3], np.array([True] * 3), 2, 0.05).logit(_unit(0, 0, 1)))


def test_many_questions_voted_at_once_read_as_each_one_alone() -> None:
    # make train's out-of-fold search votes thousands at once; serving votes one at a time.
    rng = np.random.default_rng(3)
    stored = rng.normal(size=(300, 16)).astype(np.float32)
    stored /= np.linalg.norm(stored, axis=1, keepdims=True)
    asked = rng.normal(size=(50, 16)).astype(np.float32)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    neighbours = Neighbours(stored, rng.random(300) < 0.7, k=20, temperature=0.1)

    alone = [neighbours.logit(v) for v in asked]

    assert neighbours.votes(similarity_chunks(asked, stored, chunk=16)) == pytest.approx(alone, abs=1e-4)
    assert neighbours.votes(similarity_chunks(asked[:0], stored)).shape == (0,)


def test_a_prior_round_trips_with_its_neighbours_and_a_damaged_neighbours_file_says_the_fix(tmp_path: Path) -> None:
    vectors = np.array([_unit(1, 0, 0), _unit(0, 1, 0)])
    prior = QuestionPrior(
        "d" * 64, "m", np.ones(3, dtype=np.float32), 0.5, Neighbours(vectors, np.array([True, False]), 1, 0.1)
    )
    write_prior(prior, tmp_path)
    loaded = load_prior(tmp_path)
    assert loaded.neighbours is not None and loaded.neighbours.k == 1 and loaded.neighbours.temperature == 0.1
    assert np.allclose(loaded.neighbours.vectors, vectors, atol=1e-3)
    assert loaded.inputs(_unit(1, 0, 0)) == {
        "question_prior": judge_input(loaded.logit(_unit(1, 0, 0))),
        NEIGHBOUR_INPUT: judge_input(loaded.neighbours.logit(_unit(1, 0, 0))),
    }
    np.save(tmp_path / neighbours_file("prior.json"), np.zeros((5, 3), dtype=np.float16))
    with pytest.raises(PriorError, match=r"damaged.*make train"):
        load_prior(tmp_path)


def test_the_engine_gives_the_judge_the_bundled_priors_neighbours_vote(assistant: Assistant) -> None:
    engine = assistant._loaded()
    alone, follow_up = load_prior(), load_prior(BUNDLED_PRIOR, FOLLOW_UP_FILE)
    assert alone.neighbours is not None and follow_up.neighbours is not None
    question = "Who published it?"
    vector = engine.embed(engine.vocabulary.repair_text(question))
    inputs = engine.answer(question, []).inputs or {}
    assert inputs[NEIGHBOUR_INPUT] == pytest.approx(judge_input(alone.neighbours.logit(vector)), abs=1e-3)
    turns = normalize_history([("Which book does the author quote at the end?", "The Agony of the Russian Idea.")], 4)
    inputs = engine.answer(question, turns).inputs or {}
    assert inputs[NEIGHBOUR_INPUT] == pytest.approx(judge_input(follow_up.neighbours.logit(vector)), abs=1e-3)
    # The document judge reads the vote.
    assert NEIGHBOUR_INPUT in load_judge(BUNDLED_JUDGE, DOCUMENT_FILE).features


def test_the_bundled_article_has_its_own_judge_and_other_documents_the_generic_one(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path
) -> None:
    document, generic = load_judge(BUNDLED_JUDGE, DOCUMENT_FILE), load_judge(BUNDLED_JUDGE)
    assert document != generic
    assert assistant.confidence_threshold() == pytest.approx(document.threshold)
    other = tmp_path / "harbour.txt"
    other.write_text("The Harbour Rowing Club meets on Tuesdays at the boathouse.\n", encoding="utf-8")
    club = Assistant(replace(shared_settings, documents=(other,), data_dir=tmp_path / "club-data"))
    club.load()
    assert club.confidence_threshold() == pytest.approx(generic.threshold)
    with pytest.raises(DocumentError, match="Unknown document id"):
        club.confidence_threshold("no-such-document")
    # Each judge's file is checked on its own; writing one keeps the other's hash.
    write_judge(_calibration(), tmp_path / "judges")
    write_judge(_calibration(threshold=0.25), tmp_path / "judges", DOCUMENT_FILE)
    assert load_judge(tmp_path / "judges") == _calibration()
    assert load_judge(tmp_path / "judges", DOCUMENT_FILE).threshold == 0.25


def test_the_bundled_articles_follow_ups_have_a_judge_of_their_own(
    assistant: Assistant, shared_settings: Settings, tmp_path: Path
) -> None:
    engine = assistant._loaded()
    source = next(iter(engine.priors))
    document, follow_up = load_judge(BUNDLED_JUDGE, DOCUMENT_FILE), load_judge(BUNDLED_JUDGE, FOLLOW_UP_JUDGE_FILE)
    assert engine._judge_for(source, follow_up=True) == follow_up
    assert engine._judge_for(source) == document
    assert assistant.confidence_threshold(follow_up=True) == pytest.approx(follow_up.threshold)
    # Fitted on follow-ups alone, over the document judge's inputs.
    assert follow_up.features == document.features and follow_up.weights != document.weights
    # A judge folder without one leaves the follow-ups to the document judge.
    folder = tmp_path / "judges"
    shutil.copytree(BUNDLED_JUDGE, folder)
    (folder / FOLLOW_UP_JUDGE_FILE).unlink()
    older = Assistant(replace(shared_settings, judge_path=str(folder), data_dir=tmp_path / "data"))._loaded()
    assert older.follow_up_judge is None
    assert older._judge_for(source, follow_up=True) == document


def test_a_judge_weighs_and_vetoes_only_the_checks_it_reads() -> None:
    judge = _calibration(vetoes=("answer-type",))
    assert judge.reading(("named-answer", "answer-type", "negation")) == ("answer-type",)


def test_a_negated_question_about_an_upload_is_refused_by_name(
    shared_settings: Settings, assistant: Assistant, tmp_path: Path
) -> None:
    upload = tmp_path / "sudan.txt"
    upload.write_text(
        "Sudan in the 1990s\n\nThe NIF regime harbored Osama bin Laden for a time before 9/11, and worked to "
        "unify Islamist opposition to the American attack on Iraq in the 1991 Gulf War. Its leader built a "
        "powerful economic base with money from foreign Islamist banking systems.\n",
        encoding="utf-8",
    )
    bot = Assistant(replace(shared_settings, documents=(upload,), data_dir=tmp_path / "sudan-data"))
    bot.load()
    refused = bot.ask("Who did the NIF regime not harbor before 9/11?")
    assert refused.abstained and refused.reason == REASONS["negation"]
    assert not bot.ask("Who did the NIF regime harbor before 9/11?").abstained
    # The bundled article's judge does not read the check: its readers negate answerable questions
    # as often as not ("Why don't the hardliners want to talk?").
    selection = assistant._loaded().answer("Who did the hardliners not reveal the contacts to?", [])
    assert selection.inputs is not None and selection.inputs["check:negation"] == 1.0
    assert "negation" not in selection.fired
