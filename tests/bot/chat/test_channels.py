"""Channels as destinations in the chat services: reading `--to`, the channel's own chat row,
queries owned by the private chat that sent them there, and resuming a lost channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.chat.channels import Destination, split_destination
from bot.chat.prefs import Caller, ensure_chat, forget_chat
from bot.chat.subscriptions import list_queries, mute_query, remove_subscription, subscribe
from bot.errors import ChatError
from bot.settings import LimitSettings, Settings
from bot.store import Chat, Database, Subscription
from tests.fakes import NOW

OWNER = Caller(1001)
CHANNEL = Destination(-1001234567890, "Peace Watch", "peacewatch")


@pytest.mark.parametrize(
    ("text", "query", "target"),
    [
        ("ceasefire", "ceasefire", None),
        ("ceasefire --to @peacewatch", "ceasefire", "@peacewatch"),
        ("--to=@peacewatch peace plan", "peace plan", "@peacewatch"),
        ("ceasefire --to -1001234567890 --daily", "ceasefire --daily", -1001234567890),
    ],
)
def test_to_takes_a_channels_name_or_id(text: str, query: str, target: str | int | None) -> None:
    assert split_destination(text) == (query, target)


@pytest.mark.parametrize(
    "text", ["ceasefire --to", "x --to @a_channel --to @b_channel", "x --to peacewatch", "x --to 5"]
)
def test_to_refuses_what_cannot_be_one_channel(text: str) -> None:
    with pytest.raises(ChatError, match="--to"):
        split_destination(text)


def test_a_channel_query_belongs_to_the_chat_that_sent_it(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        ensure_chat(session, OWNER.chat_id, NOW, settings).timezone = "Europe/Kyiv"
        result = subscribe(session, OWNER, "ceasefire", NOW, settings, backfill=True, to=CHANNEL)
        assert result.created and result.destination == "@peacewatch"
        channel = session.get(Chat, CHANNEL.chat_id)
        assert channel is not None and (channel.type, channel.title) == ("channel", "Peace Watch")
        assert channel.timezone == "Europe/Kyiv"  # a channel cannot set its own
        subscribe(session, OWNER, "storm", NOW, settings)
        views = list_queries(session, OWNER.chat_id)
        assert [(v.query, v.destination) for v in views] == [
            ("ceasefire", "Peace Watch"),
            ("storm", None),
        ]
        assert list_queries(session, CHANNEL.chat_id)[0].destination is None


def test_the_owner_stops_and_mutes_its_channel_queries(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        sub = subscribe(session, OWNER, "ceasefire", NOW, settings, to=CHANNEL).subscription_id
        assert mute_query(session, 1002, sub, 1, NOW) is None  # someone else's
        assert mute_query(session, OWNER.chat_id, sub, 1, NOW) == "ceasefire"
        assert remove_subscription(session, OWNER.chat_id, sub) == "ceasefire"


def test_channel_queries_count_towards_the_owners_limit(db: Database) -> None:
    settings = Settings(limits=LimitSettings(max_queries_per_chat=1))
    with db.session() as session:
        subscribe(session, OWNER, "ceasefire", NOW, settings, to=CHANNEL)
        with pytest.raises(ChatError, match="already has 1 queries"):
            subscribe(session, OWNER, "storm", NOW, settings)


def test_subscribing_again_resumes_the_owners_paused_queries_there(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        subscribe(session, OWNER, "ceasefire", NOW, settings, to=CHANNEL)
        subscribe(session, OWNER, "storm", NOW, settings, to=CHANNEL)
        for sub in session.scalars(select(Subscription)):
            sub.paused_reason = "I can no longer post to Peace Watch"
        session.get(Chat, CHANNEL.chat_id).active = False  # type: ignore[union-attr]
        result = subscribe(session, OWNER, "ceasefire", NOW, settings, to=CHANNEL)
        assert not result.created
        assert [s.paused_reason for s in session.scalars(select(Subscription))] == [None, None]
        assert session.get(Chat, CHANNEL.chat_id).active  # type: ignore[union-attr]


def test_forgetting_the_owner_forgets_its_channel_queries(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        subscribe(session, OWNER, "ceasefire", NOW, settings, to=CHANNEL)
    with db.session() as session:
        assert forget_chat(session, OWNER.chat_id)
    with db.session() as session:
        assert session.scalars(select(Subscription)).all() == []
        assert session.get(Chat, CHANNEL.chat_id) is not None
