"""Inserting many rows with their values converted once: stored as the ORM stores them, on
SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

from sqlalchemy import select

from bot.chat.prefs import ensure_chat
from bot.settings import Settings
from bot.store import Alert, Database, Story
from bot.store.bulk import binder, insert_bound, insert_row
from tests.fakes import NOW

CHATS = (1001, -1002)
ALERTS = Alert.metadata.tables[Alert.__tablename__]
COLUMNS = ("chat_id", "story_id", "subscription_id", "terms", "instant", "held", "created_at")


def test_a_row_inserted_alone_gets_its_id_and_its_defaults(db: Database) -> None:
    """What a flush would store: the id given back, unset columns at their defaults; the
    object is not in the session, so nothing writes it a second time at commit."""
    with db.session() as session:
        story = Story(title="T", url="u", created_at=NOW, updated_at=NOW)
        insert_row(session, story)
        insert_row(session, other := Story(title="U", url="v", created_at=NOW, updated_at=NOW))
        assert story.id is not None and other.id == story.id + 1
        assert story not in session
    with db.session() as session:
        rows = session.scalars(select(Story).order_by(Story.id)).all()
        assert [(s.id, s.title, s.summary, s.source_count) for s in rows] == [
            (story.id, "T", [], 1),
            (other.id, "U", [], 1),
        ]
        assert rows[0].created_at == NOW


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id))
        return [
            (a.chat_id, a.story_id, a.subscription_id, a.terms, a.instant, a.held, a.created_at)
            for a in rows
        ]


def test_bound_rows_read_back_as_the_orm_stores_them(db: Database) -> None:
    """JSON, booleans, None and an aware time (not in UTC) each as the ORM would keep them."""
    when = (NOW + timedelta(hours=2)).astimezone(timezone(timedelta(hours=5)))
    with db.session() as session:
        for chat in CHATS:
            ensure_chat(session, chat, NOW, Settings())
        story = Story(title="T", url="u", created_at=NOW, updated_at=NOW)
        session.add(story)
        session.flush()
        values = [
            (CHATS[0], story.id, None, ["ceasefire", "truce"], True, False, when),
            (CHATS[1], story.id, None, ["Kyïv"], False, True, when),
        ]
        session.add_all(Alert(**dict(zip(COLUMNS, row, strict=True))) for row in values)
    expected = stored(db)
    with db.session() as session:
        session.query(Alert).delete()
        as_json, as_time = binder(session, ALERTS.c.terms), binder(session, ALERTS.c.created_at)
        rows = [(*row[:3], as_json(row[3]), *row[4:6], as_time(row[6])) for row in values]
        assert insert_bound(session, ALERTS, COLUMNS, rows) == 2
    assert stored(db) == expected
    assert [(row[6], row[6].tzinfo) for row in expected] == [(NOW + timedelta(hours=2), UTC)] * 2


def test_no_rows_insert_nothing(db: Database) -> None:
    with db.session() as session:
        assert insert_bound(session, ALERTS, COLUMNS, []) == 0
    assert stored(db) == []


def test_text_that_copy_would_escape_is_stored_as_given(db: Database) -> None:
    """PostgreSQL's rows go through COPY, whose text format gives tabs, newlines, backslashes
    and ``\\N`` (its NULL) a meaning: each must come back as it went in, and an empty text
    stays empty, not NULL."""
    titles = ["tab\there", "two\nlines", "back\\slash", "\\N", "", "Kyïv “quoted”"]
    stories = Story.metadata.tables[Story.__tablename__]
    with db.session() as session:
        when = binder(session, stories.c.created_at)(NOW)
        summary = binder(session, stories.c.summary)
        columns = ("title", "url", "summary", "source_count", "created_at", "updated_at")
        rows = [(t, f"u{i}", summary([t]), 1, when, when) for i, t in enumerate(titles)]
        insert_bound(session, stories, columns, rows)
    with db.session() as session:
        back = session.execute(select(Story.title, Story.summary).order_by(Story.id)).all()
        assert [(title, summary) for title, summary in back] == [(t, [t]) for t in titles]
