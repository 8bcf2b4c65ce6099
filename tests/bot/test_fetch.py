"""Fetching over real HTTP on 127.0.0.1: conditional GET, errors, caps, publisher hints, gzip."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import threading
from pathlib import Path

import httpx
import pytest

from bot.fetch import Fetcher, UnsafeURL, check_public_url
from tests.fakes.feeds import FeedServer, Route, make_feed


async def test_conditional_get_turns_an_unchanged_feed_into_not_modified(
    feed_server: FeedServer,
) -> None:
    url = feed_server.route("/f.xml", Route(make_feed([]), etag='"v1"'))
    fetcher = Fetcher()
    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url, etag=first.etag)
    await fetcher.aclose()
    assert first.ok and first.etag == '"v1"'
    assert second.not_modified and second.body is None
    assert feed_server.hits("/f.xml")[1]["If-None-Match"] == '"v1"'


async def test_last_modified_is_sent_back_as_if_modified_since(feed_server: FeedServer) -> None:
    stamp = "Sun, 21 Dec 2025 12:00:00 GMT"
    url = feed_server.route("/f.xml", Route(make_feed([]), last_modified=stamp))
    fetcher = Fetcher()
    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url, last_modified=first.last_modified)
    await fetcher.aclose()
    assert second.not_modified


async def test_server_error_is_an_error_outcome(feed_server: FeedServer) -> None:
    url = feed_server.route("/f.xml", Route(b"oops", status=500))
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert not result.ok and result.error == "HTTP 500"


async def test_body_over_the_cap_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.route("/big.xml", Route(b"x" * 200_000))
    fetcher = Fetcher(max_bytes=100_000)
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert not result.ok and "larger than" in (result.error or "")


async def test_gzip_bomb_is_stopped_by_the_decoded_size(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    url = feed_server.route("/bomb.xml", Route(bomb, headers={"Content-Encoding": "gzip"}))
    fetcher = Fetcher(max_bytes=1_000_000)
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert len(bomb) < 1_000_000
    assert not result.ok and "larger than" in (result.error or "")


async def test_redirect_loop_is_an_error(feed_server: FeedServer) -> None:
    feed_server.route("/a", Route(status=302, location="/b"))
    url = feed_server.route("/b", Route(status=302, location="/a"))
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.error == "too many redirects"


async def test_hanging_site_times_out(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", Route(b"late", block=threading.Event()))
    fetcher = Fetcher(timeout=0.2)
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.error == "timed out"


async def test_connection_refused_is_an_error() -> None:
    fetcher = Fetcher(timeout=2)
    result = await fetcher.fetch("http://127.0.0.1:9/feed.xml")
    await fetcher.aclose()
    assert not result.ok and result.error


async def test_local_files_are_feeds_too(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(make_feed([]))
    fetcher = Fetcher()
    by_path, by_url = await fetcher.fetch(str(path)), await fetcher.fetch(path.as_uri())
    missing = await fetcher.fetch(str(tmp_path / "missing.xml"))
    await fetcher.aclose()
    assert by_path.body == by_url.body == path.read_bytes()
    assert not missing.ok and "cannot read" in (missing.error or "")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://localhost:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://192.168.0.1/",
    ],
)
async def test_user_links_to_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL, match="not a public address"):
        await check_public_url(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x"])
async def test_user_links_with_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL, match="only http and https"):
        await check_public_url(url)


async def test_public_fetch_refuses_a_local_server_unless_allowed(feed_server: FeedServer) -> None:
    url = feed_server.route("/page", Route(b"<html><p>hi</p></html>", content_type="text/html"))
    fetcher = Fetcher()
    refused = await fetcher.fetch_public(url)
    allowed = await fetcher.fetch_public(url, allow_private=True)
    await fetcher.aclose()
    assert not refused.ok and "not a public address" in (refused.error or "")
    assert allowed.ok


async def test_public_fetch_caps_the_page_size(feed_server: FeedServer) -> None:
    url = feed_server.route("/huge", Route(b"x" * 50_000, content_type="text/html"))
    fetcher = Fetcher(max_bytes=10_000)
    result = await fetcher.fetch_public(url, allow_private=True)
    await fetcher.aclose()
    assert not result.ok and "larger than" in (result.error or "")


async def test_a_public_link_that_redirects_inward_is_refused_at_the_redirect() -> None:
    """Each hop is checked: public.example answers 302 to internal.example, a name that
    resolves to 10.0.0.5; the second request is never made."""
    seen: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"location": "http://internal.example/admin"})
        return httpx.Response(200, text="secret")

    async def resolve(host: str, port: int) -> list[str]:
        return {"public.example": ["93.184.216.34"], "internal.example": ["10.0.0.5"]}[host]

    fetcher = Fetcher(transport=httpx.MockTransport(serve), resolve=resolve)
    result = await fetcher.fetch_public("http://public.example/story")
    await fetcher.aclose()
    assert result.error == "internal.example is not a public address"
    assert seen == ["http://public.example/story"]


async def test_a_name_that_resolves_to_loopback_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # one bad address is enough to refuse

    with pytest.raises(UnsafeURL, match="not a public address"):
        await check_public_url("https://rebind.example/", resolve)


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/", "http://\x00/"])
async def test_malformed_urls_are_an_error_outcome_not_an_exception(url: str) -> None:
    fetcher = Fetcher(timeout=2)
    plain, public = await fetcher.fetch(url), await fetcher.fetch_public(url, allow_private=True)
    await fetcher.aclose()
    assert plain.error and public.error


# --- what the publisher says about coming back (adaptive polling, WebSub) -------------------


async def test_cache_control_max_age_less_age_is_the_freshness(feed_server: FeedServer) -> None:
    headers = {"Cache-Control": "public, max-age=900", "Age": "300"}
    url = feed_server.route("/f.xml", Route(make_feed([]), headers=headers))
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.ok and result.max_age == 600.0 and result.retry_after is None


async def test_expires_is_measured_against_the_servers_date(feed_server: FeedServer) -> None:
    route = Route(
        make_feed([]),
        date="Sun, 21 Dec 2025 12:00:00 GMT",
        headers={"Expires": "Sun, 21 Dec 2025 12:20:00 GMT"},
    )
    url = feed_server.route("/f.xml", route)
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.max_age == 1200.0


async def test_a_not_modified_answer_keeps_the_freshness(feed_server: FeedServer) -> None:
    route = Route(make_feed([]), etag='"v1"', headers={"Cache-Control": "max-age=120"})
    url = feed_server.route("/f.xml", route)
    fetcher = Fetcher()
    result = await fetcher.fetch(url, etag='"v1"')
    await fetcher.aclose()
    assert result.not_modified and result.max_age == 120.0


async def test_retry_after_in_seconds_comes_with_a_503(feed_server: FeedServer) -> None:
    route = Route(b"busy", status=503, headers={"Retry-After": "120"})
    url = feed_server.route("/f.xml", route)
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.error == "HTTP 503" and result.retry_after == 120.0


async def test_retry_after_as_a_date_comes_with_a_429(feed_server: FeedServer) -> None:
    route = Route(
        b"slow down",
        status=429,
        date="Sun, 21 Dec 2025 12:00:00 GMT",
        headers={"Retry-After": "Sun, 21 Dec 2025 12:05:00 GMT"},
    )
    url = feed_server.route("/f.xml", route)
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.status == 429 and result.retry_after == 300.0


async def test_link_header_gives_the_websub_hub_and_topic(feed_server: FeedServer) -> None:
    link = '<https://hub.example/websub>; rel="hub", </topics/f.xml>; rel="self"'
    url = feed_server.route("/f.xml", Route(make_feed([]), headers={"Link": link}))
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.hub_url == "https://hub.example/websub"
    assert result.self_url == feed_server.url("/topics/f.xml")


# --- gzip: over HTTP as a file (no Content-Encoding), and from disk ----------------------------


async def test_a_gzip_file_served_as_is_is_decompressed(feed_server: FeedServer) -> None:
    feed = make_feed([{"title": "Zipped", "link": "https://outlet.example/z"}])
    route = Route(gzip.compress(feed), content_type="application/gzip")
    url = feed_server.route("/feed.xml.gz", route)
    fetcher = Fetcher()
    result = await fetcher.fetch(url)
    await fetcher.aclose()
    assert result.body == feed


async def test_a_gzip_feed_on_disk_is_decompressed(tmp_path: Path) -> None:
    feed = make_feed([{"title": "Zipped", "link": "https://outlet.example/z"}])
    path = tmp_path / "feed.xml.gz"
    path.write_bytes(gzip.compress(feed))
    fetcher = Fetcher()
    result = await fetcher.fetch(str(path))
    await fetcher.aclose()
    assert result.body == feed


async def test_a_gzip_bomb_on_disk_is_stopped_at_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml.gz"
    path.write_bytes(gzip.compress(b"\0" * 20_000_000))
    fetcher = Fetcher(max_bytes=1_000_000)
    result = await fetcher.fetch(path.as_uri())
    await fetcher.aclose()
    assert path.stat().st_size < 1_000_000
    assert not result.ok and "larger than 1000000 bytes once decompressed" in (result.error or "")


async def test_a_broken_gzip_file_is_an_error_outcome(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml.gz"
    path.write_bytes(gzip.compress(make_feed([]))[:40])
    fetcher = Fetcher()
    result = await fetcher.fetch(str(path))
    await fetcher.aclose()
    assert not result.ok and "broken gzip data" in (result.error or "")


async def test_a_not_modified_answer_leaves_the_connection_open_for_the_next_poll() -> None:
    opened: list[int] = []
    hung_up = asyncio.Event()

    async def publisher(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(1)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(
                    b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 0\r\n\r\n'
                )
                await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        hung_up.set()

    server = await asyncio.start_server(publisher, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/f.xml"
    fetcher = Fetcher()
    results = [await fetcher.fetch(url, etag='"v1"') for _ in range(3)]
    await fetcher.aclose()
    await asyncio.wait_for(hung_up.wait(), 10)  # the publisher saw the client go
    server.close()
    await server.wait_closed()
    assert all(r.not_modified for r in results)
    assert len(opened) == 1
