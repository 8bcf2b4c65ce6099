"""Storage: the Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.store import Base, Database, migrate, open_database
from tests.fakes import NOW


def test_migrations_create_every_table(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_again_changes_nothing(db: Database) -> None:
    migrate(db.engine)
    migrate(db.engine)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_upgrading_a_database_that_holds_data_keeps_it(empty_database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from bot.store.db import _engine, alembic_config

    engine = _engine(empty_database_url)
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.execute(
            text(
                "INSERT INTO chats (id, type, timezone, digest_time, digest_enabled, alerts_mode,"
                " alerts_paused, summary_sentences, active, created_at) VALUES"
                " (1, 'private', 'UTC', '08:00', true, 'instant', false, 3, true, :now)"
            ),
            {"now": "2025-12-21 15:00:00+00:00"},
        )
        connection.execute(
            text("INSERT INTO subscriptions (chat_id, query, created_at) VALUES (1, 'x', :now)"),
            {"now": "2025-12-21 15:00:00+00:00"},
        )
    migrate(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT min_sources, frequency FROM subscriptions")).one()
    engine.dispose()
    assert tuple(row) == (1, "instant")


def test_lost_connection_is_retried(database_url: str) -> None:
    """The first try loses its connection (PostgreSQL ends the backend, as a restart would);
    the second succeeds. On SQLite a locked database is the retryable failure."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import OperationalError

    from bot.store import Chat, open_database

    db = open_database(database_url)
    tries: list[int] = []

    def work(session):  # type: ignore[no-untyped-def]
        tries.append(1)
        if len(tries) == 1:
            if db.engine.dialect.name == "postgresql":
                session.execute(sql("SELECT pg_terminate_backend(pg_backend_pid())"))
            else:
                raise OperationalError("INSERT", {}, Exception("database is locked"))
        session.add(Chat(id=5, created_at=NOW))
        return "done"

    assert db.run(work) == "done"
    assert len(tries) == 2
    with db.session() as session:
        assert session.get(Chat, 5) is not None
    db.dispose()


def test_other_database_errors_are_never_swallowed(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from bot.store import Chat

    tries: list[int] = []

    def work(session):  # type: ignore[no-untyped-def]
        tries.append(1)
        session.add(Chat(id=7, created_at=NOW))
        session.flush()
        session.add(Chat(id=7, created_at=NOW))
        session.flush()

    with pytest.raises(IntegrityError):
        db.run(work)
    assert len(tries) == 1


def test_subscription_ids_are_never_reused(db: Database) -> None:
    """The match index detects changes by (count, max id): a reused id would hide one."""
    from sqlalchemy import delete

    from bot.store import Chat, Subscription

    with db.session() as session:
        session.add(Chat(id=1, created_at=NOW))
        session.flush()
        old = Subscription(chat_id=1, query="ceasefire", created_at=NOW)
        session.add(old)
        session.flush()
        old_id = old.id
    with db.session() as session:
        session.execute(delete(Subscription).where(Subscription.id == old_id))
    with db.session() as session:
        new = Subscription(chat_id=1, query="storm", created_at=NOW)
        session.add(new)
        session.flush()
        assert new.id > old_id


def test_a_sqlite_database_keeps_only_two_idle_connections(tmp_path: Path) -> None:
    # Each idle SQLite connection keeps its own page cache, which the next write by another
    # connection makes stale: threads that needed more connections at once give them back.
    from bot.store.db import SQLITE_IDLE_CONNECTIONS

    db = open_database(f"sqlite:///{tmp_path / 'pool.sqlite3'}")
    try:
        opened = [db.engine.connect() for _ in range(5)]
        for connection in opened:
            connection.exec_driver_sql("SELECT 1")
        for connection in opened:
            connection.close()
        assert db.engine.pool.checkedin() == SQLITE_IDLE_CONNECTIONS == 2
    finally:
        db.dispose()
