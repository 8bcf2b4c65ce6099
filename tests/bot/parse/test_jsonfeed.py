"""JSON Feed 1.0 and 1.1, read into the same values as RSS and Atom.

The documents below are written the way real publishers write them: a 1.1 blog feed with
`authors` and `language`, a 1.0 link blog (`external_url`, `author`, `content_text`, a hub),
a microblog without titles, and a sloppy one (numeric ids, RFC 822 dates, relative URLs).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.parse import FeedParseError, parse_feed
from tests.fakes.feeds import make_json_feed

BLOG_1_1 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Ceasefire Watch",
        "home_page_url": "https://watch.example/",
        "feed_url": "https://watch.example/feed.json",
        "description": "Daily notes on the talks.",
        "language": "en-GB",
        "authors": [{"name": "Ana Ruiz", "url": "https://watch.example/ana"}],
        "items": [
            {
                "id": "https://watch.example/2025/12/21/talks-resume",
                "url": "https://watch.example/2025/12/21/talks-resume?utm_source=jsonfeed",
                "title": "Talks resume in Doha",
                "summary": "Negotiators return after a week's pause.",
                "content_html": "<p>Negotiators <b>returned</b> to Doha on Sunday.</p>",
                "date_published": "2025-12-21T09:30:00+01:00",
                "date_modified": "2025-12-21T11:00:00+01:00",
                "authors": [{"name": "Ana Ruiz"}, {"name": "Tom Berg"}],
                "tags": ["ceasefire", "doha"],
                "language": "en-GB",
            },
            {
                "id": "https://watch.example/2025/12/20/aid-convoy",
                "url": "https://watch.example/2025/12/20/aid-convoy",
                "title": "Aid convoy crosses at dawn",
                "content_text": "Forty trucks crossed.\n\nMore are expected on Monday.",
                "date_published": "2025-12-20T06:00:00Z",
            },
        ],
    }
).encode()

LINKBLOG_1_0 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1",
        "title": "Links & Notes",
        "home_page_url": "https://links.example/",
        "feed_url": "https://links.example/feeds/main.json",
        "author": {"name": "J. Gruber-like", "url": "https://links.example/about"},
        "hubs": [
            {"type": "rssCloud", "url": "https://cloud.example/"},
            {"type": "WebSub", "url": "https://hub.example/"},
        ],
        "items": [
            {
                "id": "links.example/2025/12/peace-plan",
                "url": "https://links.example/2025/12/peace-plan",
                "external_url": "https://news.example/world/peace-plan-unveiled",
                "title": "★ The peace plan, read closely",
                "content_text": "Worth reading in full.",
                "date_modified": "2025-12-19T18:00:00-05:00",
            },
            {
                "id": "links.example/2025/12/only-external",
                "external_url": "https://news.example/world/only-external",
                "title": "A link without a permalink",
                "content_html": "<p>See there.</p>",
            },
        ],
    }
).encode()


def test_a_json_feed_1_1_yields_its_items_like_rss_does() -> None:
    parsed = parse_feed(BLOG_1_1, url="https://watch.example/feed.json")
    first, second = parsed.entries
    assert (parsed.title, parsed.language) == ("Ceasefire Watch", "en-GB")
    assert first.guid == "https://watch.example/2025/12/21/talks-resume"
    assert first.url == "https://watch.example/2025/12/21/talks-resume"  # tracking dropped
    assert first.title == "Talks resume in Doha"
    assert first.content_html == "<p>Negotiators <b>returned</b> to Doha on Sunday.</p>"
    assert first.summary_html == "Negotiators return after a week&#x27;s pause."
    assert first.published == datetime(2025, 12, 21, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert first.author == "Ana Ruiz, Tom Berg"
    assert second.content_html == "<p>Forty trucks crossed.</p><p>More are expected on Monday.</p>"
    assert second.author == "Ana Ruiz"  # the feed's authors stand in for the item's


def test_a_json_feed_1_0_link_blog_keeps_both_urls_and_its_author() -> None:
    parsed = parse_feed(LINKBLOG_1_0, content_type="application/feed+json")
    post, link_only = parsed.entries
    assert post.url == "https://links.example/2025/12/peace-plan"
    assert post.external_url == "https://news.example/world/peace-plan-unveiled"
    assert post.published == datetime(2025, 12, 19, 23, 0, tzinfo=UTC)  # date_modified
    assert post.author == "J. Gruber-like"
    assert link_only.url == "https://news.example/world/only-external"
    assert link_only.guid == "links.example/2025/12/only-external"


def test_a_json_feed_names_its_websub_hub_and_topic() -> None:
    parsed = parse_feed(LINKBLOG_1_0)
    assert parsed.hub_url == "https://hub.example/"
    assert parsed.self_url == "https://links.example/feeds/main.json"


def test_microblog_items_without_titles_are_kept() -> None:
    doc = make_json_feed(
        [
            {"id": "1", "url": "https://micro.example/1", "content_text": "Short post."},
            {"id": "2", "url": "https://micro.example/2", "content_html": "<p>Another.</p>"},
        ]
    )
    parsed = parse_feed(doc)
    assert [e.title for e in parsed.entries] == ["", ""]
    assert [e.guid for e in parsed.entries] == ["1", "2"]


def test_sloppy_feeds_are_read_anyway() -> None:
    """Numeric ids (allowed in 1.0), RFC 822 and naive dates, relative URLs, an http version
    URL, a byte-order mark, and an item with nothing in it."""
    rfc822, no_zone = "Sun, 21 Dec 2025 10:00:00 GMT", "2025-12-21T10:00:00"
    doc = make_json_feed(
        [
            {"id": 42, "url": "/posts/42", "title": "Numbered", "date_published": rfc822},
            {"id": "43", "url": "posts/43", "title": "Naive", "date_published": no_zone},
            {"id": "44"},
            "not an item",
        ],
        version="http://jsonfeed.org/version/1",
        home_page_url="https://sloppy.example/blog/",
    )
    parsed = parse_feed(b"\xef\xbb\xbf" + doc)
    numbered, naive = parsed.entries
    assert numbered.guid == "42" and numbered.url == "https://sloppy.example/posts/42"
    assert naive.url == "https://sloppy.example/blog/posts/43"
    assert numbered.published == naive.published == datetime(2025, 12, 21, 10, tzinfo=UTC)


def test_an_item_without_id_or_url_gets_a_stable_guid() -> None:
    doc = make_json_feed([{"title": "Anonymous", "content_text": "text"}])
    first = parse_feed(doc).entries[0].guid
    assert first.startswith("sha256:") and first == parse_feed(doc).entries[0].guid


def test_a_feed_without_items_is_an_empty_feed() -> None:
    document = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Quiet"})
    parsed = parse_feed(document.encode())
    assert parsed.title == "Quiet" and parsed.entries == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"data": [1, 2, 3]}', "this is JSON, but not a JSON Feed"),
        (b"[1, 2, 3]", "this is JSON, but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not a readable JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": {}}', "items are not a list"),
        (b"[" * 100_000, "not a readable JSON Feed"),
    ],
)
def test_json_that_is_not_a_readable_json_feed_says_so(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, content_type="application/json")
