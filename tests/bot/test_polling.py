"""When each feed is polled: configured feeds in the table, one worker per feed through claims
with a lease, and after a poll its bookkeeping (validators kept, failures backed off, a feed that
keeps failing paused); then the adaptive schedule through the real pipeline (what a feed
publishes and what its publisher says decide its next poll)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.fetch import FetchResult
from bot.parse import ParsedFeed
from bot.polling import claim_feeds, pushed_among, record_failure, record_success, sync_feeds
from bot.schedule import MEDIAN_STEP
from bot.services import Services
from bot.settings import FeedConfig, PollSettings, Settings
from bot.store import Database, Feed, WebSubSubscription
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route
from tests.fakes.feeds import make_feed as make_rss

URL = "https://planet.example/rss"
POLL = PollSettings(backoff_max=3600, disable_after=5)


def make_feed(
    db: Database,
    url: str = URL,
    *,
    due: datetime | None = NOW,
    interval: int = 60,
    **fields: object,
) -> int:
    with db.session() as session:
        feed = Feed(url=url, name="Planet", interval=interval, next_poll_at=due, created_at=NOW)
        for name, value in fields.items():
            setattr(feed, name, value)
        session.add(feed)
        session.flush()
        return feed.id


def feed_row(db: Database, feed_id: int) -> Feed:
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return feed


def all_feeds(db: Database) -> list[Feed]:
    with db.session() as session:
        return list(session.scalars(select(Feed).order_by(Feed.id)))


# --- the configured feeds ------------------------------------------------------------------------


def test_configured_feeds_are_stored_and_due_at_once(db: Database) -> None:
    ids = sync_feeds(
        db,
        [FeedConfig(url=URL, name="Planet", interval=120), FeedConfig(url="/srv/local.xml")],
        NOW,
    )
    feeds = all_feeds(db)
    assert [f.id for f in feeds] == ids
    assert [(f.url, f.name, f.interval, f.next_poll_at) for f in feeds] == [
        (URL, "Planet", 120, NOW),
        ("/srv/local.xml", None, 900, NOW),
    ]


def test_syncing_again_renames_and_retimes_a_feed_without_adding_one(db: Database) -> None:
    [first] = sync_feeds(db, [FeedConfig(url=URL, name="Planet", interval=120)], NOW)
    later = NOW + timedelta(days=1)
    [again] = sync_feeds(db, [FeedConfig(url=URL, name="Daily Planet", interval=300)], later)
    assert again == first
    [feed] = all_feeds(db)
    assert (feed.name, feed.interval, feed.next_poll_at) == ("Daily Planet", 300, NOW)


def test_feeds_operators_added_stay_when_the_config_does_not_list_them(db: Database) -> None:
    make_feed(db, "https://gazette.example/rss")
    sync_feeds(db, [FeedConfig(url=URL)], NOW)
    assert [(f.url, f.active) for f in all_feeds(db)] == [
        ("https://gazette.example/rss", True),
        (URL, True),
    ]


# --- claims --------------------------------------------------------------------------------------


def test_a_due_feed_is_claimed_by_the_worker_for_the_lease(db: Database) -> None:
    feed = make_feed(db)
    assert claim_feeds(db, NOW, "worker-1", 300) == [feed]
    row = feed_row(db, feed)
    assert (row.claimed_by, row.claimed_until) == ("worker-1", NOW + timedelta(seconds=300))


def test_a_feed_not_due_yet_is_not_claimed(db: Database) -> None:
    make_feed(db, due=NOW + timedelta(seconds=1))
    assert claim_feeds(db, NOW, "worker-1", 300) == []


def test_a_feed_never_polled_is_due(db: Database) -> None:
    feed = make_feed(db, due=None)
    assert claim_feeds(db, NOW, "worker-1", 300) == [feed]


def test_every_feed_is_claimed_when_not_only_the_due_ones_are_asked_for(db: Database) -> None:
    later = make_feed(db, due=NOW + timedelta(hours=1))
    assert claim_feeds(db, NOW, "worker-1", 300, due_only=False) == [later]


def test_the_feeds_longest_due_are_claimed_first(db: Database) -> None:
    recent = make_feed(db, "https://a.example/rss", due=NOW - timedelta(minutes=1))
    oldest = make_feed(db, "https://b.example/rss", due=NOW - timedelta(minutes=10))
    assert claim_feeds(db, NOW, "worker-1", 300) == [oldest, recent]


def test_a_paused_feed_is_never_claimed(db: Database) -> None:
    make_feed(db, active=False)
    assert claim_feeds(db, NOW, "worker-1", 300, due_only=False) == []


def test_a_feed_is_skipped_while_another_workers_lease_holds(db: Database) -> None:
    feed = make_feed(db)
    claim_feeds(db, NOW, "worker-1", 300)
    assert claim_feeds(db, NOW + timedelta(seconds=299), "worker-2", 300) == []
    assert feed_row(db, feed).claimed_by == "worker-1"


def test_a_feed_whose_lease_ran_out_is_claimed_again(db: Database) -> None:
    feed = make_feed(db)
    claim_feeds(db, NOW, "worker-1", 300)
    assert claim_feeds(db, NOW + timedelta(seconds=301), "worker-2", 300) == [feed]
    assert feed_row(db, feed).claimed_by == "worker-2"


def test_a_feed_locked_by_another_workers_claim_is_skipped_not_waited_for(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE SKIP LOCKED) are PostgreSQL's")
    locked = make_feed(db, "https://a.example/rss")
    free = make_feed(db, "https://b.example/rss")
    with db.engine.connect() as other:  # another worker, between its SELECT and its COMMIT
        other.execute(text("SET lock_timeout = '5s'"))
        other.execute(text("SELECT id FROM feeds WHERE id = :id FOR UPDATE"), {"id": locked})
        assert claim_feeds(db, NOW, "worker-2", 300) == [free]
        other.rollback()


# --- after a poll --------------------------------------------------------------------------------


def test_a_success_forgets_the_failures_and_the_claim(db: Database) -> None:
    feed = make_feed(db, failures=3, last_error="HTTP 503", claimed_by="worker-1")
    with db.session() as session:
        row = session.get(Feed, feed)
        assert row is not None
        record_success(row, FetchResult(URL, status=200, body=b"<rss/>"), NOW)
    row = feed_row(db, feed)
    assert (row.failures, row.last_error, row.claimed_by, row.claimed_until) == (
        0,
        None,
        None,
        None,
    )
    assert (row.last_polled_at, row.last_success_at) == (NOW, NOW)


def test_after_a_success_the_feed_is_due_after_its_interval(db: Database) -> None:
    feed = make_feed(db, interval=600)
    with db.session() as session:
        row = session.get(Feed, feed)
        assert row is not None
        record_success(row, FetchResult(URL, status=200, body=b"<rss/>"), NOW)
    assert feed_row(db, feed).next_poll_at == NOW + timedelta(seconds=600)


def succeed(db: Database, feed_id: int, result: FetchResult) -> Feed:
    with db.session() as session:
        row = session.get(Feed, feed_id)
        assert row is not None
        record_success(row, result, NOW)
    return feed_row(db, feed_id)


def test_a_new_answer_brings_its_own_validators(db: Database) -> None:
    feed = make_feed(db, etag='"v1"', last_modified="Sat, 20 Dec 2025 10:00:00 GMT")
    answer = FetchResult(URL, status=200, body=b"<rss/>", etag='"v2"', last_modified=None)
    row = succeed(db, feed, answer)
    assert (row.etag, row.last_modified) == ('"v2"', None)


def test_a_304_keeps_the_validators_the_feed_had(db: Database) -> None:
    modified = "Sat, 20 Dec 2025 10:00:00 GMT"
    feed = make_feed(db, etag='"v1"', last_modified=modified)
    row = succeed(db, feed, FetchResult(URL, status=304))
    assert (row.etag, row.last_modified) == ('"v1"', modified)


def fail(db: Database, feed_id: int, times: int = 1, poll: PollSettings = POLL) -> list[float]:
    """Fail the feed's polls; returns each wait until its next poll, in seconds."""
    waits = []
    for _ in range(times):
        record_failure(db, feed_id, "HTTP 503", NOW, poll)
        next_poll = feed_row(db, feed_id).next_poll_at
        assert next_poll is not None
        waits.append((next_poll - NOW).total_seconds())
    return waits


def test_each_failure_in_a_row_doubles_the_wait(db: Database) -> None:
    assert fail(db, make_feed(db, interval=60), times=4) == [60, 120, 240, 480]


def test_the_wait_never_grows_past_the_longest_backoff(db: Database) -> None:
    assert fail(db, make_feed(db, interval=600), times=4) == [600, 1200, 2400, 3600]


def test_the_wait_is_never_shorter_than_the_feeds_interval(db: Database) -> None:
    short_backoff = PollSettings(backoff_max=60, disable_after=50)
    assert fail(db, make_feed(db, interval=900), times=2, poll=short_backoff) == [900, 900]


def test_a_failure_is_recorded_with_its_reason_and_the_claim_released(db: Database) -> None:
    feed = make_feed(db, claimed_by="worker-1", claimed_until=NOW + timedelta(minutes=5))
    record_failure(db, feed, "HTTP 503", NOW, POLL)
    row = feed_row(db, feed)
    assert (row.failures, row.last_error, row.last_polled_at) == (1, "HTTP 503", NOW)
    assert (row.claimed_by, row.claimed_until, row.last_success_at) == (None, None, None)


def test_a_long_reason_is_cut_to_fit(db: Database) -> None:
    feed = make_feed(db)
    record_failure(db, feed, "x" * 10_000, NOW, POLL)
    assert feed_row(db, feed).last_error == "x" * 2000


def test_a_feed_is_paused_after_disable_after_failures_in_a_row(db: Database) -> None:
    feed = make_feed(db)
    fail(db, feed, times=POLL.disable_after - 1)
    assert feed_row(db, feed).active
    fail(db, feed)
    assert not feed_row(db, feed).active
    assert claim_feeds(db, NOW + timedelta(days=1), "worker-1", 300) == []


def test_one_success_brings_a_failing_feed_back_to_its_interval(db: Database) -> None:
    feed = make_feed(db, interval=60)
    fail(db, feed, times=3)
    row = succeed(db, feed, FetchResult(URL, status=200, body=b"<rss/>"))
    assert (row.failures, row.next_poll_at) == (0, NOW + timedelta(seconds=60))
    assert fail(db, feed) == [60]


def test_a_search_feed_waits_its_sources_interval_however_much_it_finds(db: Database) -> None:
    feed = make_feed(db, interval=900, search_source="News search")
    busy = [NOW - timedelta(minutes=i) for i in range(20)]  # an entry a minute
    with db.session() as session:
        row = session.get(Feed, feed)
        assert row is not None
        read = ParsedFeed(title="Search", language="en", entries=())
        record_success(
            row,
            FetchResult(URL, status=200, body=b"<rss/>"),
            NOW,
            POLL,
            parsed=read,
            published=busy,
        )
    assert feed_row(db, feed).next_poll_at == NOW + timedelta(seconds=900)


def test_only_feeds_with_an_active_subscription_count_as_pushed(db: Database) -> None:
    feeds = [make_feed(db, f"https://outlet.example/{n}.xml") for n in range(3)]
    with db.session() as session:
        for feed, state in zip(feeds, ["active", "failed"], strict=False):
            session.add(
                WebSubSubscription(
                    feed_id=feed,
                    hub_url="https://hub.example/",
                    topic_url=f"https://outlet.example/{feed}",
                    token=f"t{feed}",
                    secret="s",
                    state=state,
                )
            )
    assert pushed_among(db, feeds) == {feeds[0]}


def test_a_failure_of_a_feed_since_deleted_is_ignored(db: Database) -> None:
    record_failure(db, 4242, "HTTP 503", NOW, POLL)
    assert all_feeds(db) == []


# --- the schedule, through the real pipeline -----------------------------------------------------
# A feed server on 127.0.0.1, the real Fetcher and Pipeline, a clock that moves only when told.


@pytest.fixture
async def world(database_url: str, feed_server: FeedServer, tmp_path: Path) -> AsyncIterator[World]:
    made = World(database_url, feed_server, tmp_path, FrozenClock(NOW))
    yield made
    await made.close()


@dataclass
class World:
    database_url: str
    server: FeedServer
    tmp_path: Path
    clock: FrozenClock
    services: Services | None = None

    def start(self, *routes: tuple[str, Route], **poll: Any) -> Services:
        feeds = [FeedConfig(url=self.server.route(path, r), name=path) for path, r in routes]
        settings = Settings(
            database_url=self.database_url,
            data_dir=self.tmp_path,
            feeds=feeds,
            poll={"fetch_pages": False} | poll,
        )
        self.services = Services.build(settings, ConsoleChannel(), clock=self.clock)
        return self.services

    def feed(self, path: str) -> Feed:
        assert self.services is not None
        with self.services.db.session() as session:
            feed = session.scalars(select(Feed).where(Feed.url == self.server.url(path))).one()
            session.expunge(feed)
            return feed

    def wait(self, path: str) -> float:
        """Seconds from now until the feed's next poll."""
        due = self.feed(path).next_poll_at
        assert due is not None
        return (due - self.clock.now()).total_seconds()

    async def close(self) -> None:
        if self.services is not None:
            await self.services.aclose()


def rss(
    every: timedelta, count: int = 12, *, until: datetime = NOW, ttl: int | None = None
) -> bytes:
    """A feed whose `count` entries were published `every` apart, the last at `until`."""
    entries = [
        {
            "guid": f"{until.isoformat()}-{i}",
            "title": f"Story {i}",
            "link": f"https://outlet.example/{until:%H%M}/{i}",
            "description": "A short item.",
            "published": until - every * i,
        }
        for i in range(count)
    ]
    body = make_rss(entries)
    if ttl is not None:
        body = body.replace(b"<description>test</description>", f"<ttl>{ttl}</ttl>".encode(), 1)
    return body


def subscribe_websub(world: World, path: str, state: str) -> None:
    assert world.services is not None
    feed_id = world.feed(path).id
    with world.services.db.session() as session:
        session.add(
            WebSubSubscription(
                feed_id=feed_id,
                hub_url="https://hub.example/",
                topic_url=world.server.url(path),
                token=f"token-{feed_id}",
                secret="s3cret",
                state=state,
            )
        )


async def test_a_feed_publishing_every_5_minutes_is_polled_more_often_than_a_daily_one(
    world: World,
) -> None:
    services = world.start(
        ("/wire.xml", Route(rss(timedelta(minutes=5)))),
        ("/daily.xml", Route(rss(timedelta(days=1)))),
    )
    await services.pipeline.poll_all()
    assert (world.wait("/wire.xml"), world.wait("/daily.xml")) == (60, 0.125 * 86400)
    assert (world.feed("/wire.xml").median_gap, world.feed("/daily.xml").median_gap) == (
        300,
        86400,
    )
    world.clock.advance(seconds=60)
    polled = [report.feed for report in await services.pipeline.poll_due()]
    assert polled == ["/wire.xml"]


async def test_the_feeds_share_the_daily_budget_once_their_gaps_are_learned(world: World) -> None:
    services = world.start(
        ("/wire.xml", Route(rss(timedelta(minutes=5)))),
        ("/daily.xml", Route(rss(timedelta(days=1)))),
    )
    await services.pipeline.poll_all()  # the gaps are learned
    world.clock.advance(seconds=60)
    await services.pipeline.poll_all()  # the budget's scale is computed, the intervals follow it
    wire, daily = (
        world.feed("/wire.xml").current_interval,
        world.feed("/daily.xml").current_interval,
    )
    assert wire is not None and daily is not None and wire < daily
    assert 0.99 * 2 * 96 <= 86400 / wire + 86400 / daily <= 2 * 96  # two feeds at 900 s


async def test_the_interval_chosen_is_stored_with_the_feed(world: World) -> None:
    services = world.start(("/hourly.xml", Route(rss(timedelta(hours=1)))))
    await services.pipeline.poll_all()
    feed = world.feed("/hourly.xml")
    assert (feed.interval, feed.current_interval) == (900, 450)


async def test_a_304_keeps_what_was_learned(world: World) -> None:
    hourly = Route(rss(timedelta(hours=1)), etag='"v1"')
    services = world.start(("/hourly.xml", hourly), budget_interval=0)  # the fraction rule
    await services.pipeline.poll_all()
    world.clock.advance(seconds=450)
    [report] = await services.pipeline.poll_due()
    assert report.outcome == "not_modified"
    feed = world.feed("/hourly.xml")
    assert (feed.median_gap, feed.current_interval) == (3600, 450)


async def test_a_new_entry_after_a_quiet_spell_is_learned_from_its_publication_time(
    world: World,
) -> None:
    services = world.start(("/hourly.xml", Route(rss(timedelta(hours=1)))))
    await services.pipeline.poll_all()
    world.clock.advance(hours=3)
    later = world.clock.now()
    world.server.route("/hourly.xml", Route(rss(timedelta(hours=3), count=1, until=later)))
    await services.pipeline.poll_due()
    assert world.feed("/hourly.xml").median_gap == pytest.approx(3600 * math.exp(MEDIAN_STEP))


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_from_a_busy_publisher_is_honoured(world: World, status: int) -> None:
    busy = Route(b"busy", status=status, headers={"Retry-After": "5400"})
    services = world.start(("/busy.xml", busy))
    [report] = await services.pipeline.poll_all()
    assert report.outcome == "failed"
    assert (world.wait("/busy.xml"), world.feed("/busy.xml").failures) == (5400, 1)


async def test_a_busy_publisher_that_keeps_refusing_is_backed_off(world: World) -> None:
    services = world.start(("/busy.xml", Route(b"busy", status=503)))
    waits = []
    for _ in range(3):
        await services.pipeline.poll_all()
        waits.append(world.wait("/busy.xml"))
    assert waits == [900, 1800, 3600]


async def test_max_age_is_honoured_on_new_content_and_on_a_304(world: World) -> None:
    cached = Route(rss(timedelta(minutes=5)), etag='"v1"', headers={"Cache-Control": "max-age=600"})
    services = world.start(("/cached.xml", cached), budget_interval=0)  # max-age above the rule
    await services.pipeline.poll_all()
    assert world.wait("/cached.xml") == 600
    world.clock.advance(seconds=600)
    [report] = await services.pipeline.poll_due()
    assert (report.outcome, world.wait("/cached.xml")) == ("not_modified", 600)


async def test_the_feeds_ttl_is_honoured_and_remembered(world: World) -> None:
    services = world.start(("/ttl.xml", Route(rss(timedelta(minutes=5), ttl=20), etag='"v1"')))
    await services.pipeline.poll_all()
    assert (world.wait("/ttl.xml"), world.feed("/ttl.xml").publisher_hint) == (1200, 1200)
    world.clock.advance(seconds=1200)
    [report] = await services.pipeline.poll_due()
    assert (report.outcome, world.wait("/ttl.xml")) == ("not_modified", 1200)


async def test_a_feed_a_hub_pushes_is_polled_at_the_safety_interval(world: World) -> None:
    services = world.start(("/pushed.xml", Route(rss(timedelta(minutes=5)))))
    subscribe_websub(world, "/pushed.xml", "active")
    await services.pipeline.poll_all()
    assert world.wait("/pushed.xml") == services.settings.poll.pushed_interval


async def test_a_feed_whose_hub_failed_is_polled_at_its_adaptive_interval(world: World) -> None:
    services = world.start(("/pushed.xml", Route(rss(timedelta(minutes=5)))))
    subscribe_websub(world, "/pushed.xml", "failed")
    await services.pipeline.poll_all()
    assert world.wait("/pushed.xml") == 60
