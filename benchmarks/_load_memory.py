"""What holds the bot's memory: the subscription and story indexes built in a fresh process,
that process's RSS before and after (`index_rss_mb`: what the indexes add to it), then built
again under tracemalloc for the top allocations by line; then what the first story a process
ingests loads and keeps (its language detected, summarized, fingerprinted, matched), traced
the same way (`first_story_traced_mb`): the models every ingesting process holds from then on.

Run by `benchmarks/load.py` as a child (``python benchmarks/_load_memory.py URL``), so
tracemalloc's own bookkeeping (it roughly doubles the memory of what it traces) never counts
in the benchmark's peak. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(url: str) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from bot.clock import SystemClock
    from bot.fetch import Fetcher
    from bot.ingest import Pipeline
    from bot.settings import Settings
    from bot.store import open_database

    imported = _status_mb("VmRSS")
    settings = Settings(database_url=url, feeds=[])
    db = open_database(url)

    def built() -> Pipeline:
        pipeline = Pipeline(db, Fetcher(), settings, SystemClock())
        pipeline.load()
        with db.session() as session:
            pipeline.writer.subscriptions.refresh(session)
        return pipeline

    untraced = built()
    index_rss = _status_mb("VmRSS") - imported
    tracemalloc.start()
    pipeline = built()
    snapshot = tracemalloc.take_snapshot()
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    top = _top(snapshot, 12)
    del untraced
    story_mb, story_top = first_story(db, pipeline, settings)
    db.dispose()
    return {
        "rss_after_imports_mb": round(imported, 1),
        "index_rss_mb": round(index_rss, 1),
        "traced_mb": round(traced / 2**20, 1),
        "queries": len(pipeline.writer.subscriptions),
        "stories": len(pipeline.writer.stories),
        "top": top,
        "first_story_traced_mb": story_mb,
        "first_story_top": story_top,
    }


def first_story(db: Any, pipeline: Any, settings: Any) -> tuple[float, list[dict[str, Any]]]:
    """What the steps of ingest keep after one stored article's text goes through them (the
    ones `StoryWriter._store_one` and `EntryReader.prepare` take for a new story)."""
    from sqlalchemy import select

    import summarizer
    from bot.group import fingerprint
    from bot.language import decide
    from bot.match import Document
    from bot.store import Article

    with db.session() as session:
        title, text = session.execute(select(Article.title, Article.text).limit(1)).one()
    opts = settings.summary
    tracemalloc.start()
    language = decide(text)
    summary = summarizer.summarize(
        text, opts.sentences, language, method=opts.method, max_words=opts.max_words, title=title
    )
    fingerprint(text)
    pipeline.writer.subscriptions.match(Document(title=title, text=text, language=language))
    snapshot = tracemalloc.take_snapshot()
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del summary
    return round(traced / 2**20, 1), _top(snapshot, 8)


def _top(snapshot: tracemalloc.Snapshot, n: int) -> list[dict[str, Any]]:
    return [
        {"where": str(stat.traceback[0]), "mb": round(stat.size / 2**20, 1), "blocks": stat.count}
        for stat in snapshot.statistics("lineno")[:n]
    ]


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
