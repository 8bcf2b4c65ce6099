"""What the bot's operators change or ask: the feeds polled for everyone, and the numbers.

Operators are the ids listed in the settings (`admins`); the Telegram adapter checks that
before calling here. Adding a feed reads it first, so a typo or a web page is refused with the
reason instead of failing at every poll. An operator's feed is public; chats' private feeds
are listed too (marked, with their number of followers); search feeds, one per query, are not.
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
from bot.store import (
    Article,
    Chat,
    ChatSource,
    Feed,
    Outbox,
    OutboxStatus,
    Story,
    Subscription,
    WebSubSubscription,
    upsert_feed,
)

__all__ = ["FeedView", "Stats", "add_feed", "list_feeds", "probe_feed", "remove_feed", "stats"]


@dataclass(frozen=True)
class FeedView:
    id: int
    name: str
    active: bool
    failures: int
    last_error: str | None
    entries: int | None = None  # when just read: how many entries the feed has now
    url: str = ""
    public: bool = True
    followers: int = 0  # chats that added it as their own source
    interval: int = 900  # seconds between polls now (the schedule's choice, else configured)
    pushed: bool = False  # a WebSub hub pushes it (then `interval` is the safety poll)


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


def _view(
    feed: Feed, entries: int | None = None, followers: int = 0, pushed: bool = False
) -> FeedView:
    return FeedView(
        feed.id,
        feed.display_name,
        feed.active,
        feed.failures,
        feed.last_error,
        entries,
        feed.url,
        feed.public,
        followers,
        feed.current_interval or feed.interval,
        pushed,
    )


def list_feeds(session: Session, *, public_only: bool = False) -> list[FeedView]:
    """Every feed but the search feeds, by id, with how many chats follow each."""
    follows = (
        select(ChatSource.feed_id, func.count(ChatSource.id).label("n"))
        .group_by(ChatSource.feed_id)
        .subquery()
    )
    query = (
        select(Feed, func.coalesce(follows.c.n, 0))
        .outerjoin(follows, follows.c.feed_id == Feed.id)
        .where(Feed.search_source.is_(None))
        .order_by(Feed.id)
    )
    if public_only:
        query = query.where(Feed.public.is_(True))
    active = WebSubSubscription.state == "active"
    pushed = set(session.scalars(select(WebSubSubscription.feed_id).where(active)))
    return [_view(f, followers=n, pushed=f.id in pushed) for f, n in session.execute(query)]


async def probe_feed(
    fetcher: Fetcher, url: str, *, user: bool = False, allow_private: bool = False
) -> ParsedFeed:
    """Read the feed at `url` once. Raises FetchError or FeedParseError with the reason.
    A `user`'s URL goes through the public-address check (unless `allow_private`)."""
    if user:
        result = await fetcher.fetch_public(url, allow_private=allow_private)
    else:
        result = await fetcher.fetch(url)
    if not result.ok:
        raise FetchError(result.error or "no answer")
    return await asyncio.to_thread(
        parse_feed, result.body or b"", url=result.url, content_type=result.content_type
    )


def add_feed(session: Session, url: str, feed: ParsedFeed, now: datetime) -> FeedView:
    """Poll `url` for everyone from now on (again, if it was removed or paused after failures:
    it was just read, so its failures are forgotten and it is due at once). A chat's private
    feed becomes public."""
    row = upsert_feed(session, url, now, default_name=(feed.title or url)[:200], public=True)
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
