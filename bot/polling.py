"""When each feed is polled: the configured feeds in the table, claims so one worker polls a
feed at a time, and the bookkeeping after a poll (success, or failure with backoff). A chat's
private feed is polled only while a chat follows it; search feeds are claimed by
`bot.searches`, within their sources' budgets.

How long a feed waits between polls is `bot.schedule`'s decision (a fraction of its median gap
between new entries, within the publisher's hints and the configured bounds); this module reads
what it needs from the tables and stores the decision: `feeds.current_interval`,
`feeds.median_gap`, `feeds.publisher_hint`, `feeds.newest_entry_at` and `next_poll_at`.
`Feed.interval` stays the configured start and fallback. The shared daily budget's scale is
recomputed here (`PollBudget`, from every pollable feed's stored rhythm) at most every
`bot.schedule.BUDGET_REFRESH` s, when a worker claims feeds, and held by that worker.

The failure rules come from bots that run for real: a feed that fails waits twice as long each
time from the second failure in a row (up to `poll.backoff_max`, never less than a `Retry-After`),
is paused after `poll.disable_after` failures in a row, and one success brings it back to its
adaptive interval.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, object_session

from bot.fetch import FetchResult
from bot.parse import ParsedFeed
from bot.schedule import (
    BUDGET_REFRESH,
    Demand,
    FeedRhythm,
    PollSeen,
    budget_per_day,
    budget_scale,
    failure_wait,
    next_poll,
)
from bot.settings import FeedConfig, PollSettings
from bot.store import ChatSource, Database, Feed, WebSubSubscription, upsert_feed

__all__ = [
    "Outcome",
    "PollBudget",
    "PollReport",
    "claim_feeds",
    "is_pushed",
    "note_published",
    "pushed_among",
    "record_failure",
    "record_success",
    "sync_feeds",
]

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


class PollBudget:
    """A worker's view of the shared daily request budget: the scale `bot.schedule` sets every
    pollable feed's interval by, recomputed from the stored rhythms at most every
    `BUDGET_REFRESH` s (None while the budget is off or no feed has a gap learned)."""

    def __init__(self, poll: PollSettings) -> None:
        self.poll = poll
        self.scale: float | None = None
        self.computed_at: datetime | None = None
        self.feeds = 0

    def refresh(self, session: Session, now: datetime) -> float | None:
        """Recompute the scale when it is older than `BUDGET_REFRESH` (or never was)."""
        if self.poll.budget_interval == 0:
            return None
        at = self.computed_at
        fresh = at is not None and timedelta(0) <= now - at < timedelta(seconds=BUDGET_REFRESH)
        if fresh and self.scale is not None:  # (until a gap is learned, at every claim)
            return self.scale
        demands = _demands(session, now)
        self.feeds = len(demands)
        self.scale = budget_scale(demands, budget_per_day(demands, self.poll), self.poll)
        self.computed_at = now
        return self.scale


def _pollable() -> list[Any]:
    """The feeds the poll job takes: active, not a search feed, public or followed by a chat."""
    followed = exists().where(ChatSource.feed_id == Feed.id)
    public = or_(Feed.public.is_(True), followed)
    return [Feed.active.is_(True), Feed.search_source.is_(None), public]


def _demands(session: Session, now: datetime) -> list[Demand]:
    rows = session.execute(
        select(
            Feed.interval,
            Feed.median_gap,
            Feed.newest_entry_at,
            Feed.publisher_hint,
            WebSubSubscription.state,
        )
        .outerjoin(WebSubSubscription, WebSubSubscription.feed_id == Feed.id)
        .where(*_pollable())
    ).all()
    return [
        Demand(
            interval,
            median,
            (now - newest).total_seconds() if newest is not None else 0.0,
            float(hint or 0),
            state == "active",
        )
        for interval, median, newest, hint, state in rows
    ]


def claim_feeds(
    db: Database,
    now: datetime,
    worker: str,
    lease: float,
    *,
    due_only: bool = True,
    budget: PollBudget | None = None,
) -> list[int]:
    """Take the feeds to poll, one worker per feed: rows locked with SKIP LOCKED (another
    worker's choice is skipped, not waited for), then marked with a lease of `lease` seconds;
    a worker that dies lets it expire. `budget`, when given, is refreshed first."""
    until = now + timedelta(seconds=lease)
    with db.session() as session:
        if budget is not None:
            budget.refresh(session, now)
        query = select(Feed).where(
            *_pollable(), or_(Feed.claimed_until.is_(None), Feed.claimed_until < now)
        )
        if due_only:
            query = query.where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        feeds = session.scalars(
            query.order_by(Feed.next_poll_at, Feed.id).with_for_update(skip_locked=True)
        ).all()
        for feed in feeds:
            feed.claimed_by, feed.claimed_until = worker, until
        return [feed.id for feed in feeds]


def is_pushed(session: Session, feed_id: int) -> bool:
    """Whether a WebSub hub pushes this feed (its subscription is verified and active); a
    primary-key lookup, answered from the session when the row is already loaded."""
    row = session.get(WebSubSubscription, feed_id)
    return row is not None and row.state == "active"


def pushed_among(db: Database, feed_ids: Sequence[int]) -> set[int]:
    """Which of these feeds a WebSub hub pushes (for counting their polls as safety polls)."""
    with db.session() as session:
        rows = session.scalars(
            select(WebSubSubscription.feed_id).where(
                WebSubSubscription.feed_id.in_(feed_ids), WebSubSubscription.state == "active"
            )
        )
        return set(rows)


def note_published(feed: Feed, published: Sequence[datetime], now: datetime) -> None:
    """Entries a hub pushed: the newest entry's time moves (a future date means now), the
    schedule does not (the next poll's decision sees it)."""
    times = [min(t, now) for t in published]
    if times and (feed.newest_entry_at is None or max(times) > feed.newest_entry_at):
        feed.newest_entry_at = max(times)


def record_success(
    feed: Feed,
    result: FetchResult,
    now: datetime,
    poll: PollSettings | PollBudget | None = None,
    parsed: ParsedFeed | None = None,
    published: Sequence[datetime] = (),
) -> None:
    """A poll that worked (new entries or a 304): failures forgotten, validators kept, and the
    next poll set by the schedule. `poll` is the settings, or a worker's `PollBudget` (they
    and the shared budget's scale); `parsed` the feed read (None for a 304), `published` the
    times of the entries it found new."""
    scale = poll.scale if isinstance(poll, PollBudget) else None
    poll = poll.poll if isinstance(poll, PollBudget) else poll or PollSettings()
    feed.claimed_by = feed.claimed_until = None
    feed.failures = 0
    feed.last_error = None
    feed.last_polled_at = now
    feed.last_success_at = now
    feed.etag = result.etag or feed.etag if result.not_modified else result.etag
    feed.last_modified = (
        result.last_modified or feed.last_modified if result.not_modified else result.last_modified
    )
    session = object_session(feed)
    pushed = session is not None and feed.id is not None and is_pushed(session, feed.id)
    floor = feed.interval if feed.search_source is not None else 0  # a query's own budget
    newest = feed.newest_entry_at
    rhythm = FeedRhythm(feed.interval, feed.median_gap, feed.publisher_hint, newest, pushed, floor)
    seen = PollSeen(
        now,
        read=parsed is not None,
        published=tuple(published),
        hint=_publisher_hint(parsed),
        max_age=result.max_age,
        retry_after=result.retry_after,
    )
    decision = next_poll(rhythm, seen, poll, scale if feed.search_source is None else None)
    feed.current_interval = decision.interval
    feed.median_gap = decision.median_gap
    feed.publisher_hint = decision.hint
    feed.newest_entry_at = decision.newest_entry_at
    feed.next_poll_at = now + timedelta(seconds=decision.interval)
    log.debug("feed %s: next poll in %d s (%s)", feed.id, decision.interval, decision.reason)


def _publisher_hint(parsed: ParsedFeed | None) -> int | None:
    """`ttl` or `sy:updatePeriod`, the longer when a feed gives both: either says a poll
    sooner finds nothing new."""
    if parsed is None:
        return None
    hints = [h for h in (parsed.ttl_seconds, parsed.update_period_seconds) if h]
    return max(hints) if hints else None


def record_failure(
    db: Database,
    feed_id: int,
    error: str,
    now: datetime,
    poll: PollSettings,
    result: FetchResult | None = None,
) -> None:
    """A poll that failed: back off exponentially from the second failure in a row (never
    sooner than the publisher's `Retry-After`), pause the feed after too many in a row. A 429
    or 503 is a failure like the others; see `bot.schedule` for why the first costs nothing."""
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return
        feed.failures += 1
        feed.claimed_by = feed.claimed_until = None
        feed.last_error = error[:2000]
        feed.last_polled_at = now
        current = feed.current_interval or feed.interval
        retry = result.retry_after if result is not None else None
        wait = failure_wait(current, feed.failures, retry, poll)
        feed.next_poll_at = now + timedelta(seconds=wait)
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
