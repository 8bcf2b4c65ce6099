"""What a publisher's response headers say about when to come back, and where it pushes.

Adaptive polling honours `Cache-Control: max-age` (or `Expires`) and `Retry-After`; WebSub
finds a feed's hub and topic in the `Link` header (W3C WebSub §4). Durations come back in
seconds, measured against the response's own `Date` where a header is an HTTP date, so a
publisher's clock that runs fast or slow does not skew them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

__all__ = ["ServerHints", "freshness", "http_date", "link_targets", "read_hints", "retry_after"]


@dataclass(frozen=True)
class ServerHints:
    """`max_age`: seconds the answer stays fresh from now (max-age less Age, else Expires less
    Date); `retry_after`: seconds the publisher asks us to wait (with a 429 or 503);
    `hub_url` / `self_url`: the WebSub hub and topic from the `Link` header."""

    max_age: float | None = None
    retry_after: float | None = None
    hub_url: str | None = None
    self_url: str | None = None


def http_date(value: str | None) -> datetime | None:
    """An HTTP date (`Sun, 21 Dec 2025 12:00:00 GMT`) as an aware datetime, None if unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _seconds(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def _cache_directives(value: str) -> dict[str, str]:
    """`max-age=300, public` as {"max-age": "300", "public": ""}. A quoted argument holding a
    comma (`no-cache="a, b"`) splits into a bogus extra name, which nothing here reads."""
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.partition("=")
        directives.setdefault(name.strip().lower(), argument.strip().strip('"'))
    return directives


def freshness(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long (s) the answer stays fresh, per RFC 9111 §4.2: `max-age`, else `Expires` less
    `Date` (an unreadable `Expires` means already stale), less the `Age` a cache added."""
    directives = _cache_directives(headers.get("cache-control", ""))
    lifetime = _seconds(directives.get("max-age"))
    if lifetime is None and "expires" in headers:
        expires = http_date(headers["expires"])
        reference = http_date(headers.get("date")) or now
        lifetime = max(0.0, (expires - reference).total_seconds()) if expires else 0.0
    if lifetime is None:
        return None
    return max(0.0, lifetime - (_seconds(headers.get("age")) or 0.0))


def retry_after(value: str | None, reference: datetime) -> float | None:
    """`Retry-After` as seconds: either a number of seconds or an HTTP date."""
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    when = http_date(value)
    return max(0.0, (when - reference).total_seconds()) if when else None


def link_targets(
    links: Iterable[Mapping[str, str]], base_url: str
) -> tuple[str | None, str | None]:
    """The first `rel="hub"` and `rel="self"` URLs among a parsed `Link` header's links
    (`httpx.Response.links.values()`), made absolute."""
    found: dict[str, str] = {}
    for link in links:
        url = link.get("url")
        for rel in (link.get("rel") or "").lower().split():
            if url and rel in {"hub", "self"}:
                found.setdefault(rel, urljoin(base_url, url))
    return found.get("hub"), found.get("self")


def read_hints(response: httpx.Response, now: datetime) -> ServerHints:
    """The hints of one response; `now` stands in when the response has no `Date`."""
    headers = response.headers
    reference = http_date(headers.get("date")) or now
    hub, self_url = link_targets(response.links.values(), str(response.url))
    return ServerHints(
        max_age=freshness(headers, now),
        retry_after=retry_after(headers.get("retry-after"), reference),
        hub_url=hub,
        self_url=self_url,
    )
