"""Highlighting: where in a text the terms of a match occur, to emphasize them in an alert.

A burst shows the same few sentences of a story to thousands of queries, so a sentence is read
once (:class:`Highlighter`: its words, stems and offsets) and each query's terms are then only
looked up in it; a term's words are stemmed once per language, not once per sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from bot.match.direct import stem_groups
from bot.match.story import Field, StemGroups, find_phrase
from bot.match.text import TOKEN_RE, Stemmer, fold, split_compound, stemmer_for, word_groups

__all__ = ["Highlighter", "Passage", "Terms", "highlight_spans", "merge_spans"]


@lru_cache(maxsize=16_384)
def _term_groups(term: str, stemmer: Stemmer) -> StemGroups:
    """A term as stem groups for one language (a burst asks for the same terms again and again;
    the bound keeps a long-running bot's memory flat)."""
    if term.isalnum():  # one word, no hyphen: what word_groups makes of it, without its regex
        return (((stemmer(fold(term)),),),)
    return stem_groups(word_groups(term), stemmer)


class Terms:
    """A match's terms stemmed for one language, to be looked for in many sentences: the plain
    words as one set (a sentence shows one when the sets meet), phrases and compounds as stem
    groups."""

    __slots__ = ("phrases", "words")

    def __init__(self, terms: Iterable[str], language: str = "en") -> None:
        stemmer = stemmer_for(language)
        words: set[str] = set()
        phrases: list[StemGroups] = []
        for term in terms:
            groups = _term_groups(term, stemmer)
            if len(groups) == 1 and len(groups[0]) == 1 and len(groups[0][0]) == 1:
                words.add(groups[0][0][0])
            elif groups:
                phrases.append(groups)
        self.words = frozenset(words)
        self.phrases = tuple(phrases)


class Highlighter:
    """One text read once for highlighting, so that any number of term lists are then look-ups.

    The words are read as matching reads them (:class:`~bot.match.story.Field`: stems looked
    up in the stemmer's memo at once); their character offsets are found only when spans are
    asked for, since most sentences a burst looks at are only asked whether a term is there.
    """

    __slots__ = ("_ends", "_field", "_positions", "_starts", "_stemmer", "_text")

    def __init__(self, text: str, language: str = "en") -> None:
        self._text = text
        self._stemmer = stemmer_for(language)
        self._field = Field(text, self._stemmer)
        self._positions: dict[str, list[tuple[int, int]]] | None = None
        self._starts: list[int] | None = None  # by word position: where it starts, ends
        self._ends: list[int] = []

    @property
    def stems(self) -> set[str]:
        """Every stem of the text (a joined compound's too)."""
        return self._field.stems

    @property
    def positions(self) -> dict[str, list[tuple[int, int]]]:
        """Stem -> (first, last) word positions, each list in text order with a joined
        compound right after its parts (the order :func:`~bot.match.text.tokenize` gives, so
        the spans are those found from its tokens)."""
        if self._positions is None:
            positions: dict[str, list[tuple[int, int]]] = {}
            joined = {last: (stem, first) for stem, first, last in self._field.compounds}
            for i, stem in enumerate(self._field.sequence):
                positions.setdefault(stem, []).append((i, i))
                if i in joined:
                    compound, first = joined[i]
                    positions.setdefault(compound, []).append((first, i))
            self._positions = positions
        return self._positions

    def _occurrences(self, term: str) -> dict[int, int]:
        """Where the term occurs, as ``{last word position: first word position}`` (the
        words' positions only once matching's quick test says it is there at all)."""
        groups = _term_groups(term, self._stemmer)
        if not groups or not self._field.has(groups):
            return {}
        if len(groups) == 1 and len(groups[0]) == 1 and len(groups[0][0]) == 1:
            return self._word(groups[0][0][0])
        return find_phrase(groups, self.positions)

    def _word(self, stem: str) -> dict[int, int]:
        """A one-word term's occurrences without every word's positions (what `find_phrase`
        gives for it: each word that is the stem, each joined compound that is)."""
        found = {i: i for i, word in enumerate(self._field.sequence) if word == stem}
        for compound, first, last in self._field.compounds:
            if compound == stem:
                found[last] = min(first, found.get(last, first))
        return found

    def has(self, term: str) -> bool:
        """Whether one term occurs (what ``shows(Terms([term]))`` says, without stemming the
        term again: its stem groups are memoized per stemmer)."""
        return self.has_groups(_term_groups(term, self._stemmer))

    def has_groups(self, groups: StemGroups) -> bool:
        """Whether a term, as stem groups for this text's language, occurs."""
        return bool(groups) and self._field.has(groups)

    def shows(self, terms: Terms) -> bool:
        """Whether any of the terms occurs (what ``bool(spans(terms))`` says, sooner)."""
        if not terms.words.isdisjoint(self._field.stems):
            return True
        return any(self._field.has(groups) for groups in terms.phrases)  # as matching does

    def _offsets(self) -> tuple[list[int], list[int]]:
        """Where each word starts and ends in the text, by word position (a compound's parts
        are words of their own, one hyphen apart)."""
        if self._starts is None:
            self._starts, self._ends = [], []
            if not self._field.compounds:  # the usual sentence: a word is one position
                for m in TOKEN_RE.finditer(self._text):
                    self._starts.append(m.start())
                    self._ends.append(m.end())
                return self._starts, self._ends
            for m in TOKEN_RE.finditer(self._text):
                offset = m.start()
                for part in split_compound(m.group()):
                    self._starts.append(offset)
                    offset += len(part)
                    self._ends.append(offset)
                    offset += 1
        return self._starts, self._ends

    def spans(self, terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character spans where the terms occur, in order, overlaps merged."""
        starts, ends = self._offsets()
        spans: list[tuple[int, int]] = []
        for term in terms:
            spans.extend(
                (starts[first], ends[last]) for last, first in self._occurrences(term).items()
            )
        return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, those that overlap or touch joined into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class Passage:
    """Sentences of one text, each read once, and which of them show a term: a term is looked
    for only in the sentences that hold all the words of one of its forms (through the
    sentences each stem is in), so a story's many queries each cost a few set operations."""

    __slots__ = ("_having", "_read", "_showing", "_stemmer")

    def __init__(self, sentences: Iterable[str], language: str = "en") -> None:
        self._stemmer = stemmer_for(language)
        self._read = {sentence: Highlighter(sentence, language) for sentence in sentences}
        self._having: dict[str, set[str]] = {}
        for sentence, read in self._read.items():
            for stem in read.stems:
                self._having.setdefault(stem, set()).add(sentence)
        self._showing: dict[str, frozenset[str]] = {}

    def get(self, sentence: str) -> Highlighter | None:
        """The sentence as read, if it is one of the passage's."""
        return self._read.get(sentence)

    def showing(self, term: str) -> frozenset[str]:
        """The sentences where the term occurs (each one as `Highlighter.has` says)."""
        found = self._showing.get(term)
        if found is None:
            groups = _term_groups(term, self._stemmer)
            found = self._showing[term] = frozenset(
                sentence
                for sentence in self._holding(groups)
                if self._read[sentence].has_groups(groups)
            )
        return found

    def _holding(self, groups: StemGroups) -> set[str]:
        """The sentences holding, for each group, every word of one of its variants: where
        the term can be (matching's own first test, for all the sentences at once)."""
        having = self._having
        found: set[str] | None = None
        for group in groups:
            within: set[str] = set()
            for variant in group:
                holders = [having.get(stem) for stem in variant]
                if all(holders):
                    within |= set[str].intersection(*holders)  # type: ignore[arg-type]
            found = within if found is None else found & within
            if not found:
                return set()
        return found or set()


def highlight_spans(
    doc_text: str, terms: Iterable[str], language: str = "en"
) -> list[tuple[int, int]]:
    """Character spans of ``doc_text`` where the terms occur, in order, overlaps merged.

    Matching is the same as for alerts (case, accents, inflections, hyphenation), so
    ``ceasefire`` marks ``Cease-fires`` and ``"peace plan"`` marks ``Peace Plans``.
    """
    return Highlighter(doc_text, language).spans(terms)
