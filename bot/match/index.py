"""Matching a stream of stories against every subscribed query at once, through anchor tables.

Looping over every subscription per story would make the cost grow with the number of users.
Instead each distinct query is compiled into a :class:`~bot.match.plan.Plan` filed under its
anchor keys (:mod:`bot.match.plan`); a story looks up only its own stems, word pairs and hosts,
and evaluates the few plans found there. The cost per story thus depends on the story and on how
many queries it concerns, not on how many are subscribed.

Many chats subscribe to the same words, so subscribers of one query share one entry and one plan
per language, and queries share their terms (a pool keeps one object per distinct term). A match
is reported once per distinct query, with every key subscribed to it (:class:`QueryMatch`).

Stems depend on the story's language, so the index keeps one table per way of stemming, built the
first time a story in that language arrives (or up front for the languages it is told about).
Every table holds a plan of every distinct query: each further language costs about as much
memory again. Adding or removing a key touches only that key's query: its entry, and when it is
the first or last subscriber, its plan in each table.
"""

from __future__ import annotations

import logging
import weakref
from collections import Counter
from collections.abc import Hashable, Iterable
from itertools import pairwise
from typing import NamedTuple

from bot.match.plan import Anchor, Compiler, Entry, Key, Plan
from bot.match.query import AllOf, AnyOf, Node, Not, Query, Site, Term, needs_positive
from bot.match.story import Document, Story, Where
from bot.match.text import Stemmer, stemmer_for

__all__ = ["MatchIndex", "QueryMatch"]

logger = logging.getLogger(__name__)

Bucket = dict[Entry, Plan]


class QueryMatch(NamedTuple):
    """A distinct query that matched a story, with every key subscribed to it.

    ``keys`` are in the order they subscribed; ``query`` is the query's source text; ``terms``
    and ``where`` are as in :class:`~bot.match.Match`, computed once for all the keys.
    """

    keys: tuple[Hashable, ...]
    query: str
    terms: tuple[str, ...]
    where: tuple[Where, ...]


_IN_TITLE: tuple[Where, ...] = ("title",)
_IN_TEXT: tuple[Where, ...] = ("text",)


class _Buckets:
    """Plans filed by anchor: stems and word pairs in ``by_key``, site hosts in ``by_host``."""

    __slots__ = ("by_host", "by_key", "pair_firsts")

    def __init__(self) -> None:
        self.by_key: dict[Key, Bucket] = {}
        self.by_host: dict[str, Bucket] = {}
        #: first words of the word-pair keys: a story looks up only the pairs starting so
        self.pair_firsts: Counter[str] = Counter()

    def add(self, anchor: Anchor, plan: Plan) -> None:
        keys, hosts = anchor
        for key in keys:
            bucket = self.by_key.get(key)
            if bucket is None:
                bucket = self.by_key[key] = {}
                if isinstance(key, tuple):
                    self.pair_firsts[key[0]] += 1
            bucket[plan.entry] = plan
        for host in hosts:
            self.by_host.setdefault(host, {})[plan.entry] = plan

    def remove(self, anchor: Anchor, entry: Entry) -> None:
        keys, hosts = anchor
        for key in keys:
            bucket = self.by_key[key]
            del bucket[entry]
            if not bucket:
                del self.by_key[key]
                if isinstance(key, tuple):
                    self.pair_firsts[key[0]] -= 1
                    if not self.pair_firsts[key[0]]:
                        del self.pair_firsts[key[0]]
        for host in hosts:
            bucket = self.by_host[host]
            del bucket[entry]
            if not bucket:
                del self.by_host[host]

    def of(self, story: Story) -> list[Bucket]:
        """The buckets of the story's stems, word pairs and hosts (each bucket once)."""
        get = self.by_key.get
        buckets = [b for stem in story.every if (b := get(stem)) is not None]
        if self.pair_firsts:
            firsts = self.pair_firsts
            hits: dict[int, Bucket] = {}  # a pair may occur many times: each bucket once
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


class _Table:
    """Every distinct query compiled for one language, filed by anchor.

    Plans with a single anchor key are met at most once per story; plans with several (``a OR
    b``) are kept apart, so that only they pay for being met twice.
    """

    def __init__(self, stemmer: Stemmer) -> None:
        self.compiler = Compiler(stemmer)
        self.single = _Buckets()
        self.multi = _Buckets()

    def _buckets(self, anchor: Anchor) -> _Buckets:
        keys, hosts = anchor
        return self.single if len(keys) + len(hosts) == 1 else self.multi

    def add(self, entry: Entry) -> None:
        plan, anchor = self.compiler.compile(entry)
        self._buckets(anchor).add(anchor, plan)

    def remove(self, entry: Entry) -> None:
        anchor = self.compiler.anchor_of(entry.query)
        self._buckets(anchor).remove(anchor, entry)

    def match(self, story: Story) -> list[QueryMatch]:
        every, title = story.every, story.title.stems
        found: list[QueryMatch] = []
        seen: set[int] = set()
        texts: tuple[str, ...]
        for buckets in (self.single, self.multi):
            once = buckets is self.single
            for bucket in buckets.of(story):
                for plan in bucket.values():
                    if plan.need and not every.issuperset(plan.need):
                        continue
                    if plan.avoid and not every.isdisjoint(plan.avoid):
                        continue
                    if plan.check is not None and not plan.check(story):
                        continue
                    if not once:
                        if id(plan) in seen:
                            continue
                        seen.add(id(plan))
                    entry, terms = plan.entry, plan.terms
                    stem = terms[0].stem if len(terms) == 1 else None
                    if stem is not None and stem in title:  # one word: the usual query
                        texts, where = (terms[0].text,), _IN_TITLE
                    elif stem is not None and not terms[0].in_title and stem in every:
                        texts, where = (terms[0].text,), _IN_TEXT
                    else:
                        texts, where = plan.found(story)
                    found.append(QueryMatch(tuple(entry.keys), entry.query.source, texts, where))
        return found


class _Pool:
    """One object per distinct term or site while some query holds it.

    ``parse_query`` builds fresh nodes for every subscription; a hundred thousand subscriptions
    repeat the same few thousand words, so the index keeps queries built from shared nodes.
    """

    def __init__(self) -> None:
        self._nodes: weakref.WeakValueDictionary[Term | Site, Term | Site] = (
            weakref.WeakValueDictionary()
        )

    def query(self, query: Query) -> Query:
        return Query(query.source, self._node(query.root))

    def _node(self, node: Node) -> Node:
        if isinstance(node, Term | Site):
            return self._nodes.setdefault(node, node)
        if isinstance(node, Not):
            return Not(self._node(node.child))
        children = tuple(self._node(child) for child in node.children)
        return AllOf(children) if isinstance(node, AllOf) else AnyOf(children)


class MatchIndex:
    """Every subscribed query, indexed by anchor words: a story meets only the queries it concerns.

    ``match`` finds the same as calling :func:`~bot.match.matches` on every query, grouped by
    distinct query, at a cost that does not grow with the number of queries that cannot match.
    """

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        """Keep tables for ``languages`` (codes such as ``en``) from the start.

        Tables for other languages are built from all queries when their first story arrives.
        """
        self._entries: dict[Query, Entry] = {}
        self._entry_of: dict[Hashable, Entry] = {}
        self._pool = _Pool()
        self._tables: dict[str, _Table] = {}
        for language in languages:
            self._table_for(stemmer_for(language))

    def add(self, key: Hashable, query: Query) -> None:
        """Subscribe ``query`` under ``key`` (replacing the key's previous query, if any).

        Raises ``ValueError`` for a query that could match a story without any of its words
        (only a hand-built ``Query`` can be like that: :func:`parse_query` refuses them).
        """
        if not needs_positive(query.root):
            raise ValueError(f"query {query.source!r} has nothing positive to look for")
        self.remove(key)
        entry = self._entries.get(query)
        if entry is None:
            entry = Entry(self._pool.query(query))
            for table in self._tables.values():
                table.add(entry)  # needs_positive() above guarantees the query an anchor
            self._entries[entry.query] = entry
        entry.add(key)
        self._entry_of[key] = entry

    def remove(self, key: Hashable) -> None:
        """Forget ``key``; unknown keys are ignored (unsubscribing twice is not an error)."""
        entry = self._entry_of.pop(key, None)
        if entry is None:
            return
        entry.discard(key)
        if not entry.keys:
            del self._entries[entry.query]
            for table in self._tables.values():
                table.remove(entry)

    def __len__(self) -> int:
        return len(self._entry_of)

    def __contains__(self, key: object) -> bool:
        return key in self._entry_of

    def match(self, doc: Document) -> list[QueryMatch]:
        """Every distinct subscribed query the story matches, with its keys (in no set order)."""
        story = Story(doc)
        return self._table_for(story.stemmer).match(story)

    def _table_for(self, stemmer: Stemmer) -> _Table:
        table = self._tables.get(stemmer.language)
        if table is None:
            logger.info(
                "building match index for language %r (%d distinct queries)",
                stemmer.language or "unstemmed",
                len(self._entries),
            )
            table = self._tables[stemmer.language] = _Table(stemmer)
            for entry in self._entries.values():
                table.add(entry)
        return table
