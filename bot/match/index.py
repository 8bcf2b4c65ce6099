"""Matching a stream of stories against every subscribed query at once, through anchor tables.

Looping over every subscription per story would make the cost grow with the number of users.
Instead each distinct query is compiled into a :class:`~bot.match.plan.Plan` filed under its
anchor keys (:mod:`bot.match.plan`); a story meets only the plans filed under its own stems, word
pairs and hosts. The cost per story thus depends on the story and on how many queries it
concerns, not on how many are subscribed.

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
from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple

from bot.match.check import run
from bot.match.plan import FIXED, ONE, PAIR, SHARED, TESTED, WORDS, Compiler, Entry, Plan
from bot.match.query import AllOf, AnyOf, Node, Not, Query, needs_positive
from bot.match.story import Document, Story, Where
from bot.match.terms import TermInfo
from bot.match.text import Stemmer, stemmer_for

__all__ = ["MatchIndex", "QueryMatch"]

logger = logging.getLogger(__name__)

Bucket = list[Plan]  # the plans filed under one anchor key


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
_new_match = tuple.__new__  # QueryMatch without namedtuple's Python-level __new__: hot path


def _present(
    terms: tuple[TermInfo, ...], every: set[str], title: set[str]
) -> tuple[tuple[str, ...], tuple[Where, ...]]:
    """The plain words of ``terms`` in a story, and where each is."""
    present = [info for info in terms if info.stem in every]
    where: list[Where] = ["title" if info.stem in title else "text" for info in present]
    return tuple([info.text for info in present]), tuple(where)


def _place(info: TermInfo, story: Story) -> Where:
    """Where a word or two-word phrase known to be in the story is."""
    if info.stem is not None:
        return "title" if info.stem in story.title.stems else "text"
    return "title" if info.pair in story.title.pairs else "text"


class _Table:
    """Every distinct query compiled for one language, filed by anchor.

    Stems, word pairs and hosts are kept apart: a story's own stems, pairs and site suffixes
    meet them by set intersection, at C speed, rather than by a look-up per word. A bucket is a
    list of plans: 8 bytes a plan where a dictionary took about 70, and dropping a plan from a
    bucket of ten thousand is one search at C speed (plans compare by identity).
    """

    def __init__(self, stemmer: Stemmer) -> None:
        self.compiler = Compiler(stemmer)
        self.by_stem: dict[str, Bucket] = {}
        self.by_pair: dict[tuple[str, str], Bucket] = {}
        self.by_host: dict[str, Bucket] = {}

    def _filed(self, keys: Iterable[Any], hosts: Iterable[str]) -> list[tuple[dict[Any, Any], Any]]:
        """(table, key) for each anchor key and host."""
        filed: list[tuple[dict[Any, Any], Any]] = [
            (self.by_stem if isinstance(key, str) else self.by_pair, key) for key in keys
        ]
        return filed + [(self.by_host, host) for host in hosts]

    def add(self, entry: Entry) -> Plan:
        plan, (keys, hosts) = self.compiler.compile(entry)
        for table, key in self._filed(keys, hosts):
            bucket = table.get(key)
            if bucket is None:
                table[key] = [plan]
            else:
                bucket.append(plan)
        return plan

    def remove(self, entry: Entry, plan: Plan) -> None:
        keys, hosts = self.compiler.anchor_of(entry)
        for table, key in self._filed(keys, hosts):
            bucket: Bucket = table[key]
            bucket.remove(plan)
            if not bucket:
                del table[key]

    def buckets(self, story: Story) -> list[Bucket]:
        """The buckets of the story's stems, word pairs and hosts (each bucket once)."""
        by_stem, by_pair, by_host = self.by_stem, self.by_pair, self.by_host
        found = [by_stem[stem] for stem in by_stem.keys() & story.every]
        if by_pair:
            pairs = by_pair.keys() & story.title.pairs
            pairs |= by_pair.keys() & story.text.pairs
            found += [by_pair[pair] for pair in pairs]
        if by_host and story.hosts:
            found += [by_host[host] for host in by_host.keys() & story.host_suffixes()]
        return found

    def match(self, story: Story) -> list[QueryMatch]:
        """Every plan the story matches, reported; the loop every story runs, kept tight."""
        every, title = story.every, story.title.stems
        found: list[QueryMatch] = []
        append = found.append
        seen: set[Plan] = set()
        tested, shared, one, words, fixed = TESTED, SHARED, ONE, WORDS, FIXED  # locals: faster
        pair = PAIR
        texts: tuple[str, ...]
        where: tuple[Where, ...]
        for bucket in self.buckets(story):
            for plan in bucket:
                flags = plan.flags
                if flags & tested:
                    need = plan.need
                    if need and not (
                        need in every if need.__class__ is str else every.issuperset(need)
                    ):
                        continue
                    avoid = plan.avoid
                    if avoid and (
                        avoid in every if avoid.__class__ is str else not every.isdisjoint(avoid)
                    ):
                        continue
                    if plan.check is not None and not run(plan.check, story):
                        continue
                if flags & shared:
                    if plan in seen:
                        continue
                    seen.add(plan)
                if flags & one:  # one word, present: the usual query
                    texts, where = plan.texts, _IN_TITLE if plan.word in title else _IN_TEXT
                elif flags & words:  # a OR b: mostly one of them is there
                    hit = None
                    for info in plan.terms:
                        if info.stem in every:
                            if hit is not None:
                                texts, where = _present(plan.terms, every, title)
                                break
                            hit = info
                    else:
                        if hit is None:  # matched through a site: alone
                            texts, where = (), ()
                        else:
                            texts = hit.texts
                            where = _IN_TITLE if hit.stem in title else _IN_TEXT
                elif flags & pair:  # one two-word phrase, present
                    texts = plan.texts
                    where = _IN_TITLE if plan.pair in story.title.pairs else _IN_TEXT
                elif flags & fixed:  # words and pairs, all there
                    texts = tuple([info.text for info in plan.terms])
                    where = tuple([_place(info, story) for info in plan.terms])
                else:
                    texts, where = plan.found(story)
                entry = plan.entry
                keys = entry.keys
                if keys.__class__ is not tuple:
                    keys = tuple(keys)
                append(_new_match(QueryMatch, (keys, entry.source, texts, where)))
        return found


class _Pool:
    """One object per distinct term, site or exclusion while some query holds it.

    ``parse_query`` builds fresh nodes for every subscription; a hundred thousand subscriptions
    repeat the same few thousand words, so the index keeps queries built from shared nodes.
    """

    def __init__(self) -> None:
        self._nodes: weakref.WeakValueDictionary[Node, Any] = weakref.WeakValueDictionary()

    def node(self, node: Node) -> Node:
        if isinstance(node, AllOf | AnyOf):
            children = tuple(self.node(child) for child in node.children)
            return AllOf(children) if isinstance(node, AllOf) else AnyOf(children)
        if isinstance(node, Not):
            node = Not(self.node(node.child))
        pooled: Node = self._nodes.setdefault(node, node)
        return pooled


class MatchIndex:
    """Every subscribed query, indexed by anchor words: a story meets only the queries it concerns.

    ``match`` finds the same as calling :func:`~bot.match.matches` on every query, grouped by
    distinct query, at a cost that does not grow with the number of queries that cannot match.
    """

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        """Keep tables for ``languages`` (codes such as ``en``) from the start.

        Tables for other languages are built from all queries when their first story arrives.
        """
        self._entries: dict[str, Entry] = {}  # by the query's text
        self._entry_of: dict[Hashable, Entry] = {}
        self._pool = _Pool()
        self._tables: dict[str, _Table] = {}
        for language in languages:
            self._table_for(stemmer_for(language))

    def add(self, key: Hashable, query: Query) -> None:
        """Subscribe ``query`` under ``key`` (replacing the key's previous query, if any).

        Raises ``ValueError`` for a query that could match a story without any of its words,
        and for a query that differs from a subscribed one of the same text (only a hand-built
        ``Query`` can be either: :func:`parse_query` refuses the one and never makes the other).
        """
        if not needs_positive(query.root):
            raise ValueError(f"query {query.source!r} has nothing positive to look for")
        entry = self._entries.get(query.source)
        if entry is not None and entry.root != query.root:
            raise ValueError(f"query {query.source!r} is subscribed with another meaning")
        self.remove(key)
        entry = self._entries.get(query.source)  # the removal may have dropped it
        if entry is None:
            entry = Entry(query.source, self._pool.node(query.root))
            # needs_positive() above guarantees the query an anchor
            for table in self._tables.values():
                entry.file(table.add(entry))
            self._entries[query.source] = entry
        entry.add(key)
        self._entry_of[key] = entry

    def remove(self, key: Hashable) -> None:
        """Forget ``key``; unknown keys are ignored (unsubscribing twice is not an error)."""
        entry = self._entry_of.pop(key, None)
        if entry is None:
            return
        entry.discard(key)
        if not entry.keys:
            del self._entries[entry.source]
            for table, plan in zip(self._tables.values(), entry.plans, strict=True):
                table.remove(entry, plan)

    def __len__(self) -> int:
        return len(self._entry_of)

    def keys_of(self, source: str) -> tuple[Hashable, ...]:
        """The keys subscribed to the query of this text, in the order they subscribed."""
        entry = self._entries.get(source)
        return () if entry is None else tuple(entry.keys)

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
                entry.file(table.add(entry))
        return table
