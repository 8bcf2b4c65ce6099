"""What response headers say about when to come back: the rules, header by header."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bot.fetch.headers import freshness, link_targets, read_hints, retry_after

NOW = datetime(2025, 12, 21, 12, 0, tzinfo=UTC)
DATE = "Sun, 21 Dec 2025 12:00:00 GMT"


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


@pytest.mark.parametrize(
    ("values", "seconds"),
    [
        ({"cache_control": "public, max-age=600"}, 600.0),
        ({"cache_control": "max-age=600", "age": "100"}, 500.0),
        ({"cache_control": "max-age=60", "age": "100"}, 0.0),
        ({"cache_control": 'max-age="300"'}, 300.0),
        ({"cache_control": "max-age=600", "expires": "Sun, 21 Dec 2025 13:00:00 GMT"}, 600.0),
        ({"date": DATE, "expires": "Sun, 21 Dec 2025 12:30:00 GMT"}, 1800.0),
        ({"date": DATE, "expires": "0"}, 0.0),
        ({"date": DATE, "expires": "Sun, 21 Dec 2025 11:00:00 GMT"}, 0.0),
        ({"cache_control": "no-cache"}, None),
        ({"cache_control": "max-age=soon"}, None),
        ({}, None),
    ],
)
def test_freshness_follows_max_age_then_expires_less_age(
    values: dict[str, str], seconds: float | None
) -> None:
    assert freshness(headers(**values), NOW) == seconds


def test_expires_without_a_date_header_is_measured_from_now() -> None:
    assert freshness(headers(expires="Sun, 21 Dec 2025 12:10:00 GMT"), NOW) == 600.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 30 ", 30.0),
        ("Sun, 21 Dec 2025 12:02:00 GMT", 120.0),
        ("Sun, 21 Dec 2025 11:00:00 GMT", 0.0),
        ("-5", None),
        ("tomorrow", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    assert retry_after(value, NOW) == seconds


def test_link_header_names_the_hub_and_the_topic_made_absolute() -> None:
    response = httpx.Response(
        200,
        headers=[
            ("Link", '<https://hub.example/>; rel="hub"'),
            ("Link", '</feed.xml>; rel="self", <https://other.example/>; rel="alternate"'),
        ],
        request=httpx.Request("GET", "https://news.example/path/feed"),
    )
    assert link_targets(response.links.values(), "https://news.example/path/feed") == (
        "https://hub.example/",
        "https://news.example/feed.xml",
    )


def test_a_link_with_several_relations_counts_for_each() -> None:
    links = [{"url": "https://news.example/f", "rel": "self hub"}]
    assert link_targets(links, "https://news.example/") == (
        "https://news.example/f",
        "https://news.example/f",
    )


def test_retry_after_as_a_date_is_measured_against_the_servers_date() -> None:
    """A server whose clock is an hour ahead of ours still means "two minutes"."""
    response = httpx.Response(
        503,
        headers={
            "Date": "Sun, 21 Dec 2025 13:00:00 GMT",
            "Retry-After": "Sun, 21 Dec 2025 13:02:00 GMT",
        },
        request=httpx.Request("GET", "https://news.example/feed"),
    )
    assert read_hints(response, NOW).retry_after == 120.0
