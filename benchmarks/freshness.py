"""Freshness: a simulated day of 1,000 feeds through the real ingest code, fixed vs new schedule.

    .venv/bin/python benchmarks/freshness.py [--feeds 1000] [--hours 24] [--warmup 1]
        [--tail 0.25] [--seed 0] [--json FILE] [--quick | --smoke] [--transport memory|http]
        [--jobs 2] [--schedules fixed,new] [--threads] [--profile]

The world (benchmarks/_freshness_model.py, one seeded RNG, the same for both schedules):
2% wires (an entry every 2-5 minutes), 30% "hourly" (Poisson, 1.4/h from 06:00 to 22:00 UTC,
0.4/h at night), 40% daily (1-3 entries between 07:00 and 21:00), 28% rare (one entry on 30% of
days); 10% of the feeds, drawn across the classes, name a WebSub hub. 15% of the feeds are on
one big site, 7.5% on each of two more, 2% on each of ten medium sites, half on sites of their
own. Publications start 7 days before the simulation, so the first poll finds a real backlog
(a feed document lists its newest 10 entries for wires, 5 for the others). Entries are short (a
title and 24 words), each its own story, and every title holds the word the one chat follows,
so each new entry queues one alert.

The bot is the real `bot.ingest.Pipeline` on a real SQLite file (migrated by `open_database`,
in /dev/shm when there is one), with a real `Fetcher` and a `FrozenClock`. The publishers answer
by simulated time with an ETag per feed (304 while it holds): `--transport memory` (default)
hands the Fetcher's httpx client an in-process transport with those answers; `--transport
http` serves them from an HTTP/1.1 server in a child process, over loopback sockets, every site
on one port by `Host` name (_freshness_server.py). The two give the same figures; sockets only
cost time. The simulation runs the service's poll job: every `schedule.poll_interval` (15 s) of
simulated time it calls `poll_due`, skipping ticks at which no feed is due (they would poll
nothing), so the clock jumps from one due tick to the next. Per-host spacing
(`poll.host_interval`) is off, since it sleeps on the real clock; at most
`poll.host_concurrency` requests at once still hold. Page fetching is off (entries carry their
text) and summaries use the "lead" method.

Schedules. fixed: every feed every 900 s, as on main before issue 14 (the adaptive code with
`poll.min_interval = max_interval = 900`). new: the adaptive schedule (bot/schedule.py) with
the default poll settings (the daily request budget is the fixed schedule's, 96 a feed, shared
by the square root of each feed's publication rate), plus WebSub: the poll discovers the hub
(`note_hub`), the simulated hub verifies the subscription through the bot's
`bot.websub.Callback.verify` after that poll pass (the subscriber job's POST to the hub is
skipped), then pushes each entry at its publication time, signed with the subscription's
secret, to `Callback.receive`, whose accepted content is awaited through `Pipeline.push`
(_freshness_hub.py; not over HTTP).

The database steps the service hands to threads (`asyncio.to_thread`) run inline here, in the
event loop's thread (`run_db_steps_inline`; `--threads` keeps the threads): same calls, same
figures, a fraction of the CPU on a busy machine.

Delay = when the alert was queued (the Outbox row's `created_at`, simulated) - the entry's
publication time, for entries published during the measured day (the warm-up before it is
simulated but not counted). The simulation runs `--tail` past the day; an entry still without
an alert then counts with the delay it had reached (a lower bound) and is listed as "not
alerted". Requests are those logged by the publishers during the measured day, by simulated
time; "per host per minute at peak" is the busiest (host, simulated minute).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import math
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import httpx  # noqa: E402
from _freshness_hub import SimHub  # noqa: E402
from _freshness_model import (  # noqa: E402
    TERM,
    World,
    build_world,
)
from _freshness_report import Run, Schedule, figures, print_table, summary_json  # noqa: E402
from _freshness_server import InProcess, PublisherServer  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.chat.prefs import Caller, ensure_chat  # noqa: E402
from bot.chat.subscriptions import subscribe  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.fetch.pinning import AddressPolicy, PinnedNetwork, PinnedTransport  # noqa: E402
from bot.ingest import Pipeline  # noqa: E402
from bot.polling import sync_feeds  # noqa: E402
from bot.services import feed_fetcher  # noqa: E402
from bot.settings import FeedConfig, PollSettings, Settings, SummarySettings  # noqa: E402
from bot.store import Article, Feed, Outbox, open_database  # noqa: E402

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, 00:00 UTC: sim second 0
CHAT = 1
T = TypeVar("T")
FIXED_INTERVAL = 900


def _fast_dir() -> str | None:
    """A RAM-backed folder when there is one: the bot's SQLite file, not the disk, is measured."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


async def _loopback(host: str, port: int) -> list[str]:
    """Every simulated site is on this machine."""
    return ["127.0.0.1"]


def _transport() -> PinnedTransport:
    """The service's pinned transport, with a pool that keeps every site's connection: the
    pool's keep-alive expiry is on the real clock, which the simulation compresses (a 15 min
    gap between two polls lasts milliseconds), and the service's default of 20 idle
    connections would make the 500 sites reconnect on nearly every poll here."""
    network = PinnedNetwork(_loopback, AddressPolicy(public_only=False))
    limits = httpx.Limits(
        max_connections=200, max_keepalive_connections=2000, keepalive_expiry=None
    )
    return PinnedTransport(network, limits=limits)


# --- one simulated day -------------------------------------------------------------------------


class Sim:
    def __init__(
        self, world: World, schedule: Schedule, server: PublisherServer | InProcess, folder: Path
    ) -> None:
        self.world, self.schedule, self.server = world, schedule, server
        url = f"sqlite:///{folder / f'{schedule.name}.db'}"
        feeds = [
            FeedConfig(
                url=f"http://{f.host}:{server.port}{f.path}",
                name=f"feed {f.id}",
                interval=FIXED_INTERVAL,
            )
            for f in world.feeds
        ]
        extra = dict(schedule.settings)
        poll = {"fetch_pages": False, "host_interval": 0.0} | extra.pop("poll", {})
        self.settings = Settings(
            database_url=url,
            feeds=feeds,
            poll=PollSettings(**poll),
            summary=SummarySettings(method="lead"),
            **extra,
        )
        self.db = open_database(url)
        self.clock = FrozenClock(world.at(-world.warmup))
        ids = sync_feeds(self.db, feeds, self.clock.now())
        self.feed_of = dict(zip(ids, world.feeds, strict=True))  # db id -> SimFeed
        db_ids = {f.id: fid for fid, f in self.feed_of.items()}
        with self.db.session() as session:
            ensure_chat(session, CHAT, self.clock.now(), self.settings)
            subscribe(session, Caller(CHAT), TERM, self.clock.now(), self.settings)
        self.fetcher = feed_fetcher(
            self.settings.poll, transport=server.transport, resolve=_loopback
        )
        self.pipeline = Pipeline(self.db, self.fetcher, self.settings, self.clock, worker="sim")
        self.tick = self.settings.schedule.poll_interval or 15.0
        self.polls = self.pushes = 0
        self.hub = None
        if schedule.push:
            ws = self.settings.websub
            self.hub = SimHub(self.db, self.clock, ws, self.pipeline, world, db_ids, server.hub_url)

    def _set(self, t: float) -> None:
        self.clock.set(self.world.at(t))
        self.server.now(t)

    def _next_due(self) -> float | None:
        with self.db.session() as session:
            due = session.scalar(select(func.min(Feed.next_poll_at)).where(Feed.active.is_(True)))
        return None if due is None else (due - self.world.start).total_seconds()

    async def run(self, until: float) -> None:
        """Poll ticks (and pushes) from the warm-up's start to `until` (simulated seconds)."""
        origin = -self.world.warmup
        hub = self.hub
        pushes = (
            sorted(
                (t, f.id, n + 1)
                for f in self.world.feeds
                if f.hub
                for n, t in enumerate(f.times)
                if t >= origin
            )
            if hub is not None
            else []
        )
        k = 0
        t = origin
        while t < until:
            self._set(t)
            await self.pipeline.poll_due()
            self.polls += 1
            if hub is not None:
                await asyncio.to_thread(hub.verify_requested)
            due = self._next_due()
            nxt = until if due is None else max(due, t + self.tick)
            nxt = origin + math.ceil((nxt - origin) / self.tick) * self.tick  # the job's grid
            while hub is not None and k < len(pushes) and pushes[k][0] < min(nxt, until):
                at, feed, published = pushes[k]
                if at >= t:
                    self._set(at)
                    self.pushes += await hub.publish(feed, published)
                k += 1
            t = nxt

    def delays(self, tail_end: float) -> tuple[dict[int, list[float]], dict[int, int]]:
        with self.db.session() as session:
            rows = session.execute(
                select(Article.guid, func.min(Outbox.created_at))
                .join(Outbox, Outbox.story_id == Article.story_id)
                .where(Outbox.chat_id == CHAT)
                .group_by(Article.guid)
            ).all()
        queued = {guid: (at - self.world.start).total_seconds() for guid, at in rows}
        delays: dict[int, list[float]] = defaultdict(list)
        missing: Counter[int] = Counter()
        for f in self.world.feeds:
            for n, pub in enumerate(f.times):
                if not 0 <= pub < self.world.end:
                    continue
                at = queued.get(f"sim-{f.id}-{n}")
                if at is None:
                    missing[f.id] += 1
                    at = tail_end
                delays[f.id].append(at - pub)
        return dict(delays), dict(missing)

    async def close(self) -> None:
        await self.fetcher.aclose()
        self.db.dispose()


async def _inline(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return func(*args, **kwargs)


def run_db_steps_inline() -> None:
    """`asyncio.to_thread` runs its function at once, in the event loop's thread (`--threads`
    keeps the threads). The service hands each database step to a thread so the loop keeps
    serving other feeds' network I/O while SQLite or PostgreSQL works; here the network is
    in-process and the clock simulated, so there is nothing to overlap, and on a shared
    two-core machine each hand-over (a queue put, a thread wake-up, the GIL passed back and
    forth) cost more CPU than the step itself. The steps are the same calls, in the same
    order within a feed; the pipeline's store lock is never contended (a step finishes
    before another coroutine runs)."""
    asyncio.to_thread = _inline  # type: ignore[assignment]


async def simulate(
    world: World, schedule: Schedule, tail: float, folder: Path, transport: str
) -> Run:
    started, cpu = time.monotonic(), time.process_time()
    with PublisherServer(world) if transport == "http" else InProcess(world) as server:
        sim = Sim(world, schedule, server, folder)
        try:
            await sim.run(world.end + tail)
            hits = server.hits()
            delays, missing = sim.delays(world.end + tail)
        finally:
            await sim.close()
    return Run(
        schedule,
        delays,
        missing,
        hits,
        sim.polls,
        sim.pushes,
        time.monotonic() - started,
        time.process_time() - cpu,
    )


SCHEDULES = {
    "fixed": Schedule(
        "fixed",
        f"every feed every {FIXED_INTERVAL} s (main's polling: poll.min_interval = "
        "max_interval = 900), no push",
        {"poll": {"min_interval": FIXED_INTERVAL, "max_interval": FIXED_INTERVAL}},
    ),
    "new": Schedule(
        "new",
        "adaptive polling (bot/schedule.py, default poll settings: a daily budget of what "
        "900 s a feed costs, shared by the square root of each feed's rate) + WebSub push for "
        "hub feeds (subscription found by the poll, verified and pushed through "
        "bot.websub.Callback)",
        {"websub": {"public_url": "http://bot.sim/websub"}, "health_port": 8080},
        push=True,
    ),
}


def _run_in_child(conn: Connection, world: World, name: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="freshness-", dir=_fast_dir()) as folder:
        run = asyncio.run(
            simulate(world, SCHEDULES[name], args.tail * 3600, Path(folder), args.transport)
        )
    conn.send(run)


def run_all(world: World, args: argparse.Namespace) -> list[Run]:
    """Each schedule's day, in a process of its own when `--jobs` > 1 (two cores: both days
    at once), in this one otherwise (for --profile)."""
    names = args.schedules.split(",")
    if args.jobs <= 1:
        with tempfile.TemporaryDirectory(prefix="freshness-", dir=_fast_dir()) as folder:
            return [
                asyncio.run(
                    simulate(world, SCHEDULES[n], args.tail * 3600, Path(folder), args.transport)
                )
                for n in names
            ]
    ctx = multiprocessing.get_context("fork")
    children = []
    for name in names:
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=_run_in_child, args=(theirs, world, name, args))
        process.start()
        children.append((process, mine))
    runs = [conn.recv() for _, conn in children]
    for process, _ in children:
        process.join()
    return runs


def report(world: World, args: argparse.Namespace) -> None:
    started = time.monotonic()
    runs = run_all(world, args)
    stats = {run.schedule.name: figures(world, run) for run in runs}
    print_table(world, runs, stats)
    print(
        f"\n{args.transport} transport; the whole benchmark took {time.monotonic() - started:.0f} s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary_json(stats), indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=24.0, help="the measured day")
    parser.add_argument("--warmup", type=float, default=1.0, help="hours before it")
    parser.add_argument("--tail", type=float, default=0.25, help="hours polled after it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--schedules", default=",".join(SCHEDULES))
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument(
        "--transport",
        choices=["http", "memory"],
        default="memory",
        help="http: a publisher server in a child process, over loopback sockets; memory: "
        "the same answers through an httpx transport in this process (default: faster)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="schedules simulated at once")
    parser.add_argument(
        "--threads", action="store_true", help="database steps in threads, as in the service"
    )
    parser.add_argument("--quick", action="store_true", help="100 feeds, 6 h (CI's smoke run)")
    parser.add_argument("--smoke", action="store_true", help="30 feeds, 2 h: does it run?")
    parser.add_argument("--profile", action="store_true", help="cProfile, top functions")
    parser.add_argument("--sort", default="tottime", help="the profile's order")
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.hours, args.warmup, args.tail = 100, 6.0, 1.0, 0.25
    if args.smoke:
        args.feeds, args.hours, args.warmup, args.tail = 30, 2.0, 0.5, 0.25
    logging.basicConfig(level=logging.WARNING)
    world = build_world(args.feeds, args.hours, args.warmup * 3600, args.seed, START)
    if not args.threads:
        run_db_steps_inline()
    if not args.profile:
        report(world, args)
        return
    args.jobs = 1
    profile = cProfile.Profile()
    profile.runcall(report, world, args)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(40)


if __name__ == "__main__":
    main()
