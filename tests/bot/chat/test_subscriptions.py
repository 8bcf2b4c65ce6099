"""A chat's queries: subscribing within the limits, trying a query, listing, stopping and muting
(a query, or an outlet), only ever for the chat that asks."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from bot.chat.input import Options
from bot.chat.prefs import Caller
from bot.chat.subscriptions import (
    list_queries,
    mute_query,
    mute_source,
    recent_matches,
    remove_subscription,
    subscribe,
    try_query,
    unsubscribe,
)
from bot.errors import ChatError, QueryError
from bot.match import parse_query
from bot.settings import LimitSettings, Settings
from bot.store import Chat, Database, SourceMute, Subscription
from tests.fakes import NOW
from tests.fakes.stories import CEASEFIRE, STORM

if TYPE_CHECKING:
    from tests.bot.chat.conftest import Newsroom

CHAT, OTHER = 1001, 2002


def add(db: Database, text: str, settings: Settings, chat_id: int = CHAT) -> int:
    with db.session() as session:
        return subscribe(session, Caller(chat_id), text, NOW, settings).subscription_id


def stored(db: Database, chat_id: int = CHAT) -> list[Subscription]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Subscription)
                .where(Subscription.chat_id == chat_id)
                .order_by(Subscription.id)
            )
        )


def queries(db: Database, chat_id: int = CHAT) -> list[str]:
    return [s.query for s in stored(db, chat_id)]


# --- subscribing ---------------------------------------------------------------------------------


def test_a_query_is_saved_as_typed_with_its_spacing_tidied(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        result = subscribe(session, Caller(CHAT), '  "peace  plan"   -olympics ', NOW, settings)
    assert result.created and result.query.terms() == ("peace plan",)
    assert queries(db) == ['"peace plan" -olympics']


def test_subscribing_registers_the_chat(db: Database, settings: Settings) -> None:
    add(db, "ceasefire", settings)
    with db.session() as session:
        assert session.get(Chat, CHAT) is not None


def test_a_querys_options_are_saved_with_it(db: Database, settings: Settings) -> None:
    with db.session() as session:
        result = subscribe(
            session, Caller(CHAT), "ceasefire --min-sources 2 --daily", NOW, settings
        )
    assert result.options == Options(2, "daily")
    [sub] = stored(db)
    assert (sub.query, sub.min_sources, sub.frequency) == ("ceasefire", 2, "daily")


def test_the_same_query_again_updates_its_options_instead_of_adding_one(
    db: Database, settings: Settings
) -> None:
    first = add(db, "ceasefire --daily", settings)
    with db.session() as session:
        again = subscribe(session, Caller(CHAT), "ceasefire  --min-sources 3", NOW, settings)
    assert (again.created, again.subscription_id) == (False, first)
    [sub] = stored(db)
    assert (sub.min_sources, sub.frequency) == (3, "instant")


def test_a_chat_may_not_hold_more_queries_than_the_limit(db: Database) -> None:
    limited = Settings(limits=LimitSettings(max_queries_per_chat=2))
    add(db, "ceasefire", limited)
    add(db, "storm", limited)
    with pytest.raises(ChatError, match="2 queries, the most allowed"):
        add(db, "election", limited)
    assert queries(db) == ["ceasefire", "storm"]


def test_at_the_limit_a_query_already_held_can_still_be_updated(db: Database) -> None:
    limited = Settings(limits=LimitSettings(max_queries_per_chat=1))
    add(db, "ceasefire", limited)
    with db.session() as session:
        result = subscribe(session, Caller(CHAT), "ceasefire --weekly", NOW, limited)
    assert not result.created
    assert [s.frequency for s in stored(db)] == ["weekly"]


def test_other_chats_queries_do_not_count_toward_the_limit(db: Database) -> None:
    limited = Settings(limits=LimitSettings(max_queries_per_chat=1))
    add(db, "ceasefire", limited, chat_id=OTHER)
    add(db, "ceasefire", limited)
    assert queries(db) == ["ceasefire"]


@pytest.mark.parametrize("text", ["-olympics", "--daily", "", '"unclosed'])
def test_a_query_that_cannot_be_understood_is_refused_and_nothing_saved(
    db: Database, settings: Settings, text: str
) -> None:
    with pytest.raises(QueryError):
        add(db, text, settings)
    assert queries(db) == []


def test_a_query_longer_than_the_limit_is_refused(db: Database) -> None:
    limited = Settings(limits=LimitSettings(max_query_length=20))
    with pytest.raises(QueryError):
        add(db, "ceasefire agreement negotiations geneva", limited)
    assert queries(db) == []


def test_a_query_sent_from_a_forum_topic_alerts_to_that_topic(
    db: Database, settings: Settings
) -> None:
    topic = Caller(-100123, "supergroup", "Desk", thread_id=7)
    with db.session() as session:
        result = subscribe(session, topic, "ceasefire", NOW, settings)
    assert result.thread_id == 7
    assert [s.thread_id for s in stored(db, -100123)] == [7]


# --- what a query would have matched -------------------------------------------------------------


def test_subscribing_with_backfill_shows_the_matches_of_the_last_days_newest_first(
    db: Database, settings: Settings, newsroom: Newsroom
) -> None:
    feed = newsroom.feed("Outlet")
    newsroom.story("Talks in Geneva", [feed], when=NOW - timedelta(days=2), text=CEASEFIRE)
    newsroom.story("Truce holds", [feed], when=NOW - timedelta(hours=1), text=CEASEFIRE)
    newsroom.story("Old truce", [feed], when=NOW - timedelta(days=8), text=CEASEFIRE)
    newsroom.story("Budget passed", [feed], when=NOW, text="The council passed a budget.")
    with db.session() as session:
        result = subscribe(session, Caller(CHAT), "ceasefire", NOW, settings, backfill=True)
    assert result.backfill is not None
    assert result.backfill.count == 2
    assert [s.title for s in result.backfill.newest] == ["Truce holds", "Talks in Geneva"]


def test_backfill_shows_the_newest_three_but_counts_them_all(
    db: Database, newsroom: Newsroom
) -> None:
    feed = newsroom.feed("Outlet")
    for hours in range(5):
        newsroom.story(f"Ceasefire day {hours}", [feed], when=NOW - timedelta(hours=hours))
    with db.session() as session:
        found = recent_matches(session, parse_query("ceasefire"), NOW)
    assert found.count == 5
    assert [s.title for s in found.newest] == [
        "Ceasefire day 0",
        "Ceasefire day 1",
        "Ceasefire day 2",
    ]


def test_a_story_matches_on_its_articles_text_not_only_its_title(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.story("Flooding on the coast", [newsroom.feed("Outlet")], text=STORM)
    with db.session() as session:
        assert recent_matches(session, parse_query("forty thousand homes"), NOW).count == 1
        assert recent_matches(session, parse_query("olympics"), NOW).count == 0


def test_subscribing_without_backfill_does_not_look_back(
    db: Database, settings: Settings, newsroom: Newsroom
) -> None:
    newsroom.story("Ceasefire agreed", [newsroom.feed("Outlet")])
    with db.session() as session:
        assert subscribe(session, Caller(CHAT), "ceasefire", NOW, settings).backfill is None


def test_trying_a_query_shows_its_matches_and_saves_nothing(
    db: Database, settings: Settings, newsroom: Newsroom
) -> None:
    newsroom.story("Ceasefire agreed", [newsroom.feed("Outlet")])
    with db.session() as session:
        result = try_query("ceasefire --daily", session, NOW, settings)
    assert result.backfill is not None and result.backfill.count == 1
    assert result.options == Options(1, "daily")
    with db.session() as session:
        assert session.scalar(select(func.count(Subscription.id))) == 0
        assert session.get(Chat, CHAT) is None


# --- listing and stopping ------------------------------------------------------------------------


def test_list_numbers_the_chats_own_queries_in_the_order_they_came(
    db: Database, settings: Settings
) -> None:
    add(db, "storm --daily", settings)
    add(db, "election", settings, chat_id=OTHER)
    add(db, "ceasefire --min-sources 2", settings)
    with db.session() as session:
        views = list_queries(session, CHAT)
    assert [(v.number, v.query, v.frequency, v.min_sources) for v in views] == [
        (1, "storm", "daily", 1),
        (2, "ceasefire", "instant", 2),
    ]


def test_a_query_is_stopped_by_its_number_in_the_list(db: Database, settings: Settings) -> None:
    for text in ("storm", "ceasefire", "election"):
        add(db, text, settings)
    with db.session() as session:
        assert unsubscribe(session, Caller(CHAT), " 2 ", NOW, settings) == "ceasefire"
    assert queries(db) == ["storm", "election"]


def test_a_query_is_stopped_by_its_text_whatever_the_case_and_spacing(
    db: Database, settings: Settings
) -> None:
    add(db, '"peace plan" -olympics', settings)
    with db.session() as session:
        removed = unsubscribe(session, Caller(CHAT), '"Peace Plan"   -Olympics', NOW, settings)
    assert removed == '"peace plan" -olympics'
    assert queries(db) == []


@pytest.mark.parametrize("key", ["3", "0", "storm"])
def test_stopping_a_query_the_chat_does_not_have_removes_nothing(
    db: Database, settings: Settings, key: str
) -> None:
    add(db, "ceasefire", settings)
    add(db, "election", settings)
    add(db, "storm", settings, chat_id=OTHER)
    with db.session() as session:
        assert unsubscribe(session, Caller(CHAT), key, NOW, settings) is None
    assert queries(db) == ["ceasefire", "election"]
    assert queries(db, OTHER) == ["storm"]


def test_the_stop_button_removes_the_chats_own_query(db: Database, settings: Settings) -> None:
    sub = add(db, "ceasefire", settings)
    with db.session() as session:
        assert remove_subscription(session, CHAT, sub) == "ceasefire"
    assert queries(db) == []


def test_a_stop_button_naming_another_chats_query_removes_nothing(
    db: Database, settings: Settings
) -> None:
    theirs = add(db, "ceasefire", settings, chat_id=OTHER)
    with db.session() as session:
        assert remove_subscription(session, CHAT, theirs) is None
    assert queries(db, OTHER) == ["ceasefire"]


def test_a_stop_button_of_a_query_already_gone_says_so(db: Database, settings: Settings) -> None:
    sub = add(db, "ceasefire", settings)
    with db.session() as session:
        remove_subscription(session, CHAT, sub)
    with db.session() as session:
        assert remove_subscription(session, CHAT, sub) is None


# --- muting --------------------------------------------------------------------------------------


def test_muting_a_query_silences_it_for_the_days_asked(db: Database, settings: Settings) -> None:
    sub = add(db, "ceasefire", settings)
    with db.session() as session:
        assert mute_query(session, CHAT, sub, 7, NOW) == "ceasefire"
    assert [s.muted_until for s in stored(db)] == [NOW + timedelta(days=7)]


def test_a_mute_button_naming_another_chats_query_mutes_nothing(
    db: Database, settings: Settings
) -> None:
    theirs = add(db, "ceasefire", settings, chat_id=OTHER)
    with db.session() as session:
        assert mute_query(session, CHAT, theirs, 7, NOW) is None
    assert [s.muted_until for s in stored(db, OTHER)] == [None]


def test_muting_an_outlet_names_it_and_lasts_the_days_asked(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Daily Planet")
    with db.session() as session:
        assert mute_source(session, CHAT, feed, 1, NOW) == "Daily Planet"
    with db.session() as session:
        mute = session.scalars(select(SourceMute)).one()
        assert (mute.chat_id, mute.feed_id, mute.until) == (CHAT, feed, NOW + timedelta(days=1))


def test_an_outlet_without_a_name_is_named_by_its_address(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed(None, url="https://planet.example/rss")
    with db.session() as session:
        assert mute_source(session, CHAT, feed, 1, NOW) == "https://planet.example/rss"


def test_muting_an_outlet_again_moves_its_end_instead_of_adding_a_mute(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Daily Planet")
    with db.session() as session:
        mute_source(session, CHAT, feed, 7, NOW)
    with db.session() as session:
        mute_source(session, CHAT, feed, 1, NOW + timedelta(days=2))
    with db.session() as session:
        [mute] = session.scalars(select(SourceMute)).all()
        assert mute.until == NOW + timedelta(days=3)


def test_muting_an_unknown_outlet_mutes_nothing(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    with db.session() as session:
        assert mute_source(session, CHAT, 4242, 7, NOW) is None
    with db.session() as session:
        assert session.scalar(select(func.count(SourceMute.id))) == 0


def test_muting_an_outlet_from_a_forgotten_chat_mutes_nothing(
    db: Database, newsroom: Newsroom
) -> None:
    feed = newsroom.feed("Daily Planet")  # the chat pressed the button after /stop
    with db.session() as session:
        assert mute_source(session, CHAT, feed, 7, NOW) is None
    with db.session() as session:
        assert session.scalar(select(func.count(SourceMute.id))) == 0


def test_a_query_stopped_by_its_text_is_the_one_typed_exactly(
    db: Database, settings: Settings
) -> None:
    add(db, "peace OR truce", settings)  # either word
    add(db, "peace or truce", settings)  # all three words: a different query
    with db.session() as session:
        assert unsubscribe(session, Caller(CHAT), "peace or truce", NOW, settings) == (
            "peace or truce"
        )
    assert queries(db) == ["peace OR truce"]
