"""Feed documents (RSS 0.9x/1.0/2.0, Atom) to plain values, with feedparser.

feedparser is lenient by design: a feed with a wrong charset or a stray byte still yields its
entries (bozo=1), and dropping every bozo feed would lose real news. So a feed is refused only
when it yields no entries and is not recognisably a feed at all.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from bot.errors import FeedParseError

__all__ = ["FeedEntry", "FeedParseError", "ParsedFeed", "canonical_url", "parse_feed"]

TAG = re.compile(r"<[^>]{0,2000}>")
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    url: str
    title: str
    summary_html: str
    content_html: str
    published: datetime | None
    author: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    warning: str | None = None  # feedparser's complaint when it read the feed anyway


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


def _plain(title: str) -> str:
    """Titles are plain text for us: some feeds put markup in them (`type="xhtml"`)."""
    return " ".join(html.unescape(TAG.sub("", title)).split())


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
    title = _plain(raw.get("title") or "")
    summary = raw.get("summary") or ""
    content = ""
    for part in raw.get("content") or ():
        value = part.get("value") or ""
        if len(value) > len(content):
            content = value
    if not (title or summary or content):
        return None
    guid = (raw.get("id") or "").strip() or link
    if not guid:
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:32]
        guid = f"sha256:{digest}"
    return FeedEntry(
        guid=guid,
        url=canonical_url(link) if link else "",
        title=title,
        summary_html=summary,
        content_html=content,
        published=_date(raw),
        author=(raw.get("author") or None),
    )


def parse_feed(
    body: bytes, *, url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else None
    result = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    entries = tuple(e for raw in result.entries if (e := _entry(raw, url)) is not None)
    warning = None
    if result.bozo:
        warning = f"{type(result.bozo_exception).__name__}: {result.bozo_exception}"
        if not entries:
            raise FeedParseError(f"not a readable feed ({warning})")
    elif not result.version and not entries:
        raise FeedParseError("not a feed: no RSS or Atom root element")
    return ParsedFeed(
        title=result.feed.get("title"),
        language=result.feed.get("language"),
        entries=entries,
        warning=warning,
    )
