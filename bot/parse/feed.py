"""Any feed document to `ParsedFeed`, and a clear reason for everything that is not one.

JSON goes to the JSON Feed reader, everything else to feedparser (RSS, Atom), which is tried
even on what is served as HTML, since misconfigured servers label real feeds `text/html`. Only
when a document cannot be read as a feed do we say what it is instead: a web page (with the
feeds it links to), an image, a PDF, compressed data, or nothing at all.
"""

from __future__ import annotations

from bot.errors import FeedParseError
from bot.parse.jsonfeed import parse_json_feed
from bot.parse.model import ParsedFeed, WebPageNotFeed
from bot.parse.page import feed_links, is_web_page
from bot.parse.rss import parse_rss

__all__ = ["parse_feed"]

BOM = b"\xef\xbb\xbf"
SIGNATURES = (  # (leading bytes, what the document is)
    (b"\x89PNG\r\n\x1a\n", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF87a", "an image (GIF)"),
    (b"GIF89a", "an image (GIF)"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive"),
)
NOT_TEXT = ("image/", "audio/", "video/", "font/")


def _binary_kind(body: bytes) -> str | None:
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "an image (WebP)"
    return next((kind for magic, kind in SIGNATURES if body.startswith(magic)), None)


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    head = body.removeprefix(BOM).lstrip()[:1]
    if head in (b"{", b"["):
        return True
    return bool(content_type and "json" in content_type.lower() and head != b"<")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def parse_feed(
    body: bytes, *, url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse RSS, Atom or JSON Feed. FeedParseError says why anything else is not a feed;
    for an HTML page it is a `WebPageNotFeed` carrying the feeds the page links to."""
    if not body.strip():
        raise FeedParseError("the document is empty")
    binary = _binary_kind(body)
    if binary:
        raise FeedParseError(f"this is {binary}, not a feed")
    if _looks_like_json(body, content_type):
        return parse_json_feed(body, url=url)
    try:
        return parse_rss(body, url=url, content_type=content_type)
    except FeedParseError:
        if is_web_page(body, content_type):
            raise WebPageNotFeed(feed_links(body, url)) from None
        media = _media_type(content_type)
        if media.startswith(NOT_TEXT):
            raise FeedParseError(f"this is {media}, not a feed") from None
        raise
