"""OPML subscription lists in and out: a chat's sources (a file sent to the bot, /export) and
the operators' public feeds (`newsbot sources import|export`).

Importing reads each listed feed once before adding it, a few at a time, so the report says
which were added, which were there already and which failed and why (a dead address, a web
page, a private address a user may not reach). Database work goes through `run`, which runs one
unit of work in a transaction off the event loop (the adapter's `context.db`, or a thread for
the CLI), so nothing is held open while feeds are fetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.chat import operator, sources
from bot.chat.prefs import Caller
from bot.discover import discover_feeds
from bot.errors import ChatError, FeedParseError, FetchError
from bot.fetch import Fetcher, is_local
from bot.opml import MAX_OPML_BYTES, OpmlFeed, read_opml, write_opml
from bot.parse import ParsedFeed
from bot.settings import Settings

__all__ = [
    "MAX_OPML_BYTES",
    "ImportReport",
    "RunInDb",
    "add_public",
    "check_feeds",
    "import_for_chat",
    "import_public",
    "public_opml",
]

T = TypeVar("T")
CHECKS_AT_ONCE = 4


class RunInDb(Protocol):
    def __call__(self, work: Callable[[Session], T], /) -> Awaitable[T]: ...


@dataclass(frozen=True)
class ImportReport:
    """What an import did with each listed feed: `added` (url, title), `already` there, and
    `failed` (url, reason)."""

    added: tuple[tuple[str, str], ...] = ()
    already: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


Checked = ParsedFeed | str  # the feed as read, or why it could not be


async def check_feeds(
    fetcher: Fetcher, urls: Sequence[str], *, user: bool, allow_private: bool = False
) -> dict[str, Checked]:
    """Read each feed once, a few at a time: a user's through the public-address rule."""
    gate = asyncio.Semaphore(CHECKS_AT_ONCE)

    async def one(url: str) -> Checked:
        async with gate:
            try:
                return await operator.probe_feed(
                    fetcher, url, user=user, allow_private=allow_private
                )
            except (FetchError, FeedParseError) as exc:
                return str(exc)[:300]

    results = await asyncio.gather(*(one(url) for url in urls))
    return dict(zip(urls, results, strict=True))


def _add_each(
    todo: Sequence[OpmlFeed],
    checked: dict[str, Checked],
    add: Callable[[OpmlFeed, ParsedFeed], str],
) -> ImportReport:
    """Add every feed that was read (`add` returns the name it got, or raises ChatError);
    the others fail with the reason they could not be read."""
    added: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    for feed in todo:
        result = checked[feed.url]
        try:
            if isinstance(result, str):
                raise ChatError(result)
            added.append((feed.url, add(feed, result)))
        except ChatError as exc:
            failed.append((feed.url, str(exc)))
    return ImportReport(tuple(added), (), tuple(failed))


async def import_for_chat(
    run: RunInDb,
    fetcher: Fetcher,
    caller: Caller,
    data: bytes,
    now: datetime,
    settings: Settings,
) -> ImportReport:
    """An OPML file sent to the bot: its feeds become the chat's sources, up to the chat's
    limit. InputError when the file is not a readable OPML file."""
    listed = read_opml(data)
    known = await run(lambda s: sources.followed_urls(s, caller.chat_id))
    todo = [f for f in listed if f.url not in known]
    room = max(0, settings.sources.max_per_chat - len(known))
    limit = f"over this chat's limit of {settings.sources.max_per_chat} sources"
    allow = settings.telegram.allow_private_urls
    urls = [f.url for f in todo[:room]]
    checked = await check_feeds(fetcher, urls, user=True, allow_private=allow)
    checked |= {f.url: limit for f in todo[room:]}

    def add(session: Session) -> ImportReport:
        def follow(feed: OpmlFeed, parsed: ParsedFeed) -> str:
            named = feed.title if feed.title != feed.url else None  # OPML's text falls back to it
            title = named or parsed.title or feed.url
            sources.add_source(session, caller, feed.url, title, now, settings)
            return title

        report = _add_each(todo, checked, follow)
        return replace(report, already=tuple(f.url for f in listed if f.url in known))

    return await run(add)


async def import_public(
    run: RunInDb, fetcher: Fetcher, listed: Sequence[OpmlFeed], now: datetime
) -> ImportReport:
    """Operators' feeds from an OPML list: each read once, then polled for everyone."""
    known = {view.url for view in await run(lambda s: operator.list_feeds(s, public_only=True))}
    todo = [f for f in listed if f.url not in known]
    checked = await check_feeds(fetcher, [f.url for f in todo], user=False)

    def add(session: Session) -> ImportReport:
        def publish(feed: OpmlFeed, parsed: ParsedFeed) -> str:
            return operator.add_feed(session, feed.url, parsed, now).name

        report = _add_each(todo, checked, publish)
        return replace(report, already=tuple(f.url for f in listed if f.url in known))

    return await run(add)


async def add_public(
    run: RunInDb, fetcher: Fetcher, url: str, now: datetime
) -> operator.FeedView | str:
    """An operator's feed by its address, a site's (its feed is found) or a path on disk;
    the feed as added, or why none was."""
    if is_local(url):
        found: Checked = (await check_feeds(fetcher, [url], user=False))[url]
        feed_url = url
    else:
        discovery = await discover_feeds(fetcher, url, allow_private=True)
        found = discovery.feed or discovery.reason or "no feed found"
        feed_url = discovery.feed_url or url
    if isinstance(found, str):
        return found
    parsed = found
    return await run(lambda s: operator.add_feed(s, feed_url, parsed, now))


def public_opml(session: Session, now: datetime) -> bytes:
    """The operators' active public feeds as OPML (`newsbot sources export`)."""
    feeds = [(v.url, v.name) for v in operator.list_feeds(session, public_only=True) if v.active]
    return write_opml(feeds, title="newsbot feeds", created=now)
