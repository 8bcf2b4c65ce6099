"""Search sources: one search feed per distinct active query, and a budget per source that
polls the query polled longest ago first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.chat.prefs import Caller
from bot.chat.subscriptions import subscribe
from bot.searches import claim_searches, normalize_query, search_url, sync_searches
from bot.settings import SearchSourceConfig, Settings
from bot.store import Chat, Database, Feed, Subscription
from tests.fakes import NOW

SOURCE = SearchSourceConfig(
    name="News search", url="https://search.example/rss?q={query}&hl={lang}", per_minute=2
)


def test_queries_are_one_spelling_except_the_or_operator() -> None:
    assert normalize_query("  Ceasefire   GAZA ") == "ceasefire gaza"
    assert normalize_query("Peace OR Truce") == "peace OR truce"


def test_the_query_is_url_encoded_into_the_template() -> None:
    french = SOURCE.model_copy(update={"language": "fr"})
    assert search_url(french, '"plan de paix" OR trêve') == (
        "https://search.example/rss?q=%22plan+de+paix%22+OR+tr%C3%AAve&hl=fr"
    )


def hold(db: Database, *queries: tuple[int, str]) -> None:
    with db.session() as session:
        for chat_id, query in queries:
            subscribe(session, Caller(chat_id), query, NOW, Settings())


def search_feeds(db: Database) -> dict[str, bool]:
    with db.session() as session:
        rows = session.scalars(select(Feed).where(Feed.search_source == SOURCE.name))
        return {feed.search_query or "": feed.active for feed in rows}


def test_one_search_feed_per_distinct_query(db: Database) -> None:
    hold(db, (1, "ceasefire"), (2, "Ceasefire"), (3, "storm"))
    assert sync_searches(db, [SOURCE], NOW) == 2
    assert search_feeds(db) == {"ceasefire": True, "storm": True}
    assert sync_searches(db, [SOURCE], NOW) == 2  # nothing new
    with db.session() as session:
        assert len(session.scalars(select(Feed)).all()) == 2


def test_a_query_nobody_holds_any_more_stops_being_polled(db: Database) -> None:
    hold(db, (1, "ceasefire"), (2, "storm"), (3, "election"))
    sync_searches(db, [SOURCE], NOW)
    with db.session() as session:
        session.get(Chat, 2).active = False  # type: ignore[union-attr]  # blocked the bot
        sub = session.scalar(select(Subscription).where(Subscription.query == "election"))
        assert sub is not None
        sub.paused_reason = "channel lost"
    sync_searches(db, [SOURCE], NOW)
    assert search_feeds(db) == {"ceasefire": True, "storm": False, "election": False}


def test_the_budget_polls_the_query_polled_longest_ago_first(db: Database) -> None:
    hold(db, *((n, f"query{n}") for n in range(1, 6)))
    sync_searches(db, [SOURCE], NOW)
    with db.session() as session:  # query1 and query2 were polled before, query2 longest ago
        for query, ago in (("query1", 5), ("query2", 30)):
            feed = session.scalar(select(Feed).where(Feed.search_query == query))
            assert feed is not None
            feed.last_polled_at = NOW - timedelta(minutes=ago)
    first = claim_searches(db, [SOURCE], NOW, "w1", 60)
    assert queries_of(db, first) == ["query3", "query4"]  # never polled come first
    assert claim_searches(db, [SOURCE], NOW, "w2", 60) == []  # the minute's budget is spent
    polled(db, first, NOW)
    assert claim_searches(db, [SOURCE], NOW + timedelta(seconds=30), "w2", 60) == []
    later = NOW + timedelta(seconds=61)
    assert queries_of(db, claim_searches(db, [SOURCE], later, "w1", 1)) == ["query5", "query2"]


def polled(db: Database, ids: list[int], when: datetime) -> None:
    """What a poll's bookkeeping leaves: polled now, due after the interval, unclaimed."""
    with db.session() as session:
        for feed_id in ids:
            feed = session.get(Feed, feed_id)
            assert feed is not None
            feed.last_polled_at, feed.claimed_by, feed.claimed_until = when, None, None
            feed.next_poll_at = when + timedelta(seconds=feed.interval)


def queries_of(db: Database, ids: list[int]) -> list[str]:
    with db.session() as session:
        return [session.get(Feed, i).search_query or "" for i in ids]  # type: ignore[union-attr]


def test_no_search_sources_means_no_search_feeds(db: Database) -> None:
    hold(db, (1, "ceasefire"))
    assert sync_searches(db, [], NOW) == 0
    assert search_feeds(db) == {}


def test_a_crowd_holding_one_query_shares_one_search_feed(db: Database) -> None:
    spellings = ("ceasefire", "Ceasefire", "CEASEFIRE", "  ceasefire ")
    hold(db, *((chat, spellings[chat % 4]) for chat in range(100, 140)))
    assert sync_searches(db, [SOURCE], NOW) == 1
    assert search_feeds(db) == {"ceasefire": True}
    assert len(claim_searches(db, [SOURCE], NOW, "w1", 60)) == 1
