"""When each feed is polled: the configured feeds in the table, claims so one worker polls a
feed at a time, and the bookkeeping after a poll (success, or failure with backoff). A chat's
private feed is polled only while a chat follows it; search feeds are claimed by
`bot.searches`, within their sources' budgets.

The rules come from bots that run for real: a feed that fails waits twice as long each time (up
to `poll.backoff_max`), is paused after `poll.disable_after` failures in a row, and one success
brings it back to its normal interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import exists, or_, select

from bot.fetch import FetchResult
from bot.settings import FeedConfig, PollSettings
from bot.store import ChatSource, Database, Feed, upsert_feed

__all__ = ["Outcome", "PollReport", "claim_feeds", "record_failure", "record_success", "sync_feeds"]

log = logging.getLogger(__name__)

Outcome = Literal["new", "unchanged", "not_modified", "failed"]


@dataclass(frozen=True)
class PollReport:
    feed_id: int
    feed: str
    outcome: Outcome
    new_articles: int = 0
    new_stories: int = 0
    joined: int = 0
    alerts: int = 0
    updates: int = 0  # edits and follow-ups of alerts already sent
    error: str | None = None
    warning: str | None = None


def sync_feeds(db: Database, feeds: list[FeedConfig], now: datetime) -> list[int]:
    """Make the feeds table hold every configured feed (operators may add more by command)."""
    with db.session() as session:
        return [
            upsert_feed(session, cfg.url, now, name=cfg.name, interval=cfg.interval).id
            for cfg in feeds
        ]


def claim_feeds(
    db: Database, now: datetime, worker: str, lease: float, *, due_only: bool = True
) -> list[int]:
    """Take the feeds to poll, one worker per feed: rows locked with SKIP LOCKED (another
    worker's choice is skipped, not waited for), then marked with a lease of `lease` seconds;
    a worker that dies lets it expire."""
    until = now + timedelta(seconds=lease)
    with db.session() as session:
        followed = exists().where(ChatSource.feed_id == Feed.id)
        query = select(Feed).where(
            Feed.active.is_(True),
            Feed.search_source.is_(None),
            or_(Feed.public.is_(True), followed),
            or_(Feed.claimed_until.is_(None), Feed.claimed_until < now),
        )
        if due_only:
            query = query.where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        feeds = session.scalars(
            query.order_by(Feed.next_poll_at, Feed.id).with_for_update(skip_locked=True)
        ).all()
        for feed in feeds:
            feed.claimed_by, feed.claimed_until = worker, until
        return [feed.id for feed in feeds]


def record_success(feed: Feed, result: FetchResult, now: datetime) -> None:
    """A poll that worked (new entries or a 304): failures forgotten, validators kept."""
    feed.claimed_by = feed.claimed_until = None
    feed.failures = 0
    feed.last_error = None
    feed.last_polled_at = now
    feed.last_success_at = now
    feed.etag = result.etag or feed.etag if result.not_modified else result.etag
    feed.last_modified = (
        result.last_modified or feed.last_modified if result.not_modified else result.last_modified
    )
    feed.next_poll_at = now + timedelta(seconds=feed.interval)


def record_failure(
    db: Database, feed_id: int, error: str, now: datetime, poll: PollSettings
) -> None:
    """A poll that failed: back off exponentially, pause the feed after too many in a row."""
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return
        feed.failures += 1
        feed.claimed_by = feed.claimed_until = None
        feed.last_error = error[:2000]
        feed.last_polled_at = now
        wait = min(feed.interval * 2 ** min(feed.failures - 1, 16), poll.backoff_max)
        feed.next_poll_at = now + timedelta(seconds=max(wait, feed.interval))
        if feed.failures >= poll.disable_after:
            feed.active = False
            log.error("feed %s (%s): paused after %d failures", feed.id, feed.url, feed.failures)
        log.warning(
            "feed %s (%s): failed (%s); attempt %d, next poll %s",
            feed.id,
            feed.display_name,
            error,
            feed.failures,
            feed.next_poll_at.isoformat(),
        )
