"""Fixtures for the bot's tests: the whole bot running against the fake Bot API."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.feeds import FeedServer
from tests.fakes.harness import Harness, running_bot


@pytest.fixture
async def bot_harness(
    tmp_path: Path, feed_server: FeedServer, migrated_sqlite: Path
) -> AsyncIterator[Harness]:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_sqlite, database)  # migrations checked, not repeated per test
    async with running_bot(tmp_path, feed_server, database_url=f"sqlite:///{database}") as harness:
        yield harness
