"""Connecting to the database and bringing its schema up to date (Alembic) at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "LeaderLock", "migrate", "open_database"]

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


#: SQLite connections kept open between uses (more are opened when threads need them, and
#: closed after). Each keeps its own page cache, up to 2 MB, and SQLite drops a connection's
#: cache whenever another connection has written: with one writer at a time, idle connections
#: hold mostly stale pages. In benchmarks/load.py (1,000 stories, 100,000 chats) the burst's
#: phase peaked at 264-270 MB with five (SQLAlchemy's default) and 255 MB with two, at the same
#: burst speed (98.1 and 98.6 stories/s in two full runs at the same time).
SQLITE_IDLE_CONNECTIONS = 2


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["pool_size"] = SQLITE_IDLE_CONNECTIONS
        # Threads share the engine (ingest runs off the event loop); wait for a busy writer
        # instead of failing at once.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite leaves them off) and WAL, so readers never block the writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return cfg


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (idempotent)."""
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    """The engine and a session factory, wired at start-up and disposed at shutdown."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session

    def run(self, work: Callable[[Session], T], *, attempts: int = 3) -> T:
        """`work` in one transaction, run again when the database failed in a way that a new
        try can fix: a lost connection, a serialization failure, a deadlock, a busy SQLite.
        Anything else propagates at once; the last failure propagates too (never swallowed)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session() as session:
                    return work(session)
            except DBAPIError as exc:
                if attempt == attempts or not retryable(exc):
                    raise
                log.warning("database error, trying again (%d/%d): %s", attempt, attempts, exc.orig)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


RETRY_SQLSTATES = {"40001", "40P01", "57P01", "08006", "08003"}


def retryable(exc: DBAPIError) -> bool:
    """Errors a second try may not meet: connection lost, serialization or deadlock, busy."""
    if exc.connection_invalidated:
        return True
    if getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def open_database(url: str, *, upgrade: bool = True) -> Database:
    engine = _engine(url)
    if upgrade:
        migrate(engine)
    log.info("database ready: %s", engine.url.render_as_string(hide_password=True))
    return Database(engine)


UPDATES_LOCK = 0x74676C64  # "tgld": held by the one process that receives Telegram updates


class LeaderLock:
    """Which process receives Telegram updates: getUpdates answers one caller at a time, so of
    several workers on PostgreSQL the one holding a session-level advisory lock polls. The lock
    lives on a connection of its own; when that process dies, PostgreSQL releases it and the
    next worker to try takes over. On SQLite there is one process, and it always leads."""

    def __init__(self, engine: Engine, key: int = UPDATES_LOCK) -> None:
        self.engine = engine
        self.key = key
        self._connection: Any = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        if self.engine.dialect.name != "postgresql":
            self._connection = True
            return True
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        connection.commit()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None or connection is True:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            connection.commit()
        finally:
            connection.close()
