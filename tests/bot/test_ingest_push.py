"""`Pipeline.push` (bot/ingest.py): content a WebSub hub pushes takes the poll's path from the
parse on, same dedupe, grouping and alerts, without touching the feed's poll schedule; and a
poll notes the hub a feed names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.services import Services
from bot.settings import FeedConfig, Settings, WebSubSettings
from bot.store import Article, Feed, Story, WebSubSubscription
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed
from tests.fakes.stories import CEASEFIRE, STORM, item

HUB = "https://hub.example/"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def services(
    database_url: str,
    feed_server: FeedServer,
    tmp_path: Path,
    clock: FrozenClock,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Services]:
    """One feed, /a.xml; WebSub on when the test is marked `websub`."""
    url = feed_server.route("/a.xml", Route(make_feed([])))
    websub = {}
    if getattr(request, "param", None) == "websub":
        websub = {"health_port": 0, "websub": WebSubSettings(public_url="https://bot.example/ws")}
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        feeds=[FeedConfig(url=url, name="Outlet", interval=600)],
        **websub,
    )
    services = Services.build(settings, ConsoleChannel(), clock=clock)
    yield services
    await services.aclose()


def count(services: Services, column: Any) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count(column))) or 0


def feed_row(services: Services) -> Feed:
    with services.db.session() as session:
        feed = session.get_one(Feed, 1)
        session.expunge(feed)
        return feed


async def test_pushed_entries_become_stories(services: Services) -> None:
    body = make_feed([item("p1", "Ceasefire agreed", CEASEFIRE, NOW)])
    report = await services.pipeline.push(1, body, "application/rss+xml")
    assert (report.outcome, report.new_articles, report.new_stories) == ("new", 1, 1)
    with services.db.session() as session:
        assert session.scalars(select(Story.title)).all() == ["Ceasefire agreed"]


async def test_an_entry_polled_before_is_not_stored_again_when_pushed(
    services: Services, feed_server: FeedServer
) -> None:
    entries = [item("p1", "Ceasefire agreed", CEASEFIRE, NOW)]
    feed_server.route("/a.xml", Route(make_feed(entries)))
    await services.pipeline.poll_all()
    pushed = make_feed([*entries, item("p2", "Storm hits the coast", STORM, NOW)])
    report = await services.pipeline.push(1, pushed, None)
    assert report.new_articles == 1
    assert count(services, Article.id) == 2


async def test_a_push_leaves_the_poll_schedule_alone(
    services: Services, clock: FrozenClock
) -> None:
    await services.pipeline.poll_all()
    before = feed_row(services)
    clock.advance(minutes=3)
    await services.pipeline.push(1, make_feed([item("p1", "Storm", STORM, NOW)]), None)
    after = feed_row(services)
    assert (after.next_poll_at, after.last_polled_at) == (
        before.next_poll_at,
        before.last_polled_at,
    )


async def test_an_unreadable_push_is_no_failure_of_the_feed(services: Services) -> None:
    report = await services.pipeline.push(1, b"\x00 not a feed", "text/plain")
    assert report.outcome == "failed"
    feed = feed_row(services)
    assert (feed.failures, feed.last_error) == (0, None)
    assert count(services, Article.id) == 0


async def test_a_push_for_an_unknown_feed_fails_quietly(services: Services) -> None:
    report = await services.pipeline.push(99, make_feed([]), None)
    assert (report.outcome, report.error) == ("failed", "no such feed")


def with_hub(feed_server: FeedServer) -> None:
    headers = {"Link": f'<{HUB}>; rel="hub"'}
    feed_server.route("/a.xml", Route(make_feed([]), headers=headers))


@pytest.mark.parametrize("services", ["websub"], indirect=True)
async def test_a_poll_notes_the_hub_a_feed_names_when_websub_is_on(
    services: Services, feed_server: FeedServer
) -> None:
    with_hub(feed_server)
    await services.pipeline.poll_all()
    with services.db.session() as session:
        row = session.get_one(WebSubSubscription, 1)
        assert (row.hub_url, row.topic_url, row.state) == (
            HUB,
            feed_server.url("/a.xml"),
            "requested",
        )


async def test_a_poll_ignores_hubs_when_websub_is_off(
    services: Services, feed_server: FeedServer
) -> None:
    with_hub(feed_server)
    await services.pipeline.poll_all()
    assert count(services, WebSubSubscription.feed_id) == 0
