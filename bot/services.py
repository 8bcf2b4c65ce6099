"""The application's resources, wired once at start-up and closed at shutdown (STYLE habit 7).

The CLI, the demo and the Telegram front end all build one `Services` from the settings and
hand it down; nothing opens a connection at import time or keeps a module-level singleton.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from bot.clock import Clock, SystemClock
from bot.deliver import Channel, OutboxWorker
from bot.digest import queue_due_digests, release_held
from bot.fetch import Fetcher
from bot.ingest import Pipeline, PollReport, sync_feeds
from bot.settings import Settings
from bot.store import Database, open_database

__all__ = ["Services"]

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    fetcher: Fetcher
    pipeline: Pipeline
    outbox: OutboxWorker

    @classmethod
    def build(
        cls,
        settings: Settings,
        channel: Channel,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Services:
        clock = clock or SystemClock()
        db = open_database(settings.database)
        poll = settings.poll
        fetcher = Fetcher(
            timeout=poll.timeout,
            max_bytes=poll.max_bytes,
            user_agent=poll.user_agent,
            transport=transport,
        )
        sync_feeds(db, settings.feeds, clock.now())
        pipeline = Pipeline(db, fetcher, settings, clock)
        outbox = OutboxWorker(db, channel, clock, batch=settings.delivery.batch)
        return cls(settings, clock, db, fetcher, pipeline, outbox)

    async def poll_due(self) -> list[PollReport]:
        return await self.pipeline.poll_due()

    async def queue_digests(self) -> int:
        """Digests that are due, and alerts held in quiet hours that are over."""
        now = self.clock.now()
        digests = await asyncio.to_thread(queue_due_digests, self.db, now, self.settings.digest)
        return digests + await asyncio.to_thread(release_held, self.db, now)

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        self.db.dispose()
