"""What a page says about itself: title, canonical URL, publication date, language."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import html as lxml_html

from bot.language import decide

__all__ = ["canonical_url", "declared_language", "language", "meta_tags", "published", "title"]

#: Language detection reads this much text: enough for py3langid to be stable, and cheap.


def _first(values: Iterator[str] | Sequence[str]) -> str | None:
    for value in values:
        value = " ".join(value.split())
        if value:
            return value
    return None


def meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """<meta property|name|itemprop=KEY content=...> as {key: content}, first occurrence wins."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _meta(tags: dict[str, str], *names: str) -> str | None:
    """The first of the named meta tags present, in the order given."""
    return _first(tags[name] for name in names if name in tags)


def title(tree: lxml_html.HtmlElement, tags: dict[str, str]) -> str | None:
    # og:title is the headline without the " | Site name" suffix most <title>s carry.
    title = _meta(tags, "og:title", "twitter:title", "headline")
    if title:
        return title
    headings = tree.xpath("//h1")
    if len(headings) == 1:
        title = _first([headings[0].text_content()])
        if title:
            return title
    return _first(tree.xpath("//title/text()"))


def canonical_url(tree: lxml_html.HtmlElement, tags: dict[str, str], url: str | None) -> str | None:
    href = _first(tree.xpath('//link[@rel="canonical"]/@href')) or _meta(tags, "og:url")
    if not href:
        return url
    absolute = urljoin(url, href) if url else href
    return absolute if absolute.startswith(("http://", "https://")) else url


_JSON_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601 or RFC 2822 date to aware UTC; naive values are taken as UTC, nonsense as None."""
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if " " in value else value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def published(tree: lxml_html.HtmlElement, tags: dict[str, str]) -> datetime | None:
    """The page's own publication date: meta tags, then JSON-LD, then <time datetime>.

    A handful of lookups instead of htmldate's full search: htmldate costs several
    milliseconds per page and guesses from URLs and text, while news pages almost always
    declare the date in one of these places.
    """
    candidates: list[str] = []
    meta = _meta(
        tags,
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "parsely-pub-date",
        "sailthru.date",
        "dc.date.issued",
        "dc.date",
        "date",
    )
    if meta:
        candidates.append(meta)
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        match = _JSON_DATE.search(script)
        if match:
            candidates.append(match.group(1))
            break
    candidates.extend(tree.xpath("//time/@datetime")[:1])
    for candidate in candidates:
        parsed = _parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return None


# Container vocabulary in trafilatura's order of trust (its xpaths.BODY_XPATH, 2.3.1), matched


def declared_language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's own lang attribute, as written."""
    declared: str | None = tree.get("lang") or tree.get("xml:lang")
    return declared


def language(text: str, declared: str | None = None) -> str:
    """The page's language, decided as everywhere in the bot (`bot.language.decide`): the
    text, once long enough; before that the page's declared `lang`."""
    return decide(text, declared)
