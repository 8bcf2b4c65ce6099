"""The ingest stage: poll feeds, turn new entries into articles, join them into stories.

For each due feed: fetch (conditional GET) → parse → for each unseen entry, the article text
(the feed's own content, or the page when the feed carries only a teaser) → clean → group into a
story (near-duplicate fingerprint) → summarize a new story → match subscriptions → queue alerts.
Everything one poll decides is written in one transaction, so a crash leaves either all of it or
none of it. Feeds are polled concurrently and each failure stays with its feed: a dead site backs
off on its own schedule and never delays the others. A WebSub hub's push (`push`) takes the same
path from the parse on; a poll notes the hub a feed names (`bot.websub`). The store step's
work on articles, stories and alerts is `bot.joining`'s; this module holds its transaction.

A chat's private feed is fetched like a user-given link, and its stories match only the queries
of the chats that follow it (`bot.audience`). A story shows its first public article's title,
link and summary: when a public article joins a story only private feeds carried so far, the
story takes them from it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from sqlalchemy import select

import bot.polling as polling
from bot.audience import followers
from bot.clock import Clock
from bot.entries import Candidate, EntryReader, Origin
from bot.fetch import Fetcher, FetchResult
from bot.joining import Counts, StoryWriter
from bot.memory import return_free_memory, set_aside_long_lived
from bot.parse import FeedEntry, FeedParseError, ParsedFeed, parse_feed
from bot.polling import PollReport, claim_feeds, record_failure, record_success
from bot.settings import Settings
from bot.store import Article, Database, Feed
from bot.websub import Hub, find_hub, note_hub

__all__ = ["Pipeline", "PollReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Polled:
    """What a poll (not a push) records with its articles: its answer, the hub, the feed read."""

    result: FetchResult
    hub: Hub | None
    parsed: ParsedFeed


class Pipeline:
    """Feeds in, stories and queued alerts out. Holds the in-memory indexes between polls."""

    def __init__(
        self,
        db: Database,
        fetcher: Fetcher,
        settings: Settings,
        clock: Clock,
        *,
        worker: str = "newsbot",
    ) -> None:
        self.db, self.fetcher, self.settings, self.clock = db, fetcher, settings, clock
        self.worker = worker
        self.reader = EntryReader(fetcher, settings)
        self.writer = StoryWriter(db, settings, clock)
        self._locks: dict[int, asyncio.Lock] = {}
        self.budget = polling.PollBudget(settings.poll)  # the shared daily request budget's scale
        self._loaded = False
        # One store step at a time in this process: they share the story index, and on SQLite
        # concurrent writers would wait on each other's lock past the busy timeout.
        self._store_lock = threading.Lock()

    def load(self) -> None:
        """Rebuild the story index from the fingerprints of recent articles (after a restart)
        and bring the subscription index up to date; the first time, the indexes are the
        process's lifetime data, set aside from the garbage collector."""
        self.writer.load()
        set_aside_long_lived()  # once a process: later calls do nothing
        self._loaded = True

    async def poll_due(self) -> list[PollReport]:
        """Poll the feeds that are due and not being polled by another worker."""
        return await self.poll(await asyncio.to_thread(self._claim, True))

    async def poll_all(self) -> list[PollReport]:  # every feed, due or not
        return await self.poll(await asyncio.to_thread(self._claim, False))

    def _claim(self, due_only: bool) -> list[int]:
        lease, now = self.settings.poll.timeout * 6 + 60, self.clock.now()  # outlives a slow poll
        return claim_feeds(self.db, now, self.worker, lease, due_only=due_only, budget=self.budget)

    async def poll(self, feed_ids: list[int]) -> list[PollReport]:
        if not self._loaded:
            await asyncio.to_thread(self.load)
        gate = asyncio.Semaphore(self.settings.poll.concurrency)

        async def one(feed_id: int) -> PollReport:
            async with gate:
                return await self.poll_feed(feed_id)

        reports = list(await asyncio.gather(*(one(fid) for fid in feed_ids)))
        if any(r.new_articles for r in reports):  # a pass that stored allocated in bulk
            return_free_memory()
        return reports

    async def poll_feed(self, feed_id: int) -> PollReport:
        lock = self._locks.setdefault(feed_id, asyncio.Lock())
        if lock.locked():  # already being polled: one poll per feed at a time
            return PollReport(feed_id, str(feed_id), "unchanged", warning="poll in progress")
        async with lock:
            try:
                return await self._poll_feed(feed_id)
            except Exception as exc:  # a bug with one feed must not stop the others
                log.exception("feed %s: unexpected error while polling", feed_id)
                error = f"internal error: {type(exc).__name__}: {exc}"
                await asyncio.to_thread(self._record_failure, feed_id, error)
                return PollReport(feed_id, str(feed_id), "failed", error=error)

    async def push(self, feed_id: int, body: bytes, content_type: str | None) -> PollReport:
        """A WebSub hub's push: read like a poll's body (same dedupe, grouping and alerts),
        after any poll of the feed in progress; the feed's poll schedule is left as it is."""
        if not self._loaded:
            await asyncio.to_thread(self.load)
        async with self._locks.setdefault(feed_id, asyncio.Lock()):
            feed = await asyncio.to_thread(self._feed, feed_id)
            if feed is None:
                return PollReport(feed_id, str(feed_id), "failed", error="no such feed")
            url, _, _, name, origin = feed
            result = FetchResult(url, status=200, body=body, content_type=content_type)
            return await self._ingest_body(feed_id, name, origin, result, pushed=True)

    def _feed(self, feed_id: int) -> tuple[str, str | None, str | None, str, Origin] | None:
        with self.db.session() as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return None
            origin = Origin(public=feed.public, search=feed.search_source is not None)
            return feed.url, feed.etag, feed.last_modified, feed.display_name, origin

    async def _poll_feed(self, feed_id: int) -> PollReport:
        feed = await asyncio.to_thread(self._feed, feed_id)  # never block the loop on the DB
        if feed is None:
            return PollReport(feed_id, str(feed_id), "failed", error="no such feed")
        url, etag, modified, name, origin = feed
        result = await self.reader.fetch_feed(url, origin, etag, modified)
        if result.not_modified:
            await asyncio.to_thread(self._record_success, feed_id, result)
            log.info("feed %s (%s): not modified", feed_id, name)
            return PollReport(feed_id, name, "not_modified")
        if not result.ok:
            error = result.error or "no body"
            await asyncio.to_thread(self._record_failure, feed_id, error, result)
            return PollReport(feed_id, name, "failed", error=result.error)
        return await self._ingest_body(feed_id, name, origin, result)

    async def _ingest_body(
        self, feed_id: int, name: str, origin: Origin, result: FetchResult, *, pushed: bool = False
    ) -> PollReport:
        """A feed document, polled or `pushed`, into articles, stories and alerts. A poll's
        outcome is recorded on the feed (next poll, failures) and notes a WebSub hub."""
        try:
            parsed = await asyncio.to_thread(
                parse_feed, result.body or b"", url=result.url, content_type=result.content_type
            )
        except FeedParseError as exc:
            if not pushed:
                await asyncio.to_thread(self._record_failure, feed_id, str(exc))
            return PollReport(feed_id, name, "failed", error=str(exc))
        if parsed.warning:
            log.warning("feed %s (%s): read despite %s", feed_id, name, parsed.warning)
        fresh = await asyncio.to_thread(self._unseen, feed_id, list(parsed.entries))
        candidates = await self.reader.prepare_all(fresh, parsed.language, origin)
        polled = None if pushed else _Polled(result, find_hub(result, parsed), parsed)
        counts = await asyncio.to_thread(
            self._store, feed_id, parsed.title, candidates, polled, origin
        )
        log.info(
            "feed %s (%s): %d new articles, %d new stories, %d joined, %d alerts%s",
            feed_id,
            name,
            counts.new_articles,
            counts.new_stories,
            counts.joined,
            counts.alerts,
            " (pushed)" if pushed else "",
        )
        return PollReport(
            feed_id,
            name,
            "new" if counts.new_articles else "unchanged",
            counts.new_articles,
            counts.new_stories,
            counts.joined,
            counts.alerts,
            counts.updates,
            warning=parsed.warning,
        )

    def _unseen(self, feed_id: int, entries: list[FeedEntry]) -> list[FeedEntry]:
        if not entries:
            return []
        with self.db.session() as session:
            seen = set(
                session.scalars(
                    select(Article.guid).where(
                        Article.feed_id == feed_id, Article.guid.in_([e.guid for e in entries])
                    )
                )
            )
        unique: dict[str, FeedEntry] = {}
        for entry in entries:
            if entry.guid not in seen:
                unique.setdefault(entry.guid, entry)
        return list(unique.values())

    def _store(
        self,
        feed_id: int,
        feed_title: str | None,
        candidates: list[Candidate],
        polled: _Polled | None,
        origin: Origin,
    ) -> Counts:
        with self._store_lock:
            return self._store_locked(feed_id, feed_title, candidates, polled, origin)

    def _store_locked(
        self,
        feed_id: int,
        feed_title: str | None,
        candidates: list[Candidate],
        polled: _Polled | None,
        origin: Origin,
    ) -> Counts:
        now = self.clock.now()
        try:
            with self.db.session() as session:
                feed = session.get(Feed, feed_id)
                assert feed is not None
                if not feed.name and feed_title:
                    feed.name = feed_title[:200]
                audience = None if origin.public else followers(session, feed_id)
                counts = self.writer.write(session, feed, candidates, audience, now)
                times = [c.published or now for c in candidates]
                if polled is None:  # pushed: the newest entry moves, not the schedule
                    polling.note_published(feed, times, now)
                else:  # the schedule learns from the new entries' times
                    record_success(feed, polled.result, now, self.budget, polled.parsed, times)
                    if polled.hub is not None and self.settings.websub.active:
                        note_hub(session, feed_id, polled.hub, now, self.settings.websub)
        except Exception:
            self.load()  # the index may hold stories of the rolled-back transaction
            raise
        return counts

    def _record_success(self, feed_id: int, result: FetchResult) -> None:
        with self.db.session() as session:
            if (feed := session.get(Feed, feed_id)) is not None:
                record_success(feed, result, self.clock.now(), self.budget)

    def _record_failure(self, feed_id: int, error: str, result: FetchResult | None = None) -> None:
        record_failure(self.db, feed_id, error, self.clock.now(), self.settings.poll, result)
