"""Text folding for matching: quotes, case, name variants, stemming and typo repair."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from itertools import takewhile

import Stemmer

from qa.places import canonical_countries, shared_in

_STEMMER = Stemmer.Stemmer("english")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"', "\u00a0": " "})
# "Mac Farland", "MacFarland" and "McFarland" are one name; fold the Gaelic prefix.
_MAC = re.compile(r"\bmac\s?(?=[a-z]{3,})")
# Decades as people type them ("the 80s", "'90s", "the late nineties") and as texts write them
# ("the 1980s"): the 1930s to 1990s.
_SHORT_DECADE = re.compile(r"(?<![\w'’])['’]?([3-9]0)['’]?s\b")
_DECADE_WORDS = {
    w: f"19{n}0s" for n, w in enumerate("thirties forties fifties sixties seventies eighties nineties".split(), 3)
}
_DECADE_WORD = re.compile(r"\b(" + "|".join(_DECADE_WORDS) + r")\b", re.IGNORECASE)
# ... and the ones that could be either century ("the 20s", "the twenties"): the document settles them.
_OPEN_DECADE = re.compile(r"(?<![\w'’])['’]?([0-2]0)['’]?s\b|\b(twenties)\b", re.IGNORECASE)
# Text with more than this share of capital letters is typed in capitals.
SHOUTED_SHARE = 0.6
_VOWELS = "aeiou"
_NEGATED = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Function words and question words: they say how to ask, not what is asked about.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each else few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just let me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same say says said she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what
    when where which while who whom whose why will with would you your yours yourself yourselves
    according tell give describe explain mention mentions mentioned think thinks document article
    text whats whos wheres whens whys hows thats theres heres lets im ive youre dont doesnt didnt isnt
    arent wasnt werent cant wont
    """.split()
)
_SHORT_STOPWORDS = sorted(w for w in STOPWORDS if len(w) >= 3)
# A short unknown word this close to a function word is that word misspelt ("wat" ~ "what": 0.86).
_STOPWORD_REPAIR_CUTOFF = 0.85
# Words that typo repair must never produce or consume: too short to compare reliably.
_MIN_REPAIR_LEN = 5
# difflib ratio above which an unknown query word is read as a misspelling of a document word
# ("rafsanjny" ~ "rafsanjani" 0.84, "jafary" ~ "jafari" 0.83; but "story" ~ "sorry" is 0.80).
_REPAIR_CUTOFF = 0.82
# The same for a query word that is itself English: only a dropped letter ("talkin" ~ "talking").
_WORD_REPAIR_CUTOFF = 0.9


def fold(text: str) -> str:
    """Return ``text`` normalised for matching: NFKC, straight quotes, lower case, name variants."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    letters = [c for c in text if c.isalpha()]
    # One country, many spellings ("U.S.", "USA", "United States" are "America"); in text typed in
    # capitals, "US" is the pronoun ("TELL US MORE"), not the country.
    text = canonical_countries(text, shouted=sum(c.isupper() for c in letters) > SHOUTED_SHARE * len(letters))
    text = _SHORT_DECADE.sub(r"19\1s", _DECADE_WORD.sub(lambda m: _DECADE_WORDS[m.group(1).lower()], text))
    return _MAC.sub("mc", text.lower())


def words(text: str) -> list[str]:
    """Return folded words of ``text`` with possessive endings removed."""
    out = []
    for w in _WORD.findall(fold(text)):
        if w.endswith("'s"):
            w = w[:-2]
        elif w.endswith("n't"):
            w = _NEGATED.get(w[:-3], w[:-3])  # "won't" -> "will", "don't" -> "do": function words
        out.append(w.replace("'", ""))
    return out


def content_words(text: str) -> list[str]:
    """Return the folded words of ``text`` that carry meaning (no stopwords)."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def until_stopword(tokens: list[str]) -> list[str]:
    """Return the leading ``tokens`` before the first stopword."""
    return list(takewhile(lambda t: t not in STOPWORDS, tokens))


def same_family(a: str, b: str) -> bool:
    """True when two stems are forms of one word the stemmer keeps apart: one starts the other
    ("russia"/"russian", "rule"/"ruler"); both must have four letters or more."""
    return len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a))


@lru_cache(maxsize=65536)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Return the dictionary forms of ``word`` by part of speech (lemminflect): "gotten" ->
    {"VERB": ("get",)}, "openly" -> {"ADV": ("openly",)}."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


def _lemma(word: str) -> str:
    """Return the dictionary form of ``word`` when it has exactly one ("gotten" -> "get",
    "children" -> "child"), else ``word``: the stemmer misses irregular forms, and an ambiguous
    form ("thought": noun, or "think"; "left": side, or "leave") stays as written."""
    forms = {lemma for by_pos in lemmas(word).values() for lemma in by_pos}
    return forms.pop() if len(forms) == 1 else word


# British spellings mapped to American ones, so "kilometres" matches "kilometers" and "colour"
# "color"; applied to the document and the question alike, so a rare false merge costs nothing.
_BRITISH = (
    (re.compile(r"(?<=\w{2})tre(s?)$"), r"ter\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|ful|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w{3})ys(e|es|ed|ing)$"), r"yz\1"),
)


def american(word: str) -> str:
    """Return ``word`` in American spelling when it has a British ending."""
    for pattern, repl in _BRITISH:
        word = pattern.sub(repl, word)
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the English Snowball stem of one folded word, irregular forms first mapped to
    their dictionary form and British spellings to American ones."""
    return _STEMMER.stemWord(_lemma(american(word)))


def terms(text: str) -> list[str]:
    """Return stemmed content terms: the unit of lexical matching (BM25 and overlap)."""
    return [stem(w) for w in content_words(text)]


# A word at least this common in English (Zipf scale; "really" 5.9, "faith" 4.9, "preacher"
# 3.6) is a word of its own, not a misspelling; "jafary" and "rafsanjny" score 0.
ENGLISH_WORD_ZIPF = 3.0
# A short word this common is itself ("form" 5.1, "dont" 4.7), not a chat spelling ("wat" 3.4).
COMMON_SHORT_ZIPF = 4.5


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Return how common ``word`` is in English on the Zipf scale (wordfreq; 0 when unseen)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def is_english_word(word: str) -> bool:
    """True when ``word`` is a common English word in its own right."""
    return zipf(word) >= ENGLISH_WORD_ZIPF


# Capitalised words joined by these still form one name ("Center for Strategic and International Studies").
_NAME_JOINERS = frozenset({"for", "and", "of", "the", "on", "in"})
_RAW_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE_BREAK = re.compile(r"[.!?:;,()\n]")


def acronyms(texts: list[str]) -> dict[str, str]:
    """Return the acronyms of the names in ``texts`` (initials of three or more capitalised words)
    mapped to those words, folded: "csis" -> "center strategic international studies"."""
    out: dict[str, str] = {}
    for piece in (p for text in texts for p in _CLAUSE_BREAK.split(text)):
        run: list[str] = []
        for token in [*_RAW_WORD.findall(piece), ""]:
            if token[:1].isupper():
                run.append(token)
                continue
            if token in _NAME_JOINERS and run:
                continue
            capitals = [w for w in run if w[:1].isupper()]
            # Every prefix too: a run may run on into a place ("... Studies in Iran").
            for n in range(3, len(capitals) + 1):
                key = "".join(w[0] for w in capitals[:n]).lower()
                out.setdefault(key, " ".join(fold(w) for w in capitals[:n]))
            run = []
    return out


def _one_swap_apart(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with two neighbouring letters swapped."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return (
        len(a) == len(b)
        and len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


_SAME_SOUND = {"w": "v", "q": "k"}


def _consonants(word: str) -> str:
    """Return ``word``'s first letter and its later consonants, doubled ones once ("shireen" -> "shrn")."""
    # Transliterations write one sound with different letters ("Javad", "Jawad"; "Qom", "Kom").
    rest = [_SAME_SOUND.get(c, c) for c in word[1:] if c not in _VOWELS + "y"]
    return word[0] + "".join(c for i, c in enumerate(rest) if i == 0 or c != rest[i - 1])


class Vocabulary:
    """The folded words of the indexed text, used to repair misspelt query words."""

    def __init__(self, texts: list[str]) -> None:
        self.words = frozenset(w for t in texts for w in words(t))
        # Typos rarely change a word's first letter; bucketing by it keeps repair fast and precise.
        self._by_initial: dict[str, list[str]] = {}
        for w in sorted(self.words):
            if len(w) >= _MIN_REPAIR_LEN - 1:
                self._by_initial.setdefault(w[0], []).append(w)
        self.acronyms = acronyms(texts)
        # A country's name several countries share, as the document settles it ("Islamic Republic").
        self.countries = shared_in(self.words)
        # "the 20s" is the 1920s in a text that names them and not the 2020s, and the other way round.
        self.decades = {
            d: named[0]
            for d in ("00", "10", "20")
            if len(named := [f"{c}{d}s" for c in ("19", "20") if f"{c}{d}s" in self.words]) == 1
        }
        self._repair = lru_cache(maxsize=8192)(self._repair_uncached)

    def _repair_uncached(self, word: str) -> str:
        if word in self.words or word.isdigit():
            return word
        if word in self.acronyms:
            return self.acronyms[word]  # "csis" -> "center strategic international studies"
        if len(word) < _MIN_REPAIR_LEN:
            # Short unknown words are mostly misspelt function words ("wat", "wich", "teh"), or
            # a document word with two letters swapped ("ircg" for "irgc").
            if zipf(word) >= COMMON_SHORT_ZIPF:
                return word  # "form" (5.1) is no misspelt "for", nor "from"; "wat" (3.4) is
            match = difflib.get_close_matches(word, _SHORT_STOPWORDS, n=1, cutoff=_STOPWORD_REPAIR_CUTOFF)
            return match[0] if match else self._swapped(word) or word
        # A word of its own is repaired only to a near-identical form ("talkin" -> "talking"):
        # "really" is not a misspelling of the document's "recall".
        cutoff = _WORD_REPAIR_CUTOFF if is_english_word(word) else _REPAIR_CUTOFF
        # Transliterated names vary their first vowel ("Ebrahim", "Ibrahim").
        initials = _VOWELS if word[0] in _VOWELS else word[0]
        candidates = [w for initial in initials for w in self._by_initial.get(initial, [])]
        match = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
        if match:
            return match[0]
        if is_english_word(word):
            return word
        swapped = self._swapped(word)  # "jpcoa" for "jcpoa"
        if swapped:
            return swapped
        # A word of no language may still be a document word with its vowels misheard ("Sherin"
        # for "Shireen", "wimen" for "women"): the same consonants in the same order.
        same = [w for w in candidates if abs(len(w) - len(word)) <= 2 and _consonants(w) == _consonants(word)]
        return same[0] if len(same) == 1 else word

    def _swapped(self, word: str) -> str | None:
        """Return the one document word that is ``word`` with two neighbouring letters swapped."""
        swapped = [w for w in self._by_initial.get(word[0], []) if _one_swap_apart(word, w)]
        return swapped[0] if len(swapped) == 1 else None

    def repair(self, text: str) -> list[str]:
        """Return the content words of ``text`` with misspellings mapped to document words."""
        text = self.countries.replace(text)
        text = _OPEN_DECADE.sub(lambda m: self.decades.get(m.group(1) or "20", m.group(0)), text)
        return [r for w in content_words(text) for r in self._repair(w).split() if r not in STOPWORDS]

    def repair_text(self, text: str) -> str:
        """Return ``text`` with misspelt words replaced by the document words they stand for, folded
        ("Iran's" becomes "iran"): what is embedded."""
        return self._replace_misspelt(text, keep_form=False)

    def correct(self, text: str) -> str:
        """Return ``text`` with only its misspelt words (ones no English word) replaced, and
        everything else as written (capitals, possessives, singular or plural): what the named
        checks read ("how many yeras has PIERE's ..." -> "how many years has PIERE's ...")."""
        return self._replace_misspelt(text, keep_form=True)

    def _replace_misspelt(self, text: str, keep_form: bool) -> str:
        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            base = re.split(r"['’]", word, maxsplit=1)[0] if keep_form else word
            folded = fold(base)
            if folded in STOPWORDS or not _WORD.fullmatch(folded):
                return word
            if keep_form and is_english_word(folded):
                return word  # "sport" stays, though the document says "sports"
            repaired = self._repair(folded)
            if repaired == folded:
                return word
            if not keep_form:
                return repaired
            capital = repaired[:1].upper() + repaired[1:] if base[:1].isupper() else repaired
            return capital + word[len(base) :]

        return re.sub(r"[^\W_]+(?:['’][^\W_]+)?", fix, text)
