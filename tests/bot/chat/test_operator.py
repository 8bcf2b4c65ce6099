"""The operators' feeds and numbers: a feed is read before it is added, removed feeds keep their
stories, and /stats counts what is there."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from bot.chat.operator import add_feed, list_feeds, probe_feed, remove_feed, stats
from bot.errors import FeedParseError, FetchError
from bot.fetch import Fetcher
from bot.parse import FeedEntry, ParsedFeed
from bot.store import Article, Chat, Database, Feed, Outbox, OutboxKind, Subscription
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed, make_page
from tests.fakes.stories import CEASEFIRE, STORM

if TYPE_CHECKING:
    from tests.bot.chat.conftest import Newsroom

URL = "https://gazette.example/rss"


def parsed(title: str | None, entries: int = 0) -> ParsedFeed:
    return ParsedFeed(
        title=title,
        language="en",
        entries=tuple(
            FeedEntry(f"g{n}", f"https://gazette.example/{n}", "Title", "", "", NOW)
            for n in range(entries)
        ),
    )


def feed_row(db: Database, feed_id: int) -> Feed:
    with db.session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return feed


# --- reading a feed before adding it -------------------------------------------------------------


async def test_a_feed_is_read_with_its_title_and_entries(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    entries: list[dict[str, str | datetime]] = [
        {"guid": "a1", "title": "Ceasefire", "content": CEASEFIRE, "published": NOW},
        {"guid": "a2", "title": "Storm", "content": STORM, "published": NOW},
    ]
    body = make_feed(entries, title="Gazette")
    feed = await probe_feed(fetcher, feed_server.route("/rss", Route(body)))
    assert feed.title == "Gazette"
    assert [e.title for e in feed.entries] == ["Ceasefire", "Storm"]


async def test_an_address_that_does_not_answer_is_a_fetch_error_with_the_reason(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await probe_feed(fetcher, feed_server.url("/nothing-here"))


async def test_a_web_page_is_not_a_feed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    page = Route(make_page("Home", ["Welcome to our site."]), content_type="text/html")
    with pytest.raises(FeedParseError):
        await probe_feed(fetcher, feed_server.route("/", page))


# --- adding and removing -------------------------------------------------------------------------


def test_an_added_feed_is_named_by_its_title_and_due_at_once(db: Database) -> None:
    with db.session() as session:
        view = add_feed(session, URL, parsed("Gazette", entries=2), NOW)
    assert (view.name, view.active, view.failures, view.entries) == ("Gazette", True, 0, 2)
    feed = feed_row(db, view.id)
    assert (feed.url, feed.next_poll_at) == (URL, NOW)


def test_a_feed_without_a_title_is_named_by_its_address(db: Database) -> None:
    with db.session() as session:
        assert add_feed(session, URL, parsed(None), NOW).name == URL


def test_a_removed_feed_added_again_is_polled_again_under_its_own_id(db: Database) -> None:
    with db.session() as session:
        first = add_feed(session, URL, parsed("Gazette"), NOW)
    with db.session() as session:
        remove_feed(session, str(first.id))
    with db.session() as session:
        again = add_feed(session, URL, parsed("The Gazette"), NOW + timedelta(days=1))
    assert (again.id, again.active, again.name) == (first.id, True, "Gazette")
    with db.session() as session:
        assert session.scalar(select(func.count(Feed.id))) == 1


def test_a_feed_is_removed_by_its_number(db: Database, newsroom: Newsroom) -> None:
    keep, drop = newsroom.feed("Planet"), newsroom.feed("Gazette")
    with db.session() as session:
        view = remove_feed(session, f" {drop} ")
    assert view is not None and (view.name, view.active) == ("Gazette", False)
    assert (feed_row(db, keep).active, feed_row(db, drop).active) == (True, False)


def test_a_feed_is_removed_by_its_address(db: Database, newsroom: Newsroom) -> None:
    feed = newsroom.feed("Gazette", url=URL)
    with db.session() as session:
        assert remove_feed(session, URL) is not None
    assert not feed_row(db, feed).active


@pytest.mark.parametrize("key", ["99", "https://nowhere.example/rss", "Gazette"])
def test_removing_an_unknown_feed_removes_nothing(
    db: Database, newsroom: Newsroom, key: str
) -> None:
    feed = newsroom.feed("Gazette", url=URL)
    with db.session() as session:
        assert remove_feed(session, key) is None
    assert feed_row(db, feed).active


def test_a_removed_feeds_stories_stay(db: Database, newsroom: Newsroom) -> None:
    feed = newsroom.feed("Gazette")
    newsroom.story("Ceasefire", [feed])
    with db.session() as session:
        remove_feed(session, str(feed))
    with db.session() as session:
        assert session.scalar(select(func.count(Article.id))) == 1


def test_feeds_are_listed_in_order_with_their_health(db: Database, newsroom: Newsroom) -> None:
    newsroom.feed("Planet")
    newsroom.feed("Gazette", failures=4)
    newsroom.feed("Herald", active=False)
    with db.session() as session:
        views = list_feeds(session)
    assert [(v.name, v.active, v.failures, v.last_error) for v in views] == [
        ("Planet", True, 0, None),
        ("Gazette", True, 4, "HTTP 503"),
        ("Herald", False, 0, None),
    ]


# --- /stats --------------------------------------------------------------------------------------


def test_stats_count_what_is_there(db: Database, newsroom: Newsroom) -> None:
    planet, gazette = newsroom.feed("Planet"), newsroom.feed("Gazette", failures=2)
    newsroom.feed("Herald", active=False, failures=9)
    newsroom.story("Ceasefire", [planet, gazette], when=NOW - timedelta(hours=2))
    newsroom.story("Storm", [planet], when=NOW - timedelta(days=2))
    story = newsroom.story("Budget", [planet], when=NOW - timedelta(minutes=5))
    newsroom.chat(1001)
    newsroom.chat(2002)
    newsroom.alert(1001, story, sent=NOW)
    with db.session() as session:
        gone = session.get(Chat, 2002)
        assert gone is not None
        gone.active = False
        session.add_all(
            [
                Subscription(chat_id=1001, query="ceasefire", created_at=NOW),
                Subscription(chat_id=2002, query="storm", created_at=NOW),
                Outbox(
                    chat_id=1001, kind=OutboxKind.DIGEST, text="d", not_before=NOW, created_at=NOW
                ),
            ]
        )
    with db.session() as session:
        counted = stats(session, NOW)
    assert (counted.feeds, counted.failing) == (2, 1)
    assert (counted.stories, counted.stories_today, counted.articles) == (3, 2, 4)
    assert (counted.chats, counted.queries) == (1, 2)
    assert counted.outbox == {"pending": 1, "sent": 1, "failed": 0, "undeliverable": 0}


def test_a_feed_paused_after_failures_and_added_again_starts_afresh(db: Database) -> None:
    with db.session() as session:
        view = add_feed(session, URL, parsed("Gazette"), NOW)
        feed = session.get(Feed, view.id)
        assert feed is not None  # the poller paused it after 50 failures in a row
        feed.active, feed.failures, feed.last_error = False, 50, "HTTP 503"
        feed.next_poll_at = NOW + timedelta(hours=6)
    later = NOW + timedelta(minutes=10)
    with db.session() as session:  # the operator read it again just now: it works
        again = add_feed(session, URL, parsed("Gazette", entries=3), later)
    assert (again.active, again.failures, again.last_error) == (True, 0, None)
    assert feed_row(db, view.id).next_poll_at == later
