"""Turn a question and its history into what retrieval needs: text, terms, and a target speaker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.compose import ABSTAIN_OPENING
from qa.errors import QuestionError
from qa.text import content_words, fold, words

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
_COMMENT_NUMBER = re.compile(r"\b(?:comment|commenter|reader|commentator)s?\s*(?:#|no\.?|number)?\s*(\d{1,3})\b")
_ORDINAL_COMMENT = re.compile(
    r"\b(" + "|".join(_ORDINALS) + r"|last)\s+(?:reader\s+)?(?:comment|commenter|reader|commentator)\b"
)
_COMMENTER_WORDS = re.compile(r"\b(?:comment|commenter|commenters|comments|reader|readers|commentator)\b")
_AUTHOR_WORDS = re.compile(r"\b(?:author|writer|hunter|she|her|article)\b")
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
_MORE = frozenset(["else", "other", "more", "another", "too", "also"])


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation."""

    user: str
    assistant: str


@dataclass(frozen=True)
class Query:
    """A question ready for retrieval, after resolving follow-ups against the history."""

    question: str
    # The previous user question when this one leans on it; it lends the subject, at lower weight.
    context: str = ""
    speaker: str | None = None
    wants_commenter: bool = False
    # The last answer: a follow-up wants something new, so sentences quoted there rank lower.
    previous_answer: str = ""
    # "What else ...": sentences already quoted are skipped, not just ranked lower.
    asks_more: bool = False
    # The question with misspellings repaired ("acording to Hunter"), for checks that read its words.
    spelled: str = ""

    @property
    def text(self) -> str:
        """Return the text to embed: the context (if any) followed by the question."""
        return f"{self.context} {self.question}".strip()


def normalize_history(history: Any, max_turns: int) -> list[Turn]:
    """Accept ``(user, assistant)`` pairs or OpenAI-style messages; return the latest ``max_turns`` turns."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise QuestionError(
            "history must be a list of (user, assistant) pairs or of {'role', 'content'} messages, "
            f"not {type(history).__name__}."
        )
    turns: list[Turn] = []
    pending_user: str | None = None
    for item in history:
        if isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            if role not in ("user", "assistant", "system") or not isinstance(content, str):
                raise QuestionError(
                    "Each history message needs 'role' ('user' or 'assistant') and a string 'content'; "
                    f"got {str(item)[:80]!r}."
                )
            if role == "user":
                if pending_user is not None:
                    turns.append(Turn(pending_user, ""))
                pending_user = content
            elif role == "assistant":
                turns.append(Turn(pending_user or "", content))
                pending_user = None
        elif isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, (str, type(None))) for x in item):
            turns.append(Turn(item[0] or "", item[1] or ""))
        else:
            raise QuestionError(
                "Each history entry must be a (user, assistant) pair of strings or a "
                f"{{'role', 'content'}} message; got {str(item)[:80]!r}."
            )
    if pending_user is not None:
        turns.append(Turn(pending_user, ""))
    # Only the start of a turn matters for follow-ups; a huge pasted turn must not cost seconds.
    return [Turn(t.user[:MAX_TURN_CHARS], t.assistant[:MAX_TURN_CHARS]) for t in turns[-max_turns:]]


class SpeakerFinder:
    """Finds which speaker a text asks about, from the speakers present in the index."""

    def __init__(self, speakers: dict[str, int | None], author: str | None) -> None:
        self.author = author
        self.by_number = {n: s for s, n in speakers.items() if n is not None}
        last = max(self.by_number, default=None)
        self.last = self.by_number.get(last) if last is not None else None
        self.named = {fold(s): s for s, n in speakers.items() if n is not None and not s.startswith("Commenter ")}

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
        if self.author and _AUTHOR_WORDS.search(folded):
            return self.author, False
        return None, False


def _leans_on_history(question: str) -> bool:
    ws = words(question)
    return (
        bool(set(ws) & _ANAPHORA)
        or len(content_words(question)) <= 2
        or ws[:1] == ["and"]
        or bool(_POINTING_BACK.search(question))
    )


def resolve(question: str, history: list[Turn], speakers: SpeakerFinder) -> Query:
    """Build the retrieval query; a question that leans on the last turn borrows its subject."""
    speaker, wants_commenter = speakers.find(question)
    if not history or not _leans_on_history(question):
        return Query(question=question, speaker=speaker, wants_commenter=wants_commenter)
    last = history[-1]
    prev_speaker, prev_commenter = speakers.find(last.user)
    if prev_speaker is None and last.assistant:
        prev_speaker, prev_commenter = speakers.find(last.assistant.split(":", 1)[0])
    return Query(
        question=question,
        context=last.user,
        speaker=speaker or prev_speaker,
        wants_commenter=wants_commenter or prev_commenter,
        # An abstention quotes nothing and names no subject.
        previous_answer="" if last.assistant.lstrip().startswith(ABSTAIN_OPENING) else last.assistant,
        asks_more=bool(set(words(question)) & _MORE),
    )
