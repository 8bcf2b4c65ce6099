"""The keyword-query language of alerts: parsing a user's text into a small, checked syntax tree.

The language is the one people know from Google Alerts::

    ceasefire                    the word, in any inflection (ceasefires, Cease-fire ...)
    "peace plan"                 the exact phrase (words adjacent, in this order)
    witkoff OR kushner           either (OR binds tighter than the implicit AND)
    ukraine -olympics            exclusion, also -"a phrase" and -(a group)
    ukraine (truce OR ceasefire) grouping
    intitle:ceasefire            must appear in the title (also intitle:"a phrase")
    site:bbc.co.uk               a source of the story is on bbc.co.uk or a subdomain of it

Parsing is pure and never runs user-supplied patterns, so a query cannot be made slow to match.
Everything that is rejected raises :class:`QueryError` with a message meant for a Telegram user:
what was wrong and an example of a query that works.

Words are stored folded (case and accents) but not stemmed: the stemmer depends on the language of
each story, so stems are taken when a query meets a story (see :mod:`bot.match.plan`). The
nodes are slotted and hashable: the index stems each distinct term once and shares it among
the hundred thousand subscriptions that repeat the same few thousand words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from bot.errors import QueryError
from bot.match.lexer import EXAMPLE, Lexeme, lex
from bot.match.text import word_groups

__all__ = [
    "AllOf",
    "AnyOf",
    "Node",
    "Not",
    "Query",
    "QueryError",
    "Site",
    "Term",
    "parse_query",
]

MAX_DEPTH = 8
"""How deeply parentheses may nest: more is never needed and only risks deep recursion."""

Groups: TypeAlias = tuple[tuple[tuple[str, ...], ...], ...]
_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a quoted phrase, folded into groups of alternatives (see ``word_groups``).

    ``text`` is the term as the user typed it (without quotes or ``intitle:``); it is what
    :class:`~bot.match.index.Match` reports and what highlighting looks for.
    """

    text: str
    groups: Groups
    phrase: bool = False
    in_title: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    """The story has a source URL on ``host`` (IDNA, lower case) or on one of its subdomains."""

    host: str


@dataclass(frozen=True, slots=True)
class Not:
    """The story must not match ``child``."""

    child: Node


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every child must match (the implicit AND between terms)."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one child must match (``OR``)."""

    children: tuple[Node, ...]


Node: TypeAlias = Term | Site | Not | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed, valid query: the user's ``source`` text and its syntax tree ``root``.

    Every query that parses has something positive to look for: no story can match it through
    exclusions alone. The matching index relies on this to find candidate queries by their words.
    """

    source: str
    root: Node

    def describe(self) -> str:
        """How the query was understood, in plain text for echoing back to the user.

        ``ceasefire "peace plan" -olympics`` ->
        ``all of: ceasefire · the phrase "peace plan" · not: olympics``.
        """
        return _describe(self.root, top=True)

    def terms(self) -> tuple[str, ...]:
        """The positive words and phrases (not the excluded ones), as typed, without repeats."""
        return tuple(dict.fromkeys(term.text for term in positive_terms(self.root)))


def positive_terms(node: Node) -> list[Term]:
    """The terms of ``node`` that a story is looked for (everything not under an exclusion)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, AllOf | AnyOf):
        return [term for child in node.children for term in positive_terms(child)]
    return []


def _describe(node: Node, *, top: bool = False) -> str:
    if isinstance(node, Term):
        text = node.text.lower()
        shown = f'the phrase "{text}"' if node.phrase else text
        return f"{shown} in the title" if node.in_title else shown
    if isinstance(node, Site):
        return f"from {node.host}"
    if isinstance(node, Not):
        return f"not {_describe(node.child)}"
    if isinstance(node, AnyOf):
        parts = [_describe(child) for child in node.children]
        return "any of: " + " · ".join(parts) if top else "(" + " or ".join(parts) + ")"
    wanted = [_describe(c) for c in node.children if not isinstance(c, Not)]
    excluded = [_describe(c.child) for c in node.children if isinstance(c, Not)]
    if not top:
        return "(" + " and ".join(wanted + [f"not {e}" for e in excluded]) + ")"
    return "all of: " + " · ".join(wanted + ([f"not: {', '.join(excluded)}"] if excluded else []))


# --- parsing ------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: all := any+ ; any := unary (OR unary)* ; unary := -? atom."""

    def __init__(self, lexemes: list[Lexeme]) -> None:
        self.lexemes = lexemes
        self.i = 0
        self.terms = 0

    def peek(self) -> Lexeme | None:
        return self.lexemes[self.i] if self.i < len(self.lexemes) else None

    def parse_all(self, depth: int) -> Node | None:
        items: list[Node] = []
        while (lexeme := self.peek()) is not None and lexeme.kind != ")":
            node = self.parse_any(depth)
            if node is not None:
                items.append(node)
        return _all_of(items)

    def parse_any(self, depth: int) -> Node | None:
        options = [self.parse_unary(depth)]
        while (lexeme := self.peek()) is not None and lexeme.kind == "or":
            self.i += 1
            options.append(self.parse_unary(depth))
        return _any_of([o for o in options if o is not None])

    def parse_unary(self, depth: int) -> Node | None:
        lexeme = self.peek()
        if lexeme is None or lexeme.kind in (")", "or"):
            raise QueryError("OR needs a term on both sides, e.g.: witkoff OR kushner")
        if lexeme.kind != "not":
            return self.parse_atom(depth)
        self.i += 1
        following = self.peek()
        if following is None or following.kind in (")", "or", "not"):
            raise QueryError("A minus must be followed by what to exclude, e.g.: ukraine -olympics")
        child = self.parse_atom(depth)
        if child is None:
            return None
        return child.child if isinstance(child, Not) else Not(child)

    def parse_atom(self, depth: int) -> Node | None:
        lexeme = self.lexemes[self.i]
        self.i += 1
        if lexeme.kind == "(":
            if depth >= MAX_DEPTH:
                raise QueryError(
                    "The parentheses nest too deeply, e.g.: ukraine (truce OR ceasefire)"
                )
            inner = self.parse_all(depth + 1)
            closing = self.peek()
            if closing is None:
                raise QueryError(
                    "A parenthesis is not closed, e.g. write: ukraine (truce OR ceasefire)"
                )
            self.i += 1
            if inner is None:
                raise QueryError(
                    "The parentheses contain no words, e.g. write: ukraine (truce OR ceasefire)"
                )
            return inner
        if lexeme.kind == "site":
            self.terms += 1
            return Site(lexeme.text)
        groups = word_groups(lexeme.text)
        if not groups:
            if lexeme.phrase:
                raise QueryError(f"The quotes contain no words, e.g.: {EXAMPLE}")
            return None  # punctuation or symbols on their own: nothing to look for
        self.terms += 1
        text = lexeme.text.strip() if lexeme.phrase else _EDGE_PUNCT.sub("", lexeme.text)
        return Term(
            text=" ".join(text.split()),
            groups=groups,
            phrase=lexeme.phrase,
            in_title=lexeme.kind == "intitle",
        )


def _all_of(items: list[Node]) -> Node | None:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.children if isinstance(item, AllOf) else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def _any_of(items: list[Node]) -> Node | None:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.children if isinstance(item, AnyOf) else (item,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def needs_positive(node: Node) -> bool:
    """Whether every story matching ``node`` must contain one of its positive terms or sites."""
    if isinstance(node, Term | Site):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, AllOf):
        return any(needs_positive(child) for child in node.children)
    return all(needs_positive(child) for child in node.children)


def parse_query(text: str, *, max_length: int = 200, max_terms: int = 20) -> Query:
    """Parse an alert query; raise :class:`QueryError` (with a message for the user) if unusable.

    Rejected: empty queries, queries longer than ``max_length`` characters or with more than
    ``max_terms`` words/phrases/sites, unclosed quotes or parentheses, a dangling ``OR`` or
    ``-``, and queries that could match a story through exclusions alone (``-olympics``,
    ``ukraine OR -olympics``).
    """
    source = text.strip()
    if not source:
        raise QueryError(f"The query is empty. Send the words to watch for, e.g.: {EXAMPLE}")
    if len(source) > max_length:
        raise QueryError(
            f"The query is too long ({len(source)} characters, at most {max_length}). "
            f'Keep the key words, e.g.: ceasefire "peace plan"'
        )
    parser = _Parser(lex(source))
    root = parser.parse_all(0)
    if parser.peek() is not None:
        raise QueryError(
            "A closing parenthesis has no opening one, e.g. write: ukraine (truce OR ceasefire)"
        )
    if parser.terms > max_terms:
        raise QueryError(
            f"The query has too many terms ({parser.terms}, at most {max_terms}). "
            f"Keep the most telling ones, e.g.: {EXAMPLE}"
        )
    if root is None:
        raise QueryError(f"The query has no words to look for, e.g.: {EXAMPLE}")
    if not needs_positive(root):
        if not positive_terms(root) and not _has_site(root):
            raise QueryError(
                "The query only excludes words (-word): add a word to look for, "
                "e.g.: ukraine -olympics"
            )
        raise QueryError(
            "Part of the query would match stories by exclusions alone (a -word inside OR). "
            "Every alternative needs a word to look for, "
            "e.g.: ukraine (truce OR ceasefire) -olympics"
        )
    return Query(source=source, root=root)


def _has_site(node: Node) -> bool:
    if isinstance(node, Site):
        return True
    if isinstance(node, AllOf | AnyOf):
        return any(_has_site(child) for child in node.children)
    return False
