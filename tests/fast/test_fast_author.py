"""Who "the author", "she" or a surname means: words taken from the parsed byline and the author's bio."""

from __future__ import annotations

from index import parse_document
from qa.query import SpeakerFinder, author_pronouns

HISTORY = """Płock

By 1300 the town was a seat of the Dukes of Masovia.

1. The cathedral hill was fortified in the tenth century.
"""


def _bio(text: str) -> str:
    return " ".join(s.text(text) for s in parse_document(text) if s.kind in ("signature", "bio"))


def test_the_bundled_authors_name_and_pronoun_come_from_the_document(document_text: str) -> None:
    segments = parse_document(document_text)
    author = next(s.speaker for s in segments if s.kind == "byline")
    speakers = {s.speaker: s.comment for s in segments}
    finder = SpeakerFinder(speakers, author, pronouns=author_pronouns(_bio(document_text)))

    assert {"hunter", "shireen", "she", "her"} <= finder.author_words
    for question in ["How many books has Hunter written?", "What does she think of Rouhani?", "Who is the author?"]:
        assert finder.find(question) == ("Shireen T. Hunter", False), question
    assert finder.find("What did PIERE say?") == ("PIERE", True)


def test_another_authors_name_and_pronoun_replace_the_bundled_ones() -> None:
    finder = SpeakerFinder({"Tomás de Souza": None}, "Tomás de Souza", pronouns=author_pronouns("He teaches law."))

    assert finder.find("What does Souza say?") == ("Tomás de Souza", False)
    assert finder.find("What is his view?") == ("Tomás de Souza", False)
    assert finder.find("What does Hunter say?") == (None, False)
    assert finder.find("What does she say?") == (None, False)
    assert finder.find("What is the de facto rule?") == (None, False)


def test_without_a_byline_nothing_names_an_author() -> None:
    segments = parse_document(HISTORY)
    author = next((s.speaker for s in segments if s.kind == "byline"), None)
    finder = SpeakerFinder({s.speaker: s.comment for s in segments}, author)

    assert author is None and finder.author_words == frozenset()
    assert finder.find("What does the author say about the Dukes?") == (None, False)


def test_the_authors_pronoun_is_the_bios_clear_majority() -> None:
    assert author_pronouns("She was a fellow. Her book won; she thanks him.") == {"she", "her", "hers", "herself"}
    assert author_pronouns("He was a fellow at the center, and his book won.") == {"he", "him", "his", "himself"}
    assert author_pronouns("She and he wrote it; her notes, his notes.") == frozenset()
    assert author_pronouns("They were fellows at the center.") == frozenset()
