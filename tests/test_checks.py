"""Abstention checks and name handling: unit cases on small texts, then the real engine."""

from __future__ import annotations

import pytest

from eval import dataset
from qa import Assistant
from qa.answer_types import wrong_answer_type
from qa.checks import (
    asks_after_the_document,
    asks_another_of_the_kind,
    lacks_the_kind_asked,
    negates_what_the_evidence_asserts,
)
from qa.names import DocumentNames, lacks_a_named_one, lacks_named_answer
from qa.query import refers_back
from qa.text import Vocabulary, acronyms, stem, terms, words

SEGMENTS = [
    "Recently, President Donald Trump gave Iran a telephone number in Washington and Tehran.",
    "Even President Hassan Rouhani has hinted at this. Nothing changed in Tehran or Iran.",
    "She directed a program at the Center for Strategic and International Studies in Iran.",
    "Not in Italy, or in Spain, or in France; Iran stayed the same.",
    "Clearly, the Trump administration raised tensions with Iran.",
    "Hardliners in Iran revealed these contacts.",
    "The revolution defined itself against the West in Iran.",
    "Educated women in Iran demand their rights.",
]


def test_names_are_people_and_bodies_not_titles_or_lone_places() -> None:
    names = DocumentNames.from_segments(SEGMENTS)
    assert {"trump", "rouhani", "hassan"} <= names.rare
    assert "presid" not in names.rare  # a title before names
    assert "tehran" not in names.rare and "franc" in names.all  # lone place names
    assert "iran" not in names.rare  # in every segment: the topic


def test_a_name_is_the_topic_of_its_own_document_however_large_the_library() -> None:
    club = [
        "Annual report of the Harbour Rowing Club.",
        "The club owns eleven boats.",
        "Membership costs forty pounds.",
    ]
    others = [f"Paragraph {i} of another report, on the Skerryvore Lighthouse keepers." for i in range(12)]
    segments, owners = club + others, ["club"] * len(club) + ["light"] * len(others)
    # Over the whole library "Rowing" is in 1 of 15 segments: a rare name a passage must give.
    assert "row" in DocumentNames.from_segments(segments).rare
    # In its own document it is in 1 of 3: the topic, which "Membership costs forty pounds" answers about.
    assert "row" not in DocumentNames.from_segments(segments, documents=owners).rare


def test_a_rare_name_must_be_in_the_evidence_unless_its_speaker_gives_a_view() -> None:
    names = DocumentNames.from_segments(SEGMENTS)
    assert names.ungrounded(["rouhani", "jcpoa"], set(terms(SEGMENTS[0])), "Shireen T. Hunter") == ["rouhani"]
    assert names.ungrounded(["rouhani"], set(terms(SEGMENTS[1])), "Shireen T. Hunter") == []
    assert names.ungrounded(["say", "hunter"], set(terms(SEGMENTS[0])), "Shireen T. Hunter") == []
    assert names.ungrounded(["hunter"], set(terms(SEGMENTS[0])), "Shireen T. Hunter", "According to Hunter?") == []


def test_a_name_is_grounded_by_another_part_of_the_same_full_name() -> None:
    segments = [
        "These revelations undermined the speaker, Ali Akbar Hashemi Rafsanjani, in Tehran.",
        "The moderates, best represented by Rafsanjani, were never as anti-American.",
        *SEGMENTS,
    ]
    names = DocumentNames.from_segments(segments)
    assert names.ungrounded(["hashemi"], set(terms(segments[1])), "Shireen T. Hunter") == []
    assert names.ungrounded(["akbar", "tehran"], set(terms("Nothing here.")), "Shireen T. Hunter") == ["akbar"]


def test_acronyms_expand_to_the_documents_names() -> None:
    found = acronyms(SEGMENTS)
    assert found["csis"] == "center strategic international studies"
    vocabulary = Vocabulary(SEGMENTS)
    assert {"strategic", "studies"} <= set(vocabulary.repair("her work at CSIS"))


def test_irregular_forms_match_their_dictionary_form() -> None:
    assert stem("gotten") == stem("got") == stem("get")
    assert stem("children") == stem("child")
    # Ambiguous forms stay as written: "left" is a side as well as "leave".
    assert stem("left") != stem("leave")
    assert stem("thought") != stem("think")


def test_us_is_the_country_except_in_text_typed_in_capitals() -> None:
    assert words("what do US officials say") == ["what", "do", "america", "officials", "say"]
    assert words("TELL US MORE ABOUT U.S. SANCTIONS") == ["tell", "us", "more", "about", "america", "sanctions"]
    # Countries' other spellings come from ISO 3166, not from the document: one country's official
    # name is that country; a name several countries share ("Islamic Republic") stays as written.
    assert words("the French Republic and the State of Israel") == ["the", "france", "and", "the", "israel"]
    assert words("the Islamic Republic's unwillingness") == ["the", "islamic", "republic", "unwillingness"]
    assert words("the united states of america, USA") == ["the", "america", "america"]
    # Decades as typed match decades as written; "the 20s" could be either century.
    assert words("in the 80s and '90s, the late nineties, the 20s") == [
        "in",
        "the",
        "1980s",
        "and",
        "1990s",
        "the",
        "late",
        "1990s",
        "the",
        "20s",
    ]


def test_common_words_are_not_repaired_into_document_words() -> None:
    vocabulary = Vocabulary(["Carter and Reagan recall talking to America."])
    assert "really" in vocabulary.repair("really")
    assert vocabulary.repair("talkin to amercia") == ["talking", "america"]
    assert words("Don’t won't") == ["do", "will"]


def test_unknown_words_with_the_same_consonants_are_repaired() -> None:
    vocabulary = Vocabulary(["Shireen Hunter writes that educated women demand rights later."])
    assert vocabulary.repair("Sherin wimen") == ["shireen", "women"]
    # Transliterations write one sound with different letters.
    assert Vocabulary(["Foreign Minister Javad Zarif said so."]).repair("jawad") == ["javad"]
    assert Vocabulary(["America left the JCPOA."]).repair("the JPCOA") == ["jcpoa"]
    # An English word keeps its meaning even when its consonants match a document word's.
    assert vocabulary.repair("letter") == ["letter"]


def test_checks_read_the_question_with_only_its_misspellings_corrected() -> None:
    vocabulary = Vocabulary(["For 159 years the clergy of PIERE's country led sports and Commenter 4 agreed."])
    corrected = vocabulary.correct("how many yeras has PIERE's comenter said? What sport?")
    # Misspelt words become the document's; names keep their capitals and possessives, and an
    # English word keeps its number ("sport", not the document's "sports").
    assert corrected == "how many years has PIERE's commenter said? What sport?"
    # What is embedded is folded as before.
    assert vocabulary.repair_text("PIERE's yeras") == "piere years"


def test_english_words_are_not_read_as_swapped_letters() -> None:
    assert Vocabulary(["Letters from the author."]).repair("form") == ["form"]


def test_transliterated_names_repair_across_their_first_vowel() -> None:
    assert Vocabulary(["Ibrahim Raeisi, the head of the judiciary."]).repair("ebrahim raisi") == ["ibrahim", "raeisi"]


def test_short_words_with_two_letters_swapped_are_repaired() -> None:
    vocabulary = Vocabulary(["The IRGC chief spoke."])
    assert vocabulary.repair("ircg") == ["irgc"]


@pytest.mark.parametrize(
    ("question", "quoted", "lacks"),
    [
        ("What kind of weapons did Iran want?", ["Iran was desperate for weapons for its war."], True),
        ("What kind of weapons did Iran want?", ["Iran wanted anti-tank weapons."], False),
        ("What sort of state is Iran?", ["It is the crisis of the Islamist state."], False),
        # Evidence that never names the thing is not judged here.
        ("What kind of agreement did America leave?", ["America withdrew from the JCPOA."], False),
        ("What specific sanctions does commenter 3 want?", ["No one in Iran likes them."], True),
        ("What specific event was the worst?", ["It was the second worst event after the hostage crisis."], False),
        # "harsher" says how harsh, not which; "what weapons did ..." asks for a kind as well.
        ("Which specific sanctions did Trump impose?", ["The imposition of harsher sanctions on Iran."], True),
        ("What weapons did Iran receive?", ["Iran was desperate for weapons for its war."], True),
        ("What sanctions did Trump impose?", ["The imposition of harsher sanctions on Iran."], False),
        # "certain" does not say which.
        ("Which specific matters is he powerless in?", ["He has no authority in certain matters."], True),
        # The same in the passive: the evidence must name the things, and say which.
        ("Which Iranian industries were hit by the sanctions?", ["The imposition of harsher sanctions on Iran."], True),
        ("Which sectors of Iran's economy were targeted?", ["Harsher sanctions on Iran (JCPOA)."], True),
        ("Which sectors were hit by the sanctions?", ["The sanctions hit the oil sectors hardest."], False),
        ("Which groups were excluded?", ["Liberal groups were excluded."], False),
    ],
)
def test_a_kind_question_needs_a_word_saying_which_kind(question: str, quoted: list[str], lacks: bool) -> None:
    assert lacks_the_kind_asked(question, quoted) is lacks


@pytest.mark.parametrize(
    ("question", "quoted", "wrong"),
    [
        ("When did Khatami's presidency end?", ["After Khatami assumed power in 1997, others resisted."], True),
        ("When did her research professorship end?", ["From 2014 to July 2019 a research professor."], False),
        ("On what exact date did America leave the deal?", ["In 2018 America left the deal."], True),
        ("On what date did America leave the deal?", ["On 8 May 2018 America left the deal."], False),
        ("How long did the hostage crisis last?", ["It was the second worst event after the hostage crisis."], True),
        # None and all are counts too.
        ("How many people in Iran like the regime?", ["No one in Iran likes them."], False),
        # Where someone is from needs a text tying them to a place, not one that lists places.
        ("What country is the commenter PIERE from?", ["Not in Italy, or in Spain, or in France."], True),
        ("Where is Shireen Hunter from?", ["From 2005 to 2007 she was a fellow at Georgetown."], True),
        ("What country is the commenter from?", ["I am a reader from France."], False),
        ("Where did Syria get the information from?", ["Syria had received it from the Soviet Union."], False),
        ("For how long have the clergy led them?", ["They have led them for the past 159 years."], False),
        # A time told from now answers for the event its sentence tells, not for another.
        ("When did he say that?", ["A few months ago, General Jafari said that nothing would remain."], False),
        ("When did Jafari step down?", ["A few months ago, General Jafari said that nothing would remain."], True),
        # A decade does not say which years.
        ("In which years was Rafsanjani president?", ["In the following decades under Rafsanjani."], True),
        ("Which years was she a research professor?", ["From 2014 to July 2019 a research professor."], False),
        # A question for someone's post needs a word for one; a name in passing does not say it.
        ("What government post did Jack Straw hold?", ["It resulted in his election, according to Jack Straw."], True),
        (
            "What position did Rafsanjani hold in 1986?",
            ["In 1986 the speaker of the parliament, Rafsanjani, wrote."],
            False,
        ),
        ("What is Khamenei's title?", ["Supreme Leader Ayatollah Ali Khamenei"], False),
        ("What role did the author have at CSIS?", ["From 2005 to 2007 she was a visiting scholar at CSIS."], False),
        ("What post does he hold?", ["His father-in-law is the Friday prayer leader of Mashhad."], False),
        # Not a person's post: a book's title, a country's role.
        ("What is the title of her latest book?", ["Her latest book is Arab-Iranian Relations."], False),
        ("What role has America played for the revolution?", ["America has been its defining other."], False),
    ],
)
def test_end_and_day_questions_need_an_end_or_a_day(question: str, quoted: list[str], wrong: bool) -> None:
    assert wrong_answer_type(question, quoted, quoted) is wrong


@pytest.mark.parametrize(
    ("question", "quoted", "lacks"),
    [
        ("Which Soviet officials passed it to Syria?", ["Syria had received it from the Soviet Union."], True),
        ("Which Syrian official leaked it?", ["It was first published in the Syrian daily Al Shar’a."], True),
        ("Which Reagan official went to Tehran?", ["Reagan’s National Security Advisor Robert McFarland went."], False),
        (
            "Which Iranian official refused?",
            ["Iranian authorities, including Foreign Minister Javad Zarif, refused."],
            False,
        ),
        ("Which newspaper first published it?", ["It was first published in the Syrian daily Al Shar’a."], False),
        # A person's name is no newspaper's.
        (
            "Which Iranian newspaper criticized Rouhani?",
            ["Even President Hassan Rouhani hinted it in the media."],
            True,
        ),
        # Not a question for officials: "what circumstances" is asked.
        ("Under what circumstances had Iranian officials refused?", ["Under pressure."], False),
        # "Who published ..." asks for a publisher, named and not already in the question.
        ("Who published Timothy MacDaniel's book?", ["See Timothy MacDaniel’s book."], True),
        ("Who published her latest book?", ["Her latest book (Rowman & Littlefield, 2019)."], False),
        ("Who first published the information?", ["It was first published in the Syrian daily Al Shar’a."], False),
    ],
)
def test_a_which_official_question_needs_someone_named_by_title(question: str, quoted: list[str], lacks: bool) -> None:
    assert lacks_a_named_one(question, quoted) is lacks


def test_the_first_of_something_is_not_the_latest() -> None:
    latest = ["Her latest book is Arab-Iranian Relations."]
    assert asks_another_of_the_kind("What was the title of Hunter's very first book?", latest)
    assert not asks_another_of_the_kind("What is her latest book?", latest)
    assert not asks_another_of_the_kind("What is her first book?", ["She wrote 27 books."])


def test_events_after_the_text_cannot_be_in_it() -> None:
    assert asks_after_the_document("Did Iran call Trump after this article was published?")
    assert asks_after_the_document("What happened since the piece came out?")
    assert not asks_after_the_document("What happened after the 1986 revelations?")
    # The reader comments were written after the article, and answer for it.
    assert not asks_after_the_document("How did readers respond after the article was published?")


@pytest.mark.parametrize(
    "question",
    ["Is there a specific reason the hardliners refuse?", "anything specific about Germany?"],
)
def test_specific_asks_for_a_kind_only_after_what_or_which(question: str) -> None:
    assert not lacks_the_kind_asked(question, ["PIERE writes about Germany."])


def test_date_rules_read_the_question_exactly() -> None:
    assert not wrong_answer_type("What day-to-day problems do Iranians face?", ["Prices rose."], ["Prices rose."])
    # "take over" starts something: any date answers it.
    assert not wrong_answer_type("When did the IRGC take over?", ["In 1997 it took over."], ["In 1997 it took over."])
    assert wrong_answer_type("When did the war end?", [], [])  # no evidence, no crash


@pytest.mark.parametrize(
    ("question", "quoted", "wrong"),
    [
        ("How many years did the war last?", ["For last 159 years the clergy led."], False),
        ("How many years did the war last?", ["In 1986 Iran was desperate. It had fought for years."], True),
        ("How many books has she written?", ["She is the author and editor of 27 books."], False),
        ("What was the actual telephone number Trump gave?", ["Trump gave a telephone number."], True),
        ("How many years was she a professor?", ["From 2007 to 2014, she was a professor."], False),
        # The counted thing is a noun phrase: its head may come last.
        ("How many Unicom towers were suspended?", ["with more than 700 towers suspended."], False),
        ("How many Unicom towers were suspended?", ["Unicom served four nearby counties."], True),
        # "people" says nothing in particular: the question's own words go with the count.
        ("How many people were confirmed dead?", ["Figures said 69,197 were confirmed dead."], False),
        ("how many people died in the war", ["She wrote 27 books."], True),
        ("How long did Lee spend writing the book?", ["Lee spent over two and a half years writing."], False),
        ("How long did the earthquake last?", ["The earthquake lasted about two minutes."], False),
        ("How long is Newtown Creek?", ["Newtown Creek, a 3.5-mile estuary."], False),
        ("How long did the hostage crisis last?", ["For many years, this episode prevented reconciliation."], True),
        (
            "In what year did Tang and Tibet sign a treaty?",
            ["culminating in a treaty in 821 that fixed the borders"],
            False,
        ),
        ("In what year did the city open its parks?", ["It opened parks in 200 cities."], True),
        ("When did the Five Dynasties period take place?", ["the Five Dynasties period (907–960)"], False),
        # A question opening with a "when" clause asks what its later question word asks.
        ("When forces act on a body, what law applies?", ["Newton's third law applies."], False),
    ],
)
def test_counts_must_go_with_the_counted_thing(question: str, quoted: list[str], wrong: bool) -> None:
    assert wrong_answer_type(question, quoted, quoted) is wrong


@pytest.mark.parametrize(
    ("question", "quoted", "lacks"),
    [
        (
            "What is the name of Raeisi's father-in-law?",
            ["Raeisi, and his father-in-law, the fire-breathing Friday prayer leader"],
            True,
        ),
        (
            "whats the name of the book by timothy mcdaniels",
            ["As MacDaniel put it in his book The Agony of the Russian Idea"],
            False,
        ),
        ("What is the name of the Syrian daily?", ["first published in the Syrian daily Al Shar’a."], False),
        # "connected to the IRGC" says which groups; the groups are what is named.
        (
            "What are the names of the groups connected to the IRGC?",
            ["plus the economic groups connected to them."],
            True,
        ),
    ],
)
def test_a_name_question_needs_a_name_beside_the_thing_named(question: str, quoted: list[str], lacks: bool) -> None:
    assert lacks_named_answer(question, quoted) is lacks


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "When was Shireen Hunter born?",
        "What did President Rouhani say about the JCPOA?",
        "What does PIERE think about Donald Trump?",
        "Which Soviet officials passed the Iran-Contra information to Syria?",
        "Which Iranian newspaper criticized Rouhani for saying he had no authority?",
        "How long did the hostage crisis last?",
        "What country is the commenter PIERE from?",
        "What weapons did Iran actually receive through the Iran-Contra dealings?",
        "What was the title of Shireen Hunter's very first book?",
        "What are the names of the economic groups connected to the IRGC?",
        "Did Iran's leaders end up calling the number Trump gave them?",
        "What share of the vote did Ahmadinejad win in the election the second commenter mentions?",
        # PIERE never mentions it; the author does.
        "What does PIERE think about Trump's offer to talk to Iran?",
        "How many years did the Iran-Iraq war last?",
        "What is the name of Ibrahim Raeisi's father-in-law?",
        "Where did Shireen Hunter earn her PhD?",
    ],
)
def test_near_misses_abstain(assistant: Assistant, question: str) -> None:
    assert assistant.ask(question).abstained, question


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("Since when had Hunter been associated with the Islam program at CSIS?", "1983"),
        ("wat did jafari say abt talkin to amercia", "nothing would remain"),
        ("whats the name of the book by timothy mcdaniels", "Agony of the Russian Idea"),
        ("Which preacher does commenter 2 say is invited to speak at AIPAC meetings?", "Hagee"),
        ("What book by Timothy MacDaniel does Hunter cite?", "Agony of the Russian Idea"),
        ("According to PIERE, in which countries did reconciliation not happen?", "Italy"),
        ("Is this problem unique to Iran or do other nations share it?", "Russia"),
        # Everyday words a paraphrase brings ("purpose", "secret") are not missing details.
        ("What purpose does the IRGC really serve, according to Hunter?", "safeguard the revolution"),
        ("what did the ircg commander say", "nothing would remain"),
        # How something is said ("repeatedly") is not a detail the text must have.
        ("What did Carter and Reagan repeatedly say, according to commenter 5?", "who is in charge"),
        # A misspelt "according" still asks for the author's view.
        ("Is there still time for Irans leadreship to reform, acording to Hunter?", "still time"),
        ("Which Reagan official made the ill-fated trip to Tehran?", "McFarland"),
        # "invasions" names the kind of answer asked for; the text need not use the word.
        ("Besides the Iraq war, which past invasions does commenter 5 say unified the country?", "Alexander"),
        ("what does the Sherin Hunter piece say about educated wimen", "Educated women"),
        ("What is the JPCOA that the US withdrew from?", "Joint Comprehensive Plan of Action"),
        ("What is Shireen Hunter's latest book?", "Arab-Iranian Relations"),
        ("what did foriegn minister jawad zarif say about negotiating", "under pressure"),
        ("were the tradtional moderates like hashemi rafsanjany as anti-american as the left?", "never as"),
        # A text describes in its own words: "anxious" is no missing detail.
        ("What trend among young Iranians when it comes to faith is making the clerics more anxious?", "turn away"),
        ("Which newspaper first published the information about the secret contacts?", "Al Shar"),
        # A period that has ended does not answer a question about now.
        ("What is Shireen Hunter's current position?", "affiliate fellow"),
        ("Who blocked contacts with America in the 80s and 90s?", "leftists"),
        ("Who is credited with the idea that modernity is a package you can't pick and choose from?", "MacDaniel"),
    ],
)
def test_answerable_questions_with_typos_acronyms_and_type_words_answer(
    assistant: Assistant, question: str, phrase: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained, question
    assert phrase in answer.text


# A short question after a turn is read as a follow-up; one that does not point back and names only
# what the document never names asks about something else, so it is read alone.
_FIRST_TURN = "Who is the Iranian foreign minister?"


@pytest.mark.parametrize("question", ["What is the capital of Peru?", "What is photosynthesis?", "And Peru?"])
def test_a_short_question_about_what_the_document_lacks_is_read_alone_after_a_turn(
    assistant: Assistant, question: str
) -> None:
    first = assistant.ask(_FIRST_TURN)
    answer = assistant.ask(
        question, [{"role": "user", "content": _FIRST_TURN}, {"role": "assistant", "content": first.text}]
    )
    assert answer.abstained, question
    alone = assistant.ask(question)
    assert (answer.reason, answer.citations) == (alone.reason, alone.citations)


def test_a_follow_up_that_points_back_may_reword_the_text() -> None:
    # "leaked" is nowhere in the document ("revealed"), but "it" borrows the subject: not a missing detail.
    assert refers_back("and who leaked it?")
    assert not refers_back("What is the capital of Peru?")


@pytest.mark.parametrize(
    ("name", "unanswerable"),
    [
        ("independent-1.jsonl", 21),
        ("independent-2.jsonl", 20),
        ("independent-4.jsonl", 20),
        ("independent-5.jsonl", 18),
        ("independent-7.jsonl", 20),
        ("independent-8.jsonl", 20),
        ("independent-9.jsonl", 20),
        ("independent-12.jsonl", 20),
        ("independent-13.jsonl", 20),
        ("independent-14.jsonl", 20),
        ("independent-15.jsonl", 20),
        ("independent-16.jsonl", 20),
    ],
)
def test_independent_question_sets_fit_the_document(assistant: Assistant, name: str, unanswerable: int) -> None:
    items = dataset.load_items(dataset.QUESTIONS.parent / "sets" / name)
    dataset.check_against(items, {s: assistant.source_text(s) for s in assistant.sources})
    assert sum(not i.answerable for i in items) == unanswerable


def test_a_country_name_several_countries_share_is_the_one_the_document_names() -> None:
    question = "What are the Islamic Republic's plans?"
    assert "iran" in Vocabulary(["Iran and its leaders met in Tehran."]).repair(question)
    assert "pakistan" in Vocabulary(["Pakistan and its leaders met in Islamabad."]).repair(question)
    # A text naming two of them settles nothing.
    both = Vocabulary(["Iran and Pakistan signed a pact."]).repair(question)
    assert "islamic" in both and "iran" not in both and "pakistan" not in both


def test_a_decade_of_either_century_is_the_one_the_document_names() -> None:
    assert "1920s" in Vocabulary(["Jazz spread in the 1920s."]).repair("what happened in the 20s")
    assert "2020s" in Vocabulary(["Prices rose in the 2020s."]).repair("prices in the twenties")
    assert "20s" in Vocabulary(["Nothing about decades."]).repair("what happened in the 20s")


@pytest.mark.parametrize(
    ("question", "evidence", "fires"),
    [
        # SQuAD 2.0's negated questions: the evidence answers the opposite one.
        ("Who did the NIF regime not harbor prior to 9/11?", "The NIF regime harbored Osama bin Laden.", True),
        ("What don’t supporters of Islamism believe?", "Its supporters believe their views reflect Islam.", True),
        ("Which group never took part?", "The Left took part in the coalition.", True),
        # Negated in both, or in neither: nothing to say.
        ("Who did not vote?", "Two members did not vote.", False),
        ("Why won't the hardliners talk?", "They can't talk without losing face.", False),
        ("Who harbored bin Laden?", "The NIF regime harbored Osama bin Laden.", False),
        # Words that merely contain "no" are no negation.
        ("What did Nobel laureates note?", "Nobel laureates noted the change.", False),
    ],
)
def test_a_negated_question_is_not_answered_by_an_unnegated_statement(
    question: str, evidence: str, fires: bool
) -> None:
    assert negates_what_the_evidence_asserts(question, evidence) is fires
