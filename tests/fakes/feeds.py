"""A real HTTP(S) server on a loopback address for feeds and pages, and builders for documents.

Routes answer like real sites do: ETag / Last-Modified with 304 on a conditional GET, error
statuses, redirects, slow answers, any header (Cache-Control, Retry-After, Link, a fixed Date).
Tests change a route between polls to publish new entries. The server can bind another loopback
address (127.0.0.2) or port, and speak TLS, so tests can stand a "public" and a "private" host
side by side; it counts the requests in flight, so tests can check per-host limits.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FeedServer", "Route", "make_feed", "make_json_feed", "make_page", "make_site_page"]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # for redirects
    headers: dict[str, str] = field(default_factory=dict)
    block: threading.Event | None = None  # hold the answer until set (a hanging site)
    date: str | None = None  # the Date header to send instead of the real time


class FeedServer:
    """`server.route("/feed.xml", Route(...))`, then fetch `server.url("/feed.xml")`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._scheme = "https" if tls else "http"
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                date = getattr(self, "route_date", None)
                return date or super().date_time_string(timestamp)

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append((self.path, dict(self.headers.items())))
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                    route = server.routes.get(self.path)
                    server._arrived.notify_all()
                self.route_date = route.date if route else None
                try:
                    self._serve(route)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _serve(self, route: Route | None) -> None:
                if route is None:
                    self._answer(404, b"not found", "text/plain")
                    return
                if route.block is not None:
                    route.block.wait(timeout=30)
                if route.location:
                    self.send_response(route.status)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                fresh = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                )
                if fresh and route.status == 200:  # a 304 repeats the caching headers
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    for key, value in route.headers.items():
                        if key.lower() in {"cache-control", "expires", "link"}:
                            self.send_header(key, value)
                    self.end_headers()
                    return
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                self._answer(route.status, route.body, route.content_type, extra)

            def _answer(
                self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        for route in self.routes.values():
            if route.block is not None:
                route.block.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str, *, host: str | None = None) -> str:
        """The route's URL, by the server's address or by a name the test's resolver knows."""
        return f"{self._scheme}://{host or self._httpd.server_address[0]!s}:{self.port}{path}"

    def route(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [headers for p, headers in self.requests if p == path]

    def wait_for_hits(self, path: str, count: int, timeout: float = 5.0) -> bool:
        """Block (in a thread) until `path` has been requested `count` times; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(
                lambda: sum(p == path for p, _ in self.requests) >= count, timeout
            )


def make_feed(
    entries: Iterable[dict[str, str | datetime]],
    *,
    title: str = "Test outlet",
    link: str = "https://outlet.example/",
) -> bytes:
    """An RSS 2.0 document. Entry keys: title, link, guid, description, content, published,
    source (the outlet an aggregator credits, as RSS `<source>`)."""
    items = []
    for e in entries:
        published = e.get("published") or datetime.now(UTC)
        assert isinstance(published, datetime)
        content = e.get("content")
        source = e.get("source")
        items.append(
            "<item>"
            f"<title>{escape(str(e.get('title', '')))}</title>"
            f"<link>{escape(str(e.get('link', '')))}</link>"
            f"<guid>{escape(str(e.get('guid') or e.get('link', '')))}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(str(e.get('description', '')))}</description>"
            + (f"<content:encoded>{escape(str(content))}</content:encoded>" if content else "")
            + (f'<source url="{escape(link)}">{escape(str(source))}</source>' if source else "")
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    ).encode()


def make_page(title: str, paragraphs: Iterable[str], *, furniture: bool = True) -> bytes:
    """An article page, with a site's menus, teasers and footer around it unless told not to."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    nav = (
        "<header><nav><ul><li><a href='/'>Home</a></li><li><a href='/world'>World</a></li>"
        "<li><a href='/sport'>Sport</a></li></ul></nav></header>"
        if furniture
        else ""
    )
    aside = (
        "<aside><h3>Keep Reading</h3><ul><li><a href='/x'>Celebrity chef opens new restaurant"
        "</a></li><li><a href='/y'>Local team wins cup final</a></li></ul></aside>"
        "<footer><p>© 2026 Test Outlet. All Rights Reserved.</p></footer>"
        if furniture
        else ""
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body>{nav}<main><article><h1>{escape(title)}</h1>{body}</article></main>{aside}"
        "</body></html>"
    ).encode()


def make_json_feed(
    items: Iterable[Mapping[str, object] | str],
    *,
    title: str = "Test outlet",
    version: str = "https://jsonfeed.org/version/1.1",
    **fields: object,
) -> bytes:
    """A JSON Feed document; `items` (a string stands for a malformed item) and extra
    top-level `fields` go in as given."""
    document = {"version": version, "title": title, **fields, "items": list(items)}
    return json.dumps(document).encode()


def make_site_page(
    title: str,
    feeds: Sequence[tuple[str, str]] = (),
    *,
    base: str | None = None,
) -> bytes:
    """A site's home page whose <head> advertises `feeds`: (href, type) pairs such as
    ("/feed.xml", "application/rss+xml"); `base` adds a <base href>."""
    links = "".join(
        f'<link rel="alternate" type="{escape(kind)}" href="{escape(href)}" title="{kind}">'
        for href, kind in feeds
    )
    base_tag = f'<base href="{escape(base)}">' if base else ""
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title>{base_tag}{links}<link rel='stylesheet' href='/site.css'></head>"
        f"<body><h1>{escape(title)}</h1><p>Welcome.</p></body></html>"
    ).encode()
