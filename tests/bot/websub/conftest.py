"""The whole bot with WebSub on, beside a fake hub: feeds name the hub in their `Link` header,
the health port serves the callbacks, and the test drives polls and subscription passes."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import ScheduleSettings, WebSubSettings
from tests.fakes.feeds import FeedServer, Route, make_feed
from tests.fakes.harness import Harness, running_bot
from tests.fakes.websub_hub import FakeHub, free_port


@dataclass
class PushedBot:
    h: Harness
    hub: FakeHub
    topic: str  # the feed /one.xml, which names the hub

    def publish_feed(self, *items: dict[str, object]) -> None:
        """The feed holds `items` (what a poll would read), still naming the hub."""
        link = f'<{self.hub.url}>; rel="hub", <{self.topic}>; rel="self"'
        self.h.feeds.route("/one.xml", Route(make_feed(list(items)), headers={"Link": link}))


@pytest.fixture
async def pushed_bot(
    tmp_path: Path, feed_server: FeedServer, migrated_sqlite: Path, hub: FakeHub
) -> AsyncIterator[PushedBot]:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    port = free_port()
    websub = WebSubSettings(public_url=f"http://127.0.0.1:{port}/websub")
    schedule = ScheduleSettings(
        poll_interval=None, digest_interval=0.05, deliver_interval=0.05, websub_interval=None
    )
    async with running_bot(
        tmp_path,
        feed_server,
        database_url=f"sqlite:///{database}",
        health_port=port,
        websub=websub,
        schedule=schedule,
    ) as h:
        bot = PushedBot(h, hub, feed_server.url("/one.xml"))
        bot.publish_feed()
        yield bot
