"""The real application, through the real python-telegram-bot client, against our fake Bot API.

`running_bot` (the `bot_harness` fixture of tests/bot/conftest.py) starts the whole bot
(handlers, JobQueue, outbox, paced Telegram channel) the way `newsbot run` does, but with a
frozen clock and feeds on the local feed server. Feed polls are
driven by the test (`harness.poll()`), so a test knows when ingest has finished; delivery and the
digest jobs run on the JobQueue as in production, every 50 ms.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.ingest import PollReport
from bot.services import Services
from bot.settings import (
    DeliverySettings,
    FeedConfig,
    ScheduleSettings,
    Settings,
    TelegramSettings,
)
from bot.telegram.app import build_application
from bot.telegram.context import NewsApp
from tests.fakes import NOW
from tests.fakes.botapi import FakeBotApi
from tests.fakes.feeds import FeedServer, Route, make_feed

OPERATOR = 777
WAIT = 10.0


@dataclass
class Harness:
    fake: FakeBotApi
    app: NewsApp
    clock: FrozenClock
    feeds: FeedServer

    @property
    def services(self) -> Services:
        services = self.app.bot_data.services
        assert services is not None
        return services

    async def say(
        self, chat_id: int, text: str, *, user: int | None = None, replies: int = 1
    ) -> list[dict[str, Any]]:
        """A user writes `text`; returns the bot's next `replies` messages to that chat."""
        before = len(self.fake.sent(chat_id))
        self.fake.push_message(chat_id, user if user is not None else abs(chat_id), text)
        return (await self.wait_sent(chat_id, before + replies))[before:]

    async def send_file(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        *,
        user: int | None = None,
        mime_type: str | None = None,
        replies: int = 1,
    ) -> list[dict[str, Any]]:
        """A user sends a file; returns the bot's next `replies` messages to that chat."""
        before = len(self.fake.sent(chat_id))
        sender = user if user is not None else abs(chat_id)
        self.fake.push_document(chat_id, sender, file_name, content, mime_type=mime_type)
        return (await self.wait_sent(chat_id, before + replies))[before:]

    async def wait_documents(self, chat_id: int, total: int) -> list[dict[str, Any]]:
        """All files the bot sent to the chat once there are `total`."""
        return await asyncio.to_thread(self.fake.wait_for_documents, total, chat_id, WAIT)

    async def wait_sent(self, chat_id: int | None, total: int) -> list[dict[str, Any]]:
        """All messages to the chat once there are `total` (waits without blocking the loop)."""
        return await asyncio.to_thread(self.fake.wait_for_sent, total, chat_id, WAIT)

    async def wait_for(self, chat_id: int, needle: str) -> dict[str, Any]:
        """The first message to the chat whose visible text contains `needle`, once it came."""
        count = 1
        while True:
            messages = await self.wait_sent(chat_id, count)
            for message in messages:
                if needle in message["visible_text"]:
                    return message
            count = len(messages) + 1

    async def poll(self) -> list[PollReport]:
        """Poll the due feeds now and deliver what that queued (one outbox pass after it)."""
        reports = await self.services.pipeline.poll_due()
        await self.services.outbox.run_once()
        return reports

    @asynccontextmanager
    async def time_flowing(self, seconds_per_tick: float = 1.0) -> AsyncIterator[None]:
        """Let the frozen clock run (a simulated second every 20 ms) inside the block: for
        waits measured on it, such as flood-control pauses and outbox retries."""

        async def tick() -> None:
            while True:
                await asyncio.sleep(0.02)
                self.clock.advance(seconds=seconds_per_tick)

        ticker = asyncio.create_task(tick())
        try:
            yield
        finally:
            ticker.cancel()

    async def publish(self, path: str, *items: dict[str, object]) -> None:
        """A feed now holds `items`; time moves two minutes, so every feed is due again."""
        self.feeds.route(path, Route(make_feed(list(items))))
        self.clock.advance(minutes=2)  # the feeds' interval is one minute

    async def press(self, chat_id: int, user: int, data: str, message_id: int) -> None:
        answered = len(self.fake.answered_callbacks())
        self.fake.push_callback(chat_id, user, data, message_id)
        await asyncio.to_thread(self.fake.wait_for_call, "answerCallbackQuery", answered + 1, WAIT)


def settings_for(fake: FakeBotApi, feeds: list[str], tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "admins": [OPERATOR],
        "feeds": [
            FeedConfig(url=url, name=f"Outlet {i + 1}", interval=60) for i, url in enumerate(feeds)
        ],
        "schedule": ScheduleSettings(
            poll_interval=None, digest_interval=0.05, deliver_interval=0.05
        ),
        "delivery": DeliverySettings(
            private_per_second=1000, group_per_minute=60000, overall_per_second=1000
        ),
        "telegram": TelegramSettings(allow_private_urls=True, poll_timeout=1),
    }
    values.update(extra)
    return Settings(**values)


@asynccontextmanager
async def running_bot(
    tmp_path: Path, feed_server: FeedServer, **settings: Any
) -> AsyncIterator[Harness]:
    """The whole bot, started as `newsbot run` starts it, on three empty local feeds;
    `settings` override the harness's (e.g. `delivery=DeliverySettings()` for Telegram's
    real limits instead of none)."""
    fake = FakeBotApi().start()
    feed_server.route("/one.xml", Route(make_feed([], title="Outlet 1")))
    feed_server.route("/two.xml", Route(make_feed([], title="Outlet 2")))
    feed_server.route("/three.xml", Route(make_feed([], title="Outlet 3")))
    paths = ("/one.xml", "/two.xml", "/three.xml")
    config = settings_for(fake, [feed_server.url(p) for p in paths], tmp_path, **settings)
    clock = FrozenClock(NOW)
    app = build_application(config, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    harness = Harness(fake, app, clock, feed_server)
    try:
        yield harness
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        fake.stop()
