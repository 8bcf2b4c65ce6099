"""Web pages where a feed was expected: recognising them, and the feeds they advertise.

A site announces its feeds in its pages' `<head>` with `<link rel="alternate" type=...>` (RSS
Board's autodiscovery, Atom's, and JSON Feed's `application/feed+json`). JSON Feed 1.1 asks
readers to accept plain `application/json` too, but WordPress puts its REST API on every page
that way, so such a link counts only when it says "feed" in its address or title.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from bot.parse.model import FeedLink

__all__ = ["FEED_TYPES", "feed_links", "is_web_page"]

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
FEED_START = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.I)
HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_web_page(body: bytes, content_type: str | None = None) -> bool:
    """Whether bytes given as a feed are a web page instead (to answer "this is a web page; here
    are the feeds it links to"): an HTML document's opening tags near the top, or served as
    HTML; but a document that opens as a feed (`<rss>`, `<feed>`, `<rdf:RDF>`) is a broken
    feed, whatever its label. `bot.pages.looks_like_html` asks another question (HTML or plain
    text, for an article page) and sniffs further."""
    head = body[:4096]
    page, feed = HTML_START.search(head), FEED_START.search(head)
    if feed and (page is None or feed.start() < page.start()):
        return False
    served_as_html = (content_type or "").split(";")[0].strip().lower() in HTML_TYPES
    return page is not None or served_as_html


def _is_feed_link(kind: str, href: str, title: str) -> bool:
    if kind in FEED_TYPES:
        return True
    return kind == "application/json" and "feed" in f"{href} {title}".lower()


def feed_links(body: bytes, base_url: str | None) -> tuple[FeedLink, ...]:
    """The feeds a page advertises, in page order, absolute (against `<base href>` if the page
    has one), without repeats; () for a page that cannot be read."""
    try:
        root = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return ()
    base = base_url or ""
    for tag in root.iter("base"):
        base = urljoin(base, (tag.get("href") or "").strip())
        break
    found: dict[str, FeedLink] = {}
    for tag in root.iter("link"):
        rels = (tag.get("rel") or "").lower().split()
        kind = (tag.get("type") or "").split(";")[0].strip().lower()
        href = (tag.get("href") or "").strip()
        title = " ".join((tag.get("title") or "").split())
        if "alternate" in rels and href and _is_feed_link(kind, href, title):
            url = urljoin(base, href) if base else href
            found.setdefault(url, FeedLink(url, kind, title or None))
    return tuple(found.values())
