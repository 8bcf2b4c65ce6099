"""Highlighting: where in a text the terms of a match occur, to emphasize them in an alert."""

from __future__ import annotations

from collections.abc import Iterable

from bot.match.direct import stem_groups
from bot.match.story import find_phrase
from bot.match.text import stemmer_for, tokenize, word_groups

__all__ = ["highlight_spans"]


def highlight_spans(
    doc_text: str, terms: Iterable[str], language: str = "en"
) -> list[tuple[int, int]]:
    """Character spans of ``doc_text`` where the terms occur, in order, overlaps merged.

    Matching is the same as for alerts (case, accents, inflections, hyphenation), so
    ``ceasefire`` marks ``Cease-fires`` and ``"peace plan"`` marks ``Peace Plans``.
    """
    stemmer = stemmer_for(language)
    positions: dict[str, list[tuple[int, int]]] = {}
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for token in tokenize(doc_text, stemmer):
        positions.setdefault(token.stem, []).append((token.first, token.last))
        if token.first == token.last:
            starts[token.first] = token.start
            ends[token.last] = token.end
    spans: list[tuple[int, int]] = []
    for term in terms:
        groups = stem_groups(word_groups(term), stemmer)
        if groups:
            occurrences = find_phrase(groups, positions)
            spans.extend((starts[first], ends[last]) for last, first in occurrences.items())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
