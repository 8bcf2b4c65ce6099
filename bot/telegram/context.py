"""The handlers' view of the application: a typed `CallbackContext` (PTB's `ContextTypes`).

Handlers reach the services through `context.services` instead of casting `bot_data` entries,
run their chat-service calls with `context.db(...)` (one transaction, in a worker thread, retried
on a lost connection), learn where a command came from with `caller(update)`, and answer with
`context.reply` / `send` / `edit`: paced by the bot's rate limiter, retried on flood control,
and handed to the outbox when Telegram still will not take them, so no answer is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from telegram import CallbackQuery, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.chat.prefs import Caller
from bot.health import HealthServer
from bot.scheduler import RunningJobs
from bot.services import Services
from bot.telegram.pacing import Priority
from bot.telegram.send import markup

__all__ = ["CONTEXT_TYPES", "BotData", "NewsApp", "NewsContext", "argument", "caller"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotData:
    """What the application holds for its lifetime (PTB's `bot_data`, typed)."""

    services: Services | None = None
    health: HealthServer | None = None
    jobs: RunningJobs = field(default_factory=RunningJobs)


class NewsContext(CallbackContext[ExtBot[Priority], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:  # post_init wires them before any update is processed
            raise RuntimeError("services are not wired yet")
        return services

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction, off the event loop."""
        return await asyncio.to_thread(self.services.db.run, work)

    async def reply(self, update: Update, text: str, keyboard: Keyboard = ()) -> None:
        """Answer the message an update carries (in its forum topic), in HTML, no preview."""
        message = update.effective_message
        assert message is not None
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            await message.reply_text(
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup(keyboard),
            )
        except TelegramError as exc:
            await self._later(exc, message.chat_id, text, keyboard, thread_id=thread)

    async def send(self, chat_id: int, text: str, keyboard: Keyboard = ()) -> None:
        """A message to a chat that is not the answer to one (a button's follow-up)."""
        try:
            await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup(keyboard),
            )
        except TelegramError as exc:
            await self._later(exc, chat_id, text, keyboard)

    async def document(self, update: Update, data: bytes, filename: str, caption: str) -> None:
        """Answer with a file (in the message's forum topic), paced like every send. A file
        Telegram will not take now is not queued: the user asks again."""
        message = update.effective_message
        assert message is not None
        await message.reply_document(
            document=data, filename=filename, caption=caption, parse_mode=ParseMode.HTML
        )

    async def download(self, file_id: str, most: int) -> bytes | None:
        """A file a user sent, or None when it is larger than `most` bytes."""
        file = await self.bot.get_file(file_id)
        if file.file_size is not None and file.file_size > most:
            return None
        data = bytes(await file.download_as_bytearray())
        return data if len(data) <= most else None

    async def edit(self, query: CallbackQuery, text: str, keyboard: Keyboard = ()) -> None:
        """Change the message a button belongs to."""
        message = query.message
        assert message is not None
        try:
            await query.edit_message_text(
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup(keyboard),
            )
        except TelegramError as exc:
            await self._later(exc, message.chat.id, text, keyboard, edit_of=message.message_id)

    async def _later(
        self,
        exc: TelegramError,
        chat_id: int,
        text: str,
        keyboard: Keyboard,
        *,
        thread_id: int | None = None,
        edit_of: int | None = None,
    ) -> None:
        """Flood control past the rate limiter's tries, or Telegram unreachable: the message
        certainly did not arrive, so the outbox takes it. Anything else (a refusal, or a
        timeout after which it may have arrived) propagates to the error handler."""
        if not _not_delivered(exc):
            raise exc
        log.warning("chat %s: Telegram did not take a reply (%s); queued", chat_id, exc)
        await asyncio.to_thread(
            self.services.queue_reply,
            chat_id,
            text,
            keyboard=keyboard,
            thread_id=thread_id,
            edit_of=edit_of,
        )


def _not_delivered(exc: TelegramError) -> bool:
    if isinstance(exc, RetryAfter):
        return True
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest | TimedOut)


NewsApp = Application[
    ExtBot[Priority], NewsContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[NewsContext]
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
