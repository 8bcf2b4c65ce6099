"""Load: 100,000 chats, a burst of 1,000 stories, alerts and one digest to everyone, measured.

    .venv/bin/python benchmarks/load.py [--chats 100000] [--stories 1000] [--quick]
        [--postgres] [--fanout 10000 | --full] [--deliver-seconds 60] [--hit 0.1] [--profile 500]

Everything runs through the real code: chats and their queries in a database (SQLite file, or a
fresh schema on PostgreSQL), `Services.build` with a `TelegramChannel` on a real `telegram.Bot`,
the `Pipeline` polling local feed files, the `SubscriptionIndex`, the `OutboxWorker`, and
`queue_due_digests`. Telegram is `tests.fakes.botapi.FakeBotApi`, run in a child process so its
CPU is not this process's (the machine has two cores: one for the bot, one for the fake).

Data, all from ../shared/data/summarization (nothing downloaded):

- stories: the 250 CNN/DailyMail articles of cnndm_test_frank (first sentence as title), then
  BBC articles of bbc_news_summary (their own titles), as RSS entries carrying the full text, in
  local feed files of 50 entries each;
- queries, 3 per chat, drawn with a seeded RNG: 25% one word, 25% two words, 20% a two-word
  phrase in quotes, 20% ``a OR b``, 10% ``a -b``. Words have 4+ letters, are no stop words, and
  occur in at most 1% of the stories. A query is either on the burst (``--hit``, 10%: its words
  come from the stories) or not (its words come from the held-out articles, the other BBC ones
  and XSum, and their stems are in none of the stories): most people's topics are not in a given
  burst. With the defaults about a fifth of the chats hear of 3 stories on average.

Phases: (1) setup: chats and queries inserted in bulk (not the code under test), the fake told
of every chat; (2) the subscription index built once, as a running bot holds it; (3) the burst
ingested by `Pipeline.poll_all` (read, parse, group, summarize, match, queue alerts), 8 feeds at
once as configured; (4) one new subscription, then 2 feeds due at the same tick; (5) the alerts
delivered for a bounded time with Telegram's limits on in the fake (30/s overall, 1/s a chat,
20/min a group) and our default pacing; (6) one digest to every chat with the fake's limits
raised and our pacing raised to match, on the first ``--fanout`` chats (the whole fan-out,
``--full``, takes far longer than the ~10 minute budget) and extrapolated; (7) digests to 500
chats at the default 30/s; (8) cProfile of queue_due_digests and of the sends for ``--profile``
more chats. Peak memory (ru_maxrss) of both processes after each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import html
import itertools
import json
import logging
import multiprocessing
import os
import pstats
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
import telegram  # noqa: E402
from nltk.stem.snowball import SnowballStemmer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import bot.ingest  # noqa: E402
from bot.chat.prefs import Caller, ensure_chat  # noqa: E402
from bot.chat.subscriptions import subscribe  # noqa: E402
from bot.clock import SystemClock, next_digest_at  # noqa: E402
from bot.deliver import OutboxWorker  # noqa: E402
from bot.digest import queue_due_digests  # noqa: E402
from bot.ingest import Pipeline  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import FeedConfig, PollSettings, Settings  # noqa: E402
from bot.store import (  # noqa: E402
    Chat,
    Database,
    Feed,
    Outbox,
    OutboxStatus,
    Subscription,
    open_database,
)
from bot.subscribers import SubscriptionIndex  # noqa: E402
from bot.telegram.send import Pacing, TelegramChannel  # noqa: E402
from tests.fakes import botapi  # noqa: E402
from tests.fakes.botapi import FakeBotApi  # noqa: E402
from tests.fakes.feeds import make_feed  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "summarization"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORD = re.compile(r"[^\W\d_]{4,}")  # a word a query may use
LETTERS = re.compile(r"[^\W\d_]+")  # any word of a text
ENTRIES_PER_FEED = 50
GROUP_SHARE = 0.05  # chats that are groups (negative ids, 20 messages a minute)
SUBSET = 500  # chats in the digest-at-30/s measurement
NEWCOMER = 999_999_999  # the chat that subscribes before the re-poll

# --- data ---------------------------------------------------------------------------------


def rows(name: str) -> list[dict[str, str]]:
    path = DATA / name / f"{name}.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str


def burst_articles(n: int) -> tuple[list[Article], list[str]]:
    """The burst's `n` articles (CNN/DM first, then BBC) and the held-out texts."""
    cnn = [
        Article(r["id"], r["text"].split(". ")[0][:150], r["text"])
        for r in rows("cnndm_test_frank")
    ]
    bbc = [Article(r["id"], r["title"], r["text"]) for r in rows("bbc_news_summary")]
    pool = cnn + bbc
    if n > len(pool):
        raise SystemExit(f"--stories at most {len(pool)} (the articles in {DATA})")
    held = [a.text for a in pool[n:]] + [r["text"] for r in rows("xsum_test_frank")]
    return pool[:n], held


class Vocabulary:
    """Words and two-word phrases of the burst, and of held-out articles the burst lacks."""

    def __init__(self, burst: list[str], held: list[str], max_df: float = 0.01) -> None:
        stop = set(get_stop_words("english"))
        stem = SnowballStemmer("english").stem
        stems: dict[str, str] = {}

        def words(text: str) -> list[str]:
            return [w.lower() for w in WORD.findall(text)]

        def stem_of(word: str) -> str:
            if word not in stems:
                stems[word] = stem(word)
            return stems[word]

        df: Counter[str] = Counter()  # stems of every word, stop words too ("haves" -> have)
        for text in burst:
            df.update({stem_of(w.lower()) for w in LETTERS.findall(text)})
        limit = max(2, int(max_df * len(burst)))
        self.words = sorted(
            {w for t in burst for w in words(t) if w not in stop and df[stem_of(w)] <= limit}
        )
        self.phrases = sorted(self._pairs(burst, stop, lambda p: True))
        absent = {w for t in held for w in words(t) if w not in stop and stem_of(w) not in df}
        self.held_words = sorted(absent)
        self.held_phrases = sorted(
            self._pairs(held, stop, lambda p: p[0] in absent or p[1] in absent)
        )

    @staticmethod
    def _pairs(
        texts: list[str], stop: set[str], keep: Callable[[tuple[str, str]], bool]
    ) -> set[str]:
        found: set[str] = set()
        for text in texts:
            tokens = [t.strip(".,;:!?\"'()").lower() for t in text.split()]
            for a, b in itertools.pairwise(tokens):
                words = WORD.fullmatch(a) and WORD.fullmatch(b)
                if words and a not in stop and b not in stop and keep((a, b)):
                    found.add(f"{a} {b}")
        return found

    def query(self, rng: random.Random, hit: float) -> str:
        in_burst = rng.random() < hit
        words = self.words if in_burst else self.held_words
        phrases = self.phrases if in_burst else self.held_phrases
        kind = rng.random()
        if kind < 0.25:
            return rng.choice(words)
        if kind < 0.50:
            return f"{rng.choice(words)} {rng.choice(words)}"
        if kind < 0.70:
            return f'"{rng.choice(phrases)}"'
        if kind < 0.90:
            return f"{rng.choice(words)} OR {rng.choice(words)}"
        return f"{rng.choice(words)} -{rng.choice(words)}"


def write_feeds(folder: Path, articles: list[Article], now: datetime) -> list[FeedConfig]:
    feeds = []
    for start in range(0, len(articles), ENTRIES_PER_FEED):
        entries = []
        for n, article in enumerate(articles[start : start + ENTRIES_PER_FEED]):
            paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
            entries.append(
                {
                    "guid": article.id,
                    "title": article.title,
                    "link": f"https://news.example/{article.id}",
                    "content": "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs),
                    "published": now - timedelta(minutes=ENTRIES_PER_FEED - n),
                }
            )
        path = folder / f"feed{start // ENTRIES_PER_FEED:03d}.xml"
        path.write_bytes(make_feed(entries, title=f"Outlet {start // ENTRIES_PER_FEED}"))
        feeds.append(FeedConfig(url=str(path), name=f"Outlet {start // ENTRIES_PER_FEED}"))
    return feeds


def chat_ids(n: int) -> list[int]:
    """Private chats have positive ids; every 20th chat is a supergroup (negative id)."""
    every = round(1 / GROUP_SHARE)
    return [-(1_000_000_000_000 + i) if i % every == 0 else i for i in range(1, n + 1)]


# --- the fake Bot API, in a child process ---------------------------------------------------


def _serve_fake(conn: Connection) -> None:
    # The fake's listen backlog is socketserver's default of 5: with hundreds of connections
    # opening at once, the kernel resets some (httpx.ReadError), which Telegram never does.
    botapi._Server.request_queue_size = 1024
    fake = FakeBotApi().start()
    conn.send((fake.base_url, fake.token))
    while True:
        command, args = conn.recv()
        if command == "stop":
            fake.stop()
            conn.send(None)
            return
        if command == "add_chats":
            for chat_id in args:
                fake.add_chat(chat_id, "private" if chat_id > 0 else "supergroup")
            conn.send(None)
        elif command == "limits":
            fake.enforce_limits(**args, clock=time.monotonic)
            conn.send(None)
        elif command == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            statuses = Counter(c["status"] for c in fake.calls("sendMessage")) if args else {}
            conn.send((dict(statuses), usage.ru_utime + usage.ru_stime, usage.ru_maxrss))


class Fake:
    """Commands to the fake in its process; `stats()` is (answers by HTTP status, CPU s, KB)."""

    def __init__(self) -> None:
        self._conn, child = multiprocessing.get_context("fork").Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve_fake, args=(child,), daemon=True
        )
        self._process.start()
        self.base_url, self.token = self._conn.recv()

    def _call(self, command: str, args: Any = None) -> Any:
        self._conn.send((command, args))
        return self._conn.recv()

    def add_chats(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 10_000):
            self._call("add_chats", ids[start : start + 10_000])

    def limits(self, **limits: int | None) -> None:
        self._call("limits", limits)

    def stats(self, statuses: bool = True) -> tuple[Counter[int], float, int]:
        """sendMessage answers by HTTP status (a copy of every call: slow), CPU s, peak KB."""
        answers, cpu, rss = self._call("stats", statuses)
        return Counter(answers), cpu, rss

    def stop(self) -> None:
        self._call("stop")
        self._process.join(timeout=30)


# --- measuring ------------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuTimers:
    """CPU seconds spent inside wrapped functions, per name, from any thread (thread_time)."""

    seconds: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _undo: list[Callable[[], None]] = field(default_factory=list)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        timers = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with timers._lock:
                    timers.seconds[label] += spent
                    timers.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()


class LogCounter(logging.Handler):
    """Counts log records whose message starts with one of `prefixes` (e.g. index rebuilds)."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__(logging.INFO)
        self.prefixes = prefixes
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for prefix in self.prefixes:
            if message.startswith(prefix):
                self.counts[prefix] += 1


@dataclass
class Row:
    what: str
    data: str
    figure: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    memory: list[tuple[str, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, data: str, figure: str) -> None:
        self.rows.append(Row(what, data, figure))
        print(f"  {what}: {figure}", file=sys.stderr, flush=True)

    def phase_done(self, phase: str, fake: Fake | None, started: float) -> None:
        fake_mb = fake.stats(statuses=False)[2] / 1024 if fake is not None else 0.0
        self.memory.append((phase, peak_mb(), fake_mb))
        print(f"[{time.monotonic() - started:6.1f}s] {phase} done", file=sys.stderr, flush=True)


def first_line(text: str | None, limit: int = 110) -> str:
    line = (text or "").splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def table(headers: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


# --- the database ---------------------------------------------------------------------------


@contextlib.contextmanager
def database_url(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder / 'load.sqlite3'}"
        return
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def insert_chats(db: Database, ids: list[int], queries: Callable[[], str], now: datetime) -> int:
    """Chats and 3 queries each, in bulk (setup, not the code under test). Returns queries."""
    created = now - timedelta(days=2)
    tomorrow = next_digest_at(now, "UTC", "08:00")
    count = 0
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        chats = [
            {
                "id": chat_id,
                "type": "private" if chat_id > 0 else "supergroup",
                "timezone": "UTC",
                "digest_time": "08:00",
                "digest_enabled": True,
                "alerts_mode": "instant",
                "alerts_paused": False,
                "summary_sentences": 3,
                "active": True,
                "created_at": created,
                "next_digest_at": tomorrow,
            }
            for chat_id in chunk
        ]
        subs = []
        for chat_id in chunk:
            for text in dict.fromkeys(queries() for _ in range(3)):  # a chat's queries differ
                subs.append({"chat_id": chat_id, "query": text, "created_at": created})
        with db.session() as session:
            session.execute(sa.insert(Chat), chats)
            session.execute(sa.insert(Subscription), subs)
        count += len(subs)
    return count


def set_aside_pending(db: Database) -> int:
    """Mark what the alert phase left unsent as failed, so the digest phase sends only digests."""
    with db.session() as session:
        result = session.execute(
            sa.update(Outbox)
            .where(Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, last_error="set aside by benchmarks/load.py")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def make_due(db: Database, ids: list[int] | None, now: datetime) -> None:
    """The chats' digest is due now, covering the last two days (so it is never empty)."""
    with db.session() as session:
        stmt = sa.update(Chat).values(
            next_digest_at=now - timedelta(minutes=1), last_digest_at=None
        )
        if ids is not None:
            stmt = stmt.where(Chat.id.in_(ids))
        session.execute(stmt)


# --- phases ---------------------------------------------------------------------------------


def telegram_bot(fake: Fake) -> telegram.Bot:
    """A real Bot, pooled like the Application's (256 connections), pointed at the fake."""
    return telegram.Bot(
        fake.token,
        base_url=fake.base_url,
        request=HTTPXRequest(connection_pool_size=256),
    )


async def deliver(outbox: OutboxWorker, seconds: float) -> float:
    """Outbox passes as the deliver job runs them (a pass, or a 1 s tick when nothing was due)
    until nothing is pending or `seconds` have passed; returns the time taken."""
    start = time.monotonic()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                report = await outbox.run_once()
                if report.sent + report.retried + report.rejected + report.undeliverable == 0:
                    if await asyncio.to_thread(outbox.pending) == 0:
                        break
                    await asyncio.sleep(1.0)  # retries not due yet: the job's next tick
    return time.monotonic() - start


@dataclass
class Sends:
    """What the fake answered to sendMessage between two snapshots, and its CPU meanwhile;
    `unanswered` were still being answered when the phase was cut off at its time limit."""

    ok: int
    throttled: int
    other: int
    unanswered: int
    fake_cpu: float

    def refusals(self) -> str:
        text = f"{self.throttled} answered 429, {self.other} other refusals"
        return text + (f", {self.unanswered} cut off by the time limit" if self.unanswered else "")


class FakeWatch:
    def __init__(self, fake: Fake) -> None:
        self.fake = fake
        self.statuses, self.cpu, _ = fake.stats()

    def since(self) -> Sends:
        statuses, cpu, _ = self.fake.stats()
        diff = Counter({k: v - self.statuses[k] for k, v in statuses.items()})
        ok, throttled, unanswered = diff[200], diff[429], diff[None]  # type: ignore[index]
        other = diff.total() - ok - throttled - unanswered
        return Sends(ok, throttled, other, unanswered, cpu - self.cpu)


def top_functions(profile: cProfile.Profile, n: int = 10, *, ours: bool = False) -> str:
    """The top `n` functions by own time, or (`ours`) those of bot/ by cumulative time."""
    stats = pstats.Stats(profile)
    entries = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda kv: kv[1][3 if ours else 2],
        reverse=True,
    )
    # The whole run: own times add up to it (the outermost call's cumulative time, less overhead).
    total = max(sum(v[2] for _, v in entries), max((v[3] for _, v in entries), default=0)) or 1.0
    if ours:
        entries = [e for e in entries if e[0][0].startswith(str(REPO / "bot"))]
    lines = []
    for (path, line, name), (_cc, calls, tottime, cumtime, _callers) in entries[:n]:
        where = path.split("site-packages/")[-1].replace(str(REPO) + "/", "")
        where = "built-in" if where == "~" else f"{where.split('/python3.11/')[-1]}:{line}"
        share = f"{(cumtime if ours else tottime) / total:.0%}"
        lines.append(
            [f"`{name}` ({where})", f"{calls:,}", f"{tottime:.2f}", share, f"{cumtime:.2f}"]
        )
    share = "share (cumulative)" if ours else "share (own)"
    return table(["function", "calls", "own s", share, "cumulative s"], lines)


def worker_like(services: Services, channel: TelegramChannel) -> OutboxWorker:
    """An OutboxWorker configured as the service's, on another channel (other pacing)."""
    ob = services.outbox
    return OutboxWorker(
        services.db,
        channel,
        services.clock,
        batch=ob.batch,
        chats_per_pass=ob.chats_per_pass,
        lease=ob.lease,
        worker=ob.worker,
    )


def passes(outbox: OutboxWorker) -> str:
    return f"OutboxWorker ({outbox.batch} rows of at most {outbox.chats_per_pass} chats a pass)"


async def run(args: argparse.Namespace, report: Report, folder: Path, fake: Fake) -> None:
    started = time.monotonic()
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    articles, held = burst_articles(args.stories)
    vocabulary = Vocabulary([a.text for a in articles], held)
    ids = chat_ids(args.chats)
    n_groups = sum(i < 0 for i in ids)
    data = f"{args.chats:,} chats ({n_groups:,} groups), {args.stories:,} stories"

    with database_url(args.postgres, folder) as url:
        kind = "PostgreSQL" if args.postgres else "SQLite file"
        feeds = write_feeds(folder, articles, now)
        settings = Settings(database_url=url, feeds=feeds, poll=PollSettings(fetch_pages=False))
        # (1) setup: not the code under test
        t = time.perf_counter()
        db = open_database(url)
        n_queries = insert_chats(db, ids, lambda: vocabulary.query(rng, args.hit), now)
        setup_s = time.perf_counter() - t
        t = time.perf_counter()
        fake.add_chats(ids)
        report.add(
            "setup: chats and queries inserted in bulk",
            f"{kind}; vocabulary: {len(vocabulary.words):,} words and "
            f"{len(vocabulary.phrases):,} phrases of the burst, {len(vocabulary.held_words):,} "
            f"words only in held-out articles; {args.hit:.0%} of queries on the burst",
            f"{n_queries:,} queries in {setup_s:.1f} s; the fake told of every chat in "
            f"{time.perf_counter() - t:.1f} s",
        )
        report.phase_done("setup", fake, started)

        bot_ = telegram_bot(fake)
        await bot_.initialize()
        channel = TelegramChannel(bot_, Pacing())  # the defaults: 30/s, 1/s a chat, 20/min a group
        services = Services.build(settings, channel, clock=SystemClock())
        try:
            await build_index(report, services)
            report.phase_done("index", fake, started)
            await ingest(report, services, data, len(feeds))
            report.phase_done("ingest", fake, started)
            await repoll_after_a_subscription(report, services, fake)
            report.phase_done("re-poll", fake, started)
            await alerts_at_default_limits(report, services, fake, args.deliver_seconds)
            report.phase_done("alerts", fake, started)
            set_aside_pending(services.db)
            everyone = ids if args.full else ids[: args.fanout]
            await digest_fan_out(report, services, fake, bot_, everyone, len(ids))
            report.phase_done("digest fan-out", fake, started)
            await digests_at_default_limits(report, services, fake, bot_, ids[:SUBSET])
            report.phase_done("digest at 30/s", fake, started)
            if args.profile:
                await profile_fan_out(report, services, fake, bot_, ids[-args.profile :])
                report.phase_done("profile", fake, started)
        finally:
            await services.aclose()
            await bot_.shutdown()
            db.dispose()


async def build_index(report: Report, services: Services) -> None:
    pipeline = services.pipeline
    t0, c0 = time.perf_counter(), cpu_s()
    await asyncio.to_thread(pipeline.load)
    with services.db.session() as session:
        pipeline.subscriptions.refresh(session)
    wall = time.perf_counter() - t0
    report.add(
        "subscription index built once (SubscriptionIndex.refresh), as a running bot holds it",
        f"{len(pipeline.subscriptions):,} queries read from the database and parsed",
        f"{wall:.1f} s ({cpu_s() - c0:.1f} CPU s) = "
        f"{len(pipeline.subscriptions) / wall:,.0f} queries/s",
    )


async def ingest(report: Report, services: Services, data: str, n_feeds: int) -> None:
    timers = CpuTimers()
    timers.wrap(Pipeline, "_summarize", "summarize")
    timers.wrap(SubscriptionIndex, "match", "match")
    timers.wrap(bot.ingest, "queue_alerts", "queue alerts")
    timers.wrap(bot.ingest, "fingerprint", "fingerprint")
    timers.wrap(Pipeline, "_store", "store")
    rebuilds = LogCounter("subscription index rebuilt")
    logging.getLogger("bot.alerts").addHandler(rebuilds)
    t0, c0 = time.perf_counter(), cpu_s()
    try:
        reports = await services.pipeline.poll_all()
    finally:
        timers.restore()
        logging.getLogger("bot.alerts").removeHandler(rebuilds)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    stories = sum(r.new_stories for r in reports)
    alerts = sum(r.alerts for r in reports)
    failed = [r for r in reports if r.outcome == "failed"]
    report.add(
        "burst ingested (Pipeline.poll_all: parse, group, summarize, match, queue alerts)",
        f"{data}; {n_feeds} local feed files of {ENTRIES_PER_FEED} entries, 8 polled at once",
        f"{stories:,} new stories ({sum(r.joined for r in reports)} joined one), {alerts:,} "
        f"alerts queued in {wall:.1f} s = {stories / wall:.1f} stories/s ({cpu:.1f} CPU s); "
        f"{len(failed)} feeds failed" + (f" ({first_line(failed[0].error)})" if failed else ""),
    )
    matched, match_s = timers.calls["match"], timers.seconds["match"]
    report.add(
        "matching (SubscriptionIndex.match inside the burst, CPU)",
        f"{matched:,} stories against {len(services.pipeline.subscriptions):,} queries",
        f"{match_s:.1f} CPU s = {matched / match_s if match_s else 0:,.0f} stories/s; "
        f"{alerts / max(stories, 1):.0f} alerts a story on average",
    )
    steps = ", ".join(
        f"{label} {timers.seconds[label]:.1f} s"
        for label in ("summarize", "fingerprint", "match", "queue alerts")
    )
    report.add(
        "where the burst's CPU goes (CPU time inside each step, all threads)",
        f"{cpu:.1f} CPU s in all, {timers.seconds['store']:.1f} s of it inside Pipeline._store "
        "(the write transaction)",
        f"{steps}; queue alerts = {1000 * timers.seconds['queue alerts'] / max(alerts, 1):.2f} "
        f"ms an alert; index rebuilds: {rebuilds.counts.total()}",
    )


async def repoll_after_a_subscription(report: Report, services: Services, fake: Fake) -> None:
    """One more chat subscribes; then two feeds come due at the same tick, with nothing new."""
    fake.add_chats([NEWCOMER])
    with services.db.session() as session:
        chat = ensure_chat(session, NEWCOMER, services.clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "ceasefire", services.clock.now(), services.settings)
        feed_ids = list(session.scalars(sa.select(Feed.id).order_by(Feed.id).limit(2)))
    rebuilds = LogCounter("subscription index rebuilt")
    logging.getLogger("bot.alerts").addHandler(rebuilds)
    t0, c0 = time.perf_counter(), cpu_s()
    try:
        await services.pipeline.poll(feed_ids)
    finally:
        logging.getLogger("bot.alerts").removeHandler(rebuilds)
    report.add(
        "next poll after one new subscription (Pipeline.poll of 2 feeds due together)",
        f"nothing new in the feeds; {len(services.pipeline.subscriptions):,} queries",
        f"{time.perf_counter() - t0:.1f} s ({cpu_s() - c0:.1f} CPU s); the whole index was "
        f"rebuilt {rebuilds.counts.total()} times",
    )


async def alerts_at_default_limits(
    report: Report, services: Services, fake: Fake, seconds: float
) -> None:
    fake.limits(per_chat_per_s=1, global_per_s=30, group_per_min=20)
    queued = await asyncio.to_thread(services.outbox.pending)
    watch = FakeWatch(fake)
    elapsed = await deliver(services.outbox, seconds)
    sends = watch.since()
    rate = sends.ok / elapsed
    left = await asyncio.to_thread(services.outbox.pending)
    more = f"{left / rate / 60:,.0f} min more at this rate" if rate else "no progress"
    report.add(
        "alerts delivered with Telegram's limits on (fake: 30/s, 1/s a chat, 20/min a group)",
        f"{queued:,} alerts queued; {passes(services.outbox)} + TelegramChannel(Pacing()), "
        f"for at most {seconds:.0f} s",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {rate:.1f}/s of the 30/s allowed "
        f"({rate / 30:.0%}); {sends.refusals()}; "
        f"{left:,} left: {more}",
    )


async def digest_fan_out(
    report: Report,
    services: Services,
    fake: Fake,
    bot_: telegram.Bot,
    ids: list[int],
    everyone: int,
) -> None:
    fake.limits(per_chat_per_s=None, global_per_s=100_000, group_per_min=None)
    pacing = Pacing(overall_per_second=100_000, private_per_second=1_000, group_per_minute=60_000)
    outbox = worker_like(services, TelegramChannel(bot_, pacing))
    now = services.clock.now()
    make_due(services.db, ids if len(ids) < everyone else None, now)
    t0, c0 = time.perf_counter(), cpu_s()
    queued = await asyncio.to_thread(queue_due_digests, services.db, now, services.settings.digest)
    queue_s, queue_cpu = time.perf_counter() - t0, cpu_s() - c0
    timers = CpuTimers()
    timers.wrap(OutboxWorker, "_record", "record")
    watch = FakeWatch(fake)
    c0 = cpu_s()
    try:
        elapsed = await deliver(outbox, 24 * 3600)
    finally:
        timers.restore()
    cpu, sends = cpu_s() - c0, watch.since()
    total = queue_s + elapsed
    scope = "all chats" if len(ids) == everyone else f"first {len(ids):,} of {everyone:,} chats"
    report.add(
        "digests queued (queue_due_digests: one transaction a chat)",
        f"{scope}; matched alerts + 5 top stories of the last 2 days each",
        f"{queued:,} messages for {len(ids):,} chats in {queue_s:.1f} s "
        f"({queue_cpu:.1f} CPU s) = {len(ids) / queue_s:,.0f} chats/s",
    )
    report.add(
        "digest fan-out sent (OutboxWorker passes; fake limits raised to 100,000/s, none a chat)",
        f"{scope}; {passes(outbox)}, Pacing(100,000/s overall, 1,000/s a chat)",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {sends.ok / elapsed:,.0f} messages/s; "
        f"{sends.refusals()}",
    )
    report.add(
        "where the fan-out's time goes (send phase)",
        "CPU of this process (bot) and of the fake's; _record is one DB transaction a message",
        f"bot {cpu:.1f} CPU s = {1000 * cpu / max(sends.ok, 1):.1f} ms a message "
        f"({cpu / elapsed:.0%} of a core), of which _record "
        f"{1000 * timers.seconds['record'] / max(sends.ok, 1):.1f} ms; fake "
        f"{1000 * sends.fake_cpu / max(sends.ok, 1):.1f} ms a message "
        f"({sends.fake_cpu / elapsed:.0%} of a core)",
    )
    per_chat = total / len(ids)
    report.add(
        "one digest to every chat, limits raised: total",
        f"{scope}" + ("" if len(ids) == everyone else f"; {everyone:,} extrapolated linearly"),
        f"{total:.0f} s for {len(ids):,} chats"
        + (
            ""
            if len(ids) == everyone
            else f"; {everyone:,} chats: {everyone * per_chat / 60:.0f} min"
        )
        + f" ({len(ids) / total:,.0f} chats/s end to end)",
    )


async def digests_at_default_limits(
    report: Report, services: Services, fake: Fake, bot_: telegram.Bot, ids: list[int]
) -> None:
    fake.limits(per_chat_per_s=1, global_per_s=30, group_per_min=20)
    outbox = worker_like(services, TelegramChannel(bot_, Pacing()))
    now = services.clock.now()
    make_due(services.db, ids, now)
    queued = await asyncio.to_thread(queue_due_digests, services.db, now, services.settings.digest)
    watch = FakeWatch(fake)
    elapsed = await deliver(outbox, 24 * 3600)
    sends = watch.since()
    rate = sends.ok / elapsed
    report.add(
        "digest at Telegram's limits (fake 30/s, 1/s a chat, 20/min a group; Pacing())",
        f"{len(ids):,} chats, {queued:,} messages",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {rate:.1f}/s ({rate / 30:.0%} of 30/s); "
        f"{sends.refusals()}; 100,000 chats at this rate: "
        f"{100_000 * queued / len(ids) / rate / 60:.0f} min",
    )


async def profile_fan_out(
    report: Report, services: Services, fake: Fake, bot_: telegram.Bot, ids: list[int]
) -> None:
    """cProfile (main thread) of queue_due_digests, then of the sends, on a few more chats."""
    fake.limits(per_chat_per_s=None, global_per_s=100_000, group_per_min=None)
    pacing = Pacing(overall_per_second=100_000, private_per_second=1_000, group_per_minute=60_000)
    outbox = worker_like(services, TelegramChannel(bot_, pacing))
    now = services.clock.now()
    make_due(services.db, ids, now)
    queueing = cProfile.Profile()
    queueing.runcall(queue_due_digests, services.db, now, services.settings.digest)
    sending = cProfile.Profile()
    sending.enable()
    try:
        await deliver(outbox, 3600)
    finally:
        sending.disable()
    report.notes.append(
        f"cProfile of queue_due_digests for {len(ids):,} chats, our code by cumulative time:\n\n"
        + top_functions(queueing, ours=True)
    )
    report.notes.append("The same, every function by own time:\n\n" + top_functions(queueing))
    report.notes.append(
        "cProfile of sending those digests (event loop thread only; the per-message DB "
        "transaction runs in worker threads and is not in it):\n\n" + top_functions(sending)
    )


# --- entry point ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="5,000 chats, 200 stories")
    parser.add_argument("--postgres", action="store_true", help=f"use {POSTGRES}")
    parser.add_argument("--hit", type=float, default=0.1, help="share of queries on the burst")
    parser.add_argument("--deliver-seconds", type=float, default=60.0)
    parser.add_argument(
        "--fanout", type=int, default=10_000, help="chats in the digest fan-out (default 10,000)"
    )
    parser.add_argument("--full", action="store_true", help="digest fan-out to every chat")
    parser.add_argument("--profile", type=int, default=500, help="chats to profile (0: none)")
    parser.add_argument("--seed", type=int, default=20251221)
    args = parser.parse_args()
    if args.quick:
        args.chats, args.stories, args.deliver_seconds = 5_000, 200, 20.0
        args.fanout = 5_000
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot.alerts").setLevel(logging.INFO)  # index rebuilds are counted
    logging.getLogger("bot.alerts").propagate = False

    load_before = os.getloadavg()[0]
    fake = Fake()  # forked before any thread of this process exists
    report = Report()
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    try:
        asyncio.run(run(args, report, folder, fake))
    finally:
        fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started

    print(f"## Load: {args.chats:,} chats, {args.stories:,} stories ({elapsed / 60:.1f} min)\n")
    print(
        f"A shared 2-core machine: load average {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after. Times are wall-clock unless marked CPU.\n"
    )
    if not args.full and args.fanout < args.chats:
        print(
            f"The digest fan-out ran on {args.fanout:,} chats and is extrapolated to "
            f"{args.chats:,}: all of them (--full) takes longer than this benchmark's ~10 "
            "minute budget on this 2-core machine.\n"
        )
    lines = [[r.what, r.data, r.figure] for r in report.rows]
    print(table(["what was measured", "on which data", "figures"], lines))
    print("\nPeak memory (ru_maxrss) after each phase:\n")
    memory = [[phase, f"{mb:,.0f}", f"{fake_mb:,.0f}"] for phase, mb, fake_mb in report.memory]
    print(table(["phase", "bot process MB", "fake Bot API process MB"], memory))
    for note in report.notes:
        print(f"\n{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
