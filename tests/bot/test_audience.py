"""Privacy of chats' own sources, through the real pipeline on SQLite and PostgreSQL: another chat
never sees a private feed's story, its name or its URL (alerts, "reported by", digests,
/latest, /test, /status, mute buttons), and a private feed is fetched like a user's link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.audience import Byline, followers, read_bylines
from bot.chat.prefs import Caller
from bot.chat.reports import latest, source_status
from bot.chat.sources import add_source, remove_source
from bot.chat.subscriptions import mute_source, subscribe, try_query
from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.digest import queue_digest
from bot.entries import Origin
from bot.parse import FeedEntry
from bot.services import Services
from bot.settings import DigestSettings, FeedConfig, Settings, TelegramSettings
from bot.store import Alert, Article, Chat, Feed, Outbox, Story
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed
from tests.fakes.outbox import render_drafts
from tests.fakes.stories import CEASEFIRE, item

FOLLOWER = 1001
OTHER = 1002
PUBLIC_TITLE = "Ceasefire agreed in Geneva"
PRIVATE_TITLE = "Ceasefire holds, the secret newsletter says"


def test_a_byline_shows_a_private_outlet_to_its_followers_only() -> None:
    byline = Byline((("Daily Planet", None), ("Secret Letter", 7)), {FOLLOWER: frozenset({7})})
    assert byline.for_chat(FOLLOWER) == ["Daily Planet", "Secret Letter"]
    assert byline.for_chat(OTHER) == ["Daily Planet"]
    assert byline.sees(FOLLOWER, 7) and not byline.sees(OTHER, 7)
    assert byline.sees(OTHER, 3)  # a public feed
    assert byline.names == ["Daily Planet", "Secret Letter"] and byline.private
    assert not Byline.of(["A", "A", "B"]).private and Byline.of(["A", "A"]).for_chat(1) == ["A"]


class World:
    """The bot's services on one public and one private feed of the local feed server."""

    def __init__(self, services: Services, server: FeedServer, clock: FrozenClock) -> None:
        self.services, self.server, self.clock = services, server, clock
        self.private_url = server.route("/letter.xml", Route(make_feed([], title="Secret Letter")))

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def follow(self, chat_id: int) -> None:
        with self.services.db.session() as session:
            add_source(
                session, Caller(chat_id), self.private_url, "Secret Letter", NOW, self.settings
            )

    def subscribe(self, chat_id: int, query: str = "ceasefire") -> None:
        with self.services.db.session() as session:
            subscribe(session, Caller(chat_id), query, NOW, self.settings)

    async def publish(self, path: str, guid: str, title: str) -> None:
        self.server.route(path, Route(make_feed([item(guid, title, CEASEFIRE, NOW)])))
        self.clock.advance(minutes=2)
        await self.services.pipeline.poll_due()

    def alerts(self, chat_id: int) -> list[str]:
        render_drafts(self.services.db)
        with self.services.db.session() as session:
            return list(
                session.scalars(
                    select(Outbox.text).where(Outbox.chat_id == chat_id).order_by(Outbox.id)
                )
            )


@pytest.fixture
async def world(database_url: str, feed_server: FeedServer, tmp_path: Path) -> AsyncIterator[World]:
    clock = FrozenClock(NOW)
    public = feed_server.route("/public.xml", Route(make_feed([], title="Daily Planet")))
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        feeds=[FeedConfig(url=public, name="Daily Planet", interval=60)],
        telegram=TelegramSettings(allow_private_urls=True),
    )
    services = Services.build(settings, ConsoleChannel(), clock=clock)
    yield World(services, feed_server, clock)
    await services.aclose()


async def test_a_private_feeds_story_is_alerted_to_its_followers_only(world: World) -> None:
    world.follow(FOLLOWER)
    world.subscribe(FOLLOWER)
    world.subscribe(OTHER)
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    [alert] = world.alerts(FOLLOWER)
    assert PRIVATE_TITLE in alert and "📰 Secret Letter" in alert
    assert world.alerts(OTHER) == []


@pytest.mark.parametrize("path", ["/letter.xml", "/public.xml"])
async def test_a_new_storys_byline_as_ingest_makes_it_is_the_one_read_back(
    world: World, path: str
) -> None:
    world.follow(FOLLOWER)
    await world.publish(path, "s1", PRIVATE_TITLE)
    with world.services.db.session() as session:
        story, source, feed = session.execute(
            select(Story, Article.source, Feed).join(Article.story).join(Article.feed)
        ).one()
        audience = None if feed.public else followers(session, feed.id)
        made = Byline.first_report(source, feed.id, feed.public, audience)
        assert made == read_bylines(session, [story.id])[story.id]
        assert made.for_chat(FOLLOWER) == [source]
        assert made.for_chat(OTHER) == ([] if path == "/letter.xml" else [source])


async def test_a_public_article_makes_the_story_public_without_the_private_outlet(
    world: World,
) -> None:
    world.follow(FOLLOWER)
    world.subscribe(FOLLOWER)
    world.subscribe(OTHER)
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    await world.publish("/public.xml", "p1", PUBLIC_TITLE)
    [theirs] = world.alerts(OTHER)
    assert PUBLIC_TITLE in theirs and "📰 Daily Planet" in theirs
    assert "Secret Letter" not in theirs and "letter.xml" not in theirs and "secret" not in theirs
    with world.services.db.session() as session:
        story = session.scalars(select(Story)).one()
        assert story.title == PUBLIC_TITLE and story.source_count == 2
        bylines = read_bylines(session, [story.id])
        assert bylines[story.id].for_chat(FOLLOWER) == ["Secret Letter", "Daily Planet"]
        assert bylines[story.id].for_chat(OTHER) == ["Daily Planet"]


async def test_a_private_article_joining_a_public_story_changes_nothing_for_others(
    world: World,
) -> None:
    world.follow(FOLLOWER)
    world.subscribe(OTHER)
    await world.publish("/public.xml", "p1", PUBLIC_TITLE)
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    [theirs] = world.alerts(OTHER)  # no edit, no follow-up naming the private outlet
    assert "Secret Letter" not in theirs


async def test_digests_latest_and_test_leave_private_stories_to_their_followers(
    world: World,
) -> None:
    world.follow(FOLLOWER)
    world.subscribe(FOLLOWER)
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    settings = DigestSettings(top_stories=5)
    with world.services.db.session() as session:
        for chat_id in (FOLLOWER, OTHER):
            chat = session.get(Chat, chat_id) or Chat(id=chat_id, created_at=NOW)
            session.add(chat)
            session.flush()
            queue_digest(session, chat, world.clock.now(), settings)
        assert [i.title for i in latest(session, 5, FOLLOWER)] == [PRIVATE_TITLE]
        assert latest(session, 5, OTHER) == [] and latest(session, 5) == []
        assert try_query("ceasefire", session, NOW, world.settings, FOLLOWER).backfill.count == 1
        assert try_query("ceasefire", session, NOW, world.settings, OTHER).backfill.count == 0
    digests = {chat: "".join(world.alerts(chat)) for chat in (FOLLOWER, OTHER)}
    assert PRIVATE_TITLE in digests[FOLLOWER]
    assert PRIVATE_TITLE not in digests[OTHER] and "Secret Letter" not in digests[OTHER]


async def test_status_and_mute_buttons_never_name_another_chats_private_feed(
    world: World,
) -> None:
    world.follow(FOLLOWER)
    world.subscribe(OTHER)
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    await world.publish("/public.xml", "p1", PUBLIC_TITLE)
    with world.services.db.session() as session:
        private = session.scalar(select(Feed.id).where(Feed.public.is_(False)))
        assert private is not None
        assert [s.name for s in source_status(session, OTHER, world.clock.now())] == [
            "Daily Planet"
        ]
        assert mute_source(session, OTHER, private, 7, NOW) is None  # a forged button
        assert mute_source(session, FOLLOWER, private, 7, NOW) == "Secret Letter"


async def test_a_private_feed_nobody_follows_any_more_is_not_polled(world: World) -> None:
    world.follow(FOLLOWER)
    await world.services.pipeline.poll_due()
    polled = len(world.server.hits("/letter.xml"))
    with world.services.db.session() as session:
        remove_source(session, Caller(FOLLOWER), "1", NOW, world.settings)
    world.clock.advance(hours=1)
    await world.services.pipeline.poll_due()
    assert len(world.server.hits("/letter.xml")) == polled
    assert len(world.server.hits("/public.xml")) == 2


async def test_a_private_feed_and_its_pages_are_fetched_like_a_users_link(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    teaser = {**item("t1", "Ceasefire teaser", "Short teaser.", NOW)}
    teaser["link"] = feed_server.url("/article.html")
    url = feed_server.route("/letter.xml", Route(make_feed([teaser])))
    feed_server.route("/article.html", Route(b"<html></html>", content_type="text/html"))
    settings = Settings(database_url=database_url, data_dir=tmp_path)  # private URLs refused
    services = Services.build(settings, ConsoleChannel(), clock=FrozenClock(NOW))
    try:
        with services.db.session() as session:
            add_source(session, Caller(FOLLOWER), url, "Letter", NOW, settings)
        [report] = await services.pipeline.poll_due()
        assert report.outcome == "failed" and "is not a public address" in (report.error or "")
        assert feed_server.hits("/letter.xml") == []
        # The reader's page fetch of a private feed's teaser is held to the same rule.
        entry = FeedEntry(
            "t1", str(teaser["link"]), "Ceasefire teaser", "<p>Short teaser.</p>", "", NOW
        )
        candidate = await services.pipeline.reader.prepare(entry, None, Origin(public=False))
        assert candidate.title == "Ceasefire teaser" and feed_server.hits("/article.html") == []
        await services.pipeline.reader.prepare(entry, None, Origin(public=True))
        assert len(feed_server.hits("/article.html")) == 1  # an operator's feed may link anywhere
    finally:
        await services.aclose()


async def test_alerts_of_followers_count_only_what_they_may_see_for_min_sources(
    world: World,
) -> None:
    world.follow(FOLLOWER)
    world.subscribe(OTHER, "ceasefire --min-sources 2")
    await world.publish("/letter.xml", "s1", PRIVATE_TITLE)
    await world.publish("/public.xml", "p1", PUBLIC_TITLE)
    with world.services.db.session() as session:
        assert session.scalars(select(Alert).where(Alert.chat_id == OTHER)).all() == []
