"""The callback's answers to hubs (W3C WebSub §5.3 and §8), on a real database: verification
of intent for what we asked only, and pushed content only when signed with our secret."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from bot.clock import FrozenClock
from bot.health import Request
from bot.settings import WebSubSettings
from bot.store import Database, WebSubSubscription
from bot.websub import Callback, route, signature_ok
from tests.fakes import NOW
from tests.fakes.websub_hub import add_subscription

TOPIC = "https://outlet.example/feed.xml"
TOKEN = "t0k3n"
SECRET = "s3cr3t"


class Sink:
    def __init__(self, accepting: bool = True) -> None:
        self.accepting = accepting
        self.pushed: list[tuple[int, bytes, str | None]] = []

    def __call__(self, feed_id: int, body: bytes, content_type: str | None) -> bool:
        self.pushed.append((feed_id, body, content_type))
        return self.accepting


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def callback(db: Database, sink: Sink) -> Callback:
    add_subscription(db, TOPIC, token=TOKEN, secret=SECRET, failures=2)
    settings = WebSubSettings(public_url="https://bot.example/websub")
    return Callback(db, FrozenClock(NOW), settings, sink)


def row(db: Database) -> WebSubSubscription:
    with db.session() as session:
        found = session.get(WebSubSubscription, 1)
        assert found is not None
        session.expunge(found)
        return found


def verify(callback: Callback, token: str = TOKEN, **params: str) -> tuple[int, bytes]:
    query = urlencode({f"hub.{k}": v for k, v in params.items()})
    answer = callback.handle(Request("GET", token, query, {}))
    return answer.status, answer.body


def push(callback: Callback, body: bytes, signature: str | None, token: str = TOKEN) -> int:
    headers = {"content-type": "application/atom+xml"}
    if signature is not None:
        headers["x-hub-signature"] = signature
    return callback.handle(Request("POST", token, "", headers, body)).status


def sign(body: bytes, method: str = "sha256", secret: str = SECRET) -> str:
    return f"{method}={hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()}"


def test_the_challenge_is_echoed_and_the_subscription_becomes_active(
    callback: Callback, db: Database
) -> None:
    status, body = verify(
        callback, mode="subscribe", topic=TOPIC, challenge="abc123", lease_seconds="3600"
    )
    assert (status, body) == (200, b"abc123")
    sub = row(db)
    assert sub.state == "active"
    assert sub.verified_at == NOW
    assert sub.lease_until == NOW + timedelta(seconds=3600)
    assert sub.failures == 0


def test_an_unknown_token_is_404(callback: Callback, db: Database) -> None:
    status, _ = verify(callback, "other", mode="subscribe", topic=TOPIC, challenge="x")
    assert status == 404
    assert row(db).state == "requested"


def test_a_verification_for_another_topic_is_404(callback: Callback, db: Database) -> None:
    status, body = verify(
        callback, mode="subscribe", topic="https://evil.example/feed", challenge="abc"
    )
    assert (status, body) == (404, b"not found\n")
    assert row(db).state == "requested"


def test_an_unsubscription_we_did_not_ask_for_is_404(callback: Callback, db: Database) -> None:
    status, _ = verify(callback, mode="unsubscribe", topic=TOPIC, challenge="abc")
    assert status == 404
    assert row(db).state == "requested"


def test_a_hub_that_denies_the_subscription_fails_it(callback: Callback, db: Database) -> None:
    status, _ = verify(callback, mode="denied", topic=TOPIC, reason="topic not served")
    assert status == 200
    sub = row(db)
    assert sub.state == "failed"
    assert sub.last_error == "denied by the hub: topic not served"


def test_a_verification_without_lease_gets_the_lease_we_asked_for(
    callback: Callback, db: Database
) -> None:
    verify(callback, mode="subscribe", topic=TOPIC, challenge="abc")
    assert row(db).lease_until == NOW + timedelta(seconds=10 * 86400)


def test_an_absurd_lease_is_capped_at_a_year(callback: Callback, db: Database) -> None:
    verify(callback, mode="subscribe", topic=TOPIC, challenge="abc", lease_seconds="9" * 30)
    assert row(db).lease_until == NOW + timedelta(days=365)


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signed_content_is_handed_to_ingest(
    callback: Callback, sink: Sink, db: Database, method: str
) -> None:
    body = b"<feed>news</feed>"
    assert push(callback, body, sign(body, method)) == 202
    assert sink.pushed == [(1, body, "application/atom+xml")]
    assert row(db).last_push_at == NOW


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=", "md5=abc", sign(b"other body"), sign(b"<feed>news</feed>", secret="x")],
)
def test_unsigned_or_badly_signed_content_is_ignored_but_acknowledged(
    callback: Callback, sink: Sink, db: Database, signature: str | None
) -> None:
    assert push(callback, b"<feed>news</feed>", signature) == 202
    assert sink.pushed == []
    assert row(db).last_push_at is None


def counted(db: Database, sink: Sink) -> tuple[Callback, list[str]]:
    """The fixture's callback, with its pushes counted into a list."""
    seen: list[str] = []
    settings = WebSubSettings(public_url="https://bot.example/websub")
    return Callback(db, FrozenClock(NOW), settings, sink, seen.append), seen


def test_a_signed_push_counts_as_received_and_accepted(
    callback: Callback, sink: Sink, db: Database
) -> None:
    counting, seen = counted(db, sink)
    body = b"<feed>news</feed>"
    push(counting, body, sign(body))
    assert seen == ["received", "accepted"]


def test_a_badly_signed_push_counts_as_received_and_rejected(
    callback: Callback, sink: Sink, db: Database
) -> None:
    counting, seen = counted(db, sink)
    push(counting, b"<feed>news</feed>", sign(b"other body"))
    assert seen == ["received", "rejected"]


def test_content_for_an_unknown_token_is_404(callback: Callback, sink: Sink) -> None:
    body = b"<feed/>"
    assert push(callback, body, sign(body), token="other") == 404
    assert sink.pushed == []


def test_content_that_cannot_be_handed_over_asks_the_hub_to_come_back(
    db: Database, callback: Callback, sink: Sink
) -> None:
    sink.accepting = False  # the service is stopping
    body = b"<feed/>"
    assert push(callback, body, sign(body)) == 503


def test_the_callbacks_live_under_public_urls_path_unless_told_otherwise() -> None:
    assert route(WebSubSettings(public_url="https://bot.example/hooks/websub/")) == "/hooks/websub"
    assert route(WebSubSettings(public_url="https://bot.example")) == "/websub"
    assert route(WebSubSettings(public_url="https://bot.example/x", path="ws")) == "/ws"


def test_a_signature_is_compared_in_full() -> None:
    good = sign(b"body")
    assert signature_ok(SECRET, good, b"body")
    assert signature_ok(SECRET, good.upper().replace("SHA256", "sha256"), b"body")
    assert not signature_ok(SECRET, good[:-1], b"body")
