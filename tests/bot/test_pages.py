"""bot.pages: bytes or a URL to the article text, the one way every caller reads a page."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.errors import ExtractionError, FetchError
from bot.extract import extract_html
from bot.fetch import Fetcher
from bot.pages import Page, fetch_page, looks_like_html, read_page
from tests.fakes.feeds import FeedServer, Route, make_page

PARAGRAPHS = [
    "The city council approved the new budget on Tuesday after a debate that lasted all night.",
    "Spending on schools rises by four percent, while the road programme is cut back sharply.",
    "The mayor said the compromise was the best the city could afford in a difficult year.",
]
ARTICLE = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
PAGE_BODY = f"<body><article><h1>Budget passes</h1>{ARTICLE}</article></body></html>"
SCRIPT = "<script>var tracking = {page: 'budget', menu: ['Home', 'World']};</script>\n"


# --- HTML or text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        "<!-- Layout Default -->\n    <!DOCTYPE html>\n<html lang='en'>",
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        '<!--?xml version="1.0" encoding="UTF-8" ?--><!DOCTYPE html><html>',
        "\ufeff<!DOCTYPE html>\n<html>",
        "\n\n\n<html>",
        SCRIPT * 200 + "<html>",  # kilobytes of scripts before the document
        "<div class='story'>",  # a saved fragment
    ],
)
def test_pages_that_do_not_open_with_html_are_still_html(start: str) -> None:
    body = (start + PAGE_BODY).encode()
    assert looks_like_html(body)
    page = read_page(body)
    assert page.text.startswith(PARAGRAPHS[0])
    assert "tracking" not in page.text


def test_plain_text_is_read_as_text() -> None:
    body = "\n\n".join(["Budget passes", *PARAGRAPHS, "Share this article"]).encode()
    assert not looks_like_html(body)
    assert read_page(body).text == "\n\n".join(PARAGRAPHS)


def test_text_that_mentions_a_tag_is_still_text() -> None:
    body = ("An article about markup: the <p> element starts a paragraph. " * 3).encode()
    assert not looks_like_html(body)


def test_the_content_type_decides_when_it_is_given() -> None:
    html = (f"<html>{PAGE_BODY}").encode()
    assert looks_like_html(b"Budget passes. " * 10, "text/html; charset=utf-8")
    assert not looks_like_html(b"Budget passes. " * 10, "text/plain; charset=utf-8")
    assert looks_like_html(html, "text/plain")  # a server that labels its pages wrongly


def test_a_content_type_that_is_not_a_page_is_refused() -> None:
    with pytest.raises(ExtractionError, match="not a web page: image/png"):
        read_page(b"\x89PNG\r\n\x1a\n", content_type="image/png")


def test_text_without_an_article_raises() -> None:
    with pytest.raises(ExtractionError):
        read_page(b"Home\nWorld\nSport\n")


# --- what ingest needs: text, title, language, canonical URL, date ---------------------------


def test_a_page_gives_title_language_canonical_url_and_date() -> None:
    html = (
        "<html lang='en'><head><title>Budget passes | City News</title>"
        "<meta property='og:title' content='Budget passes'>"
        "<link rel='canonical' href='/news/budget'>"
        "<meta property='article:published_time' content='2026-02-03T08:00:00+01:00'>"
        f"</head>{PAGE_BODY}"
    ).encode()
    page = read_page(html, url="https://city.example/amp/news/budget?utm=feed")
    assert page == Page(
        url="https://city.example/news/budget",
        title="Budget passes",
        text="\n\n".join(PARAGRAPHS),
        language="en",
        published=page.published,
    )
    assert page.published is not None and page.published.isoformat() == "2026-02-03T07:00:00+00:00"


def test_read_page_is_extract_html_on_real_pages(shared_dir: Path) -> None:
    folder = shared_dir / "data" / "extraction" / "fundus-publisher-test-pages"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth)[:5]:
        body = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        page, article = (
            read_page(body, url=truth[key]["url"]),
            extract_html(body, truth[key]["url"]),
        )
        assert (page.text, page.title, page.language, page.url) == (
            article.text,
            article.title,
            article.language,
            article.url,
        )


# --- fetching ------------------------------------------------------------------------------


async def intranet(host: str, port: int) -> list[str]:
    """Every name is on the intranet (a private address)."""
    return ["10.0.0.1"]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """The test server (127.0.0.1) counts as public; every name resolves to a private address."""
    fetcher = Fetcher(
        timeout=5, max_bytes=200_000, resolve=intranet, trusted_networks=["127.0.0.1/32"]
    )
    yield fetcher
    await fetcher.aclose()


async def test_fetch_page_reads_the_page_at_a_url(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route(
        "/news/budget", Route(make_page("Budget passes", PARAGRAPHS), content_type="text/html")
    )
    page = await fetch_page(fetcher, url)
    assert page.text == "\n\n".join(PARAGRAPHS)
    assert page.title == "Budget passes" and page.url == url


async def test_fetch_page_follows_redirects_to_the_page(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    target = feed_server.route(
        "/a", Route(make_page("Budget passes", PARAGRAPHS), content_type="text/html")
    )
    url = feed_server.route("/short", Route(status=302, location=target))
    assert (await fetch_page(fetcher, url)).url == target


async def test_a_missing_page_is_a_fetch_error(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetch_page(fetcher, feed_server.url("/nowhere"))


async def test_a_private_address_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/a", Route(make_page("Budget passes", PARAGRAPHS), content_type="text/html")
    )
    fetcher = Fetcher(timeout=5)  # the system resolver: 127.0.0.1 is loopback
    try:
        with pytest.raises(FetchError, match=r"127\.0\.0\.1 is not a public address"):
            await fetch_page(fetcher, url)
        assert not feed_server.hits("/a")
        assert (await fetch_page(fetcher, url, allow_private=True)).title == "Budget passes"
    finally:
        await fetcher.aclose()


async def test_a_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route("/go", Route(status=302, location="http://intranet.example/admin"))
    with pytest.raises(FetchError, match=r"intranet\.example is not a public address"):
        await fetch_page(fetcher, url)


async def test_a_page_over_the_size_cap_is_a_fetch_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    big = make_page("Budget passes", PARAGRAPHS * 2000)
    url = feed_server.route("/big", Route(big, content_type="text/html"))
    with pytest.raises(FetchError, match="larger than 200000 bytes"):
        await fetch_page(fetcher, url)


async def test_a_page_without_an_article_is_an_extraction_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    menu = b"<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav></body></html>"
    url = feed_server.route("/menu", Route(menu, content_type="text/html"))
    with pytest.raises(ExtractionError):
        await fetch_page(fetcher, url)
