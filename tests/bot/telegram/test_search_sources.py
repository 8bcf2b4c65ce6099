"""Search sources through the real client: one search feed per distinct query, polled once for
every chat that holds it, its entries credited to their own outlets."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.settings import SearchSourceConfig
from bot.store import Feed
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed
from tests.fakes.harness import Harness, running_bot
from tests.fakes.stories import CEASEFIRE, item

ALICE = 1001
BOB = 1002


@pytest.fixture
async def searching_bot(
    tmp_path: Path, feed_server: FeedServer, migrated_sqlite: Path
) -> AsyncIterator[Harness]:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    source = SearchSourceConfig(
        name="News search", url=feed_server.url("/search?q={query}&hl={lang}"), per_minute=10
    )
    async with running_bot(
        tmp_path, feed_server, database_url=f"sqlite:///{database}", search_sources=[source]
    ) as harness:
        yield harness


def results(*entries: dict[str, object]) -> Route:
    return Route(make_feed(list(entries), title='"ceasefire" - News search'))


async def test_one_search_feed_is_polled_once_for_two_chats_with_the_same_query(
    searching_bot: Harness,
) -> None:
    h = searching_bot
    found = {**item("r1", "Ceasefire agreed - Reuters", CEASEFIRE, NOW), "source": "Reuters"}
    h.feeds.route("/search?q=ceasefire&hl=en", results(found))
    await h.say(ALICE, "/subscribe ceasefire")
    await h.say(BOB, "/subscribe Ceasefire")
    reports = await h.services.searches.poll_due()
    await h.services.outbox.run_once()
    assert [r.outcome for r in reports] == ["new"]
    assert len(h.feeds.hits("/search?q=ceasefire&hl=en")) == 1
    for chat in (ALICE, BOB):
        alert = await h.wait_for(chat, "Ceasefire agreed")
        assert "📰 Reuters" in alert["visible_text"]
        assert "News search" not in alert["visible_text"]
    with h.services.db.session() as session:
        [feed] = session.scalars(select(Feed).where(Feed.search_source.is_not(None))).all()
        assert feed.search_query == "ceasefire"
    # Polled again only once its interval is over, still once for both.
    assert await h.services.searches.poll_due() == []
    h.clock.advance(seconds=901)
    await h.services.searches.poll_due()
    assert len(h.feeds.hits("/search?q=ceasefire&hl=en")) == 2


async def test_a_query_is_url_encoded_into_the_template(searching_bot: Harness) -> None:
    h = searching_bot
    h.feeds.route("/search?q=%22peace+plan%22+OR+truce&hl=en", results())
    await h.say(ALICE, '/subscribe "peace plan" OR truce')
    await h.services.searches.poll_due()
    assert len(h.feeds.hits("/search?q=%22peace+plan%22+OR+truce&hl=en")) == 1


async def test_a_search_feed_is_not_polled_with_the_other_feeds(searching_bot: Harness) -> None:
    h = searching_bot
    h.feeds.route("/search?q=ceasefire&hl=en", results())
    await h.say(ALICE, "/subscribe ceasefire")
    await h.services.searches.poll_due()
    h.clock.advance(seconds=901)
    await h.poll()  # the ordinary poll of due feeds
    assert len(h.feeds.hits("/search?q=ceasefire&hl=en")) == 1
