"""Turn a question and its history into what retrieval needs: text, terms, and a target speaker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from qa.errors import QuestionError
from qa.records import Answer, Citation
from qa.text import STOPWORDS, content_words, fold, words

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
_COMMENT_NUMBER = re.compile(r"\b(?:comment|commenter|reader|commentator)s?\s*(?:#|no\.?|number)?\s*(\d{1,3})\b")
_ORDINAL_COMMENT = re.compile(
    r"\b(" + "|".join(_ORDINALS) + r"|last)\s+(?:reader\s+)?(?:comment|commenter|reader|commentator)\b"
)
_COMMENTER_WORDS = re.compile(r"\b(?:comment|commenter|commenters|comments|reader|readers|commentator)\b")
# Words that point at the author of any document; the author's own name and pronoun come from the document.
_AUTHOR_WORDS = frozenset(["author", "writer", "article"])
# Name words shorter than this are initials ("T."); like lower-case particles ("van", "bin") and function
# words ("Will"), they are too common in questions to stand for the author.
_MIN_NAME_WORD = 3
_LETTERS = re.compile(r"[^\W\d_]+")
_SHE = frozenset(["she", "her", "hers", "herself"])
_HE = frozenset(["he", "him", "his", "himself"])
# Words that make a question lean on the previous turn.
_ANAPHORA = frozenset(
    """
    he him his she her hers they them their theirs it its that this those these there then else also
    """.split()
)
# Phrases that point back to a time or thing just mentioned ("why was Iran reaching out at the time?").
_POINTING_BACK = re.compile(r"\b(?:at\s+the\s+time|at\s+that\s+point|back\s+then|the\s+same)\b", re.IGNORECASE)
# Characters kept of each history turn: several answers' worth.
MAX_TURN_CHARS = 8000
# Citations kept of each structured turn: an answer has at most a few (max_citations, or the related
# passages of an abstention); more is a client sending something else.
MAX_TURN_CITATIONS = 16
_MORE = frozenset(["else", "other", "more", "another", "too", "also"])
_QUOTE_MARK = re.compile(r"[\"“]")


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation: the user's question and the assistant's reply.

    ``answer`` is the reply as an ``Answer`` when the history carried one (the object, or its
    ``to_dict()`` JSON); follow-ups then read its citations instead of its wording.
    """

    user: str
    assistant: str
    answer: Answer | None = None


@dataclass(frozen=True)
class Query:
    """A question ready for retrieval, after resolving follow-ups against the history."""

    question: str
    # The previous user question when this one leans on it; it lends the subject, at lower weight.
    context: str = ""
    speaker: str | None = None
    wants_commenter: bool = False
    # What the last answer said (its quotes, when it came structured): a follow-up wants something
    # new, so sentences quoted there rank lower. Empty after an abstention.
    previous_answer: str = ""
    # The last answer's citations when the history carried them: what it quoted, by offsets.
    previous_citations: tuple[Citation, ...] = ()
    # "What else ...": sentences already quoted are skipped, not just ranked lower.
    asks_more: bool = False
    # The question with misspellings repaired and folded ("acording to Hunter"): what is embedded
    # and what the judge's inputs read.
    spelled: str = ""
    # ... and with only its misspelt words replaced, capitals and possessives kept: what the named
    # checks read ("how many yeras has PIERE's ...").
    corrected: str = ""

    @property
    def text(self) -> str:
        """Return the text to embed: the context (if any) followed by the question."""
        return f"{self.context} {self.question}".strip()


HISTORY_SHAPES = (
    "history must be a list, oldest first, of (user, assistant) pairs, {'role', 'content'} messages, "
    "{'question', 'answer'} turns or Answer objects; an assistant reply may be text, an Answer or its "
    "to_dict() JSON"
)


def _reply(value: Any, where: str) -> tuple[str, Answer | None]:
    """Return an assistant reply as (text, Answer or None): plain text, an Answer, or its to_dict() dict."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, Answer):
        return value.text, value
    if isinstance(value, dict):
        try:
            answer = Answer.from_dict(value)
        except ValueError as exc:
            raise QuestionError(f"{where} is not an Answer's to_dict() JSON: {exc}.") from exc
        return answer.text, answer
    raise QuestionError(f"{where} must be text, an Answer or its to_dict() JSON, not {type(value).__name__}.")


def _user(value: Any, where: str) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    raise QuestionError(f"{where} must be a string, not {type(value).__name__}.")


def _turn(user: str, reply: tuple[str, Answer | None]) -> Turn:
    # Only the start of a turn matters for follow-ups; a huge pasted turn must not cost seconds.
    text, answer = reply
    if answer is not None and len(answer.citations) > MAX_TURN_CITATIONS:
        answer = replace(answer, citations=answer.citations[:MAX_TURN_CITATIONS])
    return Turn(user[:MAX_TURN_CHARS], text[:MAX_TURN_CHARS], answer)


def normalize_history(history: Any, max_turns: int) -> list[Turn]:
    """Return the latest ``max_turns`` turns of ``history``, oldest first.

    Each entry is one of: a ``(user, assistant)`` pair; an OpenAI-style ``{"role", "content"}``
    message; a ``{"question", "answer"}`` turn (the chat UI's shape); or a bare ``Answer``. An
    assistant reply is plain text, an ``Answer``, or ``Answer.to_dict()`` JSON as the HTTP API
    returns it; structured replies let follow-ups use their citations.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise QuestionError(f"{HISTORY_SHAPES}; got {type(history).__name__}.")
    turns: list[Turn] = []
    pending_user: str | None = None
    for n, item in enumerate(history):
        if isinstance(item, dict) and "role" in item:
            role, content = item.get("role"), item.get("content")
            if role not in ("user", "assistant", "system"):
                raise QuestionError(
                    "Each history message needs 'role' ('user' or 'assistant') and a 'content'; "
                    f"got {str(item)[:80]!r}."
                )
            if role == "assistant":
                turns.append(_turn(pending_user or "", _reply(content, f"history[{n}].content")))
                pending_user = None
                continue
            if not isinstance(content, str):
                raise QuestionError(
                    f"history[{n}].content of a {role} message must be a string; got {str(item)[:80]!r}."
                )
            if role == "user":
                if pending_user is not None:
                    turns.append(_turn(pending_user, ("", None)))
                pending_user = content
        elif isinstance(item, dict) and ("question" in item or "answer" in item):
            user = _user(item.get("question"), f"history[{n}].question")
            turns.append(_turn(user, _reply(item.get("answer"), f"history[{n}].answer")))
        elif isinstance(item, Answer) or (isinstance(item, dict) and "text" in item):
            turns.append(_turn("", _reply(item, f"history[{n}]")))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            user = _user(item[0], f"history[{n}][0]")
            turns.append(_turn(user, _reply(item[1], f"history[{n}][1]")))
        else:
            raise QuestionError(f"Each history entry must be one of these: {HISTORY_SHAPES}; got {str(item)[:80]!r}.")
    if pending_user is not None:
        turns.append(_turn(pending_user, ("", None)))
    return turns[-max_turns:]


def author_pronouns(bio_text: str) -> frozenset[str]:
    """Return the pronouns the author's bio uses for them ("she", "her", ...), or none without a clear majority."""
    bio_words = words(bio_text)
    she, he = sum(w in _SHE for w in bio_words), sum(w in _HE for w in bio_words)
    # A clear majority is more than two thirds of the gendered pronouns. "They" is left out: in a bio
    # it as often means the author's colleagues or books.
    if she > 2 * he:
        return _SHE
    if he > 2 * she:
        return _HE
    return frozenset()


def _name_words(name: str) -> frozenset[str]:
    """Return the folded words of a person's name that can stand for them: "Shireen T. Hunter" -> shireen, hunter."""
    return frozenset(
        w
        for token in name.split()
        if token[:1].isupper()
        for w in _LETTERS.findall(fold(token))
        if len(w) >= _MIN_NAME_WORD and w not in STOPWORDS
    )


class SpeakerFinder:
    """Finds which speaker a text asks about, from the speakers present in the index."""

    def __init__(
        self, speakers: dict[str, int | None], author: str | None, pronouns: frozenset[str] = frozenset()
    ) -> None:
        self.author = author
        # With no byline nothing names the author; with one, the name's words and the bio's pronoun do.
        self.author_words = _AUTHOR_WORDS | _name_words(author) | pronouns if author else frozenset()
        alternatives = "|".join(re.escape(w) for w in sorted(self.author_words))
        self._author_mention = re.compile(rf"\b(?:{alternatives})\b") if alternatives else None
        self.by_number = {n: s for s, n in speakers.items() if n is not None}
        last = max(self.by_number, default=None)
        self.last = self.by_number.get(last) if last is not None else None
        self.named = {fold(s): s for s, n in speakers.items() if n is not None and not s.startswith("Commenter ")}
        self.known = frozenset(speakers)

    def quoted(self, citations: Sequence[Citation]) -> tuple[str | None, bool]:
        """Return (the speaker an answer quoted first, whether that is a reader comment); a speaker
        this index does not know (a history from another document) names no one."""
        first = citations[0]
        if first.speaker not in self.known:
            return None, False
        return first.speaker, first.section == "comment"

    def find(self, text: str) -> tuple[str | None, bool]:
        """Return (speaker the text targets, whether it asks about readers' comments in general)."""
        folded = fold(text)
        m = _COMMENT_NUMBER.search(folded)
        if m and int(m.group(1)) in self.by_number:
            return self.by_number[int(m.group(1))], True
        m = _ORDINAL_COMMENT.search(folded)
        if m:
            number = _ORDINALS.get(m.group(1))
            target = self.last if m.group(1) == "last" else self.by_number.get(number or -1)
            if target:
                return target, True
        for name, speaker in self.named.items():
            if re.search(rf"\b{re.escape(name)}\b", folded):
                return speaker, True
        if _COMMENTER_WORDS.search(folded):
            return None, True
        if self._author_mention and self._author_mention.search(folded):
            return self.author, False
        return None, False


def refers_back(question: str) -> bool:
    """True when ``question`` points back with a pronoun or a phrase ("what did he say?", "at the time")."""
    return bool(set(words(question)) & _ANAPHORA) or bool(_POINTING_BACK.search(question))


def _leans_on_history(question: str) -> bool:
    return refers_back(question) or len(content_words(question)) <= 2 or words(question)[:1] == ["and"]


def resolve(question: str, history: list[Turn], speakers: SpeakerFinder) -> Query:
    """Build the retrieval query; a question that leans on the last turn borrows its subject."""
    speaker, wants_commenter = speakers.find(question)
    if not history or not _leans_on_history(question):
        return Query(question=question, speaker=speaker, wants_commenter=wants_commenter)
    last = history[-1]
    prev_speaker, prev_commenter = speakers.find(last.user)
    answer = last.answer
    quoted: tuple[Citation, ...] = ()
    if answer is not None and answer.abstained:
        # An abstention quotes nothing and names no subject: its citations are related reading.
        previous = ""
    elif answer is not None and answer.citations:
        quoted = tuple(answer.citations)
        previous = " … ".join(c.quote for c in quoted)[:MAX_TURN_CHARS]
        if prev_speaker is None:
            prev_speaker, prev_commenter = speakers.quoted(quoted)
    else:
        # Plain text: an answer names whom it quotes before the quote ("Commenter 4 says: “…”").
        previous = last.assistant
        if prev_speaker is None:
            prev_speaker, prev_commenter = speakers.find(_QUOTE_MARK.split(previous, 1)[0])
    return Query(
        question=question,
        context=last.user,
        speaker=speaker or prev_speaker,
        wants_commenter=wants_commenter or prev_commenter,
        previous_answer=previous,
        previous_citations=quoted,
        asks_more=bool(set(words(question)) & _MORE),
    )
