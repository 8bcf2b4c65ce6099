"""Storage: the Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.store import Base, Database, migrate


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


def test_upgrading_a_database_that_holds_data_keeps_it(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from bot.store.db import _engine, alembic_config

    engine = _engine(database_url)
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
