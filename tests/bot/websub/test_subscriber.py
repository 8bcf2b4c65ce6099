"""Subscribing, renewing and giving up, against the fake hub over HTTP: the subscriber job's
requests, the hub's verification through the real callback on the health server, and time
moved only by a frozen clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.fetch import Fetcher
from bot.health import HealthServer
from bot.metrics import Metrics
from bot.settings import Settings, TelegramSettings, WebSubSettings
from bot.store import Chat, ChatSource, Database, Feed, WebSubSubscription
from bot.websub import Callback, Subscriber, SubscribeReport, next_step
from tests.fakes import NOW
from tests.fakes.websub_hub import FakeHub, add_subscription, free_port

LEASE = 1000
TOPIC = "https://outlet.example/feed.xml"


@dataclass
class Setup:
    db: Database
    hub: FakeHub
    clock: FrozenClock
    subscriber: Subscriber

    async def run(self) -> SubscribeReport:
        return await self.subscriber.run_once()

    def row(self) -> WebSubSubscription:
        with self.db.session() as session:
            row = session.get_one(WebSubSubscription, 1)
            session.expunge(row)
            return row

    async def verified(self, count: int) -> None:
        assert await asyncio.to_thread(self.hub.wait_for_verifications, count)

    def advance_to(self, when: datetime) -> None:
        self.clock.set(when)


@pytest.fixture
async def setup(db: Database, hub: FakeHub, request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    options: dict[str, Any] = getattr(request, "param", {})
    port = free_port()
    websub = WebSubSettings(
        public_url=f"http://127.0.0.1:{port}/websub", lease_seconds=LEASE, **options
    )
    settings = Settings(
        health_port=port, websub=websub, telegram=TelegramSettings(allow_private_urls=False)
    )
    clock = FrozenClock(NOW)
    callback = Callback(db, clock, websub, lambda *_: True)
    server = HealthServer(Metrics(), lambda: True, port=port, mounts=[callback.mount(1000)])
    server.start()
    fetcher = Fetcher()
    add_subscription(db, TOPIC, hub_url=hub.url)
    yield Setup(db, hub, clock, Subscriber(db, fetcher, settings, clock))
    await fetcher.aclose()
    server.stop()


async def test_a_requested_subscription_is_sent_to_the_hub_and_verified(s: Setup) -> None:
    report = await s.run()
    await s.verified(1)
    assert report.requested == 1
    [form] = s.hub.requests
    assert form["hub.lease_seconds"] == str(LEASE)
    row = s.row()
    assert (row.state, row.lease_until) == ("active", NOW + timedelta(seconds=LEASE))


async def test_nothing_is_asked_again_while_the_lease_is_young(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    s.advance_to(NOW + timedelta(seconds=LEASE * 0.8))
    await s.run()
    assert len(s.hub.requests) == 1


async def test_a_lease_is_renewed_before_it_ends(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    renewal = NOW + timedelta(seconds=LEASE * 0.86)  # less than 15% of the lease left
    s.advance_to(renewal)
    await s.run()
    await s.verified(2)
    assert len(s.hub.requests) == 2
    row = s.row()
    assert (row.state, row.lease_until) == ("active", renewal + timedelta(seconds=LEASE))


async def test_a_feed_an_operator_removed_is_unsubscribed_at_its_hub(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    with s.db.session() as session:
        session.get_one(Feed, 1).active = False
    report = await s.run()
    await s.verified(2)
    assert (report.unsubscribed, s.hub.requests[-1]["hub.mode"]) == (1, "unsubscribe")
    assert s.hub.verifications[-1] == ("unsubscribe", 200, True)
    assert s.row().state == "unsubscribed"


async def test_a_chat_feed_no_chat_follows_is_unsubscribed_at_its_hub(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    with s.db.session() as session:
        session.get_one(Feed, 1).public = False  # a chat's feed, and no chat follows it
    report = await s.run()  # (the hub, on 127.0.0.1, is not contacted for a chat's feed)
    assert (report.unsubscribed, s.row().state) == (1, "unsubscribed")


async def test_a_feed_still_needed_is_not_unsubscribed(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    report = await s.run()
    assert (report.unsubscribed, s.row().state) == (0, "active")


async def test_a_hub_that_stops_answering_sends_the_feed_back_to_polling(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    s.hub.go_down()
    s.advance_to(NOW + timedelta(seconds=LEASE * 0.9))
    report = await s.run()
    assert (report.failed, s.row().state) == (1, "active")  # still pushed while the lease lasts
    s.advance_to(NOW + timedelta(seconds=LEASE))
    report = await s.run()
    assert report.given_up == 1
    row = s.row()
    assert row.state == "failed"
    assert row.last_error == "the lease ended before the hub confirmed a renewal"


@pytest.mark.parametrize("setup", [{"max_failures": 1, "verify_timeout": 60}], indirect=True)
async def test_a_hub_that_stops_confirming_sends_the_feed_back_to_polling(s: Setup) -> None:
    await s.run()
    await s.verified(1)
    s.hub.go_silent()  # takes the renewal (202) and never verifies it
    renewal = NOW + timedelta(seconds=LEASE * 0.86)
    s.advance_to(renewal)
    assert (await s.run()).requested == 1
    s.advance_to(renewal + timedelta(seconds=59))
    await s.run()
    assert s.row().state == "active"
    s.advance_to(renewal + timedelta(seconds=60))
    report = await s.run()
    assert (report.failed, report.given_up) == (1, 1)
    row = s.row()
    assert (row.state, row.last_error) == ("failed", "the hub did not verify in time")


@pytest.mark.parametrize("setup", [{"max_failures": 3}], indirect=True)
async def test_a_refusing_hub_is_retried_with_backoff_then_given_up(s: Setup) -> None:
    s.hub.go_down()
    await s.run()
    row = s.row()
    assert (row.state, row.failures, row.last_error) == (
        "requested",
        1,
        "hub: HTTP 503 hub unavailable",
    )
    s.advance_to(NOW + timedelta(seconds=59))
    await s.run()
    assert len(s.hub.requests) == 1  # backing off
    s.advance_to(NOW + timedelta(seconds=60))
    await s.run()
    s.advance_to(NOW + timedelta(seconds=60 + 120))
    report = await s.run()
    assert len(s.hub.requests) == 3
    assert report.given_up == 1
    assert s.row().state == "failed"
    s.advance_to(NOW + timedelta(days=1))
    await s.run()
    assert len(s.hub.requests) == 3  # a failed subscription is left to polling


async def test_a_hub_that_denies_sends_the_feed_back_to_polling(s: Setup) -> None:
    s.hub.deny()
    await s.run()
    await s.verified(1)
    assert s.hub.verifications == [("denied", 200, False)]
    assert s.row().state == "failed"


@pytest.fixture
def s(setup: Setup) -> Setup:
    return setup


async def test_a_chat_feeds_hub_on_a_private_address_is_not_contacted(
    db: Database, hub: FakeHub
) -> None:
    """A hub URL is as trusted as the feed naming it: a chat's feed is a user-given link."""
    feed_id = add_subscription(db, TOPIC, hub_url=hub.url, public=False)
    with db.session() as session:  # a chat follows it
        session.add(Chat(id=7, created_at=NOW, digest_enabled=False))
        session.flush()
        session.add(ChatSource(chat_id=7, feed_id=feed_id, created_at=NOW))
    port = free_port()
    settings = Settings(
        health_port=port,
        websub=WebSubSettings(public_url=f"http://127.0.0.1:{port}/websub"),
        telegram=TelegramSettings(allow_private_urls=False),
    )
    fetcher = Fetcher()
    try:
        report = await Subscriber(db, fetcher, settings, FrozenClock(NOW)).run_once()
    finally:
        await fetcher.aclose()
    assert report.failed == 1
    assert hub.requests == []
    with db.session() as session:
        row = session.get_one(WebSubSubscription, 1)
        assert row.last_error == "hub: 127.0.0.1 is not a public address"


def subscription(**fields: Any) -> WebSubSubscription:
    values: dict[str, Any] = {
        "feed_id": 1,
        "hub_url": "https://hub.example/",
        "topic_url": TOPIC,
        "token": "t",
        "secret": "s",
        "state": "active",
        "failures": 0,
        "requested_at": NOW,
        "verified_at": NOW,
        "lease_until": NOW + timedelta(seconds=LEASE),
    } | fields
    return WebSubSubscription(**values)


OPTIONS = WebSubSettings(public_url="https://bot.example/websub", lease_seconds=LEASE)


@pytest.mark.parametrize(
    ("fields", "after", "step"),
    [
        ({"state": "requested", "requested_at": None, "verified_at": None}, 0, "subscribe"),
        ({}, LEASE * 0.84, "wait"),
        ({}, LEASE * 0.85, "renew"),
        ({}, LEASE, "expired"),
        ({"state": "failed"}, LEASE * 2, "wait"),
        ({"state": "unsubscribed"}, 0, "wait"),
        ({"state": "requested", "verified_at": None}, 599, "wait"),
        ({"state": "requested", "verified_at": None}, 600, "unverified"),
        (
            {"state": "requested", "verified_at": None, "last_error": "x", "failures": 2},
            119,
            "wait",
        ),
        (
            {"state": "requested", "verified_at": None, "last_error": "x", "failures": 2},
            120,
            "subscribe",
        ),
    ],
)
def test_the_step_a_subscription_needs(fields: dict[str, Any], after: float, step: str) -> None:
    assert next_step(subscription(**fields), NOW + timedelta(seconds=after), OPTIONS) == step
