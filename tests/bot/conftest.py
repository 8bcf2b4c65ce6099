"""Fixtures for the bot's tests: the whole bot running against the fake Bot API."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.feeds import FeedServer
from tests.fakes.harness import Harness, running_bot
from tests.fakes.websub_hub import FakeHub


@pytest.fixture
async def bot_harness(
    tmp_path: Path, feed_server: FeedServer, migrated_sqlite: Path
) -> AsyncIterator[Harness]:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_sqlite, database)  # migrations checked, not repeated per test
    async with running_bot(tmp_path, feed_server, database_url=f"sqlite:///{database}") as harness:
        yield harness


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI's `main` configures logging for the process, as an entry point should; put it
    back afterwards."""
    names = ("", "httpx", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().handlers[:] = handlers


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A WebSub hub on 127.0.0.1 (tests/fakes/websub_hub.py)."""
    hub = FakeHub().start()
    yield hub
    hub.stop()
