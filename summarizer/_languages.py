"""Languages: naming them, detecting them, and their stemmers and stop words.

Callers speak ISO 639-1 (``"de"``); sumy speaks English names (``"german"``). This module maps
between the two, and builds the per-language collaborators sumy's summarizers take: a stemmer
and a stop-word list. Detecting a text's language offline is ``_detect.py``'s (py3langid's
model), re-exported here.

Stemming is most of a summarizer's running time (sumy stems every word of every sentence, and
Snowball is pure Python), while news vocabulary repeats heavily, so each language gets a
memoized ``term`` function: word as written -> lower-cased stem, or ``None`` for a stop word.

``Language``, ``get_language`` and ``resolve_language`` are public: a caller that stems or
filters words the way the summarizer does (a keyword matcher, say) gets the same objects, so
there is one table of languages and one memoized stemmer per language in a process.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._detect import FALLBACK_LANGUAGE, detect_language
from ._errors import SummarizerError

__all__ = [
    "FALLBACK_LANGUAGE",
    "STEMMED_LANGUAGES",
    "Language",
    "detect_language",
    "get_language",
    "resolve_language",
]

logger = logging.getLogger(__name__)

#: ISO 639-1 code -> the name sumy uses for its stemmers and stop-word files.
_SUMY_NAMES: dict[str, str] = {
    "ar": "arabic",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "he": "hebrew",
    "hu": "hungarian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sk": "slovak",
    "sv": "swedish",
    "th": "thai",
    "uk": "ukrainian",
    "zh": "chinese",
}
_CODES_BY_NAME: dict[str, str] = {}
for _code, _name in _SUMY_NAMES.items():
    _CODES_BY_NAME.setdefault(_name, _code)
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "norwegian bokmål": "nb"}

#: Codes sumy knows by name (a stemmer, stop words or both); other languages still work.
STEMMED_LANGUAGES: tuple[str, ...] = tuple(sorted(_SUMY_NAMES))

# Past this many entries a language's stem memo is emptied, so a long-running bot that sees
# an unbounded vocabulary keeps bounded memory. News vocabulary is far smaller in practice.
_MEMO_LIMIT = 200_000


def _null_stem(word: str) -> str:
    return word


@dataclass(frozen=True, eq=False)
class Language:
    """One language's collaborators for summarizing: name, stemmer, stop words.

    ``stem`` takes a lower-cased word. ``term`` is the fast path the summarizers use: it takes
    a word as written and answers its stem, or ``None`` for a stop word, from a memo.
    """

    code: str
    name: str
    stem: Callable[[str], str]
    stop_words: frozenset[str]
    has_stemmer: bool
    #: Whether ``stem`` is a Snowball algorithm, not one of sumy's home-made ones.
    snowball: bool = False
    _memo: dict[str, str] = field(default_factory=dict, repr=False)
    _stems: dict[str, str] = field(default_factory=dict, repr=False)

    def term(self, word: str) -> str | None:
        """The stem of ``word`` (any case), or ``None`` when it is a stop word. Memoized."""
        return self._term(word) or None

    def terms(self, words: Sequence[str]) -> list[str]:
        """``term`` of each word, stop words left out: the per-word hot loop, kept in C."""
        found = list(map(self._memo.get, words))
        if None in found:
            found = [self._term(word) for word in words]
        return [t for t in found if t]

    def _term(self, word: str) -> str:
        """Memo entry for ``word``: its stem, or ``""`` for a stop word."""
        memo = self._memo
        try:
            return memo[word]
        except KeyError:
            pass
        lowered = word.lower()
        result = memo.get(lowered)
        if result is None:
            result = "" if lowered in self.stop_words else self.stem(lowered)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[word] = memo[lowered] = result
        return result

    def stem_word(self, word: str) -> str:
        """The stem of ``word`` (any case), stop words included: sumy's ``stemmer``. Memoized."""
        stems = self._stems
        try:
            return stems[word]
        except KeyError:
            pass
        if len(stems) >= _MEMO_LIMIT:
            stems.clear()
        stem = stems[word] = self.stem(word.lower())
        return stem


#: The languages whose stemmer is a Snowball algorithm: the ones nltk's ``SnowballStemmer``
#: (which sumy wraps) covers, taken from the Snowball project's own package instead.
_SNOWBALL = frozenset(
    {
        *("arabic", "danish", "dutch", "english", "finnish", "french", "german", "hungarian"),
        *("italian", "norwegian", "portuguese", "romanian", "russian", "spanish", "swedish"),
    }
)


def _build_stemmer(name: str) -> Callable[[str], str] | None:
    """The stemmer for ``name``, or ``None`` when there is none or its extra package is absent.

    Snowball languages stem with ``snowballstemmer`` (the Snowball project's generated code),
    not with nltk's port that sumy wraps: importing ``nltk.stem.snowball`` imports all of
    NLTK (245 modules, ~17 MB resident in every bot process), for the one class it needs. On
    the 98,543 distinct words of ../shared/data the two differ on 0 to 51 words a language
    (English 6: nltk keeps an "e" in "realization"; Russian 3 in Cyrillic words, plus Latin
    words nltk's port turns into Cyrillic letters).

    The languages sumy stems with its own code (Czech, Slovak, Polish, Ukrainian, Greek)
    keep sumy's stemmers, which load NLTK the first time one of them is needed. sumy raises
    ``LookupError`` for languages it has no stemmer for and ``ValueError`` from the first call
    when an optional package (greek-stemmer-pos, pystempel) is missing, so the stemmer is
    tried once here rather than failing in the middle of a summary.
    """
    if name in _SNOWBALL:
        return _snowball(name)
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    try:
        stemmer = Stemmer(name)
        stemmer("probe")
    except (LookupError, ValueError) as error:
        logger.debug("no stemmer for %s, words are only lower-cased: %s", name, error)
        return None
    if getattr(stemmer, "_stemmer", None) is null_stemmer:
        return None
    inner: Callable[[str], str] = stemmer._stemmer  # skip sumy's to_unicode() wrapper
    return inner


def _snowball(name: str) -> Callable[[str], str]:
    """Snowball's stemmer for ``name``; a stemmer object holds the word it is working on, so
    the threads of one process take turns (a stem is computed once, then memoized)."""
    import snowballstemmer

    stemmer = snowballstemmer.stemmer(name)
    turn = threading.Lock()

    def stem(word: str) -> str:
        with turn:
            result: str = stemmer.stemWord(word)
        return result

    return stem


def _load_stop_words(name: str) -> frozenset[str]:
    from sumy.utils import get_stop_words

    try:
        words: frozenset[str] = get_stop_words(name)
    except LookupError:
        return frozenset()
    return frozenset(w.lower() for w in words)


@functools.cache
def _language(code: str, name: str) -> Language:
    stemmer = _build_stemmer(name) if name else None
    return Language(
        code=code,
        name=name or code,
        stem=stemmer or _null_stem,
        stop_words=_load_stop_words(name) if name else frozenset(),
        has_stemmer=stemmer is not None,
        snowball=name in _SNOWBALL,
    )


def get_language(code: str) -> Language:
    """The :class:`Language` for a normalized ISO 639-1 code (see :func:`resolve_language`)."""
    return _language(code, _SUMY_NAMES.get(code, ""))


def _iso_code(language: str) -> str | None:
    """ISO 639-1 code for a code or English name, through pycountry; ``None`` if unknown."""
    import pycountry

    if len(language) == 2:
        record: Any = pycountry.languages.get(alpha_2=language)
    else:
        try:
            record = pycountry.languages.lookup(language)
        except LookupError:
            record = None
    code = getattr(record, "alpha_2", None)
    return code if isinstance(code, str) else None


def resolve_language(language: str) -> str:
    """Normalize a caller's language to an ISO 639-1 code.

    Accepts codes (``"de"``) and English names, sumy's included (``"german"``). A real language
    sumy has no stemmer for (``"tr"``) is accepted: it is summarized with lower-cased words and
    no stop words. Only names that are not languages at all raise :class:`SummarizerError`.
    """
    key = language.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if "-" in key and len(key.split("-", 1)[0]) == 2:  # "en-GB", "pt-BR"
        key = key.split("-", 1)[0]
    if key in _SUMY_NAMES:
        return key
    if key in _CODES_BY_NAME:
        return _CODES_BY_NAME[key]
    code = _iso_code(key) if key else None
    if code is None:
        raise SummarizerError(
            f"unsupported language {language!r}: pass an ISO 639-1 code such as 'en' or 'de', "
            f"an English language name such as 'english', or None to detect it. "
            f"Languages with a stemmer or stop words: {', '.join(STEMMED_LANGUAGES)}"
        )
    return code
