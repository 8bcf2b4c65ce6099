"""Search sources: news-search feeds polled once for every distinct active query.

An operator configures `[[search_sources]]` (a URL template with `{query}` and `{lang}`). Each
pass makes the feeds table hold one search feed per (source, distinct query): queries are
normalized (spacing, and case except the `OR` operator), so every chat holding the same query
shares one feed, polled once; a query nobody holds any more stops being polled. The entries
then take the normal path (grouping, summaries, alerts), credited to their own outlets.

A source is paced by its budget: at most `per_minute` requests in any minute (counted from the
feeds table, so every worker shares it), the query polled longest ago first, each query at most
every `interval` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from bot.ingest import Pipeline, PollReport
from bot.settings import SearchSourceConfig
from bot.store import Chat, Database, Feed, Subscription

__all__ = [
    "SearchPoller",
    "active_queries",
    "claim_searches",
    "normalize_query",
    "search_url",
    "sync_searches",
]

log = logging.getLogger(__name__)

SEARCH_LOCK = 0x73726368  # "srch": one budget check at a time across workers (PostgreSQL)
WINDOW = timedelta(minutes=1)


def normalize_query(query: str) -> str:
    """One spelling per query: spacing collapsed, case folded except `OR`, which is an
    operator in our queries and in search engines'."""
    return " ".join(word if word == "OR" else word.casefold() for word in query.split())


def search_url(source: SearchSourceConfig, query: str) -> str:
    """The source's template with the query (URL-encoded) and language filled in. Plain
    replacement, not `str.format`: a URL may hold other braces."""
    return source.url.replace("{query}", quote_plus(query)).replace("{lang}", source.language)


def active_queries(session: Session) -> list[str]:
    """Every distinct normalized query of an active chat that is not paused."""
    texts = session.scalars(
        select(Subscription.query)
        .join(Chat, Chat.id == Subscription.chat_id)
        .where(Chat.active.is_(True), Subscription.paused_reason.is_(None))
        .distinct()
    )
    return sorted({normalize_query(t) for t in texts} - {""})


def sync_searches(db: Database, sources: list[SearchSourceConfig], now: datetime) -> int:
    """Make the feeds table hold one active search feed per source and active query (and no
    active one for a query nobody holds); returns the search feeds now active."""
    if not sources:
        return 0
    with db.session() as session:
        queries = active_queries(session)
        active = 0
        for source in sources:
            active += _sync_source(session, source, queries, now)
        return active


def _sync_source(
    session: Session, source: SearchSourceConfig, queries: list[str], now: datetime
) -> int:
    wanted = {search_url(source, q): q for q in queries}
    mine = select(Feed).where(Feed.search_source == source.name)
    rows = {feed.url: feed for feed in session.scalars(mine)}
    for url, feed in rows.items():
        if feed.active and url not in wanted:
            feed.active = False
        elif url in wanted and not feed.active:
            feed.active, feed.failures, feed.next_poll_at = True, 0, now
        feed.interval = source.interval
    taken = set(session.scalars(select(Feed.url).where(Feed.url.in_(wanted.keys() - rows.keys()))))
    for url, query in wanted.items():
        if url in rows or url in taken:
            continue
        session.add(
            Feed(
                url=url,
                name=source.name,
                interval=source.interval,
                public=True,
                search_source=source.name,
                search_query=query,
                created_at=now,
                next_poll_at=now,
            )
        )
    session.flush()
    return len(wanted)


def claim_searches(
    db: Database, sources: list[SearchSourceConfig], now: datetime, worker: str, lease: float
) -> list[int]:
    """The search feeds to poll now, within each source's budget: due, unclaimed, the one
    polled longest ago (or never) first, claimed like any feed poll."""
    claimed: list[int] = []
    until = now + timedelta(seconds=lease)
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEARCH_LOCK})
        for source in sources:
            room = source.per_minute - _spent(session, source.name, now)
            if room <= 0:
                continue
            feeds = session.scalars(
                select(Feed)
                .where(
                    Feed.search_source == source.name,
                    Feed.active.is_(True),
                    or_(Feed.claimed_until.is_(None), Feed.claimed_until < now),
                    or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now),
                )
                .order_by(Feed.last_polled_at.asc().nulls_first(), Feed.id)
                .limit(room)
                .with_for_update(skip_locked=True)
            ).all()
            for feed in feeds:
                feed.claimed_by, feed.claimed_until = worker, until
            claimed += [feed.id for feed in feeds]
    return claimed


def _spent(session: Session, source: str, now: datetime) -> int:
    """Requests of the source's budget spent in the last minute (or in flight)."""
    recent = or_(Feed.last_polled_at > now - WINDOW, Feed.claimed_until > now)
    found = select(func.count(Feed.id)).where(Feed.search_source == source, recent)
    return int(session.scalar(found) or 0)


class SearchPoller:
    """Keeps the search feeds in step with the queries and polls them within budget."""

    def __init__(self, pipeline: Pipeline, sources: list[SearchSourceConfig]) -> None:
        self.pipeline = pipeline
        self.sources = sources

    async def poll_due(self) -> list[PollReport]:
        if not self.sources:
            return []
        pipeline = self.pipeline
        now = pipeline.clock.now()
        await asyncio.to_thread(sync_searches, pipeline.db, self.sources, now)
        lease = pipeline.settings.poll.timeout * 6 + 60
        ids = await asyncio.to_thread(
            claim_searches, pipeline.db, self.sources, now, pipeline.worker, lease
        )
        if ids:
            log.info("search sources: polling %d queries", len(ids))
        return await pipeline.poll(ids)
