"""The ingest stage: poll feeds, turn new entries into articles, join them into stories.

For each due feed: fetch (conditional GET) → parse → for each unseen entry, the article text
(the feed's own content, or the page when the feed carries only a teaser) → clean → group into a
story (near-duplicate fingerprint) → summarize a new story → match subscriptions → queue alerts.
Everything one poll decides is written in one transaction, so a crash leaves either all of it or
none of it. Feeds are polled concurrently and each failure stays with its feed: a dead site backs
off on its own schedule and never delays the others. A WebSub hub's push (`push`) takes the same
path from the parse on; a poll notes the hub a feed names (`bot.websub`).

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
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import bot.polling as polling
from bot.alerts import AlertSummaries, queue_alerts, story_summaries
from bot.audience import followers, public_story, read_bylines
from bot.clock import Clock
from bot.entries import Candidate, EntryReader, Origin, summarize_candidate
from bot.fetch import Fetcher, FetchResult
from bot.followups import update_alerts
from bot.group import Fingerprint, StoryIndex, fingerprint
from bot.match import Document
from bot.memory import return_free_memory
from bot.parse import FeedEntry, FeedParseError, ParsedFeed, parse_feed
from bot.polling import PollReport, claim_feeds, record_failure, record_success
from bot.settings import Settings
from bot.store import Article, Database, Feed, Story
from bot.subscribers import SubscriptionIndex
from bot.websub import Hub, find_hub, note_hub

__all__ = ["Pipeline", "PollReport"]

log = logging.getLogger(__name__)

STORE_LOCK = 0x6E657773  # "news": the advisory lock that orders story assignment across workers


@dataclass(frozen=True)
class _Polled:
    """What a poll (not a push) records with its articles: its answer, the hub, the feed read."""

    result: FetchResult
    hub: Hub | None
    parsed: ParsedFeed


@dataclass
class _Counts:
    new_articles: int = 0
    new_stories: int = 0
    joined: int = 0
    alerts: int = 0
    updates: int = 0


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
        self.stories = StoryIndex()
        self.subscriptions = SubscriptionIndex()
        self._locks: dict[int, asyncio.Lock] = {}
        self.budget = polling.PollBudget(settings.poll)  # the shared daily request budget's scale
        self._loaded = False
        self._last_article = 0  # the newest article the story index has seen
        # One store step at a time in this process: they share the story index, and on SQLite
        # concurrent writers would wait on each other's lock past the busy timeout.
        self._store_lock = threading.Lock()

    def load(self) -> None:
        """Rebuild the story index from the fingerprints of recent articles (after a restart)."""
        since = self.clock.now() - timedelta(seconds=self.settings.poll.story_window)
        index = StoryIndex()
        with self.db.session() as session:
            rows = session.execute(
                select(Article.story_id, Article.fingerprint).where(
                    Article.fetched_at >= since, Article.fingerprint.is_not(None)
                )
            )
            for story_id, blob in rows:
                index.add(story_id, Fingerprint.from_bytes(blob))
            self._last_article = session.scalar(select(func.max(Article.id))) or 0
        self.stories = index
        self._loaded = True
        log.info("story index loaded: %d stories", len(index))

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
    ) -> _Counts:
        with self._store_lock:
            return self._store_locked(feed_id, feed_title, candidates, polled, origin)

    def _store_locked(
        self,
        feed_id: int,
        feed_title: str | None,
        candidates: list[Candidate],
        polled: _Polled | None,
        origin: Origin,
    ) -> _Counts:
        counts = _Counts()
        now = self.clock.now()
        try:
            with self.db.session() as session:
                self._serialize_stories(session)
                self.subscriptions.refresh(session)
                feed = session.get(Feed, feed_id)
                assert feed is not None
                if not feed.name and feed_title:
                    feed.name = feed_title[:200]
                audience = None if origin.public else followers(session, feed_id)
                for candidate in candidates:
                    self._store_one(session, feed, candidate, now, counts, audience)
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

    def _serialize_stories(self, session: Session) -> None:
        """Deciding which story an article joins must see every article stored before it, also
        by other workers: on PostgreSQL one transaction-scoped advisory lock orders the store
        steps of all workers, and the index first takes in what others stored meanwhile."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORE_LOCK})
        rows = session.execute(
            select(Article.id, Article.story_id, Article.fingerprint)
            .where(Article.id > self._last_article)
            .order_by(Article.id)
        ).all()
        for article_id, story_id, blob in rows:
            if blob is not None:
                self.stories.add(story_id, Fingerprint.from_bytes(blob))
            self._last_article = article_id

    def _store_one(
        self,
        session: Session,
        feed: Feed,
        c: Candidate,
        now: datetime,
        counts: _Counts,
        audience: set[int] | None,
    ) -> None:
        """Store one article in its story; alert the chats it matches (among `audience`, the
        followers of a private feed; everyone when None)."""
        language = c.language
        fp = fingerprint(c.text) if c.text else None
        story_id = None
        if c.url:
            story_id = session.scalar(select(Article.story_id).where(Article.url == c.url).limit(1))
        if story_id is None and fp is not None:
            story_id = self.stories.find(fp)
        story = session.get(Story, story_id) if story_id is not None else None
        opts, ranked = self.settings.summary, None  # ranked: a new story's article, ranked once
        if story is None:
            ranked = story_summaries(c.text, language, opts, c.title)
            story = Story(
                title=c.title,
                url=c.url,
                summary=ranked.default if ranked else summarize_candidate(c, language, opts),
                language=language,
                created_at=now,
                updated_at=now,
                published_at=c.published,
                source_count=0,
            )
            session.add(story)
            counts.new_stories += 1
        else:
            counts.joined += 1
            story.updated_at = now
            carried = session.scalar(select(public_story()).where(Story.id == story.id))
            if feed.public and not carried:  # by a public feed, before this article
                self._republish(story, c, language)
        joined = story.id is not None
        article = Article(
            feed_id=feed.id,
            story=story,
            guid=c.entry.guid,
            url=c.url or c.entry.guid,
            title=c.title,
            text=c.text,
            language=language,
            source=(c.outlet or feed.display_name)[:200],
            published_at=c.published,
            fetched_at=now,
            fingerprint=fp.to_bytes() if fp is not None else None,
        )
        session.add(article)
        session.flush()
        byline = read_bylines(session, [story.id])[story.id]
        story.source_count = len(byline.names)
        self._last_article = max(self._last_article, article.id)
        counts.new_articles += 1
        if fp is not None:
            self.stories.add(story.id, fp)
        if self._too_old(c, now):
            return
        if joined:
            counts.updates += update_alerts(session, story, article, byline, now)
        doc = Document(title=c.title, text=c.text, language=language or "en", urls=(c.url,))
        matches = self.subscriptions.match(doc)
        if audience is not None:
            matches = [m for m in matches if m.chat_id in audience]
        if matches:
            summaries = ranked or AlertSummaries.of(c.text, language, story.summary, opts, c.title)
            counts.alerts += queue_alerts(session, story, article, byline, matches, now, summaries)

    def _too_old(self, c: Candidate, now: datetime) -> bool:
        """An entry from long ago (a feed's backlog on first poll) is news to nobody."""
        max_age = self.settings.poll.alert_max_age
        return c.published is not None and (now - c.published).total_seconds() > max_age

    def _republish(self, story: Story, c: Candidate, language: str | None) -> None:
        """The first public article of a story only private feeds carried: the story shows
        its title, link and summary from now on, so what everyone sees is public."""
        story.title, story.url, story.language = c.title, c.url, language
        story.summary = summarize_candidate(c, language, self.settings.summary)
        story.published_at = c.published or story.published_at

    def _record_success(self, feed_id: int, result: FetchResult) -> None:
        with self.db.session() as session:
            if (feed := session.get(Feed, feed_id)) is not None:
                record_success(feed, result, self.clock.now(), self.budget)

    def _record_failure(self, feed_id: int, error: str, result: FetchResult | None = None) -> None:
        record_failure(self.db, feed_id, error, self.clock.now(), self.settings.poll, result)
