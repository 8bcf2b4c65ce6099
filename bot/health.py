"""`GET /healthz` and `GET /metrics` on a small HTTP server of its own, beside the bot.

A separate port, not PTB's webhook server: long polling has no HTTP server at all, and the
metrics must not be reachable wherever Telegram's webhook is. The standard library's threaded
server is enough for a scraper every few seconds and needs no new dependency. It serves those
two paths and nothing that reads the settings, so neither the token nor the configuration can
leak through it; a failing check answers with its own short reason, never an exception's text
(which could quote a database URL).

Other parts may `Mount` a handler under a path prefix (WebSub's callbacks, `bot.websub`): it
runs on the request's thread with the body already read, within the mount's size cap, so the
server stays the one place that speaks HTTP and the handler is a plain function to test.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics

__all__ = ["Answer", "HealthCheck", "HealthServer", "Mount", "Request"]

log = logging.getLogger(__name__)

#: True when healthy; otherwise a short reason such as "database unreachable".
HealthCheck = Callable[[], bool | str]

_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Request:
    """A request to a mount: `path` below the mount's prefix ("abc" for "/websub/abc"),
    `query` undecoded."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes = b""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = _TEXT
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mount:
    """`handle` answers GET and POST under `prefix` ("/websub"); a body over `max_body` bytes
    is refused with 413 before it is read."""

    prefix: str
    handle: Callable[[Request], Answer]
    max_body: int = 1_000_000


class HealthServer:
    """Serves `/metrics` (Prometheus text) and `/healthz` (200 "ok", or 503 and the reason).

    `check` runs on the server's request thread, once per `/healthz`, so it must be thread-safe
    and quick (a `SELECT 1`, a look at the time of the last good job pass). `port=0` takes a
    free port; `.port` says which, once started.
    """

    def __init__(
        self,
        metrics: Metrics,
        check: HealthCheck,
        host: str = "127.0.0.1",
        port: int = 0,
        mounts: Sequence[Mount] = (),
    ) -> None:
        self.metrics = metrics
        self.mounts = tuple(mounts)
        self.check = check
        self.host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HealthServer is not started; call start() first")
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        if self._server is not None:
            raise RuntimeError("HealthServer is already started")
        self._server = ThreadingHTTPServer((self.host, self._requested_port), self._handler())
        # Checks for stop() ten times a second: stopping is prompt, idling is still free.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="newsbot-health",
            daemon=True,
        )
        self._thread.start()
        log.info("health and metrics on http://%s:%s/", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop serving and free the port; returns once the serving thread has ended."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def health(self) -> tuple[int, str]:
        """The status and body `/healthz` answers with."""
        try:
            verdict = self.check()
        except Exception as exc:
            log.exception("health check raised")
            return 503, f"health check failed ({type(exc).__name__})"
        if verdict is True:
            return 200, "ok"
        return 503, verdict if isinstance(verdict, str) and verdict else "unhealthy"

    def mount_for(self, path: str) -> Mount | None:
        """The mount serving `path`: its prefix, then "/" and more (never the prefix alone)."""
        for mount in self.mounts:
            if path.startswith(mount.prefix.rstrip("/") + "/"):
                return mount
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # a client that stalls mid-request does not hold a thread for ever
            server_version = "newsbot"
            sys_version = ""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if owner.mount_for(path) is not None:
                    self._mounted()
                elif path == "/metrics":
                    self._answer(200, owner.metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    status, reason = owner.health()
                    self._answer(status, reason.encode() + b"\n", _TEXT)
                else:
                    self._answer(404, b"not found\n", _TEXT)

            def do_POST(self) -> None:
                if owner.mount_for(self.path.split("?", 1)[0]) is None:
                    self.close_connection = True  # the body is left unread
                    self._answer(404, b"not found\n", _TEXT)
                else:
                    self._mounted()

            def _mounted(self) -> None:
                path, _, query = self.path.partition("?")
                mount = owner.mount_for(path)
                assert mount is not None
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= mount.max_body:
                    self.close_connection = True
                    self._answer(413 if length > 0 else 400, b"bad length\n", _TEXT)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                rest = path[len(mount.prefix.rstrip("/")) + 1 :]
                request = Request(self.command, rest, query, headers, self.rfile.read(length))
                try:
                    answer = mount.handle(request)
                except Exception:
                    log.exception("%s %s: the handler failed", self.command, mount.prefix)
                    answer = Answer(500, b"internal error\n")
                self._answer(answer.status, answer.body, answer.content_type, answer.headers)

            def _answer(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: Mapping[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                line = format % args
                path = self.path.split("?", 1)[0]
                mount = owner.mount_for(path)
                if mount is not None:  # a mount's path may hold a token: never in the log
                    line = line.replace(self.path, mount.prefix.rstrip("/") + "/…")
                log.debug("%s %s", self.address_string(), line)

        return Handler
