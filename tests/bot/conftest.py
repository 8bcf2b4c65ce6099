"""Fixtures for the bot's tests: the whole bot running against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.feeds import FeedServer
from tests.fakes.harness import Harness, running_bot


@pytest.fixture
async def bot_harness(tmp_path: Path, feed_server: FeedServer) -> AsyncIterator[Harness]:
    async with running_bot(tmp_path, feed_server) as harness:
        yield harness
