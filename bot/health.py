"""`GET /healthz` and `GET /metrics` on a small HTTP server of its own, beside the bot.

A separate port, not PTB's webhook server: long polling has no HTTP server at all, and the
metrics must not be reachable wherever Telegram's webhook is. The standard library's threaded
server is enough for a scraper every few seconds and needs no new dependency. It serves exactly
two paths and nothing that reads the settings, so neither the token nor the configuration can
leak through it; a failing check answers with its own short reason, never an exception's text
(which could quote a database URL).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics

__all__ = ["HealthCheck", "HealthServer"]

log = logging.getLogger(__name__)

#: True when healthy; otherwise a short reason such as "database unreachable".
HealthCheck = Callable[[], bool | str]

_TEXT = "text/plain; charset=utf-8"


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
    ) -> None:
        self.metrics = metrics
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

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # a client that stalls mid-request does not hold a thread for ever
            server_version = "newsbot"
            sys_version = ""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, owner.metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    status, reason = owner.health()
                    self._answer(status, reason.encode() + b"\n", _TEXT)
                else:
                    self._answer(404, b"not found\n", _TEXT)

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("%s %s", self.address_string(), format % args)

        return Handler
