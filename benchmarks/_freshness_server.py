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
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from _freshness_model import World, feed_document

__all__ = ["Hit", "PublisherServer"]


@dataclass(frozen=True)
class Hit:
    t: float  # simulated seconds
    host: str
    feed: int  # -1 for anything else
    status: int


def _serve(world: World, sock: socket.socket, now: Any, conn: Connection, hub: str) -> None:
    log: list[tuple[float, str, int, int]] = []
    feeds = world.feeds

    def answer(
        method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        t = now.value
        host = headers.get("host", "").split(":")[0]
        feed_id = -1
        if method == "GET" and path.startswith("/f/") and path.endswith(".xml"):
            with contextlib.suppress(ValueError):
                feed_id = int(path[3:-4])
        if not 0 <= feed_id < len(feeds) or feeds[feed_id].host != host:
            log.append((t, host, -1, 404))
            return 404, {}, b"not found"
        feed = feeds[feed_id]
        published = bisect.bisect_right(feed.times, t)
        etag = f'"{published}"'
        if headers.get("if-none-match") == etag:
            log.append((t, host, feed_id, 304))
            return 304, {"ETag": etag}, b""
        log.append((t, host, feed_id, 200))
        body = feed_document(feed, world, published, hub if feed.hub else None)
        return 200, {"ETag": etag, "Content-Type": "application/rss+xml"}, body

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
                conn.send(list(log))
                log.clear()
            elif what == "stop":
                conn.send(None)
                done.set_result(None)

        loop.add_reader(conn.fileno(), command)
        async with server:
            await done

    asyncio.run(main())


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
        return [Hit(*row) for row in self._conn.recv()]
