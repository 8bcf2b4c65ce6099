"""Turning words into comparable terms: one tokenizer, one folding and one stemmer for both sides.

A query term and a story word match when they reduce to the same *stem*. Both sides go through the
same three steps, which is what makes matching predictable:

1. **Tokenize** the original text into words. Letters, digits and combining marks belong to a
   word; apostrophes and other punctuation separate words (``Trump’s`` is ``trump`` + ``s``,
   French ``l'Ukraine`` yields ``ukraine``). Hyphenated words (``cease-fire``) are kept as one
   *compound* whose parts are also words of their own.
2. **Fold**: Unicode case folding, then accent folding for Latin, Greek and Cyrillic letters
   (``Kyïv`` -> ``kyiv``), plus the few letters that do not decompose (``ø``, ``ł``, ``æ`` ...).
3. **Stem** with the stemmer of the story's language (``ceasefires`` -> ``ceasefir``), where
   matching stems it (:mod:`bot.language` says which languages and why).

Folding runs *before* stemming so that two spellings that fold alike are guaranteed to stem alike:
a user typing ``kyiv`` must find ``Kyïv`` whatever the stemmer does with the diaeresis.

Stemming is memoized per language (a news vocabulary is small; the same few thousand words recur
in every story), which makes the per-word cost one dictionary look-up.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.language import stem_language, stemmer

__all__ = [
    "TOKEN_RE",
    "Stemmer",
    "Token",
    "fold",
    "split_compound",
    "stemmer_for",
    "tokenize",
    "word_groups",
]


def _combining_marks() -> str:
    """Character-class body for the combining marks of the Basic Multilingual Plane.

    Python's ``\\w`` does not match combining marks, so without them a Hindi word or a
    decomposed ``é`` (``e`` + U+0301) would fall apart into pieces.
    """
    marks = [c for c in range(0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    ranges: list[tuple[int, int]] = []
    for c in marks:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_WORD_CHAR = rf"[\w{_combining_marks()}]"
_HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen (not dashes: those separate)
#: A word, or a hyphenated compound of words.
TOKEN_RE = re.compile(rf"{_WORD_CHAR}+(?:[{_HYPHENS}]{_WORD_CHAR}+)*")
_HYPHEN_RE = re.compile(rf"[{_HYPHENS}]")

# Letters that carry their "accent" as part of the letter, so NFKD does not separate it.
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ð": "d", "þ": "th", "æ": "ae"}
    | {"œ": "oe", "ŋ": "n", "ƒ": "f"}
)
_FOLDED_MARKS = range(
    0x0300, 0x0370
)  # the Combining Diacritical Marks block (Latin/Greek/Cyrillic)


def fold(word: str) -> str:
    """Case- and accent-fold one word: ``Kyïv`` -> ``kyiv``, ``Straße`` -> ``strasse``.

    Only the diacritics of Latin, Greek and Cyrillic are removed: the vowel signs of Indic or
    Arabic script are letters of the word, not decoration. Cyrillic ``й`` keeps its breve
    because it is a letter of its own, not an accented ``и``.
    """
    word = word.casefold()
    if word.isascii():
        return word
    word = unicodedata.normalize("NFKD", word.translate(_LETTERS))
    kept: list[str] = []
    for ch in word:
        if ord(ch) in _FOLDED_MARKS and not (ch == "\u0306" and kept and kept[-1] in "иИ"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


_CACHE_LIMIT = 500_000


class Stemmer:
    """Folds and stems words of one language, remembering every answer.

    ``language`` is a code from :func:`bot.language.stem_language`: the stem function is the
    summarizer's memoized stemmer of that language (:func:`bot.language.stemmer`); ``""`` folds
    words without stemming them (languages matching does not stem).
    """

    __slots__ = ("_stem", "language", "memo")

    def __init__(self, language: str) -> None:
        self.language = language
        self._stem: Callable[[str], str] | None = stemmer(language) if language else None
        #: word as written -> stem; hot loops may read it directly before calling the stemmer
        self.memo: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        """The stem of ``word`` (as written in the text: case and accents are folded here)."""
        stem = self.memo.get(word)
        if stem is None:
            folded = fold(word)
            stem = self._stem(folded) if self._stem is not None else folded
            stem = sys.intern(stem)
            if len(self.memo) >= _CACHE_LIMIT:  # bound the memory of a long-running bot
                self.memo.clear()
            if not _HYPHEN_RE.search(word):  # a memo hit promises a single word to the matcher
                self.memo[word] = stem
        return stem


_STEMMERS: dict[str, Stemmer] = {}  # by the code stem_language() gives
_BY_TAG: dict[str, Stemmer] = {}  # by the language as stories give it: one look-up a story


def stemmer_for(language: str) -> Stemmer:
    """The shared, memoizing stemmer for a language code (English when the code is empty)."""
    found = _BY_TAG.get(language)
    if found is None:
        code = stem_language(language)
        found = _STEMMERS.get(code)
        if found is None:
            found = _STEMMERS[code] = Stemmer(code)
        if len(_BY_TAG) < 1_000:  # tags are few; a flood of odd ones is not remembered
            _BY_TAG[language] = found
    return found


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: its stem, its word positions and where it sits in the original string.

    A compound such as ``cease-fire`` yields its parts (``cease`` at n, ``fire`` at n+1) and the
    joined word (``ceasefire``) spanning positions n..n+1, so a phrase can use either reading.
    """

    stem: str
    first: int
    last: int
    start: int
    end: int


def tokenize(text: str, stemmer: Stemmer) -> Iterator[Token]:
    """The words of ``text`` with character offsets (for highlighting; matching has a fast path)."""
    position = 0
    for m in TOKEN_RE.finditer(text):
        word = m.group()
        if not _HYPHEN_RE.search(word):
            yield Token(stemmer(word), position, position, m.start(), m.end())
            position += 1
            continue
        first = position
        offset = m.start()
        parts = _HYPHEN_RE.split(word)
        for part in parts:
            yield Token(stemmer(part), position, position, offset, offset + len(part))
            offset += len(part) + 1
            position += 1
        yield Token(stemmer("".join(parts)), first, position - 1, m.start(), m.end())


def word_groups(text: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """A query word or phrase as a sequence of groups of alternative folded-word sequences.

    ``peace plan`` -> ``((("peace",),), (("plan",),))``; ``cease-fire`` ->
    ``((("ceasefire",), ("cease", "fire")),)``: the compound may appear joined or as its parts.
    Words are folded here (stemming waits for the story's language).
    """
    groups: list[tuple[tuple[str, ...], ...]] = []
    for word in TOKEN_RE.findall(text):
        parts = [fold(p) for p in _HYPHEN_RE.split(word)]
        if len(parts) == 1:
            groups.append(((parts[0],),))
        else:
            groups.append((("".join(parts),), tuple(parts)))
    return tuple(groups)


def split_compound(word: str) -> list[str]:
    """The parts of a hyphenated word (a one-item list for a plain word)."""
    return _HYPHEN_RE.split(word)
