"""Matching stories against alert queries: one query directly, or every subscribed query at once.

A story is read once: its title and text become sets of stems (and, when a phrase needs them, word
pairs and positions). :func:`matches` evaluates one query on it by walking the query, which is
what ``/test`` and backfills need, and the reference the index is tested against.

:class:`MatchIndex` serves the stream of new stories, where looping over every subscription per
story would make the cost grow with the number of users. Every valid query has an *anchor*: a few
keys such that any matching story contains at least one of them. A key is a stem or two adjacent
stems; the index prefers long words and word pairs over stop words (``"prime minister"`` is
anchored on the pair, ``a b`` on the longer word, ``a OR b`` on one key per side, ``site:`` alone
on the host). A story looks up only its own stems and pairs, and then evaluates the few queries
found there, mostly with set operations. Identical queries of different subscribers are evaluated
once. The cost per story thus depends on the story and on how many queries it concerns, not on
how many are subscribed.

Stems depend on the story's language, so the index keeps one anchor table per language, built the
first time a story in that language arrives (or up front for the languages it is told about).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter
from typing import Any, Literal
from urllib.parse import urlsplit

from sumy.utils import get_stop_words

from bot.match.query import (
    AllOf,
    Groups,
    Node,
    Not,
    Query,
    Site,
    Term,
    needs_positive,
    positive_terms,
)
from bot.match.text import (
    TOKEN_RE,
    Stemmer,
    split_compound,
    stemmer_for,
    tokenize,
    word_groups,
)

__all__ = ["Document", "Match", "MatchIndex", "highlight_spans", "matches"]

logger = logging.getLogger(__name__)

Where = Literal["title", "text"]


@dataclass(frozen=True)
class Document:
    """A story to match: its title, its text, its language code and the URLs of its sources."""

    title: str
    text: str
    language: str = "en"
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """A query that matched a story.

    ``terms`` are the user's positive terms found in the story, as the user typed them (feed them
    to :func:`highlight_spans`); ``where[i]`` tells where ``terms[i]`` was found: ``"title"`` when
    it is in the title (whether or not also in the text), else ``"text"``. A query of only
    ``site:`` has no terms.
    """

    key: Hashable
    terms: tuple[str, ...]
    where: tuple[Where, ...]


# --- reading a story once ------------------------------------------------------------------------

StemGroups = tuple[tuple[tuple[str, ...], ...], ...]


class _Field:
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
            sequence = []
            for word, known in zip(words, looked_up, strict=True):
                if known is not None:
                    sequence.append(known)
                    continue
                parts = split_compound(word)
                if len(parts) == 1:
                    sequence.append(stemmer(word))
                    continue
                first = len(sequence)
                sequence.extend([stemmer(part) for part in parts])
                compounds.append((stemmer("".join(parts)), first, len(sequence) - 1))
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


class _Story:
    """A document read once for matching: both fields, all stems, the sources' hosts."""

    __slots__ = ("every", "hosts", "stemmer", "text", "title")

    def __init__(self, doc: Document) -> None:
        self.stemmer = stemmer_for(doc.language)
        self.title = _Field(doc.title, self.stemmer)
        self.text = _Field(doc.text, self.stemmer)
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
def _read(doc: Document) -> _Story:
    """Stories read recently: ``/test`` and backfills run many queries over the same story."""
    return _Story(doc)


def _stem_groups(groups: Groups, stemmer: Stemmer) -> StemGroups:
    return tuple(tuple(tuple([stemmer(w) for w in v]) for v in group) for group in groups)


def _found(
    terms: Iterable[tuple[str, StemGroups, bool]], story: _Story
) -> tuple[tuple[str, ...], tuple[Where, ...]]:
    """The positive terms present in the story and where each was found."""
    found: dict[str, Where] = {}
    for text, groups, in_title in terms:
        if text not in found and (where := story.locate(groups, in_title)) is not None:
            found[text] = where
    return tuple(found), tuple(found.values())


# --- one query, evaluated directly ---------------------------------------------------------------


def _holds(node: Node, story: _Story) -> bool:
    if isinstance(node, Term):
        return story.locate(_stem_groups(node.groups, story.stemmer), node.in_title) is not None
    if isinstance(node, Site):
        return story.from_site(node.host)
    if isinstance(node, Not):
        return not _holds(node.child, story)
    if isinstance(node, AllOf):
        return all(_holds(child, story) for child in node.children)
    return any(_holds(child, story) for child in node.children)


def _positives(query: Query, stemmer: Stemmer) -> tuple[tuple[str, StemGroups, bool], ...]:
    return tuple(
        (t.text, _stem_groups(t.groups, stemmer), t.in_title) for t in positive_terms(query.root)
    )


def matches(query: Query, doc: Document) -> Match | None:
    """Evaluate one query on one story; the match's key is the query's source text.

    This walks the whole query and is the reference the index is checked against.
    """
    story = _read(doc)
    if not _holds(query.root, story):
        return None
    terms, where = _found(_positives(query, story.stemmer), story)
    return Match(key=query.source, terms=terms, where=where)


# --- many queries, through an index --------------------------------------------------------------

Check = Callable[[_Story], bool]
Locate = Callable[[_Story], Where | None]
Key = str | tuple[str, str]  # a stem, or two stems that follow each other
Anchor = tuple[frozenset[Key], frozenset[str]]  # (keys, hosts): a matching story has one of them


def _single_stem(groups: StemGroups) -> str | None:
    if len(groups) == 1 and len(groups[0]) == 1 and len(groups[0][0]) == 1:
        return groups[0][0][0]
    return None


def _stop_stems(stemmer: Stemmer) -> frozenset[str]:
    """Stems of the language's stop words (sumy's lists), which make poor anchors: every story
    has them, so a query anchored on ``the`` would be evaluated for every story."""
    if not stemmer.language:
        return frozenset()
    try:
        words = get_stop_words(stemmer.language)
    except LookupError:  # sumy has no list for this language
        return frozenset()
    return frozenset(stemmer(word) for word in words)


class _Compiler:
    """Turns queries into plans for one language, stemming each term once."""

    def __init__(self, stemmer: Stemmer) -> None:
        self.stemmer = stemmer
        self.stop = _stop_stems(stemmer)
        self._stemmed: dict[Groups, StemGroups] = {}  # subscribers share words: stem each once

    def groups(self, term: Term) -> StemGroups:
        stemmed = self._stemmed.get(term.groups)
        if stemmed is None:
            if len(self._stemmed) >= 100_000:
                self._stemmed.clear()
            stemmed = self._stemmed[term.groups] = _stem_groups(term.groups, self.stemmer)
        return stemmed

    def check(self, node: Node) -> Check:
        """A closure evaluating ``node`` with its words already stemmed."""
        if isinstance(node, Term):
            groups = self.groups(node)
            stem = _single_stem(groups)
            if node.in_title:
                if stem is not None:
                    return lambda story: stem in story.title.stems
                return lambda story: story.title.has(groups)
            if stem is not None:
                return lambda story: stem in story.every
            return lambda story: story.title.has(groups) or story.text.has(groups)
        if isinstance(node, Site):
            host = node.host
            return lambda story: story.from_site(host)
        if isinstance(node, Not):
            inner = self.check(node.child)
            return lambda story: not inner(story)
        checks = tuple(self.check(child) for child in node.children)
        if isinstance(node, AllOf):
            return lambda story: all(check(story) for check in checks)
        return lambda story: any(check(story) for check in checks)

    def locator(self, term: Term) -> Locate:
        """A closure telling where ``term`` is in a story, with set tests where they suffice."""
        groups = self.groups(term)
        stem = _single_stem(groups)
        if stem is not None:
            if term.in_title:
                return lambda story: "title" if stem in story.title.stems else None
            return lambda story: (
                ("title" if stem in story.title.stems else "text") if stem in story.every else None
            )
        if all(len(group) == 1 for group in groups):
            words = [stem for group in groups for stem in group[0]]
            if len(words) == 2:
                pair = (words[0], words[1])
                if term.in_title:
                    return lambda story: "title" if pair in story.title.pairs else None
                return lambda story: (
                    "title"
                    if pair in story.title.pairs
                    else "text"
                    if pair in story.text.pairs
                    else None
                )
        in_title = term.in_title
        return lambda story: story.locate(groups, in_title)

    def score(self, key: Key) -> int:
        """How rare an anchor key probably is: 0 for a stop word, else its length in letters.

        A long word is usually a rare one, and two adjacent words are rarer than either (even
        two stop words: "and think" is much rarer than "and").
        """
        if isinstance(key, str):
            return 0 if key in self.stop else len(key)
        first, second = key
        return 1 if first in self.stop and second in self.stop else len(first) + len(second)

    def cost(self, anchor: Anchor) -> tuple[int, int, int, int]:
        """Lower is better: words before hosts, no stop words, few alternatives, rare keys."""
        keys, hosts = anchor
        scores = [self.score(key) for key in keys]
        return (len(hosts), scores.count(0), len(keys), -min(scores, default=0))

    def anchor(self, node: Node) -> Anchor | None:
        """Keys or hosts of which every story matching ``node`` has one; None if there are none."""
        if isinstance(node, Term):
            groups = self.groups(node)
            if len(groups) == 1 and len(groups[0]) == 1 and len(groups[0][0]) == 1:
                return frozenset(groups[0][0]), _NONE  # a plain word: the usual case
            options: list[Anchor] = [
                (frozenset([max(_keys_of(v), key=self.score) for v in group]), _NONE)
                for group in groups
            ]
            options += [
                (frozenset([(before[0][-1], after[0][0])]), _NONE)
                for before, after in pairwise(groups)
                if len(before) == 1 and len(after) == 1
            ]
            return min(options, key=self.cost)
        if isinstance(node, Site):
            return _NONE, frozenset({node.host})
        if isinstance(node, Not):
            return None
        anchors = [self.anchor(child) for child in node.children]
        usable = [a for a in anchors if a is not None]
        if isinstance(node, AllOf):
            return min(usable, key=self.cost) if usable else None
        if len(usable) < len(anchors):
            return None
        return _NONE.union(*(a[0] for a in usable)), _NONE.union(*(a[1] for a in usable))


_NONE: frozenset[Any] = frozenset()


def _keys_of(words: tuple[str, ...]) -> list[Key]:
    """The possible anchor keys of a word sequence: each word and each adjacent pair."""
    return [*words, *pairwise(words)]


class _Plan:
    """A query compiled for one language.

    Most of a query is settled by set tests, at C speed: every stem a top-level word or phrase
    requires (``need``, ``need_in_title``) and the single words it excludes (``avoid``). Only
    what remains (phrases' word order, OR, grouped exclusions, site:) runs as closures, and only
    for the queries that passed the set tests.
    """

    __slots__ = (
        "anchor",
        "avoid",
        "check",
        "fixed",
        "keys",
        "need",
        "need_in_title",
        "positives",
        "shared",
    )

    def __init__(self, query: Query, compiler: _Compiler) -> None:
        #: the subscribers of this query (key -> order of subscription): identical queries,
        #: common in practice ("bitcoin"), are evaluated once per story
        self.keys: dict[Hashable, int] = {}
        anchor = compiler.anchor(query.root)
        if anchor is None:  # parse_query guarantees an anchor; a hand-built Query may not have one
            raise ValueError(f"query {query.source!r} can match without any word to look for")
        self.anchor = anchor
        #: reachable from several anchors, so a story may meet it twice
        self.shared = len(anchor[0]) + len(anchor[1]) > 1
        need: set[str] = set()
        need_in_title: set[str] = set()
        avoid: set[str] = set()
        checks: list[Check] = []
        parts = query.root.children if isinstance(query.root, AllOf) else (query.root,)
        for part in parts:
            if isinstance(part, Term):
                groups = compiler.groups(part)
                required = need_in_title if part.in_title else need
                required.update(stem for group in groups if len(group) == 1 for stem in group[0])
                if _single_stem(groups) is None and not self._implied(part, groups):
                    checks.append(compiler.check(part))
            elif (
                isinstance(part, Not)
                and isinstance(part.child, Term)
                and not part.child.in_title
                and (stem := _single_stem(compiler.groups(part.child))) is not None
            ):
                avoid.add(stem)
            else:
                checks.append(compiler.check(part))
        self.need = frozenset(need)
        self.need_in_title = frozenset(need_in_title)
        self.avoid = frozenset(avoid)
        self.check: Check | None = None
        if len(checks) == 1:
            self.check = checks[0]
        elif checks:
            every_check = tuple(checks)
            self.check = lambda story: all(check(story) for check in every_check)
        terms = positive_terms(query.root)
        positives = [(t.text, compiler.groups(t)) for t in terms]
        #: (text, where-is-it) of each positive term, for reporting a match
        self.positives = tuple((t.text, compiler.locator(t)) for t in terms)
        #: when the query is plain words that must all be present, which are found is known in
        #: advance and where they are is a set test per word: (texts, stems)
        self.fixed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        stems = [_single_stem(groups) for _, groups in positives]
        if (
            all(stem is not None and stem in need for stem in stems)
            and len({text for text, _ in positives}) == len(positives)
            and not any(t.in_title for t in terms)
        ):
            self.fixed = (
                tuple(text for text, _ in positives),
                tuple(stem for stem in stems if stem is not None),
            )

    def _implied(self, term: Term, groups: StemGroups) -> bool:
        """Whether the anchor alone proves the term: a two-word phrase anchored on its own pair."""
        keys, hosts = self.anchor
        if term.in_title or hosts or len(keys) != 1 or not all(len(g) == 1 for g in groups):
            return False
        words = [stem for group in groups for stem in group[0]]
        return len(words) == 2 and next(iter(keys)) == tuple(words)

    def found(self, story: _Story) -> tuple[tuple[str, ...], tuple[Where, ...]]:
        """The positive terms present in the story and where each is (see :class:`Match`)."""
        if self.fixed is None:
            found: dict[str, Where] = {}
            for text, locate in self.positives:
                if text not in found and (where := locate(story)) is not None:
                    found[text] = where
            return tuple(found), tuple(found.values())
        texts, stems = self.fixed
        title = story.title.stems
        if len(stems) == 1:
            return texts, _IN_TITLE if stems[0] in title else _IN_TEXT
        return texts, tuple(["title" if stem in title else "text" for stem in stems])


_IN_TITLE: tuple[Where, ...] = ("title",)
_IN_TEXT: tuple[Where, ...] = ("text",)


class _LanguageIndex:
    """Anchor tables of every distinct query, stemmed for one language."""

    def __init__(self, stemmer: Stemmer) -> None:
        self.compiler = _Compiler(stemmer)
        self.plans: dict[Query, _Plan] = {}
        self.plan_of: dict[Hashable, _Plan] = {}
        self.by_key: dict[Key, set[_Plan]] = {}
        self.by_host: dict[str, set[_Plan]] = {}
        #: first words of the word-pair anchors: a story looks up only the pairs starting so
        self.pair_firsts: Counter[str] = Counter()

    def add(self, key: Hashable, order: int, query: Query) -> None:
        plan = self.plans.get(query)
        if plan is None:
            plan = self.plans[query] = _Plan(query, self.compiler)
            keys, hosts = plan.anchor
            for anchor in keys:
                bucket = self.by_key.get(anchor)
                if bucket is None:
                    bucket = self.by_key[anchor] = set()
                    if isinstance(anchor, tuple):
                        self.pair_firsts[anchor[0]] += 1
                bucket.add(plan)
            for host in hosts:
                self.by_host.setdefault(host, set()).add(plan)
        plan.keys[key] = order
        self.plan_of[key] = plan

    def remove(self, key: Hashable, query: Query) -> None:
        plan = self.plan_of.pop(key, None)
        if plan is None:
            return
        del plan.keys[key]
        if plan.keys:
            return
        del self.plans[query]
        keys, hosts = plan.anchor
        tables: tuple[tuple[dict[Any, set[_Plan]], frozenset[Any]], ...] = (
            (self.by_key, keys),
            (self.by_host, hosts),
        )
        for table, anchors in tables:
            for anchor in anchors:
                bucket = table[anchor]
                bucket.discard(plan)
                if bucket:
                    continue
                del table[anchor]
                if isinstance(anchor, tuple):
                    self.pair_firsts[anchor[0]] -= 1
                    if not self.pair_firsts[anchor[0]]:
                        del self.pair_firsts[anchor[0]]

    def buckets(self, story: _Story) -> list[set[_Plan]]:
        """The plans anchored on the story's stems, word pairs and hosts (a plan with several
        anchors may be in more than one)."""
        get = self.by_key.get
        buckets = [b for stem in story.every if (b := get(stem)) is not None]
        if self.pair_firsts:
            firsts = self.pair_firsts
            hits: dict[int, set[_Plan]] = {}  # a pair may occur many times: each bucket once
            for field in (story.title, story.text):
                for pair in pairwise(field.sequence):
                    if pair[0] in firsts and (b := get(pair)) is not None:
                        hits[id(b)] = b
                if field.compounds:
                    for pair in field.compound_pairs():
                        if pair[0] in firsts and (b := get(pair)) is not None:
                            hits[id(b)] = b
            buckets += hits.values()
        if self.by_host and story.hosts:
            buckets += [b for host in story.host_suffixes() if (b := self.by_host.get(host))]
        return buckets

    def match(self, story: _Story) -> list[Match]:
        every, title = story.every, story.title.stems
        found: list[tuple[int, Hashable, tuple[str, ...], tuple[Where, ...]]] = []
        seen: set[_Plan] = set()
        for bucket in self.buckets(story):
            for plan in bucket:
                if not (plan.need <= every and plan.avoid.isdisjoint(every)):
                    continue
                if plan.shared:
                    if plan in seen:
                        continue
                    seen.add(plan)
                if plan.need_in_title and not plan.need_in_title <= title:
                    continue
                if plan.check is not None and not plan.check(story):
                    continue
                fixed = plan.fixed
                if fixed is not None and len(fixed[1]) == 1:  # one plain word: the usual case
                    terms, where = fixed[0], _IN_TITLE if fixed[1][0] in title else _IN_TEXT
                else:
                    terms, where = plan.found(story)
                found += [(order, key, terms, where) for key, order in plan.keys.items()]
        found.sort(key=itemgetter(0))
        return [Match(key, terms, where) for _, key, terms, where in found]


class MatchIndex:
    """Every subscribed query, indexed by anchor words: a story meets only the queries it concerns.

    ``match`` returns the same matches as calling :func:`matches` on every query (in the order the
    keys were added), at a cost that does not grow with the number of queries that cannot match.
    """

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        """Keep tables for ``languages`` (codes such as ``en``) from the start.

        Tables for other languages are built from all queries when their first story arrives.
        """
        self._queries: dict[Hashable, tuple[int, Query]] = {}
        self._languages: dict[str, _LanguageIndex] = {}
        self._added = 0
        for language in languages:
            self._index_for(stemmer_for(language))

    def add(self, key: Hashable, query: Query) -> None:
        """Subscribe ``query`` under ``key`` (replacing the key's previous query, if any).

        Raises ``ValueError`` for a query that could match a story without any of its words
        (only a hand-built ``Query`` can be like that: :func:`parse_query` refuses them).
        """
        if not needs_positive(query.root):
            raise ValueError(f"query {query.source!r} has nothing positive to look for")
        self.remove(key)
        self._added += 1
        self._queries[key] = (self._added, query)
        for index in self._languages.values():
            index.add(key, self._added, query)

    def remove(self, key: Hashable) -> None:
        """Forget ``key``; unknown keys are ignored (unsubscribing twice is not an error)."""
        subscribed = self._queries.pop(key, None)
        if subscribed is not None:
            for index in self._languages.values():
                index.remove(key, subscribed[1])

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def match(self, doc: Document) -> list[Match]:
        """Every subscribed query the story matches."""
        story = _Story(doc)
        return self._index_for(story.stemmer).match(story)

    def _index_for(self, stemmer: Stemmer) -> _LanguageIndex:
        index = self._languages.get(stemmer.language)
        if index is None:
            logger.info(
                "building match index for language %r (%d queries)",
                stemmer.language or "unstemmed",
                len(self._queries),
            )
            index = self._languages[stemmer.language] = _LanguageIndex(stemmer)
            for key, (order, query) in self._queries.items():
                index.add(key, order, query)
        return index


# --- highlighting ------------------------------------------------------------------------------


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
        groups = _stem_groups(word_groups(term), stemmer)
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
