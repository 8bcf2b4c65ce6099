"""sumy's summarizers, as ``_methods`` offers them: best first, and bounded on long texts.

Imported only when one of them is asked for (see ``_methods``). sumy's summarizers rate
sentences and then call ``_get_best_sentences``, which sorts the best ones back into document
order; :class:`_BestFirst` overrides that one step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import ItemsCount

from ._languages import Language

__all__ = ["build_sumy"]


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


def _with_stop_words(summarizer: Any, language: Language) -> Any:
    summarizer.stop_words = language.stop_words
    return summarizer


def _edmundson(language: Language) -> Any:
    summarizer = _Edmundson(language.stem_word)
    # sumy refuses an empty list; a language without stop words gets a placeholder.
    summarizer.null_words = language.stop_words or frozenset({"\x00"})
    return summarizer


_CLASSES: dict[str, Callable[[Callable[[str], str]], Any]] = {
    "lexrank": _LexRank,
    "textrank": _TextRank,
    "lsa": _Lsa,
    "luhn": _Luhn,
    "kl": _KL,
    "reduction": _Reduction,
    "sumbasic": _SumBasic,
}


def build_sumy(name: str, language: Language) -> Any:
    """sumy's summarizer ``name`` for one language (stemmer and stop words set); it is a
    ``_methods.Method``, which this module does not import (``_methods`` imports it)."""
    if name == "edmundson":
        return _edmundson(language)
    return _with_stop_words(_CLASSES[name](language.stem_word), language)
