"""The handlers' view of the application: a typed `CallbackContext` (PTB's `ContextTypes`).

Handlers reach the services through `context.services` instead of casting `bot_data` entries,
run their chat-service calls with `context.db(...)` (one transaction, in a worker thread, retried
on a lost connection), and learn where a command came from with `caller(update)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.chat.prefs import Caller
from bot.health import HealthServer
from bot.services import Services

__all__ = ["CONTEXT_TYPES", "BotData", "NewsApp", "NewsContext", "argument", "caller"]

T = TypeVar("T")


@dataclass
class BotData:
    """What the application holds for its lifetime (PTB's `bot_data`, typed)."""

    services: Services | None = None
    health: HealthServer | None = None


class NewsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:  # post_init wires them before any update is processed
            raise RuntimeError("services are not wired yet")
        return services

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction, off the event loop."""
        return await asyncio.to_thread(self.services.db.run, work)


NewsApp = Application[
    ExtBot[None], NewsContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[NewsContext]
]
CONTEXT_TYPES = ContextTypes(context=NewsContext, bot_data=BotData)


def caller(update: Update) -> Caller:
    """The chat a command came from, and its forum topic (alerts subscribed there go there)."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    thread = None
    if message is not None and message.is_topic_message and message.message_thread_id:
        thread = message.message_thread_id
    return Caller(chat.id, chat.type, chat.title or chat.full_name, thread)


def argument(update: Update) -> str:
    """Everything after the command word, as typed (quotes and spacing kept)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
