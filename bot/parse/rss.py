"""RSS 0.9x/1.0/2.0 and Atom documents to plain values, with feedparser.

feedparser is lenient by design: a feed with a wrong charset or a stray byte still yields its
entries (bozo=1), and dropping every bozo feed would lose real news. So a feed is refused only
when it yields no entries and is not recognisably a feed at all.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.errors import FeedParseError
from bot.parse.model import FeedEntry, ParsedFeed, canonical_url, plain_title, stable_guid

__all__ = ["parse_rss"]

PERIOD_SECONDS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}


def _date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain lookup: FeedParserDict's aliasing warns
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError):
                continue
    return None


def _entry(raw: Any, base_url: str | None) -> FeedEntry | None:
    link = (raw.get("link") or "").strip()
    if link and base_url and not urlsplit(link).scheme:
        link = urljoin(base_url, link)
    title = plain_title(raw.get("title") or "")
    summary = raw.get("summary") or ""
    content = ""
    for part in raw.get("content") or ():
        value = part.get("value") or ""
        if len(value) > len(content):
            content = value
    if not (title or summary or content):
        return None
    guid = (raw.get("id") or "").strip() or link or stable_guid(title, summary)
    return FeedEntry(
        guid=guid,
        url=canonical_url(link) if link else "",
        title=title,
        summary_html=summary,
        content_html=content,
        published=_date(raw),
        author=(raw.get("author") or None),
        source=_source(raw),
    )


def _source(raw: Any) -> str | None:
    """The outlet an aggregator's item comes from: RSS `<source>` or Atom `<source><title>`."""
    source = dict.get(raw, "source")  # plain lookup: FeedParserDict's aliasing warns
    title = source.get("title") if isinstance(source, dict) else None
    return plain_title(title)[:200] or None if isinstance(title, str) else None


def _positive_int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _update_period(feed: Any) -> int | None:
    """`sy:updatePeriod` (default daily) divided by `sy:updateFrequency` (default 1), in s."""
    period = feed.get("sy_updateperiod")
    frequency = feed.get("sy_updatefrequency")
    if period is None and frequency is None:
        return None
    seconds = PERIOD_SECONDS.get(str(period or "daily").strip().lower())
    times = _positive_int(frequency) if frequency is not None else 1
    return seconds // times if seconds and times else None


def _link(feed: Any, rel: str, base_url: str | None) -> str | None:
    for link in feed.get("links") or ():
        href = (link.get("href") or "").strip()
        if link.get("rel") == rel and href:
            return urljoin(base_url, href) if base_url else href
    return None


def parse_rss(
    body: bytes, *, url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse an RSS or Atom document; FeedParseError when it yields no entries and is broken,
    or is not a feed at all."""
    headers = {"content-type": content_type} if content_type else None
    # The entries' HTML is only ever turned into text (`bot.extract.html_to_text`, which drops
    # scripts, styles and embeds itself) and titles into plain text (`plain_title`), so
    # feedparser's sanitizer and its resolving of the links inside that HTML are work whose
    # result is thrown away: nearly half of the parse (a scratch timing of the load benchmark's
    # 1,000 burst entries: 0.84-0.98 CPU s with them, 0.47-0.50 without), and the 214 entries
    # of ../shared/data/feeds come out the same without them.
    result = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = tuple(e for raw in result.entries if (e := _entry(raw, url)) is not None)
    warning = None
    if result.bozo:
        warning = f"{type(result.bozo_exception).__name__}: {result.bozo_exception}"
        if not entries:
            raise FeedParseError(f"not a readable feed ({warning})")
    elif not result.version and not entries:
        raise FeedParseError("not a feed: no RSS or Atom root element")
    feed = result.feed
    ttl_minutes = _positive_int(feed.get("ttl")) if feed.get("ttl") is not None else None
    return ParsedFeed(
        title=plain_title(feed.get("title") or "") or None,
        language=feed.get("language"),
        entries=entries,
        warning=warning,
        ttl_seconds=ttl_minutes * 60 if ttl_minutes else None,
        update_period_seconds=_update_period(feed),
        hub_url=_link(feed, "hub", url),
        self_url=_link(feed, "self", url),
    )
