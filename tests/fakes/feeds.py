"""A real HTTP server on 127.0.0.1 for feeds and pages, and a builder for feed documents.

Routes answer like real sites do: ETag / Last-Modified with 304 on a conditional GET, error
statuses, redirects, slow answers. Tests change a route between polls to publish new entries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FeedServer", "Route", "make_feed", "make_page"]


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


class FeedServer:
    """`server.route("/feed.xml", Route(...))`, then fetch `server.url("/feed.xml")`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append((self.path, dict(self.headers.items())))
                    route = server.routes.get(self.path)
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
                if fresh and route.status == 200:
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
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

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        for route in self.routes.values():
            if route.block is not None:
                route.block.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def route(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [headers for p, headers in self.requests if p == path]


def make_feed(
    entries: Iterable[dict[str, str | datetime]],
    *,
    title: str = "Test outlet",
    link: str = "https://outlet.example/",
) -> bytes:
    """An RSS 2.0 document. Entry keys: title, link, guid, description, content, published."""
    items = []
    for e in entries:
        published = e.get("published") or datetime.now(UTC)
        assert isinstance(published, datetime)
        content = e.get("content")
        items.append(
            "<item>"
            f"<title>{escape(str(e.get('title', '')))}</title>"
            f"<link>{escape(str(e.get('link', '')))}</link>"
            f"<guid>{escape(str(e.get('guid') or e.get('link', '')))}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(str(e.get('description', '')))}</description>"
            + (f"<content:encoded>{escape(str(content))}</content:encoded>" if content else "")
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
