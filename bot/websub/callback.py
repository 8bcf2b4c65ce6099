"""The callback hubs call: verification of intent (GET) and content distribution (POST).

Served by the health server (`bot.health.Mount`) under `websub.path`, one path per subscription
(`<prefix>/<token>`, an unguessable token), on the server's request thread. A verification is
answered only for a subscription we asked for, on its own topic (W3C WebSub §5.3): the
challenge is echoed and the lease recorded; anything else is 404, so a stranger cannot make us
confirm a subscription nor learn which tokens exist. `hub.mode=denied` marks the subscription
failed and the feed is polled normally again.

Pushed content counts only with a valid `X-Hub-Signature` (HMAC of the raw body with the
subscription's secret; sha1, sha256, sha384 or sha512, §8). A missing or wrong signature is
ignored, yet answered 202 like a good one: the spec allows it, and a different status would tell
a forger when a guess was right. Good content is handed to the event loop's `Pipeline.push`, the
same path as a poll's body; the answer does not wait for it (hubs time out quickly), and is 503
when the service is stopping, so the hub delivers again later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bot.clock import Clock
from bot.health import Answer, Mount, Request
from bot.settings import WebSubSettings
from bot.store import Database, WebSubSubscription

__all__ = ["Callback", "PushCount", "PushSink", "loop_sink", "route", "signature_ok"]

log = logging.getLogger(__name__)

#: Hands a verified body to ingest: (feed id, body, content type); False when it cannot.
PushSink = Callable[[int, bytes, str | None], bool]
#: Told of each push to a known callback: "received", then "accepted" or "rejected" (signature).
PushCount = Callable[[str], None]

DIGESTS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
MAX_LEASE = 365 * 86400
NOT_FOUND = Answer(404, b"not found\n")
ACCEPTED = Answer(202, b"accepted\n")


def route(settings: WebSubSettings) -> str:
    """The callbacks' path prefix on our server: `websub.path`, else public_url's path."""
    path = settings.path if settings.path is not None else urlsplit(settings.public_url or "").path
    return "/" + (path.strip("/") or "websub")


def signature_ok(secret: str, header: str | None, body: bytes) -> bool:
    """Whether `X-Hub-Signature` ("sha256=<hex>") is the HMAC of `body` with `secret`."""
    method, _, given = (header or "").strip().partition("=")
    digest = DIGESTS.get(method.lower())
    if digest is None or not given:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def loop_sink(
    loop: asyncio.AbstractEventLoop, push: Callable[[int, bytes, str | None], Awaitable[object]]
) -> PushSink:
    """A `PushSink` that runs `push` on `loop` (from the server's thread) without waiting."""

    def sink(feed_id: int, body: bytes, content_type: str | None) -> bool:
        if loop.is_closed():
            return False

        async def run() -> object:
            return await push(feed_id, body, content_type)

        try:
            future = asyncio.run_coroutine_threadsafe(run(), loop)
        except RuntimeError:  # the loop is shutting down
            return False
        future.add_done_callback(lambda done: _report(feed_id, done))
        return True

    return sink


def _report(feed_id: int, done: Future[object]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("feed %s: pushed content failed: %r", feed_id, done.exception())


class Callback:
    """Answers hubs for the subscriptions in the table; `mount()` serves it."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: WebSubSettings,
        sink: PushSink,
        count: PushCount | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sink = sink
        self.count: PushCount = count or (lambda _: None)

    def mount(self, max_body: int) -> Mount:
        return Mount(route(self.settings), self.handle, max_body)

    def handle(self, request: Request) -> Answer:
        token = request.path
        if not token or "/" in token:
            return NOT_FOUND
        if request.method == "GET":
            return self.verify(token, request.query)
        return self.receive(token, request)

    def verify(self, token: str, query: str) -> Answer:
        """The hub checks that we asked for this (un)subscription (§5.3), or says it denies it."""
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        mode, topic = params.get("hub.mode"), params.get("hub.topic")
        now = self.clock.now()
        with self.db.session() as session:
            row = session.scalar(
                select(WebSubSubscription).where(WebSubSubscription.token == token)
            )
            if row is None or topic != row.topic_url:
                return NOT_FOUND
            if mode == "denied":
                reason = params.get("hub.reason", "")[:200]
                row.state, row.last_error = "failed", f"denied by the hub: {reason}".strip()
                row.requested_at = now
                log.warning("feed %s: the WebSub hub denied the subscription", row.feed_id)
                return Answer(200, b"ok\n")
            challenge = params.get("hub.challenge")
            if not challenge:
                return Answer(400, b"no hub.challenge\n")
            if mode == "subscribe" and row.state in {"requested", "active"}:
                lease = _seconds(params.get("hub.lease_seconds"), self.settings.lease_seconds)
                row.state, row.verified_at = "active", now
                row.lease_until = now + timedelta(seconds=lease)
                row.failures, row.last_error = 0, None
                log.info("feed %s: WebSub subscription verified, lease %ss", row.feed_id, lease)
            elif not (mode == "unsubscribe" and row.state == "unsubscribed"):
                return NOT_FOUND
        return Answer(200, challenge.encode())

    def receive(self, token: str, request: Request) -> Answer:
        """Content the hub distributes: ingested when signed with our secret, else ignored."""
        with self.db.session() as session:
            row = session.scalar(
                select(WebSubSubscription).where(WebSubSubscription.token == token)
            )
            if row is None:
                return NOT_FOUND
            feed_id = row.feed_id
            self.count("received")
            if not signature_ok(row.secret, request.headers.get("x-hub-signature"), request.body):
                log.warning("feed %s: pushed content ignored: bad or missing signature", feed_id)
                self.count("rejected")
                return ACCEPTED
            row.last_push_at = self.clock.now()
        content_type = request.headers.get("content-type")
        if not self.sink(feed_id, request.body, content_type):
            return Answer(503, b"stopping\n", headers={"Retry-After": "60"})
        log.info("feed %s: pushed content received (%d bytes)", feed_id, len(request.body))
        self.count("accepted")
        return ACCEPTED


def _seconds(value: str | None, default: int) -> int:
    """The hub's lease: a positive number of seconds, at most a year (a hub's huge number
    must not overflow the date); ours when it gives none that makes sense."""
    try:
        seconds = int(value or "")
    except ValueError:
        return default
    return min(seconds, MAX_LEASE) if seconds > 0 else default
