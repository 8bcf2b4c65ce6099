"""What the bot's operators change or ask: the feeds polled for everyone, and the numbers.

Operators are the ids listed in the settings (`admins`); the Telegram adapter checks that
before calling here. Adding a feed reads it first, so a typo or a web page is refused with the
reason instead of failing at every poll.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.chat.input import number
from bot.errors import FetchError
from bot.fetch import Fetcher
from bot.parse import ParsedFeed, parse_feed
from bot.store import Article, Chat, Feed, Outbox, OutboxStatus, Story, Subscription, upsert_feed

__all__ = ["FeedView", "Stats", "add_feed", "list_feeds", "probe_feed", "remove_feed", "stats"]


@dataclass(frozen=True)
class FeedView:
    id: int
    name: str
    active: bool
    failures: int
    last_error: str | None
    entries: int | None = None  # when just read: how many entries the feed has now


@dataclass(frozen=True)
class Stats:
    feeds: int
    failing: int
    stories: int
    stories_today: int
    articles: int
    chats: int
    queries: int
    outbox: dict[str, int]  # by OutboxStatus


def _view(feed: Feed, entries: int | None = None) -> FeedView:
    return FeedView(
        feed.id, feed.display_name, feed.active, feed.failures, feed.last_error, entries
    )


def list_feeds(session: Session) -> list[FeedView]:
    return [_view(feed) for feed in session.scalars(select(Feed).order_by(Feed.id))]


async def probe_feed(fetcher: Fetcher, url: str) -> ParsedFeed:
    """Read the feed at `url` once. Raises FetchError or FeedParseError with the reason."""
    result = await fetcher.fetch(url)
    if not result.ok:
        raise FetchError(result.error or "no answer")
    return await asyncio.to_thread(parse_feed, result.body or b"", url=result.url)


def add_feed(session: Session, url: str, feed: ParsedFeed, now: datetime) -> FeedView:
    """Poll `url` for everyone from now on (again, if it was removed or paused after failures:
    it was just read, so its failures are forgotten and it is due at once)."""
    row = upsert_feed(session, url, now, default_name=(feed.title or url)[:200])
    row.active = True
    row.failures, row.last_error, row.next_poll_at = 0, None, now
    return _view(row, len(feed.entries))


def remove_feed(session: Session, key: str) -> FeedView | None:
    """Stop polling a feed, by its number in /feeds or its URL; its stories stay."""
    feed_id = number(key)
    feed = (
        session.get(Feed, feed_id)
        if feed_id is not None
        else session.scalar(select(Feed).where(Feed.url == key))
    )
    if feed is None:
        return None
    feed.active = False
    return _view(feed)


def stats(session: Session, now: datetime) -> Stats:
    def count(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    since = now - timedelta(days=1)
    active = Feed.active.is_(True)
    outbox = {
        status: count(select(func.count(Outbox.id)).where(Outbox.status == status))
        for status in OutboxStatus.ALL
    }
    return Stats(
        feeds=count(select(func.count(Feed.id)).where(active)),
        failing=count(select(func.count(Feed.id)).where(active, Feed.failures > 0)),
        stories=count(select(func.count(Story.id))),
        stories_today=count(select(func.count(Story.id)).where(Story.created_at > since)),
        articles=count(select(func.count(Article.id))),
        chats=count(select(func.count(Chat.id)).where(Chat.active.is_(True))),
        queries=count(select(func.count(Subscription.id))),
        outbox=outbox,
    )
