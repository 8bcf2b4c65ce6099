"""A chat's own sources: feeds it adds by a site's or a feed's address, or with an OPML file.

A feed many chats add is one `feeds` row, polled once; each chat's link to it is a
`ChatSource`. A feed a chat adds is private (its stories reach only the chats that follow it,
see `bot.audience`) unless an operator publishes it too; it is polled while a chat follows it.
Every address a user gives is fetched with the same rules as `/summary` (`fetch_public`).

`/addsource` adds at once and answers with a preview and an Undo button, instead of asking to
confirm first: the feed was just read (so it is no typo), the preview shows what was added,
and a confirmation would have to carry the discovered URL (often longer than the 64 bytes a
button holds) in state kept between two updates, across workers and restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.chat.input import number
from bot.chat.prefs import Caller, open_chat
from bot.discover import Discovery, discover_feeds
from bot.errors import ChatError
from bot.fetch import Fetcher
from bot.opml import write_opml
from bot.settings import Settings
from bot.store import ChatSource, Feed, upsert_feed

__all__ = [
    "Added",
    "PreviewItem",
    "SourceView",
    "add_source",
    "find_feed",
    "followed_urls",
    "list_sources",
    "preview_of",
    "remove_source",
    "sources_opml",
    "undo_source",
]


@dataclass(frozen=True)
class SourceView:
    """One of a chat's sources as /sources shows it; `number` is its place in that list."""

    number: int
    feed_id: int
    url: str
    name: str
    failures: int
    last_error: str | None
    public: bool  # an operator's feed too (its stories reach everyone anyway)


@dataclass(frozen=True)
class PreviewItem:
    title: str
    url: str
    published: datetime | None


@dataclass(frozen=True)
class Added:
    """A source added (or found already there, `created` False), with its newest items."""

    source: SourceView
    created: bool
    newest: tuple[PreviewItem, ...] = ()


async def find_feed(fetcher: Fetcher, url: str, settings: Settings) -> Discovery:
    """The feed behind a user's address (a feed's or a site's), every request held to the
    public-address rule."""
    allow = settings.telegram.allow_private_urls
    return await discover_feeds(fetcher, url, allow_private=allow)


def preview_of(discovery: Discovery) -> tuple[PreviewItem, ...]:
    return tuple(
        PreviewItem(e.title or e.url or "(untitled)", e.url, e.published) for e in discovery.newest
    )


def _view(position: int, feed: Feed) -> SourceView:
    return SourceView(
        position,
        feed.id,
        feed.url,
        feed.display_name,
        feed.failures,
        feed.last_error,
        feed.public,
    )


def _links(session: Session, chat_id: int) -> list[tuple[ChatSource, Feed]]:
    rows = session.execute(
        select(ChatSource, Feed)
        .join(Feed, Feed.id == ChatSource.feed_id)
        .where(ChatSource.chat_id == chat_id)
        .order_by(ChatSource.id)
    )
    return [(link, feed) for link, feed in rows.tuples()]


def list_sources(session: Session, chat_id: int) -> list[SourceView]:
    return [_view(n, feed) for n, (_, feed) in enumerate(_links(session, chat_id), 1)]


def followed_urls(session: Session, chat_id: int) -> set[str]:
    return {feed.url for _, feed in _links(session, chat_id)}


def add_source(
    session: Session,
    caller: Caller,
    url: str,
    title: str | None,
    now: datetime,
    settings: Settings,
    newest: Sequence[PreviewItem] = (),
) -> Added:
    """Make the feed at `url` (just read) one of the chat's sources. ChatError past the
    chat's limit (`sources.max_per_chat`)."""
    chat = open_chat(session, caller, now, settings)
    links = _links(session, chat.id)
    for position, (_, feed) in enumerate(links, 1):
        if feed.url == url:
            return Added(_view(position, feed), False, tuple(newest))
    most = settings.sources.max_per_chat
    if len(links) >= most:
        raise ChatError(
            f"This chat already has {len(links)} sources, the most allowed ({most}). "
            "Remove one with /removesource first."
        )
    feed = upsert_feed(session, url, now, default_name=(title or url)[:200], public=False)
    if not feed.active or not _followed(session, feed.id):
        # Just read, so due again at once: a feed paused after failures, removed by an
        # operator, or left by every chat starts afresh.
        feed.active, feed.failures, feed.last_error, feed.next_poll_at = True, 0, None, now
    session.add(ChatSource(chat_id=chat.id, feed_id=feed.id, created_at=now))
    session.flush()
    return Added(_view(len(links) + 1, feed), True, tuple(newest))


def _followed(session: Session, feed_id: int) -> bool:
    found = select(func.count(ChatSource.id)).where(ChatSource.feed_id == feed_id)
    return bool(session.scalar(found))


def remove_source(
    session: Session, caller: Caller, key: str, now: datetime, settings: Settings
) -> SourceView | None:
    """Remove one of the chat's sources by its number in /sources or its URL; returns it, or
    None when the chat has no such source. A private feed nobody follows any more is no
    longer polled; its stories stay."""
    links = _links(session, open_chat(session, caller, now, settings).id)
    key = key.strip()
    position = number(key)
    found: tuple[int, ChatSource, Feed] | None = None
    for n, (link, feed) in enumerate(links, 1):
        if n == position or feed.url == key:
            found = (n, link, feed)
            break
    if found is None:
        return None
    n, link, feed = found
    session.execute(delete(ChatSource).where(ChatSource.id == link.id))
    return _view(n, feed)


def undo_source(session: Session, chat_id: int, feed_id: int) -> SourceView | None:
    """The Undo button under /addsource's answer: only the chat's own link; None if gone."""
    for n, (link, feed) in enumerate(_links(session, chat_id), 1):
        if feed.id == feed_id:
            session.execute(delete(ChatSource).where(ChatSource.id == link.id))
            return _view(n, feed)
    return None


def sources_opml(session: Session, chat_id: int, now: datetime) -> bytes:
    """/export: the chat's sources as an OPML file any reader imports."""
    feeds = [(view.url, view.name) for view in list_sources(session, chat_id)]
    return write_opml(feeds, title="newsbot sources", created=now)
