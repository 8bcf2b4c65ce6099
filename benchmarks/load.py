"""Load: 100,000 chats, a burst of 1,000 stories, alerts and digests to everyone, measured.

    .venv/bin/python benchmarks/load.py [--chats 100000] [--stories 1000] [--quick | --smoke]
        [--postgres [--workers 2]] [--fanout 10000] [--deliver-seconds 60] [--hit 0.1]
        [--profile 500] [--profile-burst] [--json FILE]

Everything runs through the real code: chats and their queries in a database (SQLite file, or a
fresh schema on PostgreSQL, dropped at the end), `Services.build`, the `Pipeline` polling local
feed files, the `SubscriptionIndex`, the `OutboxWorker` on a `TelegramChannel` whose `ExtBot` is
paced by our `PacedRateLimiter` (as the application wires it), and `queue_due_digests`.
Telegram is `tests.fakes.botapi.FakeBotApi`, run in a child process so its CPU is not this
process's. Data: ../shared/data/summarization only (see `_load_data.py`).

This process is the bot: it holds what a running bot holds and nothing of the benchmark's data.
The benchmark's own work runs in child processes (`_load_child.py`): the setup (articles,
vocabulary, chats and queries inserted, feed files written) and the matching phase (its probe
index and its index of queries that all match are the benchmark's, not the bot's); their peaks
are printed apart. The bot's settings are the defaults but for the database and the feeds: it
fetches a teaser's page as a default bot does (entries' links go to a local page server, see
phase 5), so what reading pages loads counts too.

Phases, and the JSON key each fills (`--json FILE`):

1. setup (a child process): chats and 3 queries each inserted in bulk (not the code under
   test): `chats`, `queries`, `setup_child_peak_rss_mb`;
2. the subscription index built once, as a running bot holds it: `index_build_s`;
3. the burst ingested by `Pipeline.poll_all` (read, parse, group, summarize, match, queue
   alerts): `burst_stories_per_s` (queueing included), `alerts_queued`; the models a process
   loads once (language, sentence splitter, stemmer) are loaded before timing, as in a bot
   that has ingested before (`burst_warm_up_s`, as extract.py reads five pages first); with
   `--profile-burst` also a cProfile of queue_alerts, which slows the burst it measures
   (earlier default runs did this: their burst rates were cProfile's);
4. two feeds due at one tick with nothing new, polled as they are (`repoll_s`) and after one
   new subscription (`subscribe_repoll_s`: the incremental index path);
5. a feed of `--pages` teasers (30) whose pages, saved real English article pages served by
   `python -m http.server` in a child process, the bot fetches and reads:
   `teaser_pages_read` (`--pages-in-any-language`: pages in any language);
6. (a child process) `SubscriptionIndex.match` over the burst's stories with as many queries
   as chats, each matching at least one story: `match_stories_per_s` (the median of three
   passes, each listed in `match_stories_per_s_passes`), `matching_child_peak_rss_mb`;
7. the alerts delivered for at most `--deliver-seconds` with Telegram's limits on in the fake
   (30/s overall, 1/s a private chat, 20/min a group) and our configured pacing:
   `delivery_rate_fraction` (of the configured 30/s), `delivery_429`;
8. digests queued for the first `--fanout` chats: `digest_queue_chats_per_s`; then sent with
   the limits raised for at most twice `--deliver-seconds` (the bot's own ceiling):
   `fanout_raised_msgs_per_s`;
9. a digest fan-out to 500 chats at Telegram's limits: `fanout_msgs_per_s`,
   `fanout_rate_fraction`, `fanout_429`;
10. (`--profile N`) cProfile of queueing and sending digests for N more chats;
11. (`--workers 2`, needs `--postgres`) two real `newsbot run --role deliver` processes send
    digests to 300 chats: `two_workers_max_rate` (most messages the fake saw in any one
    second), `two_workers_delivered_once`, `two_workers_peak_rss_mb`.

`peak_rss_mb` is the bot process's peak RSS (ru_maxrss) over all its phases: the imports (the
bot's, PTB's ExtBot for sending, and the benchmark's few modules), the story and subscription
indexes, the burst's ingest (the language model, the summarizer's and matching's memos, the
database's buffers), the re-polls, the teasers' pages (the extraction's own data), the alerts'
and digests' delivery and queueing, and the malloc arenas of its threads. Not in it: the setup's
and the matching phase's children, the page server, the fake Bot API's process, the two
workers (`two_workers_peak_rss_mb`), and this process's work while they run (it reads every
message the fake saw and imports the test that starts them: its memory table shows that
phase, `peak_rss_mb` stops before it). `rss_mb_by_phase` is the resident set after each phase. A
child process then builds the indexes alone under tracemalloc and prints what holds the memory
(`_load_memory.py`; `index_rss_mb`, `rss_after_imports_mb`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _load_child import in_child  # noqa: E402
from _load_data import chat_ids, database_url, group_count, page_server  # noqa: E402
from _load_delivery import (  # noqa: E402
    alerts_at_limits,
    fan_out_at_limits,
    fan_out_raised,
    profile_fan_out,
    queue_digests,
    set_aside_pending,
)
from _load_measure import Fake, Report, Row, table  # noqa: E402
from _load_phases import build_index, ingest, repolls, teaser_pages  # noqa: E402
from _load_workers import two_workers  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import FeedConfig, Settings  # noqa: E402

NAMES = ("chats", "stories", "deliver_seconds", "fanout", "at_limits", "profile", "pages")
SIZES = {  # the defaults of each size; an option given on the command line wins
    "full": (100_000, 1_000, 60.0, 10_000, 500, 500, 30),
    "quick": (5_000, 200, 20.0, 5_000, 300, 0, 30),
    "smoke": (300, 60, 5.0, 100, 40, 0, 5),
}
WORKER_CHATS = {"smoke": 30}  # digests for the two workers; 300 otherwise
CHILDREN = {
    "setup": "setup: articles, vocabulary, chats and queries inserted, feeds and pages written",
    "matching": "matching phase: the probe index, and the index of queries that all match",
}


async def run(args: argparse.Namespace, report: Report, folder: Path, fake: Fake) -> None:
    started = time.monotonic()
    n = args.chats
    data = f"{n:,} chats ({group_count(n):,} groups), {args.stories:,} stories"

    with database_url(args.postgres, folder) as url, page_server(folder) as links:
        kind = "PostgreSQL" if args.postgres else "SQLite file"
        params = {"chats": n, "stories": args.stories, "hit": args.hit, "seed": args.seed}
        setup = {"url": url, "folder": str(folder), "kind": kind, "links": links}
        setup |= {"pages": args.pages, "any_language": args.pages_in_any_language}
        setup |= {"now": datetime.now(UTC).isoformat()}
        made = in_the_child(report, "setup", params | setup)
        feeds = [FeedConfig(url=url_, name=name) for url_, name in made["feeds"]]
        teaser_url, teaser_name, teasers_full = made["teasers"]
        teasers = FeedConfig(url=teaser_url, name=teaser_name)
        settings = Settings(database_url=url, feeds=[*feeds, teasers])  # defaults otherwise
        for start in range(0, n, 10_000):
            fake.add_chats(chat_ids(n, start, start + 10_000))
        report.figures.update(chats=n, queries=made["queries"], stories=args.stories)
        report.phase_done("setup", fake, started)
        # The services' own channel is never used: every delivery phase sends through a
        # TelegramChannel of its own, paced as that phase says.
        services = Services.build(settings, _unused_channel(), clock=SystemClock())
        documents = folder / "documents.pickle"
        try:
            await build_index(report, services)
            report.phase_done("index", fake, started)
            await ingest(report, services, data, len(feeds), documents, profile=args.profile_burst)
            report.phase_done("ingest", fake, started)
            await repolls(report, services, fake)
            report.phase_done("re-polls", fake, started)
            await teaser_pages(report, services, teaser_url, Path(teasers_full))
            report.phase_done("teaser pages", fake, started)
            in_the_child(report, "matching", params | {"documents": str(documents)})
            report.phase_done("matching", fake, started)
            await alerts_at_limits(report, services, fake, args.deliver_seconds)
            report.phase_done("alerts", fake, started)
            set_aside_pending(services.db)
            fanout = chat_ids(n, 0, args.fanout)
            await queue_digests(report, services, fanout, n)
            await fan_out_raised(report, services, fake, len(fanout), 2 * args.deliver_seconds)
            del fanout
            report.phase_done("digest fan-out, limits raised", fake, started)
            set_aside_pending(services.db)
            await fan_out_at_limits(report, services, fake, chat_ids(n, n - args.at_limits))
            report.phase_done("digest fan-out at the limits", fake, started)
            if args.profile:
                await profile_fan_out(report, services, fake, chat_ids(n, n - args.profile))
                report.phase_done("profile", fake, started)
            if args.workers == 2:
                chats = chat_ids(n, 0, WORKER_CHATS.get(args.size, 300))
                await asyncio.to_thread(two_workers, report, services, fake, url, chats, folder)
                report.phase_done("two workers", fake, started, the_bots=False)
        finally:
            await services.aclose()
        memory_of_the_indexes(report, url)


def in_the_child(report: Report, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's own work `kind` in a child process (`_load_child.py`): its rows and
    figures join the report, its peak RSS is reported apart from the bot's."""
    found = in_child(kind, params)
    for row in found["rows"]:
        report.rows.append(Row(*row))
    report.figures.update(found["figures"])
    report.children.append((kind, found["peak_mb"]))
    report.figures[f"{kind}_child_peak_rss_mb"] = round(found["peak_mb"], 1)
    return dict(found["result"])


def _unused_channel() -> Any:
    from bot.deliver.console import ConsoleChannel

    return ConsoleChannel()


def memory_of_the_indexes(report: Report, url: str) -> None:
    """The indexes built again in a child under tracemalloc (see _load_memory.py)."""
    child = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_load_memory.py")), url],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        report.notes.append(f"tracemalloc child failed:\n\n{child.stderr[-2000:]}")
        return
    found = json.loads(child.stdout)
    report.figures["rss_after_imports_mb"] = found["rss_after_imports_mb"]
    report.figures["index_rss_mb"] = found["index_rss_mb"]
    report.figures["index_traced_mb"] = found["traced_mb"]
    lines = [[f"`{t['where']}`", f"{t['mb']:,.1f}", f"{t['blocks']:,}"] for t in found["top"]]
    report.notes.append(
        f"What holds the memory: the subscription index ({found['queries']:,} queries) and the "
        f"story index ({found['stories']:,} stories) built in a fresh process under "
        f"tracemalloc: {found['traced_mb']:,.1f} MB traced; that process's RSS after its "
        f"imports, before any data: {found['rss_after_imports_mb']:,.0f} MB, and what building "
        f"the indexes (untraced) added to it: {found['index_rss_mb']:,.0f} MB. Top allocations "
        f"by line:\n\n" + table(["where", "MB", "blocks"], lines)
    )
    report.figures["first_story_traced_mb"] = found["first_story_traced_mb"]
    lines = [
        [f"`{t['where']}`", f"{t['mb']:,.1f}", f"{t['blocks']:,}"] for t in found["first_story_top"]
    ]
    report.notes.append(
        f"What the first story a process ingests loads and keeps (language detected, summarized, "
        f"fingerprinted, matched; the same child, under tracemalloc): "
        f"{found['first_story_traced_mb']:,.1f} MB traced. Top allocations by line:\n\n"
        + table(["where", "MB", "blocks"], lines)
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chats", type=int)
    parser.add_argument("--stories", type=int)
    parser.add_argument("--quick", action="store_true", help="5,000 chats, 200 stories")
    parser.add_argument("--smoke", action="store_true", help="300 chats, 60 stories: seconds")
    parser.add_argument("--postgres", action="store_true", help="a scratch schema on PostgreSQL")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--hit", type=float, default=0.1, help="share of queries on the burst")
    parser.add_argument("--deliver-seconds", type=float)
    parser.add_argument("--fanout", type=int, help="chats in the digest fan-out")
    parser.add_argument("--at-limits", type=int, help="digest chats at 30/s")
    parser.add_argument("--profile", type=int, help="chats to profile (0: none)")
    parser.add_argument(
        "--profile-burst",
        action="store_true",
        help="cProfile queue_alerts during the burst (its rate is then not the bot's)",
    )
    parser.add_argument("--pages", type=int, help="teaser entries whose pages are read")
    parser.add_argument(
        "--pages-in-any-language",
        action="store_true",
        help="teaser pages in any language, not only English (each new language costs the "
        "subscription index one more compiled table)",
    )
    parser.add_argument("--seed", type=int, default=20251221)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    args.size = "smoke" if args.smoke else "quick" if args.quick else "full"
    for name, default in zip(NAMES, SIZES[args.size], strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.workers == 2 and not args.postgres:
        parser.error("--workers 2 needs --postgres (the workers share one PostgreSQL outbox)")
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    load_before = os.getloadavg()[0]
    fake = Fake()  # forked before any thread of this process exists
    signal.signal(signal.SIGTERM, _interrupt)  # `timeout` stops the run: clean up as for ^C
    report = Report(json_path=args.json)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    try:
        asyncio.run(run(args, report, folder, fake))
    finally:
        fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    report.figures["elapsed_s"] = round(elapsed, 1)

    print(f"## Load: {args.chats:,} chats, {args.stories:,} stories ({elapsed / 60:.1f} min)\n")
    print(
        f"A shared machine ({os.cpu_count()} cores): load average {load_before:.1f} before the "
        f"run, {os.getloadavg()[0]:.1f} after. Times are wall-clock unless marked CPU.\n"
    )
    lines = [[r.what, r.data, r.figure] for r in report.rows]
    print(table(["what was measured", "on which data", "figures"], lines))
    print(
        "\nMemory after each phase: the bot's process (peak = ru_maxrss so far, and resident "
        "now), and the fake Bot API's process (peak). The benchmark's own child processes, "
        "not the bot, apart below.\n"
    )
    memory = [
        [phase, f"{peak:,.0f}", f"{now:,.0f}", f"{fake_mb:,.0f}"]
        for phase, peak, now, fake_mb in report.memory
    ]
    heads = ["phase", "bot process peak MB", "bot process now MB", "fake Bot API process MB"]
    print(table(heads, memory))
    print(
        "\n"
        + table(
            ["the benchmark's own child process (not the bot)", "peak MB"],
            [[CHILDREN[kind], f"{mb:,.0f}"] for kind, mb in report.children],
        )
    )
    for note in report.notes:
        print(f"\n{note}")
    print("\n" + json.dumps(report.figures, indent=1))
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
