"""The public entry points: summarize a text, rank it to summarize it many ways, split it."""

from __future__ import annotations

import logging

from ._document import build_document, sentences_of
from ._languages import detect_language, get_language, resolve_language
from ._methods import build_method, check_method
from ._ranking import Focus, Ranking, check_request
from ._splitting import split_blocks

__all__ = ["rank", "split_sentences", "summarize"]

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


def rank(
    text: str,
    language: str | None = None,
    *,
    method: str = "default",
    title: str | None = None,
) -> Ranking:
    """Rank the sentences of ``text`` once, to pick summaries from it many times.

    ``rank(text, ...).pick(n, max_words=..., focus=...)`` is ``summarize(text, n, ...)``;
    the arguments mean the same as there. Raises :class:`SummarizerError` for an unknown
    method or language.
    """
    return _rank(text, language, method, title, depth=None)


def _rank(
    text: str, language: str | None, method: str, title: str | None, depth: int | None
) -> Ranking:
    """The ranking of every sentence, or (``depth``) of the best ``depth`` only.

    A summary without a focus needs only its own sentences ranked; ranking every one would
    add a check of every sentence of the text to each summary (about 5% of its time).
    """
    check_method(method)
    if not text.strip():
        return Ranking((), ())

    code = _language_code(text, language)
    document = build_document(text, code, title)
    candidates = document.sentences
    count = len(candidates) if depth is None else min(depth, len(candidates))
    ranked = build_method(method, get_language(code)).rank(document, count)
    position = {id(s): i for i, s in enumerate(candidates)}
    order = [position[id(s)] for s in ranked]
    if len(order) < count:
        # Some sumy methods rank only a text's opening (see _methods._BestFirst), and LSA
        # chooses nothing in a text without words: the rest follows in article order.
        seen = set(order)
        order.extend(i for i in range(len(candidates)) if i not in seen)
        del order[count:]
    logger.debug(
        "ranked %s chars (%s) with %s: %s sentences", len(text), code, method, len(candidates)
    )
    return Ranking(tuple(str(s) for s in candidates), tuple(order))


def summarize(
    text: str,
    sentences: int = 3,
    language: str | None = None,
    *,
    method: str = "default",
    max_words: int | None = None,
    title: str | None = None,
    focus: Focus | None = None,
) -> list[str]:
    """The ``sentences`` most summary-worthy sentences of ``text``, in article order.

    Sentences come back as :func:`split_sentences` gives them (verbatim, white space
    collapsed). A text with fewer sentences gives all of them; an empty text gives ``[]``.
    Lines that look like headings or bylines (short, no final punctuation) are only chosen
    when the text has nothing else.

    ``language``: ISO 639-1 code (``"de"``, ``"de-AT"``) or English name (``"german"``);
    ``None`` or ``""`` detects it. Languages without a sumy stemmer are summarized on
    lower-cased words (this matters to sumy's methods only: the default reads no words).

    ``method``: one of :data:`METHODS`. ``"default"`` is the lead without fragments and page
    furniture (see ``_news.py``); ``"lead"`` is the first sentences; the rest are sumy's.

    ``max_words``: a word budget. Sentences are added best first and adding stops at the
    first one that would exceed the budget. The best sentence is always returned, whole,
    even when it alone exceeds the budget: a truncated sentence misquotes the article.
    Words are counted by white space, and each Chinese or Japanese character as one.

    ``title``: the article's headline, if known; some methods use it to pick sentences on
    its subject (``edmundson``). It is never returned.

    ``focus``: "does this sentence show what the reader asked for?" (an alert's match).
    When none of the chosen sentences does, the best-ranked sentence that does replaces the
    weakest chosen one: same count, article order, and the word budget still holds (the
    focused sentence, like the best one, is kept whole). See :meth:`Ranking.pick`.

    Raises :class:`SummarizerError` for an unknown method or language, or a count below 1.
    """
    check_method(method)
    check_request(sentences, max_words)
    ranking = _rank(text, language, method, title, depth=None if focus is not None else sentences)
    return ranking.pick(sentences, max_words=max_words, focus=focus)
