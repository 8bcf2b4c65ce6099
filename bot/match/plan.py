"""Compiling a query into a plan for one language: its anchor, its remaining tests, its report.

Every valid query has an *anchor*: a few keys such that any matching story contains at least one
of them. A key is a stem or two adjacent stems; the compiler prefers long words and word pairs over
stop words (``"prime minister"`` is anchored on the pair, ``a b`` on the longer word, ``a OR b``
on one key per side, ``site:`` alone on the host). The index looks a story's stems, pairs and
hosts up in its anchor tables and evaluates only the plans found there.

A plan then settles most of a query with set tests at C speed: the stems every required word or
phrase needs (``need``, less those the anchor already proves) and the single words it excludes
(``avoid``). Only what remains (phrases' word order, ``OR`` inside ``AND``, grouped exclusions,
``site:`` and ``intitle:``) runs as a small program (:mod:`bot.match.check`). A part the anchor
alone proves (the word a one-word query is anchored on, a two-word phrase anchored on its own
pair, ``a OR b`` reached through ``a`` or ``b``) is not tested again.

A plan is small on purpose: a bot holds one per distinct query and language, hundreds of
thousands of them. Its anchor is not stored: it is a function of the query, computed again
when the plan is removed.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, NamedTuple

from bot.language import stop_words
from bot.match.check import Program, every, program
from bot.match.direct import stem_groups
from bot.match.query import AllOf, AnyOf, Node, Not, Site, Term, positive_terms
from bot.match.story import Story, Where
from bot.match.terms import TermInfo
from bot.match.text import Stemmer

__all__ = [
    "FIXED",
    "ONE",
    "PAIR",
    "SHARED",
    "TESTED",
    "WORDS",
    "Anchor",
    "Compiler",
    "Key",
    "Plan",
    "Stems",
    "found",
]

Key = str | tuple[str, str]  # a stem, or two stems that follow each other
Anchor = tuple[frozenset[Key], frozenset[str]]  # (keys, hosts): a matching story has one of them
_NONE: frozenset[Any] = frozenset()


#: ``Plan.flags``: ``need``, ``avoid`` or ``check`` is left to test after the anchor
TESTED = 1
#: the query reports one plain word that every match contains (``word``, ``texts``)
ONE = 2
#: every positive term is a word or two-word phrase the query requires: a match has them all,
#: and where each is, is one set look-up
FIXED = 4
#: every positive term is a plain word (``a OR b``): which are there is one set look-up each
WORDS = 8
#: several anchors lead to the plan, so a story may reach it twice
SHARED = 16
#: the query reports one two-word phrase that every match contains (``pair``, ``texts``)
PAIR = 32

#: Stems a plan tests: one stem as itself, several as a tuple (most plans test one or none).
Stems = str | tuple[str, ...]


class Plan(NamedTuple):
    """A query compiled for one language: the tests left after its anchor, and its report.

    A story reaching the plan through its anchor matches when it has every stem of ``need``,
    none of ``avoid``, and passes ``check``. ``report`` is what a match reports: the one term of
    a query that reports one plain word (``ONE``) or one two-word phrase (``PAIR``), else the
    distinct positive terms. ``flags`` (``TESTED``, ``ONE``, ``PAIR``, ``FIXED``, ``WORDS``,
    ``SHARED``) let the index take the short ways through the usual queries: reporting matches
    is most of the time a story takes. The index keeps the fields in columns, not the tuple.
    """

    flags: int
    need: Stems
    avoid: Stems
    check: Program | None
    report: TermInfo | tuple[TermInfo, ...]


def _plan(
    need: Stems, avoid: Stems, check: Program | None, terms: tuple[TermInfo, ...], flags: int
) -> Plan:
    flags |= TESTED if need or avoid or check else 0
    if flags & FIXED and len(terms) == 1 and terms[0].stem is not None:
        return Plan(flags | ONE, need, avoid, check, terms[0])
    if flags & FIXED and len(terms) == 1 and terms[0].pair is not None:
        return Plan(flags | PAIR, need, avoid, check, terms[0])
    return Plan(flags, need, avoid, check, terms)


def found(terms: tuple[TermInfo, ...], story: Story) -> tuple[tuple[str, ...], tuple[Where, ...]]:
    """The positive terms present in the story and where each is (as ``matches`` says)."""
    present: dict[str, Where] = {}
    for info in terms:
        if info.text not in present and (where := info.locate(story)) is not None:
            present[info.text] = where
    return tuple(present), tuple(present.values())


def _stems(stems: list[str]) -> Stems:
    distinct = tuple(dict.fromkeys(stems))
    return distinct[0] if len(distinct) == 1 else distinct


def _keys_of(words: tuple[str, ...]) -> list[Key]:
    """The possible anchor keys of a word sequence: each word and each adjacent pair."""
    return [*words, *pairwise(words)]


class Compiler:
    """Turns queries into plans for one language, stemming each term once."""

    def __init__(self, stemmer: Stemmer) -> None:
        self.stemmer = stemmer
        #: stems of the language's stop words, which make poor anchors: every story has them
        self.stop = frozenset(
            stemmer(word) for word in (stop_words(stemmer.language) if stemmer.language else ())
        )
        # one TermInfo per distinct term while some plan uses it (``TermInfo.users`` of them),
        # so that a hundred thousand plans share the few thousand words they repeat
        self._infos: dict[Term, TermInfo] = {}

    def info(self, term: Term) -> TermInfo:
        info = self._infos.get(term)
        if info is None:
            info = self._infos[term] = TermInfo(term, stem_groups(term.groups, self.stemmer))
        return info

    def compile(self, source: str, root: Node) -> tuple[Plan, Anchor]:
        """The plan of a query (its text and tree) and the anchor to file it under.

        The plan shares the compiler's terms until ``release`` is given the same tree.
        """
        try:
            compiled = self._compile(source, root)
        except ValueError:
            for term in _every_term(root):
                info = self._infos.get(term)
                if info is not None and not info.users:
                    del self._infos[term]
            raise
        for term in _every_term(root):
            self.info(term).users += 1
        return compiled

    def release(self, root: Node) -> None:
        """Let go of the terms of a plan compiled from ``root``: a term no plan uses is dropped."""
        for term in _every_term(root):
            info = self._infos[term]
            info.users -= 1
            if not info.users:
                del self._infos[term]

    def _compile(self, source: str, root: Node) -> tuple[Plan, Anchor]:
        parts = root.children if isinstance(root, AllOf) else (root,)
        best, anchor = self._best_anchor(source, parts)
        need, avoid, checks = self._tests(parts, best, anchor)
        keys, hosts = anchor
        proven: set[str] = set()  # what reaching the plan through its only key already shows
        if len(keys) == 1 and not hosts:
            key = next(iter(keys))
            proven = {key} if isinstance(key, str) else set(key)
        terms = tuple(dict.fromkeys(self.info(term) for term in positive_terms(root)))
        required = {self.info(part) for part in parts if isinstance(part, Term)}
        plan = _plan(
            need=_stems([stem for stem in need if stem not in proven]),
            avoid=_stems(avoid),
            check=every(tuple(checks)) if checks else None,
            terms=terms,
            flags=_report_flags(terms, required) | (SHARED if len(keys) + len(hosts) > 1 else 0),
        )
        return plan, anchor

    def _best_anchor(self, source: str, parts: tuple[Node, ...]) -> tuple[int, Anchor]:
        """Which of the query's parts anchors it, and how (the cheapest anchor of any part)."""
        anchors = [self.anchor(part) for part in parts]
        usable = [(self.cost(anchor), i, anchor) for i, anchor in enumerate(anchors) if anchor]
        if not usable:
            raise ValueError(f"query {source!r} can match without any word to look for")
        _, best, anchor = min(usable, key=lambda option: option[:2])
        return best, anchor

    def _tests(
        self, parts: tuple[Node, ...], best: int, anchor: Anchor
    ) -> tuple[list[str], list[str], list[Program]]:
        """What the parts leave to test: stems needed, single words avoided, programs."""
        need: list[str] = []
        avoid: list[str] = []
        checks: list[Program] = []
        for i, part in enumerate(parts):
            if isinstance(part, Term):
                info = self.info(part)
                need += [stem for group in info.groups if len(group) == 1 for stem in group[0]]
                if info.stem is not None and not part.in_title:
                    continue  # need settles it
            elif isinstance(part, Not) and (word := self._excluded_word(part)) is not None:
                avoid.append(word)
                continue
            if not (i == best and self.implied(part, anchor)):
                checks.append(program(part, self.info))
        return need, avoid, checks

    def anchor_of(self, source: str, root: Node) -> Anchor:
        """The anchor ``compile`` filed the query's plan under (recomputed, not stored)."""
        anchor = self.anchor(root)
        if anchor is None:
            raise ValueError(f"query {source!r} can match without any word to look for")
        return anchor

    def _excluded_word(self, node: Not) -> str | None:
        """The stem of ``-word`` (a single word anywhere), which a set test settles."""
        child = node.child
        if isinstance(child, Term) and not child.in_title:
            return self.info(child).stem
        return None

    def implied(self, node: Node, anchor: Anchor) -> bool:
        """Whether a story reaching the plan through ``anchor`` (the node's own) has ``node``."""
        keys, hosts = anchor
        if isinstance(node, Term):
            info = self.info(node)
            key = info.stem if info.stem is not None else info.pair
            return not node.in_title and key is not None and not hosts and keys == {key}
        if isinstance(node, Site):
            return not keys and hosts == {node.host}
        if isinstance(node, AnyOf):
            return all(
                (own := self.anchor(child)) is not None and self.implied(child, own)
                for child in node.children
            )
        return False

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
            groups = self.info(node).groups
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


def _every_term(node: Node) -> set[Term]:
    """The distinct terms of a tree, excluded ones too."""
    if isinstance(node, Term):
        return {node}
    if isinstance(node, Not):
        return _every_term(node.child)
    if isinstance(node, AllOf | AnyOf):
        return set().union(*map(_every_term, node.children))
    return set()


def _report_flags(terms: tuple[TermInfo, ...], required: set[TermInfo]) -> int:
    """``FIXED`` or ``WORDS`` when the terms allow reporting them the short way, else 0."""
    if len({info.text for info in terms}) < len(terms) or any(i.in_title for i in terms):
        return 0  # the same text twice, or intitle: the general way sorts them out
    if required == set(terms) and all(i.stem is not None or i.pair is not None for i in terms):
        return FIXED
    return WORDS if all(info.stem is not None for info in terms) else 0
