"""Webhook mode through the same `serve()` as long polling: Telegram is told a secret token,
and a request without it (a forged update) is refused and changes nothing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.settings import TelegramSettings
from bot.telegram.app import build_application, serve
from tests.fakes import NOW
from tests.fakes.botapi import FakeBotApi, post_update
from tests.fakes.harness import OPERATOR, settings_for

USER = 1001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_bot(tmp_path: Path) -> AsyncIterator[tuple[FakeBotApi, str]]:
    """The bot serving a webhook on 127.0.0.1; yields the fake and the webhook's URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    fake = FakeBotApi().start()
    options = TelegramSettings(webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port)
    settings = settings_for(fake, [], tmp_path, telegram=options)
    app = build_application(settings, clock=FrozenClock(NOW))
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, settings, stop))
    try:
        await asyncio.to_thread(fake.wait_for_call, "setWebhook", 1, 10.0)
        # Telegram retries an update until the bot's server answers: once this one is
        # answered, the server is up.
        fake.push_message(USER, USER, "/help")
        await asyncio.to_thread(fake.wait_for_sent, 1, USER, 10.0)
        yield fake, url
    finally:
        stop.set()
        await serving
        fake.stop()


def update_from(user: int, text: str, update_id: int = 1) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": user, "is_bot": False, "first_name": "Ann"},
            "chat": {"id": user, "type": "private", "first_name": "Ann"},
            "date": 1766329200,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.find(" ")}],
        },
    }


async def test_telegram_is_told_a_secret_token_for_the_webhook(
    webhook_bot: tuple[FakeBotApi, str],
) -> None:
    fake, url = webhook_bot
    registered = fake.webhook()
    assert registered["url"] == url
    assert registered["secret_token"] and len(registered["secret_token"]) >= 32


async def test_a_forged_update_from_an_operators_id_is_refused_and_changes_nothing(
    webhook_bot: tuple[FakeBotApi, str],
) -> None:
    fake, url = webhook_bot
    forged = update_from(OPERATOR, "/addfeed https://evil.example/rss")
    answered = len(fake.calls("sendMessage"))
    without = await asyncio.to_thread(post_update, url, forged, None)
    wrong = await asyncio.to_thread(post_update, url, forged, "guessed-secret")
    assert (without, wrong) == (403, 403)
    assert len(fake.calls("sendMessage")) == answered  # not answered, not acted on


async def test_a_genuine_update_pushed_by_telegram_is_answered(
    webhook_bot: tuple[FakeBotApi, str],
) -> None:
    fake, _ = webhook_bot
    fake.push_message(USER, USER, "/start")  # Telegram pushes it with the secret token
    reply = (await asyncio.to_thread(fake.wait_for_sent, 2, USER, 10.0))[-1]
    assert "I watch the news for you" in reply["visible_text"]
    assert fake.webhook_answers() == [200, 200]
