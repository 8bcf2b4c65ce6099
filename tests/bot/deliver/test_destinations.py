"""A lost channel: its owned queries are paused and each owner is told once."""

from __future__ import annotations

from sqlalchemy import select

from bot.chat.channels import Destination
from bot.chat.prefs import Caller
from bot.chat.subscriptions import subscribe
from bot.deliver.destinations import pause_destination
from bot.settings import Settings
from bot.store import Chat, Database, Outbox, OutboxKind, Subscription
from tests.fakes import NOW

CHANNEL = Destination(-1001234567890, "Peace <Watch>")
ANNA, BEN = Caller(1001), Caller(1002)


def notices(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        rows = session.execute(
            select(Outbox.chat_id, Outbox.text).where(Outbox.kind == OutboxKind.NOTICE)
        )
        return [(chat_id, text) for chat_id, text in rows]


def test_each_owner_hears_once_which_queries_stopped(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        subscribe(session, ANNA, "ceasefire", NOW, settings, to=CHANNEL)
        subscribe(session, ANNA, "storm", NOW, settings, to=CHANNEL)
        subscribe(session, BEN, "election", NOW, settings, to=CHANNEL)
        subscribe(session, BEN, "ceasefire", NOW, settings)  # his own chat's: untouched
    with db.session() as session:
        assert pause_destination(session, CHANNEL.chat_id, "Forbidden: kicked", NOW) == 2
    with db.session() as session:
        assert pause_destination(session, CHANNEL.chat_id, "Forbidden: kicked", NOW) == 0
        paused = {
            (s.chat_id, s.query): s.paused_reason for s in session.scalars(select(Subscription))
        }
    assert paused[(BEN.chat_id, "ceasefire")] is None
    assert all(paused[(CHANNEL.chat_id, q)] for q in ("ceasefire", "storm", "election"))
    told = dict(notices(db))
    assert set(told) == {ANNA.chat_id, BEN.chat_id}
    assert "<code>ceasefire</code>, <code>storm</code>" in told[ANNA.chat_id]
    assert "Peace &lt;Watch&gt;" in told[ANNA.chat_id]  # escaped
    assert f"--to {CHANNEL.chat_id}" in told[BEN.chat_id]


def test_an_owner_who_left_is_not_told(db: Database) -> None:
    settings = Settings()
    with db.session() as session:
        subscribe(session, ANNA, "ceasefire", NOW, settings, to=CHANNEL)
        session.get(Chat, ANNA.chat_id).active = False  # type: ignore[union-attr]
    with db.session() as session:
        assert pause_destination(session, CHANNEL.chat_id, "Forbidden", NOW) == 0
    assert notices(db) == []
