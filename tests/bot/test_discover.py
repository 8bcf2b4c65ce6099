"""Finding a site's feed, through the SSRF-safe fetch, against a real local server.

The local server stands for a public site: the resolver answers its name with 127.0.0.1 and
the fetcher trusts 127.0.0.1/32 as if it were public, so every request takes the pinned,
checked path that user-given URLs take in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.discover import COMMON_PATHS, discover_feeds
from bot.fetch import Fetcher, Resolver
from tests.fakes.feeds import FeedServer, Route, make_feed, make_json_feed, make_site_page

SITE = "site.example"
HTML = "text/html; charset=utf-8"


def resolver(names: dict[str, str]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return [names[host]]

    return resolve


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher(
        resolve=resolver({SITE: "127.0.0.1", "internal.example": "10.0.0.5"}),
        trusted_networks=["127.0.0.1/32"],
        timeout=5,
    )
    yield fetcher
    await fetcher.aclose()


def dated(title: str, day: int) -> dict[str, str | datetime]:
    return {
        "title": title,
        "link": f"https://site.example/{title.lower()}",
        "published": datetime(2025, 12, day, tzinfo=UTC),
    }


async def test_a_feed_address_is_that_feed_with_its_three_newest_items(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    entries = [dated("Tuesday", 2), dated("Friday", 5), dated("Monday", 1), dated("Thursday", 4)]
    feed_server.route("/news.xml", Route(make_feed(entries, title="Site News")))
    url = feed_server.url("/news.xml", host=SITE)
    found = await discover_feeds(fetcher, url)
    assert found.found and found.feed_url == url and found.title == "Site News"
    assert [e.title for e in found.newest] == ["Friday", "Thursday", "Tuesday"]
    assert found.tried == (url,)


async def test_a_site_page_leads_to_the_feed_it_links_to(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    page = make_site_page("Site", [("feeds/all.atom", "application/atom+xml")])
    feed_server.route("/", Route(page, content_type=HTML))
    atom = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>Site (Atom)</title>"
        b"<entry><title>Hello</title><id>1</id></entry></feed>"
    )
    feed_server.route("/feeds/all.atom", Route(atom, content_type="application/atom+xml"))
    home = feed_server.url("/", host=SITE)
    found = await discover_feeds(fetcher, home)
    assert found.feed_url == feed_server.url("/feeds/all.atom", host=SITE)
    assert found.title == "Site (Atom)" and [e.title for e in found.newest] == ["Hello"]


async def test_the_first_linked_feed_that_parses_wins(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    links = [
        ("/gone.xml", "application/rss+xml"),
        ("/broken.xml", "application/rss+xml"),
        ("/feed.json", "application/feed+json"),
        ("/later.xml", "application/rss+xml"),
    ]
    feed_server.route("/", Route(make_site_page("Site", links), content_type=HTML))
    feed_server.route("/broken.xml", Route(b"<rss><channel><item>", content_type="text/xml"))
    json_feed = make_json_feed([{"id": "1", "title": "From JSON", "content_text": "x"}])
    feed_server.route("/feed.json", Route(json_feed, content_type="application/feed+json"))
    feed_server.route("/later.xml", Route(make_feed([dated("Later", 3)])))
    found = await discover_feeds(fetcher, feed_server.url("/", host=SITE))
    assert found.feed_url == feed_server.url("/feed.json", host=SITE)
    assert [e.title for e in found.newest] == ["From JSON"]
    assert feed_server.hits("/later.xml") == []


async def test_a_page_without_links_falls_back_to_the_usual_paths(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/blog/", Route(make_site_page("Blog"), content_type=HTML))
    feed_server.route("/rss.xml", Route(make_feed([dated("Found", 1)])))
    found = await discover_feeds(fetcher, feed_server.url("/blog/", host=SITE))
    site = feed_server.url("", host=SITE)
    assert found.feed_url == f"{site}/rss.xml"
    assert found.tried == (f"{site}/blog/", f"{site}/feed", f"{site}/rss", f"{site}/rss.xml")


async def test_a_site_whose_home_page_fails_may_still_have_a_feed(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/", Route(b"oops", status=500, content_type=HTML))
    feed_server.route("/feed", Route(make_feed([dated("Still here", 1)])))
    found = await discover_feeds(fetcher, feed_server.url("/", host=SITE))
    assert found.feed_url == feed_server.url("/feed", host=SITE)


async def test_nothing_found_says_why_and_what_was_tried(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/", Route(make_site_page("Plain site"), content_type=HTML))
    found = await discover_feeds(fetcher, feed_server.url("/", host=SITE))
    assert not found.found and found.feed is None and found.newest == ()
    assert found.reason and found.reason.startswith("no feed found at")
    assert "it links to no feed" in found.reason
    assert len(found.tried) == 1 + len(COMMON_PATHS)


async def test_linked_feeds_that_cannot_be_read_are_named_in_the_reason(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    page = make_site_page("Site", [("/a.xml", "application/rss+xml")])
    feed_server.route("/", Route(page, content_type=HTML))
    found = await discover_feeds(fetcher, feed_server.url("/", host=SITE))
    assert found.reason == (
        f"{feed_server.url('/', host=SITE)} links to a feed, but none could be read as a feed"
    )


async def test_a_linked_feed_on_an_internal_address_is_never_fetched(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    inward = feed_server.url("/secret.xml", host="internal.example")
    page = make_site_page("Site", [(inward, "application/rss+xml")])
    feed_server.route("/", Route(page, content_type=HTML))
    feed_server.route("/secret.xml", Route(make_feed([dated("Secret", 1)])))
    found = await discover_feeds(fetcher, feed_server.url("/", host=SITE))
    assert not found.found and inward in found.tried
    assert feed_server.hits("/secret.xml") == []


async def test_an_internal_address_is_refused_before_anything_else(fetcher: Fetcher) -> None:
    found = await discover_feeds(fetcher, "http://internal.example/")
    assert found.reason == (
        "could not fetch http://internal.example/: internal.example is not a public address"
    )
    assert found.tried == ("http://internal.example/",)


async def test_an_address_typed_without_a_scheme_means_https(fetcher: Fetcher) -> None:
    found = await discover_feeds(fetcher, "  unknown.example/blog ")
    assert found.url == "https://unknown.example/blog"
    assert found.reason and "cannot resolve unknown.example" in found.reason
