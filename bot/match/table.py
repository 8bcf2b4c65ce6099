"""One language's anchor tables: every distinct query's plan filed by anchor, and the loop that
meets a story with the plans filed under its stems, word pairs and hosts.

A bot holds hundreds of thousands of distinct queries, so a plan is not an object: each query
has a number (handed out by :class:`~bot.match.index.QueryIndex`, dense and reused), a bucket
is that number alone or an ``array`` of numbers (4 bytes a plan where a list of plan objects
took 8, and the plan object about 100 more), and a plan's fields are columns indexed by number:
its flags in a ``bytearray``, its tests and what it reports in lists. Most plans test nothing
or one thing (``a b`` needs ``a``, ``a -b`` avoids ``b``): the test column holds that one test
itself, and a tuple only for plans that test more.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any, TypeAlias

from bot.match.check import Program, run
from bot.match.plan import FIXED, ONE, PAIR, SHARED, TESTED, WORDS, Compiler, Plan, Stems, found
from bot.match.query import Node
from bot.match.story import Story, Where
from bot.match.terms import TermInfo
from bot.match.text import Stemmer
from bot.match.texts import Texts

__all__ = ["QueryHit", "Table"]

#: the plans filed under one anchor key: one query number alone (most keys anchor one query),
#: else an array of them ("i")
Bucket: TypeAlias = "int | array[int]"
Report = TermInfo | tuple[TermInfo, ...]
Test = Stems | tuple[Stems, Stems, Program | None]  # what a plan tests (see Table)

#: flags of the test column, beside the plan's own (``bot.match.plan``: all below 64)
_NEED_ONLY = 64  # the test is ``need`` alone
_AVOID_ONLY = 128  # the test is ``avoid`` alone


#: A distinct query that matched a story: ``(number, query, terms, where)``, its number, its
#: text, the terms found and where (``terms`` and ``where`` as in :class:`~bot.match.Match`).
#: A plain tuple, not a named one: a story that matches hundreds of queries makes hundreds of
#: them, and a named tuple made at C speed (``tuple.__new__``) is two allocations, not one
#: (4-9% of matching in a scratch measurement, when every query matches something).
QueryHit: TypeAlias = "tuple[int, str, tuple[str, ...], tuple[Where, ...]]"


_IN_TITLE: tuple[Where, ...] = ("title",)
_IN_TEXT: tuple[Where, ...] = ("text",)


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


def _test(plan: Plan) -> tuple[int, Test | None]:
    """The flags and the test column of a plan (see the module's docstring)."""
    if not plan.flags & TESTED:
        return plan.flags, None
    if not plan.avoid and plan.check is None:
        return plan.flags | _NEED_ONLY, plan.need
    if not plan.need and plan.check is None:
        return plan.flags | _AVOID_ONLY, plan.avoid
    return plan.flags, (plan.need, plan.avoid, plan.check)


class Table:
    """Every distinct query compiled for one language, filed by anchor.

    Stems, word pairs and hosts are kept apart: a story's own stems, pairs and site suffixes
    meet them by set intersection, at C speed, rather than by a look-up per word. Dropping a
    plan from a bucket of ten thousand is one search at C speed.
    """

    def __init__(self, stemmer: Stemmer) -> None:
        self.compiler = Compiler(stemmer)
        self.by_stem: dict[str, Bucket] = {}
        self.by_pair: dict[tuple[str, str], Bucket] = {}
        self.by_host: dict[str, Bucket] = {}
        # a plan's fields by query number (0 and None where no query has the number)
        self.flags = bytearray()
        self.test: list[Test | None] = []
        self.report: list[Report | None] = []

    def _filed(self, keys: Iterable[Any], hosts: Iterable[str]) -> list[tuple[dict[Any, Any], Any]]:
        """(table, key) for each anchor key and host."""
        filed: list[tuple[dict[Any, Any], Any]] = [
            (self.by_stem if isinstance(key, str) else self.by_pair, key) for key in keys
        ]
        return filed + [(self.by_host, host) for host in hosts]

    def add(self, number: int, source: str, root: Node) -> None:
        """Compile the query and file its plan under its number (one no plan has)."""
        plan, (keys, hosts) = self.compiler.compile(source, root)
        while len(self.flags) <= number:
            self.flags.append(0)
            self.test.append(None)
            self.report.append(None)
        self.flags[number], self.test[number] = _test(plan)
        self.report[number] = plan.report
        for table, key in self._filed(keys, hosts):
            bucket = table.get(key)
            if bucket is None:
                table[key] = number
            elif bucket.__class__ is int:
                table[key] = array("i", (bucket, number))
            else:
                bucket.append(number)

    def remove(self, number: int, source: str, root: Node) -> None:
        """Unfile the plan of the query (the one ``add`` filed under ``number``, from the same
        text and tree)."""
        keys, hosts = self.compiler.anchor_of(source, root)
        for table, key in self._filed(keys, hosts):
            bucket: Bucket = table[key]
            if isinstance(bucket, int):
                del table[key]
                continue
            bucket.remove(number)
            if len(bucket) == 1:
                table[key] = bucket[0]
        self.compiler.release(root)
        self.flags[number] = 0
        self.test[number] = self.report[number] = None

    def candidates(self, story: Story) -> list[int]:
        """The numbers filed under the story's stems, word pairs and hosts (each bucket once;
        a number filed under several keys comes once for each of the story's)."""
        by_stem, by_pair, by_host = self.by_stem, self.by_pair, self.by_host
        buckets = [by_stem[stem] for stem in by_stem.keys() & story.every]
        if by_pair:
            pairs = story.title.pairs_among(by_pair) | story.text.pairs_among(by_pair)
            buckets += [by_pair[pair] for pair in pairs]
        if by_host and story.hosts:
            buckets += [by_host[host] for host in by_host.keys() & story.host_suffixes()]
        numbers: list[int] = []
        add, extend = numbers.append, numbers.extend
        for bucket in buckets:
            if bucket.__class__ is int:
                add(bucket)
            else:
                extend(bucket)  # type: ignore[arg-type]
        return numbers

    def match(self, story: Story, sources: Texts) -> list[QueryHit]:
        """Every plan the story matches, reported with its query's text from ``sources``; the
        loop every story runs, kept tight."""
        every, title = story.every, story.title.stems
        hits: list[QueryHit] = []
        append = hits.append
        seen: set[int] = set()
        flags_of, test_of, report_of = self.flags, self.test, self.report  # locals: faster
        data, starts, sizes = sources.buffers()  # a text per hit, sliced here: no call each
        tested, shared, one, words, fixed, pair = TESTED, SHARED, ONE, WORDS, FIXED, PAIR
        need_only, avoid_only = _NEED_ONLY, _AVOID_ONLY
        test: Any
        texts: tuple[str, ...]
        where: tuple[Where, ...]
        report: Any
        for number in self.candidates(story):
            flags = flags_of[number]
            if flags & tested:
                test = test_of[number]
                if flags & need_only:
                    if not (test in every if test.__class__ is str else every.issuperset(test)):
                        continue
                elif flags & avoid_only:
                    if test in every if test.__class__ is str else not every.isdisjoint(test):
                        continue
                else:
                    need, avoid, check = test
                    if need and not (
                        need in every if need.__class__ is str else every.issuperset(need)
                    ):
                        continue
                    if avoid and (
                        avoid in every if avoid.__class__ is str else not every.isdisjoint(avoid)
                    ):
                        continue
                    if check is not None and not run(check, story):
                        continue
            if flags & shared:
                if number in seen:
                    continue
                seen.add(number)
            report = report_of[number]
            if flags & one:  # one word, present: the usual query
                texts, where = report.texts, _IN_TITLE if report.stem in title else _IN_TEXT
            elif flags & words:  # a OR b: mostly one of them is there
                hit = None
                for info in report:
                    if info.stem in every:
                        if hit is not None:
                            texts, where = _present(report, every, title)
                            break
                        hit = info
                else:
                    if hit is None:  # matched through a site: alone
                        texts, where = (), ()
                    else:
                        texts = hit.texts
                        where = _IN_TITLE if hit.stem in title else _IN_TEXT
            elif flags & pair:  # one two-word phrase, present
                texts = report.texts
                where = _IN_TITLE if report.pair in story.title.pairs else _IN_TEXT
            elif flags & fixed:  # words and pairs, all there
                texts = tuple([info.text for info in report])
                where = tuple([_place(info, story) for info in report])
            else:
                texts, where = found(report, story)
            start = starts[number]
            source = data[start : start + sizes[number]].decode()
            append((number, source, texts, where))
        return hits
