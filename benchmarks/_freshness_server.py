"""The publishers of benchmarks/freshness.py: one small HTTP/1.1 server (asyncio, keep-alive) in
a child process, so its CPU is not the bot's (two cores: one each).

It serves every simulated site on one port; the `Host` header tells the sites apart, so the
bot's per-host politeness and our per-host counts see many sites. What a feed shows depends on
the simulated time, which the bot's process writes into shared memory before each poll pass
(nothing is in flight while the clock moves). A conditional GET whose ETag still holds gets a
304 without a body. Every request is logged with its simulated time, host and status; the log
is what the per-host rates are counted from.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import multiprocessing
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx
from _freshness_model import World, feed_document

__all__ = ["Hit", "InProcess", "MemoryTransport", "PublisherServer", "Publishers"]


@dataclass(frozen=True)
class Hit:
    t: float  # simulated seconds
    host: str
    feed: int  # -1 for anything else
    status: int


class Publishers:
    """What every simulated site answers at simulated time `now()`, and the log of requests."""

    def __init__(self, world: World, now: Callable[[], float], hub: str) -> None:
        self.world, self.now, self.hub = world, now, hub
        self.log: list[tuple[float, str, int, int]] = []

    def answer(
        self, method: str, host: str, path: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a request; `headers` names in lower case."""
        t = self.now()
        feeds = self.world.feeds
        feed_id = -1
        if method == "GET" and path.startswith("/f/") and path.endswith(".xml"):
            with contextlib.suppress(ValueError):
                feed_id = int(path[3:-4])
        if not 0 <= feed_id < len(feeds) or feeds[feed_id].host != host:
            self.log.append((t, host, -1, 404))
            return 404, {}, b"not found"
        feed = feeds[feed_id]
        published = bisect.bisect_right(feed.times, t)
        etag = f'"{published}"'
        if headers.get("if-none-match") == etag:
            self.log.append((t, host, feed_id, 304))
            return 304, {"ETag": etag}, b""
        self.log.append((t, host, feed_id, 200))
        body = feed_document(feed, self.world, published, self.hub if feed.hub else None)
        return 200, {"ETag": etag, "Content-Type": "application/rss+xml"}, body

    def hits(self) -> list[Hit]:
        rows, self.log = self.log, []
        return [Hit(*row) for row in rows]


class MemoryTransport(httpx.AsyncBaseTransport):
    """The same publishers without sockets, for `--transport memory`: the bot's `Fetcher` and
    httpx client are used as they are, only the connection is replaced."""

    def __init__(self, publishers: Publishers) -> None:
        self.publishers = publishers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, extra, body = self.publishers.answer(
            request.method, request.url.host, request.url.path, headers
        )
        return httpx.Response(status, headers=extra, content=body, request=request)


def _serve(world: World, sock: socket.socket, now: Any, conn: Connection, hub: str) -> None:
    publishers = Publishers(world, lambda: float(now.value), hub)

    def answer(
        method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        host = headers.get("host", "").split(":")[0]
        return publishers.answer(method, host, path, headers)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                status, extra, body = answer(method, path, headers)
                out = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(handle, sock=sock, backlog=1024)
        done = loop.create_future()

        def command() -> None:
            what = conn.recv()
            if what == "log":
                conn.send(publishers.hits())
            elif what == "stop":
                conn.send(None)
                done.set_result(None)

        loop.add_reader(conn.fileno(), command)
        async with server:
            await done

    asyncio.run(main())


class InProcess:
    """The publishers in this process, reached through `MemoryTransport` (same interface as
    `PublisherServer`: `now(t)`, `hits()`, `port`, `hub_url`)."""

    def __init__(self, world: World) -> None:
        self._t = -world.warmup
        self.port = 80
        self.hub_url = "http://hub.sim/hub"
        self.publishers = Publishers(world, lambda: self._t, self.hub_url)
        self.transport = MemoryTransport(self.publishers)

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def now(self, t: float) -> None:
        self._t = t

    def hits(self) -> list[Hit]:
        return self.publishers.hits()


class PublisherServer:
    """`with PublisherServer(world) as server:` then set `server.now(t)` and fetch
    `http://<feed.host>:<server.port>/f/<id>.xml` (every host name resolves to 127.0.0.1)."""

    def __init__(self, world: World, hub_path: str = "/hub") -> None:
        ctx = multiprocessing.get_context("fork")
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self.port = int(self._sock.getsockname()[1])
        self._now = ctx.RawValue("d", -world.warmup)
        self._conn, child = ctx.Pipe()
        hub = f"http://hub.sim:{self.port}{hub_path}"
        self.hub_url = hub
        self.transport: httpx.AsyncBaseTransport | None = None  # real sockets
        self._process = ctx.Process(
            target=_serve, args=(world, self._sock, self._now, child, hub), daemon=True
        )

    def __enter__(self) -> PublisherServer:
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._conn.recv()
        self._process.join(timeout=10)
        self._sock.close()

    def now(self, t: float) -> None:
        self._now.value = t

    def hits(self) -> list[Hit]:
        """The requests since the last call, in arrival order."""
        self._conn.send("log")
        hits: list[Hit] = self._conn.recv()
        return hits
