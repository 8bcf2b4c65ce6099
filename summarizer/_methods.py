"""Summarizing methods by name: ours, Lead-k, and every sumy summarizer that works offline.

Each method is built for one language (stemmer, stop words) and answers
``rank(document, count)``: the sentences it chooses, best first. Best first rather than in
document order so that a word budget or a focus can drop the weakest choice; ``Ranking.pick``
restores article order at the end.

sumy's summarizers (``_sumy.py``) are imported on first use: importing any of them imports
NLTK whole (sumy's stemmer module does), ~17 MB that a bot summarizing with the default
method would otherwise carry for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sumy.models.dom import ObjectDocumentModel, Sentence

from ._errors import SummarizerError
from ._languages import Language
from ._news import NewsLeadSummarizer

__all__ = ["METHODS", "LeadSummarizer", "Method", "build_method", "check_method"]


class Method(Protocol):
    """What ``summarize`` needs from a method."""

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        """The chosen sentences, best first."""
        ...


class LeadSummarizer:
    """Lead-k: the first k sentences. The baseline every news summarizer must beat."""

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        return self.rank(document, sentences_count)

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        return tuple(document.sentences[: max(sentences_count, 0)])


def _sumy(name: str) -> Callable[[Language], Method]:
    def build(language: Language) -> Method:
        from ._sumy import build_sumy

        method: Method = build_sumy(name, language)
        return method

    return build


#: sumy's summarizers that work offline, in the order ``METHODS`` lists them.
_SUMY_METHODS = ("lexrank", "textrank", "lsa", "luhn", "kl", "reduction", "edmundson", "sumbasic")

_FACTORIES: dict[str, Callable[[Language], Method]] = {
    "default": NewsLeadSummarizer,
    "lead": lambda _language: LeadSummarizer(),
    **{name: _sumy(name) for name in _SUMY_METHODS},
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
