"""JSON Feed 1.0 and 1.1 (jsonfeed.org) to the same values as RSS and Atom.

Hand-written: the format is plain JSON with a dozen fields, and feedparser does not read it.
Lenient where real feeds are sloppy (numeric ids, RFC 822 dates, relative URLs, a missing
`items`), strict only where it must be: the document has to say it is a JSON Feed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from bot.errors import FeedParseError
from bot.parse.model import FeedEntry, ParsedFeed, canonical_url, plain_title, stable_guid

__all__ = ["is_json_feed", "parse_json_feed"]

VERSION = re.compile(r"^https?://(www\.)?jsonfeed\.org/version/1(\.\d+)?/?$")


def is_json_feed(document: object) -> bool:
    """A JSON object whose `version` is a jsonfeed.org version URL (1 or 1.x)."""
    return isinstance(document, dict) and bool(VERSION.match(str(document.get("version", ""))))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: object) -> datetime | None:
    """RFC 3339 as the spec says, RFC 822 as some feeds write; naive times taken as UTC."""
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _authors(holder: Mapping[str, Any]) -> str | None:
    """1.1 `authors` (a list), else 1.0 `author` (one object): the names, comma-separated."""
    people = holder.get("authors")
    if not isinstance(people, list):
        people = [holder.get("author")]
    names = [_text(p.get("name")) for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n) or None


def _paragraphs(text: str) -> str:
    """`content_text` as HTML, so every entry carries its body the same way."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


def _absolute(value: object, base: str | None) -> str:
    url = _text(value)
    return urljoin(base, url) if url and base else url


def _entry(item: Mapping[str, Any], base: str | None, feed_author: str | None) -> FeedEntry | None:
    url = _absolute(item.get("url"), base)
    external = _absolute(item.get("external_url"), base) or None
    url = url or external or ""
    title = plain_title(_text(item.get("title")))
    summary = html.escape(_text(item.get("summary")))
    content = _text(item.get("content_html")) or _paragraphs(_text(item.get("content_text")))
    if not (title or summary or content):
        return None
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, str | int) else ""
    return FeedEntry(
        guid=guid or url or stable_guid(title, summary),
        url=canonical_url(url) if url else "",
        title=title,
        summary_html=summary,
        content_html=content,
        published=_date(item.get("date_published")) or _date(item.get("date_modified")),
        author=_authors(item) or feed_author,
        external_url=external,
    )


def _hub(document: Mapping[str, Any], base: str | None) -> str | None:
    """The first hub in `hubs`, preferring one whose type is WebSub."""
    hubs = [h for h in document.get("hubs") or () if isinstance(h, dict) and _text(h.get("url"))]
    hubs.sort(key=lambda h: _text(h.get("type")).lower() != "websub")
    return _absolute(hubs[0]["url"], base) if hubs else None


def parse_json_feed(body: bytes, *, url: str | None = None) -> ParsedFeed:
    """Parse a JSON Feed; FeedParseError when the JSON is broken or is not a JSON Feed."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedParseError(f"not a readable JSON Feed ({type(exc).__name__}: {exc})") from exc
    if not is_json_feed(document):
        raise FeedParseError("this is JSON, but not a JSON Feed (it has no jsonfeed.org version)")
    items = document.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise FeedParseError("not a readable JSON Feed (its items are not a list)")
    base = _text(document.get("home_page_url")) or _text(document.get("feed_url")) or url
    if base and url:
        base = urljoin(url, base)
    author = _authors(document)
    entries = tuple(
        e for item in items if isinstance(item, dict) and (e := _entry(item, base, author))
    )
    return ParsedFeed(
        title=_text(document.get("title")) or None,
        language=_text(document.get("language")) or None,
        entries=entries,
        hub_url=_hub(document, base),
        self_url=_absolute(document.get("feed_url"), url) or None,
    )
