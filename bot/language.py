"""The one place the bot decides languages: what a text is written in, and how its words stem.

Everything is built on the summarizer's languages (``summarizer.get_language``): one table from
ISO 639-1 codes to sumy's language names, one :class:`summarizer.Language` per language with its
memoized stemmer and its stop words. The summarizer stays independent of the bot; the bot asks it.

**Which language a text is in** (:func:`decide`) comes from two witnesses: what the source
declares (a feed's ``<language>``, a page's ``lang`` attribute, normalized by :func:`normalize`)
and what the text itself looks like (py3langid, through ``summarizer.detect_language``). The rule:
*the text decides when there is enough of it; the declaration decides only for short texts.*
Declarations are copied from templates and feed settings, not from the article: on the Fundus
publisher test pages (258 news pages, 22 languages) 6 of the 250 ``lang`` attributes are wrong
(``en`` on Zulu, Xhosa and Swahili pages), while the detector reading 80 characters of the body
is right on all 258. Below 80 characters detection errs more than declarations (8 of 258 at 40
characters, 42 at 20), so a short teaser keeps its feed's language.

**How words stem for matching** (:func:`stemmer`, :func:`stem_language`): matching stems only the
languages whose stemmer is a Snowball algorithm (English, German, French, Russian ...). sumy also
has home-made stemmers for Czech, Slovak, Polish, Ukrainian and Greek that the summarizer uses,
where a merged word costs little; an alert is worse off: Czech ``mír`` (peace) and ``míra`` (rate)
stem alike, as do Ukrainian ``рада`` (council) and ``радий`` (glad). A wrong stemmer merges
unrelated words, while no stemmer only misses some inflections, so matching folds those words
without stemming them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import summarizer

__all__ = [
    "FALLBACK",
    "TEXT_DECIDES_AT",
    "decide",
    "normalize",
    "stem_language",
    "stemmer",
    "stop_words",
]

#: The language of a text that gives nothing to go on (no letters, no declaration).
FALLBACK = "en"
#: Characters of text (from its first letter) from which detection overrules a declaration.
TEXT_DECIDES_AT = 80

_LETTER = re.compile(r"[^\W\d_]")
_TAG_SEPARATORS = re.compile(r"[,;\s]+")


@functools.lru_cache(maxsize=1024)  # feeds and pages repeat the same few tags
def normalize(tag: str | None) -> str | None:
    """A declared language as an ISO 639-1 code, or ``None`` when it names no language.

    Accepts what feeds and pages write: ``en``, ``en-us``, ``de_DE``, ``pt-BR``, ``German``,
    ``deu``, ``iw`` (old Hebrew); a list (``en, fr``) counts by its first tag.
    """
    if not tag:
        return None
    first = _TAG_SEPARATORS.split(tag.strip(), maxsplit=1)[0]
    if not first or len(first) > 35:  # BCP 47 tags are at most 35 characters
        return None
    try:
        return summarizer.resolve_language(first)
    except summarizer.SummarizerError:
        return None


def decide(text: str, declared: str | None = None) -> str:
    """The ISO 639-1 code of the language ``text`` is written in.

    ``declared`` is what its source says (any form :func:`normalize` reads). The text decides
    when it runs to :data:`TEXT_DECIDES_AT` characters from its first letter; a shorter text
    keeps a usable declaration, or is detected as well as it can be; no letters and no
    declaration give :data:`FALLBACK`. Ingest, extraction and the CLI all decide this way.
    """
    first_letter = _LETTER.search(text)
    long_enough = first_letter is not None and len(text) - first_letter.start() >= TEXT_DECIDES_AT
    if not long_enough:
        code = normalize(declared)
        if code is not None:
            return code
    if first_letter is None:
        return FALLBACK
    return summarizer.detect_language(text)


def stem_language(language: str) -> str:
    """The code whose stemmer matching uses for ``language``, or ``""`` when it is not stemmed.

    Languages sharing a stemmer share a code (``no``, ``nn`` -> ``nb``), so that matching keeps
    one table per way of stemming. An empty language is the bot's fallback (English); a name
    that is no language is not stemmed.
    """
    code = normalize(language or FALLBACK)
    if code is None:
        return ""
    stemming = summarizer.get_language(code)
    return summarizer.resolve_language(stemming.name) if stemming.snowball else ""


def stemmer(language: str) -> Callable[[str], str] | None:
    """The memoized stemmer matching uses for ``language`` (a lower-case word -> its stem).

    It is the summarizer's own, so both stem a word once per process; ``None`` when matching
    does not stem the language (see the module's docstring).
    """
    code = stem_language(language)
    return summarizer.get_language(code).stem_word if code else None


def stop_words(language: str) -> frozenset[str]:
    """The language's stop words (lower case), the summarizer's; empty when it has none."""
    code = normalize(language) or FALLBACK
    return summarizer.get_language(code).stop_words
