"""Fixtures every test may use: the shared data, real databases, a real feed server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.store import Base, Database, open_database
from tests.fakes.feeds import FeedServer

# PTB 22 warns (an error under our filterwarnings) when it builds RetryAfter with a plain number
# unless told to use timedeltas, as its next major version will; the entry point sets it too.
os.environ.setdefault("PTB_TIMEDELTA", "1")
# Every local test server is one host, 127.0.0.1: spacing requests to it by a second, as the
# bot is polite to a real site, would only slow the suite. The politeness itself is tested on
# the Fetcher directly (tests/bot/fetch/test_polite.py).
os.environ.setdefault("NEWSBOT_POLL__HOST_INTERVAL", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared data folder, beside the repository (../shared)."""
    if not (SHARED / "data").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: clone the repo beside ../shared")
    return SHARED


@pytest.fixture(scope="session")
def seed_texts(shared_dir: Path) -> tuple[str, str]:
    """The seed story twice: the clean article, and another outlet's page text with furniture."""
    seeds = shared_dir / "seeds"
    clean = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    page = next(seeds.glob("003_*.txt")).read_text(encoding="utf-8")
    return clean, page


# --- databases: every storage test runs on SQLite and on PostgreSQL -------------------------


POSTGRES_URL = os.environ.get(
    "NEWSBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as exc:
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL server, dropped afterwards.

    In CI (CI=true) a missing server fails the run: the suite must test both databases there.
    """
    problem = _postgres_available()
    if problem:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield POSTGRES_URL


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied once; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "newsbot.sqlite3"
    open_database(f"sqlite:///{path}").dispose()  # closing the last connection folds in the WAL
    return path


def _new_schema(base: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def _drop_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> Iterator[str]:
    """A schema with every migration applied once; emptied after each test that used it."""
    schema, url = _new_schema(postgres_url)
    open_database(url).dispose()
    yield url
    _drop_schema(postgres_url, schema)


def _empty(url: str) -> None:
    """Every table emptied and its ids restarted, the schema (and its triggers) kept."""
    engine = sa.create_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))  # a leaked session fails, not hangs
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with the schema in place and no rows: a copy of a migrated
    SQLite file, or the session's migrated PostgreSQL schema, emptied afterwards (migrating
    afresh for each of a thousand tests would take minutes)."""
    if request.param == "sqlite":
        path = tmp_path / "newsbot.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("migrated_postgres")
    yield url
    _empty(url)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with nothing in it, not even the schema: for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema, url = _new_schema(base)
    yield url
    _drop_schema(base, schema)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url, upgrade=False)
    yield database
    database.dispose()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()
