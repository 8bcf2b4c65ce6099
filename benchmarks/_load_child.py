"""The load benchmark's own work, each part in a child process, so that none of its data is
ever in the bot's process and `peak_rss_mb` measures the bot alone:

* `setup`: the burst's articles and the held-out ones, the vocabulary queries are drawn from,
  the chats and their queries inserted, the feed files written, the teaser pages saved;
* `matching`: `SubscriptionIndex.match` when every query matches something. Finding such
  queries takes a probe `MatchIndex` of three times as many drawn queries, and the timed
  index is one the benchmark builds, not the bot's; the stories are the documents the bot
  matched during the burst, read back from the file `ingest` wrote them to. The figure is the
  median of three timed passes over them: one pass takes a second or two, and on a shared
  machine, runs minutes apart gave this figure from one pass as 519 and as 869 stories/s.

    python benchmarks/_load_child.py setup|matching PARAMS_JSON   (run by load.py)

Prints one JSON object: the rows and figures it adds to the report, what the parent needs
back (`result`) and the child's peak RSS (`peak_mb`). Its progress goes to stderr as the
parent's does.
"""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MATCH_PASSES = 3  # the matching figure is the median pass's


def in_child(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Runs `kind` in a child process; its output (see the module docstring), or SystemExit."""
    child = subprocess.run(
        [sys.executable, __file__, kind, json.dumps(params)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"the {kind} child failed (exit {child.returncode}); see above")
    found: dict[str, Any] = json.loads(child.stdout)
    return found


def setup(report: Any, p: dict[str, Any]) -> dict[str, Any]:
    from _load_data import (
        Vocabulary,
        burst_articles,
        chat_ids,
        english_pages,
        insert_chats,
        write_feeds,
        write_teasers,
    )

    from bot.store import open_database

    rng = random.Random(p["seed"])
    now = datetime.fromisoformat(p["now"])
    articles, held = burst_articles(p["stories"])
    vocabulary = Vocabulary([a.text for a in articles], held)
    feeds = write_feeds(Path(p["folder"]), articles, now, p["links"])
    pages = english_pages(p["pages"], p["any_language"])
    teasers, full = write_teasers(Path(p["folder"]), pages, p["links"], now)
    t = time.perf_counter()
    db = open_database(p["url"])
    n_queries = insert_chats(db, chat_ids(p["chats"]), lambda: vocabulary.query(rng, p["hit"]), now)
    db.dispose()
    setup_s = time.perf_counter() - t
    report.add(
        "setup: chats and queries inserted in bulk",
        f"{p['kind']}; vocabulary: {len(vocabulary.words):,} words and "
        f"{len(vocabulary.phrases):,} phrases of the burst, {len(vocabulary.held_words):,} "
        f"words only in held-out articles; {p['hit']:.0%} of queries on the burst",
        f"{n_queries:,} queries in {setup_s:.1f} s",
    )
    return {
        "queries": n_queries,
        "feeds": [[f.url, f.name] for f in feeds],
        "teasers": [teasers.url, teasers.name, str(full)],
    }


def write_document(path: Path, doc: Any) -> None:
    """Appends one matched document to `path` (the bot's process keeps none of them)."""
    with path.open("ab") as out:
        pickle.dump((doc.title, doc.text, doc.language, doc.urls), out)


def read_documents(path: Path) -> list[Any]:
    from bot.match import Document

    docs = []
    with path.open("rb") as stream:
        while True:
            try:
                title, text, language, urls = pickle.load(stream)
            except EOFError:
                return docs
            docs.append(Document(title=title, text=text, language=language, urls=urls))


def matching(report: Any, p: dict[str, Any]) -> dict[str, Any]:
    """`SubscriptionIndex.match` over the burst's stories with `chats` queries that each match
    at least one of them: queries drawn from the burst's words, kept when a first pass finds
    them matching something (the index is filled through its private `_add`, as a refresh
    does, then set aside from the garbage collector's passes as a bot's first load does)."""
    from _load_data import Vocabulary, burst_articles
    from _load_measure import cpu_s

    from bot.match import MatchIndex, QueryError, parse_query
    from bot.memory import set_aside_long_lived
    from bot.subscribers import SubscriptionIndex

    docs = read_documents(Path(p["documents"])) if Path(p["documents"]).exists() else []
    if not docs:
        report.figures["match_stories_per_s"] = None
        return {}
    articles, held = burst_articles(p["stories"])
    vocabulary = Vocabulary([a.text for a in articles], held)
    rng = random.Random(p["seed"])
    probe, drawn = MatchIndex(), []
    for _ in range(3 * p["chats"]):
        text = vocabulary.query(rng, hit=1.0)
        try:
            probe.add(len(drawn), parse_query(text))
        except QueryError:
            continue
        drawn.append(text)
    hit: set[int] = set()
    for doc in docs:
        for m in probe.match(doc):
            hit.update(int(k) for k in m.keys)
    del probe
    texts = [drawn[k] for k in sorted(hit)][: p["chats"]]
    index = SubscriptionIndex()
    for sub_id, text in enumerate(texts, start=1):
        index._add(sub_id, sub_id, text)
    queries = len(texts)
    del drawn, texts, hit, articles, held, vocabulary
    set_aside_long_lived()  # as a bot's first load does (`Pipeline.load`): see bot/memory.py
    runs = []  # (wall, cpu, matches): one pass is a second or two, which a neighbour can halve
    for _ in range(MATCH_PASSES):
        t0, c0 = time.perf_counter(), cpu_s()
        found = sum(len(index.match(doc)) for doc in docs)
        runs.append((time.perf_counter() - t0, cpu_s() - c0, found))
    wall, cpu, found = sorted(runs)[len(runs) // 2]  # the median pass, by wall-clock time
    report.figures["match_stories_per_s"] = round(len(docs) / wall, 1)
    report.figures["match_stories_per_cpu_s"] = round(len(docs) / cpu, 1) if cpu else None
    report.figures["match_stories_per_s_passes"] = [round(len(docs) / w, 1) for w, _, _ in runs]
    report.figures["match_queries"] = queries
    passes = ", ".join(f"{len(docs) / w:,.0f}" for w, _, _ in runs)
    report.add(
        "matching when every query matches something (SubscriptionIndex.match; a child "
        "process, its index is the benchmark's)",
        f"the burst's {len(docs):,} stories against {queries:,} queries drawn from them, "
        f"each matching at least one story; the median of {MATCH_PASSES} passes",
        f"{wall:.2f} s ({cpu:.2f} CPU s) = {len(docs) / wall:,.0f} stories/s (passes: "
        f"{passes}); {found:,} matches ({found / len(docs):,.0f} a story)",
    )
    return {}


def main(kind: str, params: str) -> int:
    sys.path.insert(0, str(REPO))
    from _load_measure import Report, peak_mb

    report = Report()
    result = {"setup": setup, "matching": matching}[kind](report, json.loads(params))
    rows = [[r.what, r.data, r.figure] for r in report.rows]
    out = {"rows": rows, "figures": report.figures, "result": result, "peak_mb": peak_mb()}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
