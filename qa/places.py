"""Countries' other spellings, from ISO 3166 (pycountry): "U.S.", "USA", "United States" and "the
United States of America" are one country, "French Republic" is France. Nothing here knows a document.

A spelling several countries share ("Islamic Republic": Iran, Pakistan, Mauritania, Afghanistan) stands
for none of them everywhere; a document settles it (``shared_in``): the one of them it names.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Words that join a country's name without starting a word of its initials ("United States of America").
_JOINERS = frozenset({"of", "and", "the"})


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w']*", name) if w not in _JOINERS).upper()


def _spellings(country: object) -> tuple[str, set[str]]:
    """Return one country's canonical name and its other spellings."""
    name = getattr(country, "name", "")
    official = getattr(country, "official_name", None)
    common = getattr(country, "common_name", None)
    # "United States of America" is "America"; "Islamic Republic of Iran" is "Iran" (its common name).
    tail = official.rsplit(" of ", 1)[1] if official and " of " in official else ""
    canonical = common or (tail if tail and " " not in tail else "") or name
    names = {n for n in (name, official, common) if n and "," not in n}
    # The official name's head of two words or more: "United Kingdom", "Islamic Republic".
    head = official.split(" of ", 1)[0] if official and " of " in official else ""
    if len(head.split()) >= 2:
        names.add(head)
    codes = set()
    for full in names:
        for code in (country.alpha_2, country.alpha_3):  # type: ignore[attr-defined]
            # A code is a spelling only where it gives the name's initials: "US", "U.S.", "USA".
            if _initials(full) == code:
                codes |= {code, ".".join(code) + "."}
    return canonical, (names | codes) - {canonical}


@lru_cache(maxsize=1)
def _owners() -> dict[str, frozenset[str]]:
    """Return every country spelling with the canonical names of the countries it may mean."""
    import pycountry

    owners: dict[str, set[str]] = {}
    for country in pycountry.countries:
        canonical, spellings = _spellings(country)
        for spelling in spellings:
            owners.setdefault(spelling, set()).add(canonical)
    return {s: frozenset(o) for s, o in owners.items()}


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Return every country spelling that belongs to one country only, mapped to its canonical name."""
    return {s: next(iter(o)) for s, o in _owners().items() if len(o) == 1}


def shared_in(document_words: frozenset[str]) -> Spellings:
    """Return the spellings several countries share that a document settles: of their countries it
    names exactly one ("Islamic Republic" in a text that names Iran but not Pakistan, Mauritania or
    Afghanistan is Iran)."""
    settled = {}
    for spelling, owners in _owners().items():
        named = [c for c in owners if set(re.findall(r"[a-z]+", c.lower())) <= document_words]
        if len(owners) > 1 and len(named) == 1:
            settled[spelling] = named[0]
    return Spellings(settled)


class Spellings:
    """Country spellings and the canonical names that replace them, compiled once."""

    def __init__(self, table: dict[str, str]) -> None:
        # Names of several words match in any case ("united states"); codes and one-word names as written.
        spaced = sorted((s for s in table if " " in s), key=len, reverse=True)
        exact = sorted((s for s in table if " " not in s), key=len, reverse=True)
        self._lookup = table | {s.lower(): c for s, c in table.items() if " " in s}
        alternatives = "|".join(map(re.escape, spaced))
        self._any_case = re.compile(rf"(?<![\w.])(?:{alternatives})(?!\w)", re.I) if spaced else None
        alternatives = "|".join(map(re.escape, exact))
        self._as_written = re.compile(rf"(?<![\w.])(?:{alternatives})(?!\w)") if exact else None
        # Most texts name no country by another spelling: their words decide whether to look at all.
        self._spaced_words = {next(w for w in _WORD.findall(s.lower()) if w not in _JOINERS) for s in spaced}
        self._exact_words = {w for s in exact for w in _WORD.findall(s)[:1]}

    def replace(self, text: str, shouted: bool = False) -> str:
        """Return ``text`` with each spelling replaced by its country's canonical name. In text typed in
        capitals, bare codes are left alone: "TELL US MORE" has the pronoun, not the country."""
        found = set(_WORD.findall(text))
        if self._any_case is not None and not self._spaced_words.isdisjoint({w.lower() for w in found}):
            text = self._any_case.sub(lambda m: self._lookup[m.group(0).lower()], text)
        if self._as_written is not None and not self._exact_words.isdisjoint(found):
            # Typed in capitals, a bare code may be a word; a dotted one ("U.S.") is still the country.
            text = self._as_written.sub(
                lambda m: m.group(0) if shouted and "." not in m.group(0) else self._lookup[m.group(0)], text
            )
        return text


@lru_cache(maxsize=1)
def _everywhere() -> Spellings:
    return Spellings(aliases())


def canonical_countries(text: str, shouted: bool = False) -> str:
    """Return ``text`` with the spellings that belong to one country replaced by its canonical name."""
    return _everywhere().replace(text, shouted)
