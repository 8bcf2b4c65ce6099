"""One way from a page to its article text: bytes (or a URL) in, a `Page` out.

The CLI (`newsbot extract`, `newsbot summarize`), the `/summary` chat command and ingest's
teaser-page step all read pages here, so the three give the same answer on the same bytes.
`read_page` decides whether the bytes are HTML or plain text, then hands them to
`bot.extract`; `fetch_page` fetches a user-given URL through `Fetcher.fetch_public` (every
redirect hop checked against private addresses, size cap, timeout) and reads it.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass
from datetime import datetime

from bot.errors import ExtractionError, FetchError
from bot.extract import ExtractedArticle, extract_html, extract_text
from bot.fetch import Fetcher

__all__ = ["Page", "fetch_page", "looks_like_html", "read_page"]


@dataclass(frozen=True)
class Page:
    """The article of a page: `url` is the canonical URL when the page names one (else the URL
    it was read from), `text` the body only, paragraphs separated by a blank line."""

    url: str | None
    title: str | None
    text: str
    language: str | None
    published: datetime | None = None

    @classmethod
    def of(cls, article: ExtractedArticle) -> Page:
        return cls(article.url, article.title, article.text, article.language, article.published)


def read_page(body: bytes, *, url: str | None = None, content_type: str | None = None) -> Page:
    """The article in a page's bytes, HTML or plain text (see `looks_like_html`).

    Raises ExtractionError when there is no article text, or when the content type says the
    bytes are neither a web page nor text (an image, a PDF).
    """
    if looks_like_html(body, content_type):
        return Page.of(extract_html(body, url))
    return Page.of(extract_text(_decode_text(body), url))


async def fetch_page(fetcher: Fetcher, url: str, *, allow_private: bool = False) -> Page:
    """Fetch a user-given URL (each redirect hop checked unless `allow_private`) and read it.

    Raises FetchError with the fetcher's reason ("x.example is not a public address",
    "HTTP 404", "timed out") when there is no page, ExtractionError when it holds no article.
    The reading runs in a worker thread: a large page takes tens of milliseconds of CPU.
    """
    result = await fetcher.fetch_public(url, allow_private=allow_private)
    if not result.ok or result.body is None:
        raise FetchError(result.error or "no page")
    return await asyncio.to_thread(
        read_page, result.body, url=result.url, content_type=result.content_type
    )


# --- HTML or text ----------------------------------------------------------------------------

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What may come before a page's first tag: whitespace, comments, an XML declaration or other
# processing instruction, a doctype (WHATWG's MIME sniffing skips the same).
_PROLOGUE = re.compile(rb"(?:\s+|<!--.*?-->|<\?.*?\?>|<!doctype[^>]*>)*", re.IGNORECASE | re.DOTALL)
# The tags that open an HTML document or fragment (WHATWG's "HTML" sniffing signatures, plus
# the elements a saved article opens with).
_HTML_START = re.compile(
    rb"<(?:html|head|body|script|iframe|h[1-6]|div|font|table|a|style|title|b|br|p|meta|link|"
    rb"article|section|main|header|nav|span|ul|ol|img|noscript|form|center)[\s/>]",
    re.IGNORECASE,
)
# Anywhere in the first part of the bytes: the structure tags no plain text holds.
_HTML_TAG = re.compile(rb"<(?:html|body|head)[\s>]|<!doctype\s+html", re.IGNORECASE)
#: How far to look for a structure tag when the bytes do not open with one.
_SNIFF_BYTES = 65_536
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/", "application/octet-stream")


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """HTML or plain text: from the content type when it is given and says, else from the bytes.

    Hand-written after WHATWG MIME sniffing (no maintained library sniffs this): a page may
    open with a byte-order mark, blank lines, comments, an XML declaration or a doctype before
    its first tag; a page saved with a header or kilobytes of scripts before `<html>` still
    has `<html>`, `<head>` or `<body>` near the start. A content type that is neither HTML
    nor text nor XML (an image, a PDF) is refused.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in _HTML_TYPES:
        return True
    if kind and not kind.startswith(_TEXT_TYPES) and "xml" not in kind:
        raise ExtractionError(f"not a web page: {kind}")
    head = body[:_SNIFF_BYTES]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.replace(b"\x00", b"")  # UTF-16 text: its ASCII tags are still visible
    start = _PROLOGUE.match(head)
    opening = head[start.end() if start else 0 :]
    if kind == "text/plain" and not opening.startswith(b"<"):
        return False
    return bool(_HTML_START.match(opening) or _HTML_TAG.search(head))


def _decode_text(body: bytes) -> str:
    """Plain text: UTF-8 (a BOM says which UTF), else cp1252, never failing."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")
