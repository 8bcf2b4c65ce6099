"""Web pages where a feed was expected: what they are called, and the feeds they link to."""

from __future__ import annotations

import pytest

from bot.parse import FeedLink, FeedParseError, WebPageNotFeed, feed_links, parse_feed
from tests.fakes.feeds import make_page, make_site_page

WORDPRESS_HEAD = b"""<!DOCTYPE html>
<html lang="en-US"><head>
<meta charset="UTF-8">
<title>Harbour Times &#8211; News from the coast</title>
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="Harbour Times &raquo; Feed"
      href="https://harbour.example/feed/" />
<link rel="alternate" type="application/rss+xml" title="Harbour Times &raquo; Comments Feed"
      href="https://harbour.example/comments/feed/" />
<link rel="https://api.w.org/" href="https://harbour.example/wp-json/" />
<link rel="alternate" type="application/json"
      href="https://harbour.example/wp-json/wp/v2/pages/7" />
<link rel="alternate" type="application/json+oembed"
      href="https://harbour.example/wp-json/oembed/1.0/embed?url=x" />
<link rel="alternate" type="application/rss+xml" href="https://harbour.example/feed/" />
</head><body><p>Welcome</p></body></html>"""


def test_the_feeds_a_page_advertises_come_in_page_order_without_repeats() -> None:
    links = feed_links(WORDPRESS_HEAD, "https://harbour.example/")
    assert links == (
        FeedLink("https://harbour.example/feed/", "application/rss+xml", "Harbour Times » Feed"),
        FeedLink(
            "https://harbour.example/comments/feed/",
            "application/rss+xml",
            "Harbour Times » Comments Feed",
        ),
    )


def test_relative_feed_links_resolve_against_the_page_or_its_base() -> None:
    page = make_site_page("Blog", [("feed.xml", "application/atom+xml")])
    based = make_site_page("Blog", [("feed.xml", "application/atom+xml")], base="/b/")
    assert feed_links(page, "https://blog.example/posts/")[0].url == (
        "https://blog.example/posts/feed.xml"
    )
    assert feed_links(based, "https://blog.example/posts/")[0].url == (
        "https://blog.example/b/feed.xml"
    )


def test_json_feeds_are_found_by_their_type_or_by_saying_feed() -> None:
    page = make_site_page(
        "Micro",
        [
            ("/feed.json", "application/feed+json"),
            ("/index.json", "application/json"),  # a site search index, not a feed
            ("/feeds/all.json", "application/json"),
        ],
    )
    urls = [link.url for link in feed_links(page, "https://micro.example/")]
    assert urls == ["https://micro.example/feed.json", "https://micro.example/feeds/all.json"]


def test_a_web_page_at_a_feed_url_says_so_and_carries_its_feeds() -> None:
    page = make_site_page("News", [("/rss.xml", "application/rss+xml")])
    with pytest.raises(WebPageNotFeed) as caught:
        parse_feed(page, url="https://news.example/", content_type="text/html; charset=utf-8")
    assert str(caught.value).startswith("this is a web page, not a feed; it links to a feed")
    assert caught.value.feed_links == (
        FeedLink("https://news.example/rss.xml", "application/rss+xml", "application/rss+xml"),
    )


def test_a_web_page_without_feed_links_says_so_too() -> None:
    with pytest.raises(WebPageNotFeed, match="it links to no feed") as caught:
        parse_feed(make_page("A story", ["Text."]), url="https://news.example/story")
    assert caught.value.feed_links == ()


def test_a_real_feed_served_as_html_is_still_a_feed() -> None:
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Mislabelled</title>"
        b"<item><title>Still news</title><link>https://m.example/1</link></item></channel></rss>"
    )
    parsed = parse_feed(rss, content_type="text/html")
    assert [e.title for e in parsed.entries] == ["Still news"]


def test_a_broken_feed_served_as_html_is_still_called_a_broken_feed() -> None:
    truncated = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Cut</title><item>"
    with pytest.raises(FeedParseError, match="not a readable feed") as caught:
        parse_feed(truncated, content_type="text/html")
    assert not isinstance(caught.value, WebPageNotFeed)
