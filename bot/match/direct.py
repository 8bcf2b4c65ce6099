"""One query evaluated directly on one story: what ``/test`` and backfills need.

It walks the whole query, term by term, which makes it the plain statement of what a query
means: the index (:mod:`bot.match.index`) must find exactly what this finds, and is tested
against it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from bot.match.query import AllOf, Groups, Node, Not, Query, Site, Term, positive_terms
from bot.match.story import Document, StemGroups, Story, Where, read
from bot.match.text import Stemmer

__all__ = ["Match", "matches", "stem_groups"]


@dataclass(frozen=True)
class Match:
    """A query that matched a story.

    ``terms`` are the user's positive terms found in the story, as the user typed them (feed them
    to :func:`~bot.match.highlight_spans`); ``where[i]`` tells where ``terms[i]`` was found:
    ``"title"`` when it is in the title (whether or not also in the text), else ``"text"``. A
    query of only ``site:`` has no terms.
    """

    key: Hashable
    terms: tuple[str, ...]
    where: tuple[Where, ...]


def stem_groups(groups: Groups, stemmer: Stemmer) -> StemGroups:
    """A term's folded words (see :func:`~bot.match.text.word_groups`) stemmed for a language."""
    return tuple(tuple(tuple([stemmer(w) for w in v]) for v in group) for group in groups)


def _holds(node: Node, story: Story) -> bool:
    if isinstance(node, Term):
        return story.locate(stem_groups(node.groups, story.stemmer), node.in_title) is not None
    if isinstance(node, Site):
        return story.from_site(node.host)
    if isinstance(node, Not):
        return not _holds(node.child, story)
    if isinstance(node, AllOf):
        return all(_holds(child, story) for child in node.children)
    return any(_holds(child, story) for child in node.children)


def _found(terms: Iterable[Term], story: Story) -> tuple[tuple[str, ...], tuple[Where, ...]]:
    """The positive terms present in the story and where each was found."""
    found: dict[str, Where] = {}
    for term in terms:
        if term.text in found:
            continue
        where = story.locate(stem_groups(term.groups, story.stemmer), term.in_title)
        if where is not None:
            found[term.text] = where
    return tuple(found), tuple(found.values())


def matches(query: Query, doc: Document) -> Match | None:
    """Evaluate one query on one story; the match's key is the query's source text."""
    story = read(doc)
    if not _holds(query.root, story):
        return None
    terms, where = _found(positive_terms(query.root), story)
    return Match(key=query.source, terms=terms, where=where)
