"""Matching a stream of stories against every subscribed query at once, through anchor tables.

Looping over every subscription per story would make the cost grow with the number of users.
Instead each distinct query is compiled into a plan filed under its anchor keys
(:mod:`bot.match.plan`, :mod:`bot.match.table`); a story meets only the plans filed under its own
stems, word pairs and hosts. The cost per story thus depends on the story and on how many
queries it concerns, not on how many are subscribed.

Many chats subscribe to the same words, so :class:`QueryIndex` holds each distinct query once,
under a small number, and plans share their terms (each distinct term is stemmed once a table).
:class:`MatchIndex` adds who subscribed: a match is reported once per distinct query, with every
key subscribed to it (:class:`QueryMatch`). A caller that keeps its subscribers more compactly
than hashable keys (:class:`~bot.subscribers.SubscriptionIndex`, by query number in arrays)
uses :class:`QueryIndex` alone.

Stems depend on the story's language, so the index keeps one table per way of stemming, built the
first time a story in that language arrives (or up front for the languages it is told about).
Every table holds a plan of every distinct query: each further language costs about as much
memory again. Adding or removing a query touches only that query's plan in each table.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Hashable, Iterable
from typing import NamedTuple

from bot.match.query import Node, Query, QueryError, needs_positive, parse_query
from bot.match.story import Document, Story, Where
from bot.match.table import QueryHit, Table
from bot.match.text import Stemmer, stemmer_for
from bot.match.texts import Texts

__all__ = ["MatchIndex", "QueryIndex", "QueryMatch"]

logger = logging.getLogger(__name__)

Keys = tuple[Hashable, ...] | dict[Hashable, None]


class QueryMatch(NamedTuple):
    """A distinct query that matched a story, with every key subscribed to it.

    ``keys`` are in the order they subscribed; ``query`` is the query's source text; ``terms``
    and ``where`` are as in :class:`~bot.match.Match`, computed once for all the keys.
    """

    keys: tuple[Hashable, ...]
    query: str
    terms: tuple[str, ...]
    where: tuple[Where, ...]


_new_match = tuple.__new__  # QueryMatch without namedtuple's Python-level __new__: hot path


def _parsed(source: str) -> Node | None:
    """The tree ``parse_query`` makes of a query's text, whatever its length (None: refused)."""
    try:
        return parse_query(source, max_length=len(source), max_terms=sys.maxsize).root
    except QueryError:
        return None


class QueryIndex:
    """Every distinct query, by number, indexed by anchor words: a story meets only the queries
    it concerns.

    A query is known by its text: adding one whose text is held returns the held one's number.
    Numbers are small and dense (a removed query's number is handed out again), so a caller can
    keep what it knows of each query in arrays indexed by them. The index does not count who
    holds a query: the caller removes it when its last holder goes.

    Only the text is kept, not the syntax tree: a tree costs more than its text, and it is
    needed again only when the query is removed (to find where its plan is filed) or a table
    for another language is built, when parsing the text again gives it back. (A hand-built
    query whose text parses to another tree, or not at all, keeps its tree.)
    """

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        """Keep tables for ``languages`` (codes such as ``en``) from the start.

        Tables for other languages are built from all queries when their first story arrives.
        """
        self._texts = Texts()  # each query's text by number, and the number of a text
        self._high = 0  # numbers handed out so far: 0 .. _high - 1, held or free
        self._odd: dict[int, Node] = {}  # by number: trees that parsing the text would not give
        self._free: list[int] = []
        self._tables: dict[str, Table] = {}
        for language in languages:
            self._table_for(stemmer_for(language))

    def check(self, query: Query) -> None:
        """Raise ``ValueError`` unless ``add`` would take the query (it then changes nothing).

        Refused: a query that could match a story without any of its words, and one that
        differs from a held one of the same text (only a hand-built ``Query`` can be either:
        :func:`parse_query` refuses the one and never makes the other).
        """
        if not needs_positive(query.root):
            raise ValueError(f"query {query.source!r} has nothing positive to look for")
        number = self._texts.number(query.source)
        if number is not None and self._root(number) != query.root:
            raise ValueError(f"query {query.source!r} is subscribed with another meaning")

    def add(self, query: Query) -> int:
        """The number of the query, filed if its text is not held yet (see ``check``)."""
        self.check(query)
        number = self._texts.number(query.source)
        if number is not None:
            return number
        number = self._file(query.source, query.root)
        if _parsed(query.source) != query.root:
            self._odd[number] = query.root
        return number

    def add_text(self, text: str, *, max_length: int, max_terms: int) -> int:
        """The number of the query of this text, parsed (``parse_query`` with these limits,
        raising its ``QueryError``) and filed if not held yet. A query made from its text is
        never odd, so unlike ``add`` this parses it once: filing 52,146 distinct queries of
        one to three words took 2.26 CPU s against 3.15 through ``add(parse_query(text))``."""
        number = self._texts.number(text.strip())  # parse_query's source is the text stripped
        if number is not None:
            return number
        query = parse_query(text, max_length=max_length, max_terms=max_terms)
        return self._file(query.source, query.root)  # parse_query refuses what check refuses

    def _file(self, source: str, root: Node) -> int:
        """File a query whose text is not held, under a free number."""
        number = self._free[-1] if self._free else self._high
        for table in self._tables.values():  # a checked query has an anchor
            table.add(number, source, root)
        if self._free:
            self._free.pop()
        else:
            self._high += 1
        self._texts.add(number, source)
        return number

    def remove(self, number: int) -> None:
        """Forget the query of this number (a held one); its number is free again."""
        source, root = self.source(number), self._root(number)
        for table in self._tables.values():
            table.remove(number, source, root)
        self._texts.remove(number)
        self._odd.pop(number, None)
        self._free.append(number)

    def _root(self, number: int) -> Node:
        """The tree of the held query of this number, parsed again from its text."""
        root = self._odd.get(number) or _parsed(self.source(number))
        if root is None:  # only an odd one does not parse, and it keeps its tree
            raise AssertionError(f"query {number} lost its tree")
        return root

    def number(self, source: str) -> int | None:
        """The number of the held query of this text, or None."""
        return self._texts.number(source)

    def source(self, number: int) -> str:
        """The text of the held query of this number."""
        source = self._texts[number]
        if source is None:
            raise KeyError(number)
        return source

    def __len__(self) -> int:
        return len(self._texts)

    def match(self, doc: Document) -> list[QueryHit]:
        """Every held query the story matches, by number (in no set order)."""
        story = Story(doc)
        return self._table_for(story.stemmer).match(story, self._texts)

    def _table_for(self, stemmer: Stemmer) -> Table:
        table = self._tables.get(stemmer.language)
        if table is None:
            logger.info(
                "building match index for language %r (%d distinct queries)",
                stemmer.language or "unstemmed",
                len(self._texts),
            )
            table = self._tables[stemmer.language] = Table(stemmer)
            for number, source in self._texts.items():
                table.add(number, source, self._root(number))
        return table


def _with(keys: Keys | None, key: Hashable) -> Keys:
    """``keys`` and then ``key``: a tuple while short (what a match reports, without a copy), a
    dict (key -> None) beyond, so that a popular query ("bitcoin") drops a subscriber in
    constant time while a rare one costs a few bytes."""
    if keys is None:
        return (key,)
    if isinstance(keys, dict):
        keys[key] = None
        return keys
    if len(keys) < _TUPLE_LIMIT:
        return (*keys, key)
    return dict.fromkeys((*keys, key))


def _without(keys: Keys, key: Hashable) -> Keys:
    if isinstance(keys, dict):
        del keys[key]
        return keys
    i = keys.index(key)
    return keys[:i] + keys[i + 1 :]


_TUPLE_LIMIT = 32


class MatchIndex:
    """Every subscribed query under the keys that subscribed to it: a story meets only the
    queries it concerns.

    ``match`` finds the same as calling :func:`~bot.match.matches` on every query, grouped by
    distinct query, at a cost that does not grow with the number of queries that cannot match.
    """

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        """Keep tables for ``languages`` (codes such as ``en``) from the start.

        Tables for other languages are built from all queries when their first story arrives.
        """
        self._queries = QueryIndex(languages)
        self._keys: list[Keys | None] = []  # by query number, in the order they subscribed
        self._number_of: dict[Hashable, int] = {}

    def add(self, key: Hashable, query: Query) -> None:
        """Subscribe ``query`` under ``key`` (replacing the key's previous query, if any).

        Raises ``ValueError`` for a query that could match a story without any of its words,
        and for a query that differs from a subscribed one of the same text (only a hand-built
        ``Query`` can be either: :func:`parse_query` refuses the one and never makes the other).
        """
        self._queries.check(query)
        self.remove(key)
        number = self._queries.add(query)
        while len(self._keys) <= number:
            self._keys.append(None)
        self._keys[number] = _with(self._keys[number], key)
        self._number_of[key] = number

    def remove(self, key: Hashable) -> None:
        """Forget ``key``; unknown keys are ignored (unsubscribing twice is not an error)."""
        number = self._number_of.pop(key, None)
        if number is None:
            return
        keys = self._keys[number] = _without(self._keys[number] or (), key)
        if not keys:
            self._keys[number] = None
            self._queries.remove(number)

    def __len__(self) -> int:
        return len(self._number_of)

    def keys_of(self, source: str) -> tuple[Hashable, ...]:
        """The keys subscribed to the query of this text, in the order they subscribed."""
        number = self._queries.number(source)
        return () if number is None else tuple(self._keys[number] or ())

    def __contains__(self, key: object) -> bool:
        return key in self._number_of

    def match(self, doc: Document) -> list[QueryMatch]:
        """Every distinct subscribed query the story matches, with its keys (in no set order)."""
        keys_of = self._keys
        found = []
        for number, source, terms, where in self._queries.match(doc):
            keys = keys_of[number]
            if keys.__class__ is not tuple:
                keys = tuple(keys)  # type: ignore[arg-type]
            found.append(_new_match(QueryMatch, (keys, source, terms, where)))
        return found
