"""The values every feed format is read into, and the rules they share (URLs, titles, ids)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.errors import FeedParseError
from bot.extract import html_to_text

__all__ = [
    "FeedEntry",
    "FeedLink",
    "ParsedFeed",
    "WebPageNotFeed",
    "canonical_url",
    "plain_title",
    "stable_guid",
]

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


@dataclass(frozen=True)
class FeedEntry:
    """One item, whatever the format. `summary_html` / `content_html` are the publisher's HTML
    (untrusted: turn it into text or sanitize it before showing it); `external_url` is the page
    a link-blog item points to (JSON Feed), when it has one; `source` is the outlet an
    aggregator's item comes from (RSS `<source>`, Atom `<source><title>`), when it says."""

    guid: str
    url: str
    title: str
    summary_html: str
    content_html: str
    published: datetime | None
    author: str | None = None
    external_url: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's entries and what it says about itself.

    `ttl_seconds` (RSS `<ttl>`, given in minutes) and `update_period_seconds` (`sy:updatePeriod`
    / `sy:updateFrequency`) are the publisher's polling hints; `hub_url` / `self_url` are the
    WebSub hub and topic (`<link rel="hub">` / `rel="self"`, or a JSON Feed's `hubs` and
    `feed_url`), absolute."""

    title: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    warning: str | None = None  # feedparser's complaint when it read the feed anyway
    ttl_seconds: int | None = None
    update_period_seconds: int | None = None
    hub_url: str | None = None
    self_url: str | None = None


@dataclass(frozen=True)
class FeedLink:
    """A feed a web page advertises with `<link rel="alternate">`, its URL made absolute."""

    url: str
    type: str
    title: str | None = None


class WebPageNotFeed(FeedParseError):
    """An HTML page where a feed was expected; `feed_links` are the feeds it advertises, so a
    command can offer them."""

    def __init__(self, feed_links: tuple[FeedLink, ...]) -> None:
        self.feed_links = feed_links
        if feed_links:
            count = "a feed" if len(feed_links) == 1 else f"{len(feed_links)} feeds"
            detail = f"it links to {count}: " + ", ".join(link.url for link in feed_links[:3])
        else:
            detail = "it links to no feed"
        super().__init__(f"this is a web page, not a feed; {detail}")


def canonical_url(url: str) -> str:
    """The same article behind different tracking links compares equal."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PARAMS)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def plain_title(title: str) -> str:
    """Titles are plain text for us: some feeds put markup in them (`type="xhtml"`). Read as
    any publisher's HTML is (`html_to_text`: tags gone, entities decoded, scripts and styles
    dropped whole), on one line."""
    return " ".join(html_to_text(title).split())


def stable_guid(*parts: str) -> str:
    """An id for an entry that has neither id nor link: the same entry gets the same one."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"sha256:{digest}"
