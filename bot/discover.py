"""Finding a site's feed from the address a person gives: the feed itself, or a page of the site.

The order readers such as Miniflux and NetNewsWire use: the address may already be a feed;
else the page's `<link rel="alternate">` feeds (RSS, Atom, JSON Feed) in page order; else the
paths sites usually publish at. The first candidate that parses as a feed wins. Every request
is a user-given URL and goes through `Fetcher.fetch_public`, so each candidate (on this host or
another) and each redirect is held to the same address rules as `/summary`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from bot.fetch import Fetcher, FetchResult
from bot.parse import FeedEntry, FeedParseError, ParsedFeed, WebPageNotFeed, parse_feed

__all__ = ["COMMON_PATHS", "Discovery", "discover_feeds", "newest_entries"]

log = logging.getLogger(__name__)

COMMON_PATHS = ("/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feed.json")
MAX_LINKED = 5  # feeds taken from a page's links, before the common paths
PREVIEW = 3


@dataclass(frozen=True)
class Discovery:
    """What looking for a feed at `url` found: the feed (`feed_url`, its parsed `feed`, its
    `newest` entries for a preview), or `reason` why none was found. `tried` lists every
    address fetched, in order."""

    url: str
    feed_url: str | None = None
    feed: ParsedFeed | None = None
    newest: tuple[FeedEntry, ...] = ()
    reason: str | None = None
    tried: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.feed is not None

    @property
    def title(self) -> str | None:
        return self.feed.title if self.feed else None


def newest_entries(feed: ParsedFeed, count: int = PREVIEW) -> tuple[FeedEntry, ...]:
    """The `count` most recent entries; undated ones keep the feed's order, after dated ones."""
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(feed.entries, key=lambda e: e.published or oldest, reverse=True)
    return tuple(ranked[:count])


def _with_scheme(url: str) -> str:
    """`example.com/blog` as people type it means https://example.com/blog."""
    url = url.strip()
    return url if "://" in url else f"https://{url}"


async def _read(result: FetchResult) -> ParsedFeed:
    return await asyncio.to_thread(
        parse_feed, result.body or b"", url=result.url, content_type=result.content_type
    )


def _candidates(page_url: str, linked: tuple[str, ...]) -> list[str]:
    root = f"{urlsplit(page_url).scheme}://{urlsplit(page_url).netloc}/"
    ordered = [*linked[:MAX_LINKED], *(urljoin(root, path) for path in COMMON_PATHS)]
    return [url for i, url in enumerate(ordered) if url not in ordered[:i] and url != page_url]


async def discover_feeds(fetcher: Fetcher, url: str, *, allow_private: bool = False) -> Discovery:
    """Find the feed behind `url` (a feed's or a site's address)."""
    asked = _with_scheme(url)
    first = await fetcher.fetch_public(asked, allow_private=allow_private)
    failure = None if first.ok else f"could not fetch {asked}: {first.error or 'no answer'}"
    if failure and first.status is None:  # no answer from the host: other paths will not help
        return Discovery(asked, reason=failure, tried=(asked,))
    linked: tuple[str, ...] = ()
    if not failure:
        try:
            feed = await _read(first)
        except WebPageNotFeed as page:
            linked = tuple(link.url for link in page.feed_links)
        except FeedParseError as exc:
            log.info("discover %s: not a feed (%s); trying the usual paths", asked, exc)
        else:
            return Discovery(asked, first.url, feed, newest_entries(feed), tried=(asked,))
    tried = [asked]
    for candidate in _candidates(first.url, linked):
        tried.append(candidate)
        found = await _feed_at(fetcher, candidate, allow_private)
        if found is not None:
            result, feed = found
            return Discovery(asked, result.url, feed, newest_entries(feed), tried=tuple(tried))
    return Discovery(asked, reason=_nothing_found(asked, linked, failure), tried=tuple(tried))


async def _feed_at(
    fetcher: Fetcher, url: str, allow_private: bool
) -> tuple[FetchResult, ParsedFeed] | None:
    """The feed at `url`, or None when it cannot be fetched or is not a feed (the next
    candidate is tried; only the final "nothing found" is worth telling the user)."""
    result = await fetcher.fetch_public(url, allow_private=allow_private)
    if not result.ok:
        log.info("discover: %s: %s", url, result.error)
        return None
    try:
        return result, await _read(result)
    except FeedParseError as exc:
        log.info("discover: %s: %s", url, exc)
        return None


def _nothing_found(url: str, linked: tuple[str, ...], failure: str | None) -> str:
    if failure:
        return f"{failure}, and none of {', '.join(COMMON_PATHS)} is a feed"
    if linked:
        count = "a feed" if len(linked) == 1 else f"{len(linked)} feeds"
        return f"{url} links to {count}, but none could be read as a feed"
    paths = ", ".join(COMMON_PATHS)
    return f"no feed found at {url}: it links to no feed, and none of {paths} is one"
