"""Reading a story once for matching: its fields as stems, word pairs and positions; its hosts.

Every query a story meets asks the same questions of it (is this stem in it, in the title, are
these two words adjacent, is it from that site), so the story is read once into sets that answer
them at C speed. Word pairs and positions are built only when a phrase first asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal, TypeAlias
from urllib.parse import urlsplit

from bot.match.text import TOKEN_RE, Stemmer, split_compound, stemmer_for

__all__ = ["Document", "Field", "StemGroups", "Story", "Where", "find_phrase", "read"]

Where = Literal["title", "text"]
#: A term's words stemmed for one language: groups of alternative stem sequences (see
#: :func:`bot.match.text.word_groups`).
StemGroups: TypeAlias = tuple[tuple[tuple[str, ...], ...], ...]


@dataclass(frozen=True)
class Document:
    """A story to match: its title, its text, its language code and the URLs of its sources."""

    title: str
    text: str
    language: str = "en"
    urls: tuple[str, ...] = ()


class Field:
    """One field (title or text) of a story: its stems; word pairs and positions when asked."""

    __slots__ = ("_pairs", "_positions", "compounds", "sequence", "stems")

    def __init__(self, text: str, stemmer: Stemmer) -> None:
        words: list[str] = TOKEN_RE.findall(text)
        # Nearly every word is in the memo already: look them all up at once, and do the work
        # word by word only for new words and hyphenated compounds (never memo keys).
        looked_up: list[str | None] = list(map(stemmer.memo.get, words))
        sequence: list[str] = looked_up  # type: ignore[assignment]  # when no None is in it
        compounds: list[tuple[str, int, int]] = []
        if None in looked_up:
            sequence, start = [], 0
            while (i := _next_none(looked_up, start)) >= 0:
                sequence += looked_up[start:i]  # type: ignore[arg-type]  # known stems
                parts = split_compound(words[i])
                if len(parts) == 1:
                    sequence.append(stemmer(words[i]))
                else:
                    first = len(sequence)
                    sequence.extend([stemmer(part) for part in parts])
                    compounds.append((stemmer("".join(parts)), first, len(sequence) - 1))
                start = i + 1
            sequence += looked_up[start:]  # type: ignore[arg-type]
        self.sequence = sequence
        self.compounds = compounds
        self.stems = set(sequence)
        self.stems.update([stem for stem, _, _ in compounds])
        self._positions: dict[str, list[tuple[int, int]]] | None = None
        self._pairs: set[tuple[str, str]] | None = None

    @property
    def positions(self) -> dict[str, list[tuple[int, int]]]:
        """Stem -> (first, last) word positions; a joined compound spans its parts' positions."""
        if self._positions is None:
            positions: dict[str, list[tuple[int, int]]] = {}
            for i, stem in enumerate(self.sequence):
                positions.setdefault(stem, []).append((i, i))
            for stem, first, last in self.compounds:
                positions.setdefault(stem, []).append((first, last))
            self._positions = positions
        return self._positions

    def compound_pairs(self) -> list[tuple[str, str]]:
        """The adjacent pairs a joined compound forms with its neighbours (``pairwise`` of the
        sequence gives all the others)."""
        sequence, pairs = self.sequence, []
        starting: dict[int, list[str]] = {}
        for stem, first, _ in self.compounds:
            starting.setdefault(first, []).append(stem)
        for stem, first, last in self.compounds:
            if first > 0:
                pairs.append((sequence[first - 1], stem))
            if last + 1 < len(sequence):
                pairs.append((stem, sequence[last + 1]))
            pairs += [(stem, after) for after in starting.get(last + 1, ())]
        return pairs

    @property
    def pairs(self) -> set[tuple[str, str]]:
        """Every two stems that follow each other, so a two-word phrase is one set look-up."""
        if self._pairs is None:
            self._pairs = set(pairwise(self.sequence))
            if self.compounds:
                self._pairs.update(self.compound_pairs())
        return self._pairs

    def pairs_among(self, known: Mapping[tuple[str, str], object]) -> set[tuple[str, str]]:
        """The field's word pairs that are in ``known`` (an index's two-word anchors), without
        making the set of all its pairs when nothing has asked for it yet (a story's text has
        hundreds of pairs, and most stories never meet a phrase that needs them all)."""
        if self._pairs is not None:
            return known.keys() & self._pairs
        found = set(filter(known.__contains__, pairwise(self.sequence)))
        if self.compounds:
            found.update(filter(known.__contains__, self.compound_pairs()))
        return found

    def has(self, groups: StemGroups) -> bool:
        """Whether the term (a word, a compound or a phrase) occurs in this field."""
        stems = self.stems
        if len(groups) == 1:
            for variant in groups[0]:
                if len(variant) == 1 and variant[0] in stems:
                    return True
        for group in groups:  # cheap rejection before looking at word order
            if not any(all(stem in stems for stem in variant) for variant in group):
                return False
        if len(groups) == 1 and all(len(variant) == 1 for variant in groups[0]):
            return False  # every single-word variant was checked above
        # Adjacent pairs that any occurrence must contain; when the phrase is exactly one such
        # pair (the common two-word phrase), finding the pair settles it.
        pairs = self.pairs
        needed = 0
        previous: str | None = None
        for group in groups:
            if len(group) != 1:
                previous = None
                continue
            variant = group[0]
            if previous is not None:
                needed += 1
                if (previous, variant[0]) not in pairs:
                    return False
            for pair in pairwise(variant):
                needed += 1
                if pair not in pairs:
                    return False
            previous = variant[-1]
        if needed == 1 and all(len(group) == 1 for group in groups):
            return True
        return bool(find_phrase(groups, self.positions))


def _next_none(items: list[str | None], start: int) -> int:
    """Index of the next ``None`` from ``start`` (a C-speed search), or -1."""
    try:
        return items.index(None, start)
    except ValueError:
        return -1


def find_phrase(groups: StemGroups, positions: dict[str, list[tuple[int, int]]]) -> dict[int, int]:
    """Every occurrence of a phrase, as ``{last position: first position}``.

    Each group must start right after the previous one ended; a group matches if any of its
    variants does (``cease-fire`` as one joined word or as two adjacent words).
    """
    state: dict[int, int] | None = None
    for group in groups:
        reached: dict[int, int] = {}
        for variant in group:
            current = state
            for stem in variant:
                occurrences = positions.get(stem, ())
                if current is None:
                    current = {last: first for first, last in occurrences}
                else:
                    current = {
                        last: current[first - 1]
                        for first, last in occurrences
                        if first - 1 in current
                    }
                if not current:
                    break
            for last, first in (current or {}).items():
                if last not in reached or first < reached[last]:
                    reached[last] = first
        if not reached:
            return {}
        state = reached
    return state or {}


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.strip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class Story:
    """A document read once for matching: both fields, all stems, the sources' hosts."""

    __slots__ = ("every", "hosts", "stemmer", "text", "title")

    def __init__(self, doc: Document) -> None:
        self.stemmer = stemmer_for(doc.language)
        self.title = Field(doc.title, self.stemmer)
        self.text = Field(doc.text, self.stemmer)
        self.every = self.title.stems | self.text.stems
        self.hosts = tuple(h for h in map(_host, doc.urls) if h)

    def host_suffixes(self) -> set[str]:
        """``news.bbc.co.uk`` -> itself, ``bbc.co.uk``, ``co.uk``, ``uk``: what site: may name."""
        suffixes: set[str] = set()
        for host in self.hosts:
            labels = host.split(".")
            suffixes.update(".".join(labels[i:]) for i in range(len(labels)))
        return suffixes

    def from_site(self, site: str) -> bool:
        return any(h == site or h.endswith("." + site) for h in self.hosts)

    def locate(self, groups: StemGroups, in_title: bool) -> Where | None:
        """Where a term occurs: "title", "text" or None (``intitle:`` terms: in the title only)."""
        if self.title.has(groups):
            return "title"
        if not in_title and self.text.has(groups):
            return "text"
        return None


@lru_cache(maxsize=64)
def read(doc: Document) -> Story:
    """Stories read recently: ``/test`` and backfills run many queries over the same story."""
    return Story(doc)
