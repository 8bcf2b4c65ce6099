"""What holds the bot's memory: the subscription and story indexes built in a fresh process,
that process's RSS before and after (`index_rss_mb`: what the indexes add to it), then built
again under tracemalloc for the top allocations by line.

Run by `benchmarks/load.py` as a child (``python benchmarks/_load_memory.py URL``), so
tracemalloc's own bookkeeping (it roughly doubles the memory of what it traces) never counts
in the benchmark's peak. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(url: str) -> dict[str, object]:
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
            pipeline.subscriptions.refresh(session)
        return pipeline

    untraced = built()
    index_rss = _status_mb("VmRSS") - imported
    tracemalloc.start()
    pipeline = built()
    snapshot = tracemalloc.take_snapshot()
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    top = [
        {"where": str(stat.traceback[0]), "mb": round(stat.size / 2**20, 1), "blocks": stat.count}
        for stat in snapshot.statistics("lineno")[:12]
    ]
    db.dispose()
    del untraced
    return {
        "rss_after_imports_mb": round(imported, 1),
        "index_rss_mb": round(index_rss, 1),
        "traced_mb": round(traced / 2**20, 1),
        "queries": len(pipeline.subscriptions),
        "stories": len(pipeline.stories),
        "top": top,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
