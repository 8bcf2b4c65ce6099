"""The feeds table's one write shared by the config (at start-up), operators (/addfeed) and
chats (/addsource)."""

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
    public: bool = True,
) -> Feed:
    """The feed at `url`, created (due at once) if new. `name` replaces its name;
    `default_name` names it only if it has none; `interval` sets its poll interval.

    Operators' feeds are public (`public=True` makes a chat's private feed public too); a chat's
    feed (`public=False`) is private when new, and a public feed stays public."""
    feed = session.scalar(select(Feed).where(Feed.url == url))
    if feed is None:
        feed = Feed(url=url, created_at=now, next_poll_at=now, public=public)
        session.add(feed)
    elif public:
        feed.public = True
    feed.name = name or feed.name or default_name
    if interval is not None:
        feed.interval = interval
    session.flush()
    return feed
