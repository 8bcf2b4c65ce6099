"""How fast MatchIndex matches stories, how much memory it holds, and what one subscription costs.

Stories: 1,000 real articles: all 250 CNN/DailyMail articles of cnndm_test_frank (first sentence
as title) and 750 BBC articles of bbc_news_summary drawn with a seeded RNG, each with a source URL
on its outlet's domain (edition.cnn.com, www.dailymail.co.uk, www.bbc.co.uk).

Queries, generated with a seeded RNG: 30% one word, 20% two words, 15% a two-word phrase,
10% ``a OR b``, 10% ``a -b``, 5% ``intitle:a``, 5% ``a site:<outlet>``,
5% ``a (b OR c) -d "phrase"``, written as the words appear in the text. Drawn from a few thousand
words, many are the same query (as many chats subscribe to the same words).

Table 1 draws the words from the stories themselves: words of 4+ letters and two-word phrases
(no stop words) whose *stems* occur in at least 2 and at most ``--max-df`` (2%) of the stories,
i.e. specific words, not "said" or "year". Every such query concerns some stories, so the number
of matches per story grows in proportion to the number of queries. Columns:

- stories/s: CPU time of this process for ``MatchIndex.match`` over every story (after one
  untimed pass that warms the stemmer's memo, as in a running bot), and wall-clock time; the
  best of 3 passes (this 2-core machine is shared, so wall-clock rates are lower and noisier);
- matches/story: subscriptions (keys) matched per story, summed over the distinct queries found;
- build: CPU seconds to add all the queries (already parsed) one by one;
- bytes/query: what the index holds per subscription (tracemalloc, in a separate build that adds
  ``parse_query(text)`` per key, the text arriving as a fresh string as from a database): its
  tables, plans, stemmed terms and queries, and the keys and texts it keeps;
- add/remove: mean and 99th percentile CPU µs of ``MatchIndex.add`` and ``remove`` at that size,
  for 1,000 new subscriptions drawn like the others (some repeat a subscribed query, some are
  new) added and then removed one at a time.

Table 2 keeps 1,000 of those queries and adds queries built the same way from words that occur in
none of the stories (from the 250 BBC articles not used as stories and the XSum articles). The
matches stay the same; the extra time is what the index costs per query that does not concern a
story, which should stay flat. The run ends with the agreement of the index with brute-force
``matches()`` over every query of table 1 (up to 100,000) on a sample of stories.

    .venv/bin/python benchmarks/match.py [--queries 300000] [--sample 20] [--smoke] [--json FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.language import stop_words  # noqa: E402
from bot.match import Document, MatchIndex, Query, matches, parse_query  # noqa: E402
from bot.match.text import stemmer_for, tokenize  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "summarization"
WORD = re.compile(r"[^\W\d_]{4,}")
PAIR = re.compile(r"[^\W\d_]{3,} [^\W\d_]{3,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z(])")
SITES = ("bbc.co.uk", "cnn.com", "dailymail.co.uk")
REPEAT = 3  # passes over the stories per size; the best is reported


def rows(name: str) -> list[dict[str, str]]:
    path = DATA / name / f"{name}.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def load_stories(rng: random.Random, count: int) -> tuple[list[Document], list[Document]]:
    """The stories, and the other articles (held out: their words make table 2's queries)."""
    stories: list[Document] = []
    for row in rows("cnndm_test_frank"):
        first, *rest = SENTENCE_END.split(row["text"], maxsplit=1)
        title, text = (first, rest[0]) if rest else ("", first)
        host = "edition.cnn.com" if row["id"].startswith("cnn") else "www.dailymail.co.uk"
        stories.append(Document(title, text, urls=(f"https://{host}/{row['id']}",)))
    bbc = rows("bbc_news_summary")
    rng.shuffle(bbc)
    for row in bbc:
        url = f"https://www.bbc.co.uk/news/{row['id']}"
        stories.append(Document(row["title"], row["text"], urls=(url,)))
    held_out = stories[count:] + [Document("", row["text"]) for row in rows("xsum_test_frank")]
    return stories[:count], held_out


class Vocabulary:
    """Candidate query words and phrases of some articles, with the stems' document frequency."""

    def __init__(self, docs: list[Document]) -> None:
        stemmer = stemmer_for("en")
        self.stop = {stemmer(w) for w in stop_words("en")}  # no alert on "although"
        self.df: Counter[str] = Counter()
        self.pair_df: Counter[tuple[str, str]] = Counter()
        self.words: dict[str, str] = {}  # stem -> a spelling seen in the text
        self.pairs: dict[tuple[str, str], str] = {}
        for doc in docs:
            body = f"{doc.title}\n{doc.text}"
            every = list(tokenize(body, stemmer))
            self.df.update({t.stem for t in every})  # with compounds: "cease-fire" as one word
            tokens = [t for t in every if t.first == t.last]
            for t in tokens:
                if t.stem not in self.stop and WORD.fullmatch(body[t.start : t.end]):
                    self.words.setdefault(t.stem, body[t.start : t.end])
            seen = set()
            for a, b in pairwise(tokens):
                text = body[a.start : b.end]
                if a.stem not in self.stop and b.stem not in self.stop and PAIR.fullmatch(text):
                    seen.add((a.stem, b.stem))
                    self.pairs.setdefault((a.stem, b.stem), text)
            self.pair_df.update(seen)

    def specific(self, docs: int, max_df: float) -> tuple[list[str], list[str]]:
        """Words and phrases in >= 2 and <= ``max_df`` of the articles (frequency of stems:
        ``Elected`` may be a rare spelling, but it also finds every ``elect`` and ``election``)."""
        limit = max(2, round(docs * max_df))
        words = sorted(w for s, w in self.words.items() if 2 <= self.df[s] <= limit)
        pairs = sorted(p for s, p in self.pairs.items() if 2 <= self.pair_df[s] <= limit)
        return words, pairs

    def absent_from(self, other: Vocabulary) -> tuple[list[str], list[str]]:
        """Words and phrases none of whose stems occur in ``other``'s articles."""
        words = sorted(w for s, w in self.words.items() if s not in other.df)
        pairs = sorted(p for s, p in self.pairs.items() if not any(x in other.df for x in s))
        return words, pairs


def make_queries(rng: random.Random, words: list[str], pairs: list[str], n: int) -> list[str]:
    def w() -> str:
        return rng.choice(words)

    def p() -> str:
        return f'"{rng.choice(pairs)}"' if pairs else w()

    kinds: list[tuple[int, Callable[[], str]]] = [
        (30, lambda: w()),
        (20, lambda: f"{w()} {w()}"),
        (15, lambda: p()),
        (10, lambda: f"{w()} OR {w()}"),
        (10, lambda: f"{w()} -{w()}"),
        (5, lambda: f"intitle:{w()}"),
        (5, lambda: f"{w()} site:{rng.choice(SITES)}"),
        (5, lambda: f"{w()} ({w()} OR {w()}) -{w()} {p()}"),
    ]
    makers = [make for weight, make in kinds for _ in range(weight)]
    return [rng.choice(makers)() for _ in range(n)]


def run(index: MatchIndex, stories: list[Document], repeat: int = 1) -> tuple[float, float, int]:
    """CPU and wall-clock seconds to match every story (the best of ``repeat`` passes: the
    machine is shared, so slower passes measure the neighbours), and the keys matched."""
    cpu_s, wall_s = [], []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        found = sum(len(m.keys) for doc in stories for m in index.match(doc))
        cpu_s.append(time.process_time() - cpu)
        wall_s.append(time.perf_counter() - wall)
    return min(cpu_s), min(wall_s), found


def churn(index: MatchIndex, queries: list[Query]) -> dict[str, float]:
    """Add each query under a new key, then remove them all: CPU µs per call, mean and p99
    (CPU time, so that what the neighbours run on this shared machine is not counted)."""
    first = len(index)
    adds, removes = [], []
    clock = time.process_time_ns
    for offset, query in enumerate(queries):
        started = clock()
        index.add(("new", first + offset), query)
        adds.append(clock() - started)
    for offset in range(len(queries)):
        started = clock()
        index.remove(("new", first + offset))
        removes.append(clock() - started)

    def p99(ns: list[int]) -> float:
        return statistics.quantiles(ns, n=100)[98] / 1e3 if len(ns) > 1 else ns[0] / 1e3

    return {
        "add_us": statistics.fmean(adds) / 1e3,
        "add_p99_us": p99(adds),
        "remove_us": statistics.fmean(removes) / 1e3,
        "remove_p99_us": p99(removes),
    }


def memory(texts: list[str], sizes: list[int], stories: list[Document]) -> dict[int, float]:
    """Bytes per subscription the index holds at each size (see the module's docstring)."""
    index = MatchIndex()
    run(index, stories[:50])  # stemmer memo and language tables exist before tracing
    arriving = [t.encode() for t in texts[: sizes[-1]]]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    per_query: dict[int, float] = {}
    for size in sizes:
        for key in range(len(index), size):
            index.add(key, parse_query(arriving[key].decode()))
        gc.collect()
        per_query[size] = (tracemalloc.get_traced_memory()[0] - base) / size
    top = tracemalloc.take_snapshot().statistics("lineno")[:6]
    tracemalloc.stop()
    print(f"\nwhat the index holds at {sizes[-1]:,} queries (tracemalloc, largest lines):")
    for stat in top:
        frame = stat.traceback[0]
        path = Path(frame.filename)
        shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
        where = f"{shown}:{frame.lineno}"
        print(f"  {where}: {stat.size / 2**20:.1f} MiB in {stat.count:,} blocks")
    return per_query


def table(
    title: str,
    queries: list[Query],
    sizes: list[int],
    stories: list[Document],
    fresh: list[Query] | None = None,
    bytes_per_query: dict[int, float] | None = None,
) -> tuple[MatchIndex, list[dict[str, Any]]]:
    """Grow one index through ``sizes`` queries, matching every story at each size."""
    print(f"\n{title}\n")
    print(
        "| queries | distinct | stories/s (CPU) | stories/s (wall) | matches/story "
        "| build (cumulative) | bytes/query | add CPU µs (p99) | remove CPU µs (p99) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    index = MatchIndex()
    run(index, stories)  # warm the stemmer's memo, as in a bot that has been running
    build, results = 0.0, []
    for size in sizes:
        started = time.process_time()
        for key in range(len(index), size):
            index.add(key, queries[key])
        build += time.process_time() - started
        cpu, wall, found = run(index, stories, REPEAT)
        row: dict[str, Any] = {
            "queries": size,
            "distinct": len(set(queries[:size])),
            "stories_per_s_cpu": len(stories) / cpu,
            "stories_per_s_wall": len(stories) / wall,
            "matches_per_story": found / len(stories),
            "build_s": build,
            "bytes_per_query": (bytes_per_query or {}).get(size),
        }
        row |= churn(index, fresh) if fresh else {}
        results.append(row)
        memory_cell = f"{row['bytes_per_query']:,.0f}" if row["bytes_per_query"] else "–"
        churn_cells = (
            f"{row['add_us']:.1f} ({row['add_p99_us']:.0f}) "
            f"| {row['remove_us']:.1f} ({row['remove_p99_us']:.0f})"
            if fresh
            else "– | –"
        )
        print(
            f"| {size:,} | {row['distinct']:,} | {row['stories_per_s_cpu']:,.0f} "
            f"| {row['stories_per_s_wall']:,.0f} | {row['matches_per_story']:.1f} "
            f"| {build:.2f} s | {memory_cell} | {churn_cells} |"
        )
    return index, results


def agreement(index: MatchIndex, queries: list[Query], sample: list[Document]) -> bool:
    """Whether the index finds exactly what ``matches()`` finds over every query, per story."""
    agreed = compared = 0
    started = time.process_time()
    for doc in sample:
        brute = set()
        for key, query in enumerate(queries):
            found = matches(query, doc)
            if found is not None:
                brute.add((key, found.terms, found.where))
        indexed = {(key, m.terms, m.where) for m in index.match(doc) for key in m.keys}
        agreed += brute == indexed
        compared += len(brute)
    per_story = (time.process_time() - started) / len(sample)
    print(
        f"\nagreement of MatchIndex.match() with brute-force matches(): {agreed}/{len(sample)} "
        f"stories identical ({compared:,} matches, keys, terms and where compared, over "
        f"{len(queries):,} queries; brute force took {per_story:.2f} s CPU per story)"
    )
    return agreed == len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=300_000, help="largest query count")
    parser.add_argument("--stories", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=20, help="stories checked by brute force")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-df", type=float, default=0.02, help="table 1's vocabulary limit")
    parser.add_argument("--smoke", action="store_true", help="tiny run: checks that it works")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if args.smoke:
        args.queries, args.stories, args.sample = 2_000, 100, 3

    rng = random.Random(args.seed)
    stories, held_out = load_stories(rng, args.stories)
    seen, unseen = Vocabulary(stories), Vocabulary(held_out)
    words, pairs = seen.specific(len(stories), args.max_df)
    absent_words, absent_pairs = unseen.absent_from(seen)
    texts = make_queries(rng, words, pairs, args.queries)
    started = time.process_time()
    queries = [parse_query(t) for t in texts]
    parse_s = time.process_time() - started
    fresh = [parse_query(t) for t in make_queries(random.Random(args.seed + 2), words, pairs, 1000)]
    print(
        f"{len(stories):,} stories ({sum(len(d.text.split()) for d in stories) / len(stories):.0f} "
        f"words on average); table 1 vocabulary: {len(words):,} words + {len(pairs):,} phrases; "
        f"table 2 absent vocabulary: {len(absent_words):,} words + {len(absent_pairs):,} "
        f"phrases; parse_query: {parse_s / len(queries) * 1e6:.0f} µs CPU per query"
    )
    step = [n for n in (1_000, 10_000, 100_000) if n < args.queries] + [args.queries]
    sizes = [n // 10 for n in step[:1]] + step if args.smoke else step
    per_query = memory(texts, sizes, stories)
    index, rows1 = table(
        "Table 1: queries from the stories' own vocabulary",
        queries,
        sizes,
        stories,
        fresh,
        per_query,
    )
    del index
    absent = make_queries(rng, absent_words, absent_pairs, min(args.queries, 100_000) - sizes[0])
    _, rows2 = table(
        f"Table 2: the first {sizes[0]:,} queries of table 1, then queries on words absent "
        "from the stories",
        queries[: sizes[0]] + [parse_query(t) for t in absent],
        [n for n in sizes if n <= 100_000],
        stories,
    )
    checked = [n for n in sizes if n <= 100_000][-1]
    brute_index = MatchIndex()
    for key, query in enumerate(queries[:checked]):
        brute_index.add(key, query)
    sample = random.Random(args.seed + 1).sample(stories, min(args.sample, len(stories)))
    agreed = agreement(brute_index, queries[:checked], sample)
    if args.json:
        figures = {"table1": rows1, "table2": rows2, "agreement": agreed, "stories": len(stories)}
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not agreed:
        sys.exit("MatchIndex disagrees with matches()")


if __name__ == "__main__":
    main()
