"""A ranked text, and picking a summary from it: a word budget, and a focus on what matched.

Ranking a text (splitting it, rating its sentences) is the costly part of a summary; picking
from a ranking is a few comparisons. A bot that alerts many readers about one story, each for
their own query, ranks the story once and picks once per query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ._errors import SummarizerError
from ._splitting import count_words

__all__ = ["Focus", "Ranking", "check_request"]

#: "Does this sentence show what the reader asked for?", e.g. built from an alert's match.
Focus = Callable[[str], bool]


def check_request(sentences: int, max_words: int | None) -> None:
    """Raise :class:`SummarizerError` for a count below 1 or a budget below 1."""
    if sentences < 1:
        raise SummarizerError(f"sentences must be at least 1, got {sentences}")
    if max_words is not None and max_words < 1:
        raise SummarizerError(
            f"max_words must be at least 1 (or None for no budget), got {max_words}"
        )


@dataclass(frozen=True, slots=True)
class Ranking:
    """A text's sentences in article order, and the order a method would choose them in.

    Made by :func:`summarizer.rank`. ``sentences`` are the text's summary candidates as
    :func:`summarizer.split_sentences` gives them (heading-like lines left out when there is
    anything else); ``order`` holds the index of every one of them, best first.
    """

    sentences: tuple[str, ...]
    order: tuple[int, ...]

    def pick(
        self,
        sentences: int = 3,
        *,
        max_words: int | None = None,
        focus: Focus | None = None,
    ) -> list[str]:
        """The best ``sentences`` sentences, in article order; see :func:`summarizer.summarize`.

        ``focus``: when none of the chosen sentences satisfies it, the best-ranked sentence
        that does replaces the weakest chosen one (so the count stays the same), and then the
        weakest others make room for it if the word budget requires. When no sentence
        satisfies it, the summary is the one without ``focus``.
        """
        check_request(sentences, max_words)
        chosen = self._budgeted(self.order[:sentences], max_words)
        if focus is not None and chosen and not any(focus(self.sentences[i]) for i in chosen):
            wanted = next(
                (i for i in self.order if i not in chosen and focus(self.sentences[i])), None
            )
            if wanted is not None:
                chosen = self._budgeted((wanted, *chosen[:-1]), max_words)
        return [self.sentences[i] for i in sorted(chosen)]

    def _budgeted(self, ranked: tuple[int, ...], max_words: int | None) -> tuple[int, ...]:
        """The longest prefix of ``ranked`` within ``max_words``, and never less than one.

        The first sentence comes back whole even when it alone exceeds the budget: a
        truncated sentence misquotes the article.
        """
        if max_words is None:
            return ranked
        kept = ranked[:1]
        used = sum(count_words(self.sentences[i]) for i in kept)
        for i in ranked[1:]:
            used += count_words(self.sentences[i])
            if used > max_words:
                break
            kept += (i,)
        return kept
