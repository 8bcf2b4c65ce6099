"""A chat's own sources as a service: one private feed however many chats add it, a limit per
chat, removal by number or URL, the Undo button, and an OPML export."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from bot.chat.prefs import Caller
from bot.chat.sources import (
    PreviewItem,
    add_source,
    followed_urls,
    list_sources,
    preview_of,
    remove_source,
    sources_opml,
    undo_source,
)
from bot.discover import Discovery
from bot.errors import ChatError
from bot.opml import read_opml
from bot.parse import FeedEntry, ParsedFeed
from bot.settings import Settings, SourceSettings
from bot.store import ChatSource, Database, Feed
from tests.fakes import NOW

if TYPE_CHECKING:
    from tests.bot.chat.conftest import Newsroom

ALICE, BOB = Caller(1001), Caller(1002)
BLOG = "https://blog.example/feed.xml"
NEWS = "https://news.example/rss"


def test_a_new_source_is_a_private_feed_due_at_once(db: Database, settings: Settings) -> None:
    with db.session() as session:
        added = add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        assert added.created and added.source.number == 1 and not added.source.public
        feed = session.get(Feed, added.source.feed_id)
        assert feed is not None and feed.name == "Quiet Blog" and feed.next_poll_at == NOW


def test_a_feed_many_chats_add_is_one_row(db: Database, settings: Settings) -> None:
    with db.session() as session:
        for chat in range(2000, 2050):
            add_source(session, Caller(chat), BLOG, "Quiet Blog", NOW, settings)
    with db.session() as session:
        assert session.scalar(select(func.count(Feed.id))) == 1
        assert session.scalar(select(func.count(ChatSource.id))) == 50


def test_adding_the_same_source_again_changes_nothing(db: Database, settings: Settings) -> None:
    with db.session() as session:
        add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        again = add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        assert not again.created and again.source.number == 1
        assert len(list_sources(session, ALICE.chat_id)) == 1


def test_a_chat_may_add_at_most_its_limit(db: Database) -> None:
    settings = Settings(sources=SourceSettings(max_per_chat=2))
    with db.session() as session:
        add_source(session, ALICE, BLOG, None, NOW, settings)
        add_source(session, ALICE, NEWS, None, NOW, settings)
        with pytest.raises(ChatError, match=r"already has 2 sources, the most allowed \(2\)"):
            add_source(session, ALICE, "https://third.example/rss", None, NOW, settings)


def test_an_operators_feed_added_by_a_chat_stays_public(
    db: Database, settings: Settings, newsroom: Newsroom
) -> None:
    newsroom.feed("Daily Planet", url=NEWS)
    with db.session() as session:
        added = add_source(session, ALICE, NEWS, "Planet", NOW, settings)
        assert added.source.public and added.source.name == "Daily Planet"


def test_removing_by_number_or_url_and_the_undo_button(db: Database, settings: Settings) -> None:
    with db.session() as session:
        blog = add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        add_source(session, ALICE, NEWS, "News", NOW, settings)
        add_source(session, BOB, BLOG, "Quiet Blog", NOW, settings)
        assert undo_source(session, ALICE.chat_id, 999) is None
        removed = remove_source(session, ALICE, NEWS, NOW, settings)
        assert removed is not None and removed.name == "News"
        assert remove_source(session, ALICE, "7", NOW, settings) is None
        undone = undo_source(session, ALICE.chat_id, blog.source.feed_id)
        assert undone is not None and undone.url == BLOG
        assert list_sources(session, ALICE.chat_id) == []
        assert followed_urls(session, BOB.chat_id) == {BLOG}  # Bob's link is his own


def test_a_feed_left_by_everyone_starts_afresh_when_added_again(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        added = add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        feed = session.get(Feed, added.source.feed_id)
        assert feed is not None
        feed.failures, feed.active = 50, False
        remove_source(session, ALICE, "1", NOW, settings)
        add_source(session, BOB, BLOG, "Quiet Blog", NOW, settings)
        assert (feed.active, feed.failures, feed.next_poll_at) == (True, 0, NOW)


def test_export_lists_the_chats_sources_as_opml(db: Database, settings: Settings) -> None:
    with db.session() as session:
        add_source(session, ALICE, BLOG, "Quiet Blog", NOW, settings)
        add_source(session, ALICE, NEWS, "News", NOW, settings)
        add_source(session, BOB, "https://bob.example/rss", "Bob's", NOW, settings)
        exported = read_opml(sources_opml(session, ALICE.chat_id, NOW))
    assert [(f.url, f.title) for f in exported] == [(BLOG, "Quiet Blog"), (NEWS, "News")]


def test_a_preview_shows_the_newest_items() -> None:
    entry = FeedEntry("g", "https://blog.example/1", "", "", "", NOW)
    feed = ParsedFeed("Quiet Blog", None, (entry,))
    found = Discovery("blog.example", BLOG, feed, (entry,))
    assert preview_of(found) == (PreviewItem("https://blog.example/1", entry.url, NOW),)
