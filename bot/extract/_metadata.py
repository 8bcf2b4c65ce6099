"""What a page says about itself: title, canonical URL, publication date, language."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import html as lxml_html

from bot.language import decide

__all__ = [
    "Head",
    "canonical_url",
    "declared_language",
    "language",
    "published",
    "read_head",
    "title",
]


def _first(values: Iterator[str] | Sequence[str]) -> str | None:
    for value in values:
        value = " ".join(value.split())
        if value:
            return value
    return None


@dataclass
class Head:
    """What the metadata rules read from a page, gathered in one walk over the tree (each
    rule used to search the whole tree itself: five walks of a page of thousands of elements).

    `tags` maps <meta property|name|itemprop=KEY content=...> keys (lower case) to content,
    first occurrence winning; the lists hold the other elements' values in page order.
    """

    tags: dict[str, str] = field(default_factory=dict)
    canonical: list[str] = field(default_factory=list)
    headings: list[lxml_html.HtmlElement] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    json_ld: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)


def read_head(tree: lxml_html.HtmlElement) -> Head:
    head = Head()
    found = head.tags
    for element in tree.iter("meta", "link", "script", "time", "h1", "title"):
        tag = element.tag
        if tag == "meta":
            content = element.get("content")
            if not content or not content.strip():
                continue
            for attr in ("property", "name", "itemprop"):
                key = (element.get(attr) or "").strip().lower()
                if key and key not in found:
                    found[key] = content
        elif tag == "link":
            href = element.get("href")
            if href is not None and element.get("rel") == "canonical":
                head.canonical.append(href)
        elif tag == "script":
            if element.text and element.get("type") == "application/ld+json":
                head.json_ld.append(element.text)
        elif tag == "time":
            value = element.get("datetime")
            if value is not None:
                head.times.append(value)
        elif tag == "h1":
            head.headings.append(element)
        elif element.text:
            head.titles.append(element.text)
    return head


def _meta(tags: dict[str, str], *names: str) -> str | None:
    """The first of the named meta tags present, in the order given."""
    return _first(tags[name] for name in names if name in tags)


def title(head: Head) -> str | None:
    # og:title is the headline without the " | Site name" suffix most <title>s carry.
    title = _meta(head.tags, "og:title", "twitter:title", "headline")
    if title:
        return title
    if len(head.headings) == 1:
        title = _first([head.headings[0].text_content()])
        if title:
            return title
    return _first(head.titles)


def canonical_url(head: Head, url: str | None) -> str | None:
    href = _first(head.canonical) or _meta(head.tags, "og:url")
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


def published(head: Head) -> datetime | None:
    """The page's own publication date: meta tags, then JSON-LD, then <time datetime>.

    A handful of lookups instead of htmldate's full search: htmldate costs several
    milliseconds per page and guesses from URLs and text, while news pages almost always
    declare the date in one of these places.
    """
    candidates: list[str] = []
    meta = _meta(
        head.tags,
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
    for script in head.json_ld:
        match = _JSON_DATE.search(script)
        if match:
            candidates.append(match.group(1))
            break
    candidates.extend(head.times[:1])
    for candidate in candidates:
        parsed = _parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return None


def declared_language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's own lang attribute, as written."""
    declared: str | None = tree.get("lang") or tree.get("xml:lang")
    return declared


def language(text: str, declared: str | None = None) -> str:
    """The page's language, decided as everywhere in the bot (`bot.language.decide`): the
    text, once long enough; before that the page's declared `lang`."""
    return decide(text, declared)
