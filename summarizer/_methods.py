"""Summarizing methods by name: ours, Lead-k, and every sumy summarizer that works offline.

Each method is built for one language (stemmer, stop words) and answers
``rank(document, count)``: the sentences it chooses, best first. Best first rather than in
document order so that a word budget or a focus can drop the weakest choice; ``Ranking.pick``
restores article order at the end.

sumy's summarizers rate sentences and then call ``_get_best_sentences``, which sorts the
best ones back into document order; :class:`_BestFirst` overrides that one step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers import AbstractSummarizer
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import ItemsCount

from ._errors import SummarizerError
from ._languages import Language
from ._news import NewsLeadSummarizer

__all__ = ["METHODS", "LeadSummarizer", "Method", "build_method", "check_method"]


class Method(Protocol):
    """What ``summarize`` needs from a method."""

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        """The chosen sentences, best first."""
        ...


class LeadSummarizer(AbstractSummarizer):  # type: ignore[misc]  # sumy is untyped
    """Lead-k: the first k sentences. The baseline every news summarizer must beat."""

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        return self.rank(document, sentences_count)

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        return tuple(document.sentences[: max(sentences_count, 0)])


class _BestFirst:
    """Mixin for a sumy summarizer: keep its choice best first instead of in document order.

    sumy's summarizers are pure Python and quadratic in the number of sentences (KL cubic):
    on a 100 KB text LexRank takes ~10 s and KL many minutes. So they read at most the first
    ``sentence_limit`` sentences of a text, which is where a news story's gist is anyway.
    """

    sentence_limit = 200

    @staticmethod
    def _get_best_sentences(
        sentences: tuple[Sentence, ...], count: int, rating: Any, *args: Any, **kwargs: Any
    ) -> tuple[Sentence, ...]:
        rate: Callable[..., float] = (
            rating.__getitem__ if isinstance(rating, dict) else rating  # sumy passes either
        )
        rated = [(s, order, rate(s, *args, **kwargs)) for order, s in enumerate(sentences)]
        rated.sort(key=lambda item: (-item[2], item[1]))
        chosen: list[tuple[Sentence, int, float]] = ItemsCount(count)(rated)
        return tuple(sentence for sentence, _order, _rating in chosen)

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        if len(document.sentences) > self.sentence_limit:
            document = _opening(document, self.sentence_limit)
        result: tuple[Sentence, ...] = self(document, sentences_count)  # type: ignore[operator]
        return result


def _opening(document: ObjectDocumentModel, limit: int) -> ObjectDocumentModel:
    """The document cut after its first ``limit`` sentences (headings kept)."""
    paragraphs = []
    for paragraph in document.paragraphs:
        kept = paragraph.sentences[:limit]
        limit -= len(kept)
        paragraphs.append(Paragraph(paragraph.headings + kept))
        if limit <= 0:
            break
    return ObjectDocumentModel(paragraphs)


class _LexRank(_BestFirst, LexRankSummarizer):  # type: ignore[misc]
    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> Any:
        # A text without words gives sumy's power method a zero vector to normalize; numpy
        # warns about the 0/0 and the ratings are NaN, which still rank (arbitrarily).
        with np.errstate(invalid="ignore", divide="ignore"):
            return super().__call__(document, sentences_count)


class _TextRank(_BestFirst, TextRankSummarizer):  # type: ignore[misc]
    pass


class _Lsa(_BestFirst, LsaSummarizer):  # type: ignore[misc]
    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> Any:
        # sumy warns when a text has fewer distinct words than sentences (a short text);
        # the result is still usable, and callers run with warnings as errors.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Number of words", category=UserWarning)
            return super().__call__(document, sentences_count)


class _Luhn(_BestFirst, LuhnSummarizer):  # type: ignore[misc]
    pass


class _KL(_BestFirst, KLSummarizer):  # type: ignore[misc]
    sentence_limit = 100


class _Reduction(_BestFirst, ReductionSummarizer):  # type: ignore[misc]
    pass


class _SumBasic(_BestFirst, SumBasicSummarizer):  # type: ignore[misc]
    pass


class _Edmundson(_BestFirst, EdmundsonSummarizer):  # type: ignore[misc]
    """Edmundson's location and title methods (cue and key need hand-made word lists)."""

    def __init__(self, stemmer: Callable[[str], str]) -> None:
        super().__init__(stemmer, cue_weight=0.0, key_weight=0.0)


def _with_stop_words(summarizer: Any, language: Language) -> Method:
    summarizer.stop_words = language.stop_words
    method: Method = summarizer
    return method


def _edmundson(language: Language) -> Method:
    summarizer = _Edmundson(language.stem_word)
    # sumy refuses an empty list; a language without stop words gets a placeholder.
    summarizer.null_words = language.stop_words or frozenset({"\x00"})
    method: Method = summarizer
    return method


_FACTORIES: dict[str, Callable[[Language], Method]] = {
    "default": NewsLeadSummarizer,
    "lead": lambda language: LeadSummarizer(language.stem_word),
    "lexrank": lambda language: _with_stop_words(_LexRank(language.stem_word), language),
    "textrank": lambda language: _with_stop_words(_TextRank(language.stem_word), language),
    "lsa": lambda language: _with_stop_words(_Lsa(language.stem_word), language),
    "luhn": lambda language: _with_stop_words(_Luhn(language.stem_word), language),
    "kl": lambda language: _with_stop_words(_KL(language.stem_word), language),
    "reduction": lambda language: _with_stop_words(_Reduction(language.stem_word), language),
    "edmundson": _edmundson,
    "sumbasic": lambda language: _with_stop_words(_SumBasic(language.stem_word), language),
}

#: Names ``summarize(method=...)`` accepts: ours first, then Lead-k, then sumy's.
METHODS: tuple[str, ...] = tuple(_FACTORIES)


def check_method(method: str) -> None:
    """Raise :class:`SummarizerError` naming the valid methods if ``method`` is not one."""
    if method not in _FACTORIES:
        raise SummarizerError(
            f"unknown summarizing method {method!r}: choose one of {', '.join(METHODS)}"
        )


def build_method(method: str, language: Language) -> Method:
    """A ready method for one language (stemmer and stop words set)."""
    check_method(method)
    return _FACTORIES[method](language)
