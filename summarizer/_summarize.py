"""The public entry points: summarize a text, split it into sentences."""

from __future__ import annotations

import logging

from ._document import build_document, sentences_of
from ._errors import SummarizerError
from ._languages import detect_language, get_language, resolve_language
from ._methods import build_method, check_method
from ._splitting import count_words, split_blocks

__all__ = ["split_sentences", "summarize"]

logger = logging.getLogger(__name__)


def _language_code(text: str, language: str | None) -> str:
    """A blank language (an HTML page's empty ``lang``) means "unknown", as ``None`` does."""
    if language is None or not language.strip():
        return detect_language(text)
    return resolve_language(language)


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """All sentences of ``text`` in order, headings and bullet lines included.

    Sentences are as written, except that runs of white space inside one are collapsed to a
    single space. Line breaks always end a sentence, unless the next line starts with a
    lower-case letter. ``language`` (ISO 639-1 code or English name; ``None`` detects it)
    only tunes abbreviation handling: any language is split, Chinese and Japanese at 。！？.
    """
    if not text.strip():
        return []
    code = _language_code(text, language)
    return [sentence for sentence, _block in sentences_of(split_blocks(text), code)]


def summarize(
    text: str,
    sentences: int = 3,
    language: str | None = None,
    *,
    method: str = "default",
    max_words: int | None = None,
    title: str | None = None,
) -> list[str]:
    """The ``sentences`` most summary-worthy sentences of ``text``, in article order.

    Sentences come back as :func:`split_sentences` gives them (verbatim, white space
    collapsed). A text with fewer sentences gives all of them; an empty text gives ``[]``.
    Lines that look like headings or bylines (short, no final punctuation) are only chosen
    when the text has nothing else.

    ``language``: ISO 639-1 code (``"de"``, ``"de-AT"``) or English name (``"german"``);
    ``None`` or ``""`` detects it. Languages without a sumy stemmer are summarized on
    lower-cased words.

    ``method``: one of :data:`METHODS`. ``"default"`` is ours (see ``_news.py``); ``"lead"``
    is the first sentences; the rest are sumy's summarizers.

    ``max_words``: a word budget. Sentences are added best first and adding stops at the
    first one that would exceed the budget. The best sentence is always returned, whole,
    even when it alone exceeds the budget: a truncated sentence misquotes the article.
    Words are counted by white space, and each Chinese or Japanese character as one.

    ``title``: the article's headline, if known; it helps pick sentences on its subject
    (``default`` and ``edmundson`` use it). It is never returned.

    Raises :class:`SummarizerError` for an unknown method or language, or a count below 1.
    """
    check_method(method)
    if sentences < 1:
        raise SummarizerError(f"sentences must be at least 1, got {sentences}")
    if max_words is not None and max_words < 1:
        raise SummarizerError(
            f"max_words must be at least 1 (or None for no budget), got {max_words}"
        )
    if not text.strip():
        return []

    code = _language_code(text, language)
    document = build_document(text, code, title)
    ranked = build_method(method, get_language(code)).rank(document, sentences)
    if not ranked:
        # Some sumy methods (LSA) choose nothing in a text without words; a text with
        # sentences always gets a summary, so fall back to its first sentences.
        logger.debug("%s chose no sentence; falling back to the lead", method)
        ranked = tuple(document.sentences[:sentences])

    chosen = ranked
    if max_words is not None:
        chosen = ()
        used = 0
        for sentence in ranked:
            words = count_words(str(sentence))
            if chosen and used + words > max_words:
                break
            chosen += (sentence,)
            used += words

    position = {id(s): i for i, s in enumerate(document.sentences)}
    chosen = tuple(sorted(chosen, key=lambda s: position[id(s)]))
    logger.debug(
        "summarized %s chars (%s) with %s: %s of %s sentences",
        len(text),
        code,
        method,
        len(chosen),
        len(document.sentences),
    )
    return [str(sentence) for sentence in chosen]
