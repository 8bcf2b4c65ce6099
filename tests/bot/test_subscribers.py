"""Who wants a story: every stored query, parsed once into one index, reloaded when the
subscriptions change, answering with the chat, the query, and which terms matched where."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete, update

import bot.store.bulk
from bot.chat.prefs import ensure_chat
from bot.match import Document
from bot.settings import Settings
from bot.store import Chat, Database, Subscription
from bot.subscribers import ChatMatch, SubscriptionIndex
from tests.fakes import NOW
from tests.fakes.stories import CEASEFIRE, STORM

CHAT, OTHER = 1001, 2002
TRUCE = Document(title="Ceasefire agreed in Geneva", text=CEASEFIRE)
FLOOD = Document(title="Storm floods the coast", text=STORM)


def add(db: Database, chat_id: int, query: str) -> int:
    with db.session() as session:
        ensure_chat(session, chat_id, NOW, Settings())
        sub = Subscription(chat_id=chat_id, query=query, created_at=NOW)
        session.add(sub)
        session.flush()
        return sub.id


def remove(db: Database, subscription_id: int) -> None:
    with db.session() as session:
        session.execute(delete(Subscription).where(Subscription.id == subscription_id))


def loaded(db: Database, index: SubscriptionIndex | None = None) -> SubscriptionIndex:
    index = index or SubscriptionIndex()
    with db.session() as session:
        index.refresh(session)
    return index


def matching(index: SubscriptionIndex, doc: Document = TRUCE) -> list[tuple[int, int]]:
    return sorted((m.chat_id, m.subscription_id) for m in index.match(doc))


def test_every_matching_query_is_found_with_its_chat(db: Database) -> None:
    other = add(db, OTHER, "geneva")
    mine = add(db, CHAT, "ceasefire")
    add(db, CHAT, "olympics")
    assert matching(loaded(db)) == sorted([(OTHER, other), (CHAT, mine)])


def test_a_match_says_which_terms_matched_and_where(db: Database) -> None:
    sub = add(db, CHAT, "ceasefire OR convoys")
    assert loaded(db).match(TRUCE) == [
        ChatMatch(CHAT, sub, "ceasefire OR convoys", ("ceasefire", "convoys"), ("text", "title"))
    ]


def test_a_story_nobody_asked_for_matches_nothing(db: Database) -> None:
    add(db, CHAT, "election")
    assert loaded(db).match(FLOOD) == []


def test_a_query_added_after_loading_is_found_on_the_next_refresh(db: Database) -> None:
    index = loaded(db)
    sub = add(db, CHAT, "ceasefire")
    assert matching(index) == []
    assert matching(loaded(db, index)) == [(CHAT, sub)]


def test_a_removed_query_is_not_found_after_the_next_refresh(db: Database) -> None:
    sub = add(db, CHAT, "ceasefire")
    index = loaded(db)
    remove(db, sub)
    assert matching(loaded(db, index)) == []


def test_more_changes_than_one_statement_binds_are_all_applied(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    add(db, OTHER, "olympics")
    index = loaded(db)
    subs = [add(db, CHAT + i, "ceasefire") for i in range(7)]
    monkeypatch.setattr(bot.store.bulk, "IN_BATCH", 2)  # as if seven were a bulk import
    with caplog.at_level(logging.INFO, logger="bot.subscribers"):
        refreshed = loaded(db, index)
    assert "7 changes applied" in caplog.text  # not a rebuild
    assert matching(refreshed) == [(CHAT + i, sub) for i, sub in enumerate(subs)]


def test_a_query_removed_and_another_added_between_refreshes_are_both_seen(
    db: Database,
) -> None:
    old = add(db, CHAT, "ceasefire")
    index = loaded(db)
    remove(db, old)
    new = add(db, CHAT, "geneva")
    assert matching(loaded(db, index)) == [(CHAT, new)]


def test_a_stored_query_that_no_longer_parses_is_skipped_and_the_rest_still_match(
    db: Database,
) -> None:
    add(db, CHAT, "-olympics")  # stored before exclusions alone were refused
    good = add(db, OTHER, "ceasefire")
    index = loaded(db)
    assert len(index) == 1
    assert matching(index) == [(OTHER, good)]


def test_the_index_counts_the_queries_it_holds(db: Database) -> None:
    add(db, CHAT, "ceasefire")
    add(db, CHAT, "storm")
    add(db, OTHER, "storm")
    assert len(loaded(db)) == 3


def test_a_chat_that_moved_to_a_new_id_is_matched_at_its_new_id(db: Database) -> None:
    sub = add(db, -4242, "ceasefire")
    index = loaded(db)
    with db.session() as session:  # the group became a supergroup (as bot.deliver migrates it)
        session.execute(update(Chat).where(Chat.id == -4242).values(id=-1004242))
    assert matching(loaded(db, index)) == [(-1004242, sub)]


def test_a_change_is_applied_by_itself_without_a_rebuild(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    add(db, 1, "ceasefire")
    add(db, 2, "storm")
    index = loaded(db)
    with db.session() as session:  # an edited query: neither count nor highest id change
        session.execute(update(Subscription).where(Subscription.chat_id == 1).values(query="truce"))
    with caplog.at_level(logging.INFO, logger="bot.subscribers"):
        refreshed = loaded(db, index)
    assert matching(refreshed) == matching(loaded(db))  # the same as an index built afresh
    assert "1 changes applied" in caplog.text and "index built" not in caplog.text


def test_one_subscriber_of_a_shared_query_leaving_keeps_the_others(db: Database) -> None:
    first, middle, last = (add(db, chat, "ceasefire") for chat in (CHAT, OTHER, 3003))
    index = loaded(db)
    remove(db, middle)
    assert matching(loaded(db, index)) == [(CHAT, first), (3003, last)]


def test_a_query_whose_last_subscriber_left_gives_its_slot_to_the_next_new_query(
    db: Database,
) -> None:
    """Slots index the subscriber arrays: one left behind by every removed query would grow
    them with the churn instead of with the queries held."""
    first = add(db, CHAT, "ceasefire")
    index = loaded(db)
    slot = index._subs.slot_of(first)
    remove(db, first)
    second = add(db, OTHER, "geneva")
    loaded(db, index)
    assert (index._subs.slot_of(second), index._index.number("ceasefire")) == (slot, None)
    assert matching(index) == [(OTHER, second)]
