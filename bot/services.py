"""The application's resources, wired once at start-up and closed at shutdown (STYLE habit 7).

The CLI, the demo and the Telegram front end all build one `Services` from the settings and
hand it down; nothing opens a connection at import time or keeps a module-level singleton.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from bot.alerts.drafts import AlertDrafts
from bot.catalog import catalog_feeds
from bot.clock import Clock, SystemClock
from bot.deliver import Channel, DeliveryReport, OutboxWorker
from bot.digest import queue_due_digests, release_held
from bot.fetch import Fetcher, Resolver, system_resolver
from bot.health import HealthServer
from bot.ingest import Pipeline, PollReport
from bot.memory import limit_malloc_arenas
from bot.metrics import Metrics
from bot.outbox import enqueue
from bot.polling import pushed_among, sync_feeds
from bot.render import RenderedMessage
from bot.searches import SearchPoller
from bot.settings import PollSettings, Settings
from bot.store import (
    Chat,
    Database,
    Feed,
    LeaderLock,
    Outbox,
    OutboxKind,
    OutboxStatus,
    open_database,
)
from bot.websub import Callback, Subscriber, SubscribeReport, loop_sink

__all__ = [
    "Services",
    "feed_fetcher",
    "refresh_gauges",
    "release_claims",
    "report_first_poll",
]

log = logging.getLogger(__name__)


def feed_fetcher(
    poll: PollSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = system_resolver,
) -> Fetcher:
    """The fetcher feeds are polled with, by the poll settings (limits and per-host politeness)."""
    return Fetcher(
        timeout=poll.timeout,
        max_bytes=poll.max_bytes,
        user_agent=poll.user_agent,
        resolve=resolve,
        transport=transport,
        host_concurrency=poll.host_concurrency,
        host_interval=poll.host_interval,
    )


def release_claims(db: Database, worker: str) -> None:
    """Claims that are certainly dead are taken back at once instead of waiting out their
    leases: those under this worker's own name (it restarted; give workers stable names such
    as `NEWSBOT_WORKER_NAME=deliver-1`), and those of default-named workers (`host:pid`) of
    this host whose process no longer runs."""
    host = socket.gethostname()
    with db.session() as session:
        for table in (Chat, Feed):
            holders = session.scalars(
                select(table.claimed_by).where(table.claimed_by.is_not(None)).distinct()
            ).all()
            dead = [h for h in holders if h == worker or _dead_here(h, host)]
            if dead:
                session.execute(
                    update(table)
                    .where(table.claimed_by.in_(dead))
                    .values(claimed_by=None, claimed_until=None)
                )


def _dead_here(holder: str | None, host: str) -> bool:
    name, _, pid = (holder or "").rpartition(":")
    if name != host or not pid.isascii() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def refresh_gauges(metrics: Metrics, db: Database) -> None:
    """Set the gauges that describe state shared with other workers: pending outbox messages,
    active feeds that are failing. Two COUNT queries; call it in a thread from the loop."""
    with db.session() as session:
        pending = session.scalar(
            select(func.count(Outbox.id)).where(Outbox.status == OutboxStatus.PENDING)
        )
        failing = session.scalar(
            select(func.count(Feed.id)).where(Feed.failures > 0, Feed.active.is_(True))
        )
    metrics.set_pending(pending or 0)
    metrics.set_failing_feeds(failing or 0)


def report_first_poll(reports: list[PollReport]) -> None:
    """After the first poll since start: how many feeds were read, and each that failed with
    its reason (a catalog address that moved, a dead site). Failing feeds are then retried
    with backoff like any other; none of them stops the service."""
    failed = [r for r in reports if r.outcome == "failed"]
    log.info("first poll: %d feeds read, %d failed", len(reports) - len(failed), len(failed))
    for r in failed:
        log.warning("feed %s (%s) failed at start: %s", r.feed_id, r.feed, r.error)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    fetcher: Fetcher  # feeds and their article pages
    pages: Fetcher  # links users give (/summary): smaller limits, every address checked
    pipeline: Pipeline
    outbox: OutboxWorker
    metrics: Metrics
    leader: LeaderLock
    searches: SearchPoller
    subscriber: Subscriber  # WebSub subscriptions (`websub`)
    last_pass: float = 0.0  # monotonic time of the last job pass that succeeded
    first_poll_reported: bool = False

    @classmethod
    def build(
        cls,
        settings: Settings,
        channel: Channel,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        metrics: Metrics | None = None,
    ) -> Services:
        limit_malloc_arenas()  # before the pipeline's threads allocate
        clock = clock or SystemClock()
        metrics = metrics or Metrics()
        db = open_database(settings.database)
        fetcher = feed_fetcher(settings.poll, transport=transport)
        pages = Fetcher(
            timeout=settings.telegram.page_timeout,
            max_bytes=settings.telegram.page_max_bytes,
            user_agent=settings.poll.user_agent,
            transport=transport,
        )
        sync_feeds(db, settings.feeds + catalog_feeds(settings), clock.now())
        worker = settings.worker_name or f"{socket.gethostname()}:{os.getpid()}"
        pipeline = Pipeline(db, fetcher, settings, clock, worker=worker)
        delivery = settings.delivery
        outbox = OutboxWorker(
            db,
            channel,
            clock,
            batch=delivery.batch,
            chats_per_pass=delivery.chats_per_pass,
            lease=delivery.claim_seconds,
            worker=worker,
            metrics=metrics,
            in_flight=delivery.max_in_flight,
            drafts=AlertDrafts(settings.summary),
        )
        release_claims(db, worker)
        return cls(
            settings,
            clock,
            db,
            fetcher,
            pages,
            pipeline,
            outbox,
            metrics,
            LeaderLock(db.engine),
            SearchPoller(pipeline, settings.search_sources),
            Subscriber(db, fetcher, settings, clock),
        )

    async def poll_due(self) -> list[PollReport]:
        """The due feeds, then the search feeds within their budgets."""
        feeds = await self.pipeline.poll_due()
        reports = feeds + await self.searches.poll_due()
        if reports and not self.first_poll_reported:
            self.first_poll_reported = True
            report_first_poll(reports)
        ids = [r.feed_id for r in feeds]
        pushed = await asyncio.to_thread(pushed_among, self.db, ids) if ids else set()
        for n, r in enumerate(reports):
            kind = "search" if n >= len(feeds) else "safety" if r.feed_id in pushed else "adaptive"
            self.metrics.polled(
                r.outcome,
                articles=r.new_articles,
                stories=r.new_stories,
                alerts=r.alerts,
                updates=r.updates,
                kind=kind,
            )
        return reports

    async def websub(self) -> SubscribeReport:
        """WebSub subscriptions to request or renew (nothing when WebSub is off)."""
        if not self.settings.websub.active:
            return SubscribeReport()
        return await self.subscriber.run_once()

    def start_http(self) -> HealthServer | None:
        """The health port's server (`health_port`), with WebSub's callbacks when it is on; call
        it on the event loop, which then receives the hubs' pushes."""
        if self.settings.health_port is None:
            return None
        mounts = []
        if self.settings.websub.active:
            sink = loop_sink(asyncio.get_running_loop(), self.pipeline.push)
            count = self.metrics.pushed
            callback = Callback(self.db, self.clock, self.settings.websub, sink, count)
            mounts.append(callback.mount(self.settings.poll.max_bytes))
        host, port = self.settings.health_host, self.settings.health_port
        return HealthServer(self.metrics, self.health, host, port, mounts).start()

    async def queue_digests(self) -> int:
        """Digests that are due, and alerts held in quiet hours that are over."""
        now = self.clock.now()
        digests = await asyncio.to_thread(queue_due_digests, self.db, now, self.settings.digest)
        self.metrics.digests(digests)
        return digests + await asyncio.to_thread(release_held, self.db, now)

    async def deliver(self) -> DeliveryReport:
        """One outbox pass, by the leading worker only (the others stand by)."""
        if not await self.take_the_lead():
            return DeliveryReport()
        report = await self.outbox.run_once()
        self.metrics.delivered(
            sent=report.sent,
            retried=report.retried,
            rejected=report.rejected,
            undeliverable=report.undeliverable,
        )
        return report

    async def refresh_gauges(self) -> None:
        await asyncio.to_thread(refresh_gauges, self.metrics, self.db)

    def queue_reply(
        self,
        chat_id: int,
        text: str,
        *,
        keyboard: tuple[tuple[tuple[str, str], ...], ...] = (),
        thread_id: int | None = None,
        edit_of: int | None = None,
    ) -> None:
        """A reply Telegram would not take now (flood control past its tries, an outage): the
        outbox sends it, so no answer is lost. A chat that never registered gets a row without
        digests, since it asked for nothing but this answer."""
        now = self.clock.now()
        with self.db.session() as session:
            if session.get(Chat, chat_id) is None:
                session.add(Chat(id=chat_id, created_at=now, digest_enabled=False))
                session.flush()
            kind = OutboxKind.EDIT if edit_of is not None else OutboxKind.REPLY
            enqueue(
                session,
                chat_id,
                RenderedMessage(text, keyboard),
                kind=kind,
                now=now,
                thread_id=thread_id,
                edit_of=edit_of,
            )
        log.info("chat %s: reply handed to the outbox", chat_id)

    async def take_the_lead(self) -> bool:
        """Whether this worker is (now) the one of several that talks to Telegram: receives
        updates and sends the outbox, so one budget paces what Telegram sees. On SQLite there
        is one process, and it always leads."""
        return await asyncio.to_thread(self.leader.try_acquire)

    def health(self) -> bool | str:
        """For /healthz: the database answers, and jobs have been passing lately."""
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return "database unreachable"
        age = time.monotonic() - self.last_pass
        if self.last_pass and age > 300:
            return f"no job pass for {age:.0f}s"
        return True

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        await self.pages.aclose()
        await asyncio.to_thread(self.leader.release)
        self.db.dispose()
