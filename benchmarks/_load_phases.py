"""The load benchmark's phases in the bot's process before delivery: the index built, the
burst ingested, the re-polls, the teasers' pages read. Each adds its rows to the printed table
and its figures to the JSON (`Report.figures`)."""

from __future__ import annotations

import asyncio
import cProfile
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _load_child import write_document
from _load_data import ENTRIES_PER_FEED
from _load_measure import CpuTimers, Fake, LogCounter, Report, cpu_s, first_line, top_functions
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

import bot.joining
import summarizer
from bot.chat.prefs import Caller, ensure_chat
from bot.chat.subscriptions import subscribe
from bot.ingest import Pipeline
from bot.language import decide
from bot.match import Document
from bot.services import Services
from bot.store import Article, Feed
from bot.subscribers import SubscriptionIndex
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing, Priority

NEWCOMER = 999_999_999  # the chat that subscribes before the re-poll
BUILT = "subscription index built"  # the log line of a whole build (bot.subscribers)


def paced_bot(fake: Fake, pacing: Pacing) -> ExtBot[Priority]:
    """The application's kind of bot: PTB's ExtBot paced by our `PacedRateLimiter`, pooled
    like the Application's (256 connections), pointed at the fake."""
    return ExtBot(
        fake.token,
        base_url=fake.base_url,
        request=HTTPXRequest(connection_pool_size=256),
        rate_limiter=PacedRateLimiter(Pacer(pacing)),
    )


def count_builds() -> tuple[LogCounter, Callable[[], None]]:
    """Counts whole builds of the subscription index until the returned undo is called."""
    logger = logging.getLogger("bot.subscribers")
    counter, level, propagate = LogCounter(BUILT), logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False  # counted, not printed
    logger.addHandler(counter)

    def undo() -> None:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate

    return counter, undo


async def build_index(report: Report, services: Services) -> None:
    pipeline = services.pipeline
    t0, c0 = time.perf_counter(), cpu_s()
    await asyncio.to_thread(pipeline.load)
    with services.db.session() as session:
        pipeline.writer.subscriptions.refresh(session)
    wall = time.perf_counter() - t0
    report.figures["index_build_s"] = round(wall, 3)
    report.figures["index_build_cpu_s"] = round(cpu_s() - c0, 3)
    report.add(
        "subscription index built once (SubscriptionIndex.refresh), as a running bot holds it",
        f"{len(pipeline.writer.subscriptions):,} queries read from the database and parsed",
        f"{wall:.1f} s ({cpu_s() - c0:.1f} CPU s) = "
        f"{len(pipeline.writer.subscriptions) / wall:,.0f} queries/s",
    )


WARM_UP_TEXT = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The plan raises spending on schools and roads by four percent next year."
)


def warm_up() -> float:
    """What a process loads once, before its first story (the language model, the sentence
    splitter, the stemmer): a running bot holds them, and a burst's rate is a running bot's.
    Their memory stays in the bot's peak. Returns the seconds it took."""
    t0 = time.perf_counter()
    summarizer.summarize(WARM_UP_TEXT, 1, decide(WARM_UP_TEXT))
    return time.perf_counter() - t0


async def ingest(
    report: Report,
    services: Services,
    data: str,
    n_feeds: int,
    documents: Path,
    *,
    profile: bool = False,
) -> None:
    """The burst through `Pipeline.poll_all`; the documents that were matched are written to
    `documents` (for the matching phase's child), not kept in this process.
    `profile`: cProfile of queue_alerts (in the store step's threads, one call at a time)."""
    timers = CpuTimers()
    queueing = cProfile.Profile()
    if profile:
        queue_alerts = bot.joining.queue_alerts
        bot.joining.queue_alerts = lambda *a, **k: queueing.runcall(queue_alerts, *a, **k)  # type: ignore[assignment]
    original = SubscriptionIndex.match
    timers.wrap(SubscriptionIndex, "match", "match")
    timed = SubscriptionIndex.match  # the write below is not the match's time

    def keep(index: SubscriptionIndex, doc: Document) -> Any:
        write_document(documents, doc)
        return timed(index, doc)

    SubscriptionIndex.match = keep  # type: ignore[method-assign]
    timers.wrap(bot.joining, "summarize_candidate", "summarize")
    timers.wrap(bot.joining, "queue_alerts", "queue alerts")
    timers.wrap(bot.joining, "fingerprint", "fingerprint")
    timers.wrap(Pipeline, "_store", "store")
    warm = warm_up()
    builds, undo = count_builds()
    t0, c0 = time.perf_counter(), cpu_s()
    try:
        reports = await services.pipeline.poll_all()
    finally:
        timers.restore()
        SubscriptionIndex.match = original  # type: ignore[method-assign]
        if profile:
            bot.joining.queue_alerts = queue_alerts
        undo()
    if profile:
        report.notes.append(
            "cProfile of queue_alerts inside the burst, our code by cumulative time:\n\n"
            + top_functions(queueing, 14, ours=True)
        )
        report.notes.append("The same, every function by own time:\n\n" + top_functions(queueing))
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    stories = sum(r.new_stories for r in reports)
    alerts = sum(r.alerts for r in reports)
    failed = [r for r in reports if r.outcome == "failed"]
    report.figures["burst_stories"] = stories
    report.figures["burst_stories_per_s"] = round(stories / wall, 1)
    report.figures["burst_cpu_s"] = round(cpu, 1)  # wall time on a shared machine varies
    report.figures["burst_warm_up_s"] = round(warm, 2)
    report.figures["alerts_queued"] = alerts
    report.add(
        "burst ingested (Pipeline.poll_all: parse, group, summarize, match, queue alerts)",
        f"{data}; {n_feeds} local feed files of {ENTRIES_PER_FEED} entries, 8 polled at once",
        f"{stories:,} new stories ({sum(r.joined for r in reports)} joined one), {alerts:,} "
        f"alerts queued in {wall:.1f} s = {stories / wall:.1f} stories/s ({cpu:.1f} CPU s; "
        f"models loaded before, in {warm:.2f} s); "
        f"{len(failed)} feeds failed" + (f" ({first_line(failed[0].error)})" if failed else ""),
    )
    matched, match_s = timers.calls["match"], timers.seconds["match"]
    report.add(
        "matching inside the burst (SubscriptionIndex.match, CPU)",
        f"{matched:,} stories against {len(services.pipeline.writer.subscriptions):,} queries",
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
        f"ms an alert; whole index builds: {builds.counts.total()}",
    )


async def _timed_poll(services: Services, feed_ids: list[int]) -> tuple[float, float, int]:
    """One `Pipeline.poll` of `feed_ids`: (wall s, CPU s, whole index builds)."""
    builds, undo = count_builds()
    t0, c0 = time.perf_counter(), cpu_s()
    try:
        await services.pipeline.poll(feed_ids)
    finally:
        undo()
    return time.perf_counter() - t0, cpu_s() - c0, builds.counts.total()


async def repolls(report: Report, services: Services, fake: Fake) -> None:
    """Two feeds come due at the same tick with nothing new: once as they are (after a poll
    that warms up), once after one more chat subscribed. The difference is what a new
    subscription costs the next poll."""
    with services.db.session() as session:
        feed_ids = list(session.scalars(sa.select(Feed.id).order_by(Feed.id).limit(2)))
    await _timed_poll(services, feed_ids)
    plain, plain_cpu, _ = await _timed_poll(services, feed_ids)
    fake.add_chats([NEWCOMER])
    with services.db.session() as session:
        chat = ensure_chat(session, NEWCOMER, services.clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "ceasefire", services.clock.now(), services.settings)
    after, after_cpu, builds = await _timed_poll(services, feed_ids)
    report.figures["repoll_s"] = round(plain, 4)
    report.figures["subscribe_repoll_s"] = round(after, 4)
    report.figures["repoll_cpu_s"] = round(plain_cpu, 4)  # a shared machine's wall time
    report.figures["subscribe_repoll_cpu_s"] = round(after_cpu, 4)  # varies; CPU less so
    queries = f"{len(services.pipeline.writer.subscriptions):,} queries"
    report.add(
        "next poll, nothing new (Pipeline.poll of 2 feeds due together)",
        f"{queries}; the second of two such polls",
        f"{1000 * plain:.0f} ms ({1000 * plain_cpu:.0f} CPU ms)",
    )
    report.add(
        "next poll after one new subscription (the same 2 feeds)",
        f"{queries}, one of them just subscribed",
        f"{1000 * after:.0f} ms ({1000 * after_cpu:.0f} CPU ms) = "
        f"{1000 * (after - plain):+.0f} ms against the poll without it; whole index builds: "
        f"{builds}",
    )


async def teaser_pages(report: Report, services: Services, feed_url: str, full: Path) -> None:
    """A feed of teasers polled as a default bot polls it: each entry's page is fetched from
    the local page server and read (`bot.pages.read_page`: the extraction cascade, then the
    language). Counts the entries whose stored text came from their page."""
    with services.db.session() as session:
        feed_id = session.scalar(sa.select(Feed.id).where(Feed.url == feed_url))
    assert feed_id is not None
    os.replace(full, feed_url)  # the entries appear
    t0, c0 = time.perf_counter(), cpu_s()
    [polled] = await services.pipeline.poll([feed_id])
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    teaser = services.settings.poll.teaser_words
    with services.db.session() as session:
        texts = session.scalars(sa.select(Article.text).where(Article.feed_id == feed_id)).all()
    read = sum(len((t or "").split()) >= teaser for t in texts)
    report.figures["teaser_pages_read"] = read
    report.add(
        "teasers: each entry's page fetched and read (bot.pages.read_page), as a default bot does",
        f"{len(texts)} teaser entries, each linking to a saved real article page (scrapinghub's "
        f"extraction benchmark) on a local HTTP server: one host, at most 1 request/s",
        f"{read} of {len(texts)} stored with their page's text, {polled.alerts:,} alerts queued, "
        f"in {wall:.1f} s ({cpu:.1f} CPU s); poll {polled.outcome}",
    )
