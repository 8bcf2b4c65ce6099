"""How fast MatchIndex matches stories as the number of subscribed queries grows.

Stories: 1,000 real articles: all 250 CNN/DailyMail articles of cnndm_test_frank (first sentence
as title) and 750 BBC articles of bbc_news_summary drawn with a seeded RNG, each with a source URL
on its outlet's domain (edition.cnn.com, www.dailymail.co.uk, www.bbc.co.uk).

Queries, generated with a seeded RNG: 30% one word, 20% two words, 15% a two-word phrase,
10% ``a OR b``, 10% ``a -b``, 5% ``intitle:a``, 5% ``a site:<outlet>``,
5% ``a (b OR c) -d "phrase"``, written as the words appear in the text.

Table 1 draws the words from the stories themselves: words of 4+ letters and two-word phrases
(no stop words) whose *stems* occur in at least 2 and at most ``--max-df`` (2%) of the stories,
i.e. specific words, not "said" or "year". Every such query concerns some stories, so the number
of matches per story grows in proportion to the number of queries, and so does the time spent
reporting them.

Table 2 keeps 1,000 of those queries and adds queries built the same way from words that occur in
none of the stories (from the 250 BBC articles not used as stories and the XSum articles). The
matches stay the same; the extra time is what the index costs per query that does not concern a
story, which the brief asks to be flat.

Times are CPU time of this process after one untimed pass that warms the stemmer's memo (as in a
running bot); this 2-core machine is shared, so wall-clock rates are lower and noisier. The run
ends with the agreement of the index with brute-force ``matches()`` over every query of table 1
on a sample of stories.

    .venv/bin/python benchmarks/match.py [--queries 100000] [--sample 20] [--max-df 0.02]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sumy.utils import get_stop_words  # noqa: E402

from bot.match import Document, MatchIndex, Query, matches, parse_query  # noqa: E402
from bot.match.text import stemmer_for, tokenize  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "summarization"
WORD = re.compile(r"[^\W\d_]{4,}")
PAIR = re.compile(r"[^\W\d_]{3,} [^\W\d_]{3,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z(])")
SITES = ("bbc.co.uk", "cnn.com", "dailymail.co.uk")


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
        self.stop = {stemmer(w) for w in get_stop_words("english")}  # no alert on "although"
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


def run(index: MatchIndex, stories: list[Document]) -> tuple[float, float, int]:
    """CPU and wall-clock seconds to match every story, and the matches found."""
    cpu, wall = time.process_time(), time.perf_counter()
    found = sum(len(index.match(doc)) for doc in stories)
    return time.process_time() - cpu, time.perf_counter() - wall, found


def table(
    title: str, queries: list[Query], sizes: list[int], stories: list[Document]
) -> MatchIndex:
    """Grow one index through ``sizes`` queries, matching every story at each size."""
    print(f"\n{title}\n")
    print(
        "| queries | index build (cumulative) | CPU time per story | stories/s (CPU) "
        "| stories/s (wall) | matches | matches/story |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    index = MatchIndex()
    run(index, stories)  # warm the stemmer's memo, as in a bot that has been running
    build = 0.0
    for size in sizes:
        started = time.process_time()
        for key in range(len(index), size):
            index.add(key, queries[key])
        build += time.process_time() - started
        cpu, wall, found = run(index, stories)
        print(
            f"| {size:,} | {build:.2f} s | {cpu / len(stories) * 1e3:.3f} ms "
            f"| {len(stories) / cpu:,.0f} | {len(stories) / wall:,.0f} | {found:,} "
            f"| {found / len(stories):.1f} |"
        )
    return index


def agreement(index: MatchIndex, queries: list[Query], sample: list[Document]) -> bool:
    """Whether the index finds exactly what ``matches()`` finds over every query, per story."""
    agreed = compared = 0
    started = time.process_time()
    for doc in sample:
        brute = []
        for key, query in enumerate(queries):
            found = matches(query, doc)
            if found is not None:
                brute.append((key, found.terms, found.where))
        indexed = [(m.key, m.terms, m.where) for m in index.match(doc)]
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
    parser.add_argument("--queries", type=int, default=100_000, help="largest query count")
    parser.add_argument("--stories", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=20, help="stories checked by brute force")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-df", type=float, default=0.02, help="table 1's vocabulary limit")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    stories, held_out = load_stories(rng, args.stories)
    seen, unseen = Vocabulary(stories), Vocabulary(held_out)
    words, pairs = seen.specific(len(stories), args.max_df)
    absent_words, absent_pairs = unseen.absent_from(seen)
    texts = make_queries(rng, words, pairs, args.queries)
    started = time.process_time()
    queries = [parse_query(t) for t in texts]
    parse_s = time.process_time() - started
    print(
        f"{len(stories):,} stories ({sum(len(d.text.split()) for d in stories) / len(stories):.0f} "
        f"words on average); table 1 vocabulary: {len(words):,} words + {len(pairs):,} phrases; "
        f"table 2 absent vocabulary: {len(absent_words):,} words + {len(absent_pairs):,} "
        f"phrases; parse_query: {parse_s / len(queries) * 1e6:.0f} µs CPU per query"
    )
    sizes = [n for n in (1_000, 10_000, 100_000) if n < args.queries] + [args.queries]
    index = table("Table 1: queries from the stories' own vocabulary", queries, sizes, stories)
    absent = make_queries(rng, absent_words, absent_pairs, args.queries - sizes[0])
    table(
        f"Table 2: the first {sizes[0]:,} queries of table 1, then queries on words absent "
        "from the stories",
        queries[: sizes[0]] + [parse_query(t) for t in absent],
        sizes,
        stories,
    )
    sample = random.Random(args.seed + 1).sample(stories, min(args.sample, len(stories)))
    if not agreement(index, queries, sample):
        sys.exit("MatchIndex disagrees with matches()")


if __name__ == "__main__":
    main()
