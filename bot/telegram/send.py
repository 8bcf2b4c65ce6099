"""Delivering outbox messages through the Telegram Bot API, with typed outcomes.

Pacing is not done here: the bot's rate limiter (`bot.telegram.pacing`) paces every message the
bot sends, and the channel only marks its sends as bulk, so replies to users go first. Every
answer Telegram can give becomes a ``SendOutcome`` (see ``bot.deliver.channel``); only a bug
(e.g. an uninitialized ``Bot``) raises.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.deliver.channel import (
    ChatGone,
    Migrated,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)
from bot.telegram.pacing import PacedRateLimiter, Pacer, Paused, Priority, retry_after_seconds

__all__ = ["TelegramChannel", "markup", "outcome_for_error"]

log = logging.getLogger(__name__)

# BadRequest descriptions that mean this chat (or its topic) will not take messages from us
# again; matched case-insensitively because PTB re-capitalises descriptions.
_CHAT_GONE_MARKERS = (
    "chat not found",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
    "not enough rights",
    "have no rights to send",
    "need administrator rights",
    "chat_write_forbidden",
    "group chat was deactivated",
    "peer_id_invalid",
)
_NOT_MODIFIED = "message is not modified"


class TelegramChannel:
    """The production ``Channel``: the application's bot, paced by its `PacedRateLimiter`.

    The bot must be initialized by whoever owns it; the channel never starts or stops it.
    """

    def __init__(self, bot: ExtBot[Priority], *, timeout_backoff: float = 5.0) -> None:
        if not isinstance(bot.rate_limiter, PacedRateLimiter):
            raise TypeError("TelegramChannel needs a bot paced by a PacedRateLimiter")
        self._bot = bot
        self._pacer: Pacer = bot.rate_limiter.pacer
        self._timeout_backoff = timeout_backoff

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        """Try once to deliver `message`; waits for pacing, never raises for Telegram's answers.

        Sends to one chat go out one at a time, in the order they were called, so a 429 for the
        chat is known before its next message is tried; while a chat is paused its messages are
        refused without asking Telegram.
        """
        try:
            message_id = await self._deliver(message)
        except Paused as exc:
            outcome: SendOutcome = Retry(
                after=retry_after_seconds(exc),
                reason="chat paused by flood control",
                chat_wide=True,
            )
            log.info(
                "outbox %s chat %s: chat paused by flood control for %.1fs more; not sent",
                message.outbox_id,
                message.chat_id,
                retry_after_seconds(exc),
            )
            return outcome
        except TelegramError as exc:
            outcome = outcome_for_error(
                exc, editing=message.edit_message_id is not None, backoff=self._timeout_backoff
            )
            if isinstance(outcome, Sent):  # "message is not modified": the edit is in place
                outcome = Sent(message.edit_message_id)
            outcome = self._redacted(outcome)
            _log_outcome(message, outcome, exc)
            return outcome
        log.debug(
            "outbox %s chat %s: delivered as message %s",
            message.outbox_id,
            message.chat_id,
            message_id,
        )
        return Sent(message_id)

    async def ready(self, chat_id: int) -> None:
        await self._pacer.wait_ready(chat_id)

    def spacing(self, chat_id: int) -> float:
        return self._pacer.pacing.interval(chat_id)

    def has_capacity(self, chat_id: int) -> bool:
        """Whether a send to `chat_id` would go out now, without waiting or being paused."""
        return self._pacer.has_capacity(chat_id)

    async def _deliver(self, message: OutgoingMessage) -> int | None:
        buttons = markup(((b.text, b.data) for b in row) for row in message.buttons)
        preview = LinkPreviewOptions(is_disabled=message.disable_preview)
        if message.edit_message_id is not None:
            edited = await self._bot.edit_message_text(
                text=message.text,
                chat_id=message.chat_id,
                message_id=message.edit_message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=preview,
                reply_markup=buttons,
                rate_limit_args=Priority.BULK,
            )
            if isinstance(edited, telegram.Message):
                return edited.message_id
            return message.edit_message_id
        reply_to = None
        if message.reply_to_message_id is not None:
            reply_to = ReplyParameters(
                message_id=message.reply_to_message_id, allow_sending_without_reply=True
            )
        sent = await self._bot.send_message(
            chat_id=message.chat_id,
            text=message.text,
            parse_mode=ParseMode.HTML,
            link_preview_options=preview,
            reply_parameters=reply_to,
            message_thread_id=message.thread_id,
            reply_markup=buttons,
            rate_limit_args=Priority.BULK,
        )
        return sent.message_id

    def _redacted(self, outcome: SendOutcome) -> SendOutcome:
        """Never let the token reach a log line or the outbox table."""
        token = self._bot.token
        if isinstance(outcome, Retry | ChatGone | Rejected) and token and token in outcome.reason:
            return dataclasses.replace(outcome, reason=outcome.reason.replace(token, "<token>"))
        return outcome


def outcome_for_error(exc: TelegramError, *, editing: bool, backoff: float) -> SendOutcome:
    """What a refusal from Telegram means for the outbox (a pure mapping, most specific first).

    ``BadRequest`` and ``TimedOut`` are subclasses of ``NetworkError`` in PTB, so the order of
    the checks matters. A "message is not modified" answer to an edit is returned as
    ``Sent(None)``: the caller knows which message it edited.
    """
    text = exc.message
    lowered = text.lower()
    if isinstance(exc, RetryAfter):
        return Retry(
            after=retry_after_seconds(exc), reason=f"flood control: {text}", chat_wide=True
        )
    if isinstance(exc, ChatMigrated):
        return Migrated(new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return ChatGone(reason=text)
    if isinstance(exc, BadRequest):
        if editing and _NOT_MODIFIED in lowered:
            return Sent(message_id=None)
        if any(marker in lowered for marker in _CHAT_GONE_MARKERS):
            return ChatGone(reason=text)
        return Rejected(reason=text)
    if isinstance(exc, TimedOut):
        return Retry(after=backoff, reason=f"timed out: {text}")
    if isinstance(exc, NetworkError):  # includes 5xx answers such as "Bad Gateway"
        return Retry(after=backoff, reason=f"network error: {text}")
    # InvalidToken, Conflict or anything newer: a configuration or server problem, not this
    # message's fault; keep it for later instead of failing it or dropping the chat.
    return Retry(after=backoff, reason=f"{type(exc).__name__}: {text}")


def markup(rows: Iterable[Iterable[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons from rows of (label, callback data); None when there are none."""
    keyboard = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows
    ]
    return InlineKeyboardMarkup(keyboard) if any(keyboard) else None


def _log_outcome(message: OutgoingMessage, outcome: SendOutcome, exc: TelegramError) -> None:
    ids = (message.outbox_id, message.chat_id)
    kind = type(exc).__name__
    if isinstance(outcome, Sent):
        log.info("outbox %s chat %s: edit changed nothing; counted as sent", *ids)
    elif isinstance(outcome, Migrated):
        log.info("outbox %s chat %s: chat migrated to %s", *ids, outcome.new_chat_id)
    elif isinstance(outcome, ChatGone):
        log.warning("outbox %s chat %s: chat gone (%s: %s)", *ids, kind, outcome.reason)
    elif isinstance(outcome, Rejected):
        log.error("outbox %s chat %s: rejected (%s: %s)", *ids, kind, outcome.reason)
    elif outcome.chat_wide:
        log.warning("outbox %s chat %s: paused for %.0fs (%s)", *ids, outcome.after, outcome.reason)
    elif isinstance(exc, NetworkError):
        log.warning("outbox %s chat %s: retry in %.0fs (%s)", *ids, outcome.after, outcome.reason)
    else:
        log.error("outbox %s chat %s: retry in %.0fs (%s)", *ids, outcome.after, outcome.reason)
