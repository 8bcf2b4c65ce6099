"""A WebSub hub on 127.0.0.1 that follows the hub's side of the W3C Recommendation.

A subscriber POSTs `hub.mode=subscribe` (topic, callback, secret, lease) and gets 202 Accepted;
then, on a thread of its own as the spec asks (verification is asynchronous), the hub verifies
the intent with a GET to the callback carrying `hub.challenge` and stores the subscription only
when the challenge comes back with a 2xx. `publish(topic, body)` distributes content: a POST to
each verified callback, signed `X-Hub-Signature: sha256=<HMAC of the body with the secret>`.

Tests can make the hub misbehave as real ones do: `deny()` answers the next requests with a
`hub.mode=denied` call; `go_silent()` accepts requests but never verifies them (a hub that stops
confirming); `go_down()` answers 503.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qsl, urlencode

import httpx

from bot.store import Database, WebSubSubscription, upsert_feed
from tests.fakes import NOW

__all__ = ["FakeHub", "HubSubscription", "add_subscription", "free_port"]

Behaviour = Literal["normal", "deny", "silent", "down"]


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str | None
    lease_seconds: int
    verified_at: datetime


class FakeHub:
    """`hub.url` is what a feed's `Link: <...>; rel="hub"` names."""

    def __init__(self, *, max_lease: int = 30 * 86400) -> None:
        self.max_lease = max_lease
        self.behaviour: Behaviour = "normal"
        self.requests: list[dict[str, str]] = []  # every form received
        self.verifications: list[tuple[str, int, bool]] = []  # (mode, status, challenge echoed)
        self.subscriptions: dict[tuple[str, str], HubSubscription] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._client = httpx.Client(timeout=5)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                status = hub._request(form)
                body = b"" if status == 202 else b"hub unavailable"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- running -----------------------------------------------------------------------------

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._client.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def deny(self) -> None:
        self.behaviour = "deny"

    def go_silent(self) -> None:
        self.behaviour = "silent"

    def go_down(self) -> None:
        self.behaviour = "down"

    # --- the hub's side of the protocol -------------------------------------------------------

    def _request(self, form: dict[str, str]) -> int:
        with self._changed:
            self.requests.append(form)
            self._changed.notify_all()
        if self.behaviour == "down":
            return 503
        if form.get("hub.mode") not in {"subscribe", "unsubscribe"}:
            return 400
        if not form.get("hub.topic") or not form.get("hub.callback"):
            return 400
        if self.behaviour != "silent":
            threading.Thread(target=self._verify, args=(form,), daemon=True).start()
        return 202

    def _verify(self, form: dict[str, str]) -> None:
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        if self.behaviour == "deny":
            params = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "not allowed"}
            status = self._call(callback, params)[0]
            self._record(("denied", status, False))
            return
        lease = min(int(form.get("hub.lease_seconds") or self.max_lease), self.max_lease)
        challenge = secrets.token_urlsafe(16)
        params = {
            "hub.mode": mode,
            "hub.topic": topic,
            "hub.challenge": challenge,
            "hub.lease_seconds": str(lease),
        }
        status, body = self._call(callback, params)
        echoed = 200 <= status < 300 and body == challenge
        with self._changed:
            if echoed and mode == "subscribe":
                self.subscriptions[(topic, callback)] = HubSubscription(
                    topic, callback, form.get("hub.secret"), lease, datetime.now(UTC)
                )
            elif echoed:
                self.subscriptions.pop((topic, callback), None)
            self.verifications.append((mode, status, echoed))
            self._changed.notify_all()

    def _call(self, callback: str, params: dict[str, str]) -> tuple[int, str]:
        url = callback + ("&" if "?" in callback else "?") + urlencode(params)
        try:
            response = self._client.get(url)
        except httpx.HTTPError:
            return 0, ""
        return response.status_code, response.text

    def _record(self, verification: tuple[str, int, bool]) -> None:
        with self._changed:
            self.verifications.append(verification)
            self._changed.notify_all()

    def publish(
        self,
        topic: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml",
        algorithm: str = "sha256",
        secret: str | None = None,
        signed: bool = True,
    ) -> list[int]:
        """Distribute `body` to the topic's subscribers; their answers' statuses. `secret`
        signs with another key than the subscriber's (a forger), `signed=False` not at all."""
        with self._lock:
            targets = [s for s in self.subscriptions.values() if s.topic == topic]
        statuses = []
        for sub in targets:
            headers = {"Content-Type": content_type}
            key = secret if secret is not None else sub.secret
            if signed and key is not None:
                digest = hmac.new(key.encode(), body, getattr(hashlib, algorithm)).hexdigest()
                headers["X-Hub-Signature"] = f"{algorithm}={digest}"
            statuses.append(
                self._client.post(sub.callback, content=body, headers=headers).status_code
            )
        return statuses

    # --- waiting (from a test's thread) -------------------------------------------------------

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= count, timeout)

    def wait_for_verifications(self, count: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.verifications) >= count, timeout)


def free_port() -> int:
    """A port free on 127.0.0.1 now: the bot's callback URL names it before the server starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_subscription(
    db: Database,
    topic: str,
    *,
    hub_url: str = "https://hub.example/",
    token: str = "tok",
    secret: str = "sec",
    public: bool = True,
    failures: int = 0,
) -> int:
    """A feed at `topic` and its subscription, "requested"; the feed's id."""
    with db.session() as session:
        feed = upsert_feed(session, topic, NOW, public=public)
        session.flush()
        row = WebSubSubscription(
            feed_id=feed.id,
            hub_url=hub_url,
            topic_url=topic,
            token=token,
            secret=secret,
            state="requested",
            failures=failures,
        )
        session.add(row)
        return feed.id
