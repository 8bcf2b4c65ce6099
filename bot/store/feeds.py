"""The feeds table's one write shared by the config (at start-up) and operators (/addfeed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Feed

__all__ = ["upsert_feed"]


def upsert_feed(
    session: Session,
    url: str,
    now: datetime,
    *,
    name: str | None = None,
    default_name: str | None = None,
    interval: int | None = None,
) -> Feed:
    """The feed at `url`, created (due at once) if new. `name` replaces its name;
    `default_name` names it only if it has none; `interval` sets its poll interval."""
    feed = session.scalar(select(Feed).where(Feed.url == url))
    if feed is None:
        feed = Feed(url=url, created_at=now, next_poll_at=now)
        session.add(feed)
    feed.name = name or feed.name or default_name
    if interval is not None:
        feed.interval = interval
    session.flush()
    return feed
