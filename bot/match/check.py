"""What a plan still tests after its anchor and its set tests, as a small program over a story.

Phrases' word order, ``OR`` inside ``AND``, grouped exclusions, ``site:`` and ``intitle:`` are
checked by running a *program*: a tuple ``(op, argument)``, nested for ``NOT``, ``ALL`` and
``ANY``. Data rather than closures, because an index holds one per query that needs one, and a
tuple of interned stems costs a fraction of a function object with its cells.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.match.query import AllOf, Node, Not, Site, Term
from bot.match.story import Story
from bot.match.terms import TermInfo

__all__ = ["Program", "every", "program", "run"]

#: ``(op, argument)``; ``argument`` is a stem, stems, a TermInfo, a host, or programs
Program = tuple[int, Any]

_STEM, _ANY_STEM, _TITLE, _TERM, _SITE, _NOT, _ALL, _ANY = range(8)


def program(node: Node, info: Callable[[Term], TermInfo]) -> Program:
    """The program testing ``node``, its terms stemmed by ``info``."""
    if isinstance(node, Term):
        term = info(node)
        if term.stem is not None:
            return (_TITLE if node.in_title else _STEM, term.stem)
        return (_TERM, term)
    if isinstance(node, Site):
        return (_SITE, node.host)
    if isinstance(node, Not):
        return (_NOT, program(node.child, info))
    return every(tuple(program(child, info) for child in node.children), isinstance(node, AllOf))


def every(programs: tuple[Program, ...], all_of: bool = True) -> Program:
    """All of ``programs`` (or any of them): one program."""
    if len(programs) == 1:
        return programs[0]
    if not all_of and all(op == _STEM for op, _ in programs):
        return (_ANY_STEM, tuple(stem for _, stem in programs))  # a OR b: one set test
    return (_ALL if all_of else _ANY, programs)


def run(program: Program, story: Story) -> bool:
    """Whether ``story`` passes ``program``."""
    op, argument = program
    if op == _STEM:
        return argument in story.every
    if op == _ANY_STEM:
        return not story.every.isdisjoint(argument)
    if op == _TITLE:
        return argument in story.title.stems
    if op == _TERM:
        return argument.locate(story) is not None
    if op == _SITE:
        return story.from_site(argument)
    if op == _NOT:
        return not run(argument, story)
    if op == _ALL:
        return all(run(part, story) for part in argument)
    return any(run(part, story) for part in argument)  # _ANY
