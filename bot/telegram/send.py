"""Delivering outbox messages through the Telegram Bot API, paced and with typed outcomes.

Telegram's limits are about 30 messages a second overall, one a second to a private chat and 20 a
minute to a group; going over earns a 429 with ``retry_after``. PTB's ``AIORateLimiter`` is not
used: it does not pace private chats, does not retry by default, and one 429 halts every chat.
Here each chat has its own leaky bucket (plus one overall), and a 429 pauses only the chat it
names: while the pause lasts, sends to that chat answer ``Retry`` without asking Telegram, and
the other chats carry on.

Every answer Telegram can give becomes a ``SendOutcome`` (see ``bot.deliver.channel``); only a
bug (e.g. an uninitialized ``Bot``) raises.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dtm
import itertools
import logging
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import telegram
from aiolimiter import AsyncLimiter
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
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
from telegram.warnings import PTBDeprecationWarning

from bot.deliver.channel import (
    ChatGone,
    Migrated,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)

__all__ = ["Pacing", "TelegramChannel", "markup", "outcome_for_error", "reply"]

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
_MAX_LANES = 4096


@dataclass(frozen=True)
class Pacing:
    """Telegram's broadcast limits: overall per second, per private chat, per group."""

    overall_per_second: float = 30
    private_per_second: float = 1
    group_per_minute: float = 20

    def __post_init__(self) -> None:
        for name in ("overall_per_second", "private_per_second", "group_per_minute"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Pacing.{name} must be positive, got {getattr(self, name)!r}")

    def interval(self, chat_id: int) -> float:
        """Seconds between two messages to one chat; private chats are the positive ids."""
        if chat_id > 0:
            return 1 / self.private_per_second
        return 60 / self.group_per_minute


@dataclass
class _Lane:
    """One chat's way out: a depth-1 bucket spaces its sends evenly (never a burst, which keeps
    a group inside both "1 a second" and "20 a minute"); the lock lets one send through at a
    time, in order."""

    bucket: AsyncLimiter
    turn: asyncio.Lock


class TelegramChannel:
    """The production ``Channel``: one ``telegram.Bot``, paced per chat and overall.

    The bot must be initialized (``await bot.initialize()`` or ``async with bot``) by whoever
    owns it; the channel never starts or stops it. Use one channel per event loop (aiolimiter's
    buckets belong to the loop that first used them).
    """

    def __init__(
        self,
        bot: telegram.Bot,
        pacing: Pacing = Pacing(),
        *,
        timeout_backoff: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._pacing = pacing
        self._timeout_backoff = timeout_backoff
        self._clock = clock
        # A small bucket that refills at 90% of the rate, not a bucket of `rate` a second: that
        # one may burst 30 and refill, landing up to ~60 in one second, which Telegram answers
        # with 429s (measured by benchmarks/load.py). Here any one second holds at most `rate`.
        rate = pacing.overall_per_second
        burst = max(1, min(int(rate), max(3, int(rate / 10))))
        self._overall = AsyncLimiter(burst, burst / (rate * 0.9))
        self._lanes: OrderedDict[int, _Lane] = OrderedDict()
        self._paused_until: dict[int, float] = {}

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        """Try once to deliver `message`; waits for pacing, never raises for Telegram's answers.

        Sends to one chat go out one at a time, in the order they were called, so a 429 for the
        chat is known before its next message is tried.
        """
        lane = self._lane(message.chat_id)
        async with lane.turn:
            paused = self._pause_of(message)
            if paused is not None:
                return paused
            await lane.bucket.acquire()
            await self._overall.acquire()
            return await self._attempt(message)

    async def _attempt(self, message: OutgoingMessage) -> SendOutcome:
        try:
            message_id = await self._deliver(message)
        except TelegramError as exc:
            outcome = outcome_for_error(
                exc, editing=message.edit_message_id is not None, backoff=self._timeout_backoff
            )
            if isinstance(outcome, Sent):  # "message is not modified": the edit is in place
                outcome = Sent(message.edit_message_id)
            outcome = self._redacted(outcome)
            if isinstance(outcome, Retry) and outcome.chat_wide:
                self._pause(message.chat_id, outcome.after)
            _log_outcome(message, outcome, exc)
            return outcome
        log.debug(
            "outbox %s chat %s: delivered as message %s",
            message.outbox_id,
            message.chat_id,
            message_id,
        )
        return Sent(message_id)

    def has_capacity(self, chat_id: int) -> bool:
        """Whether a send to `chat_id` would go out now, without waiting or being paused.

        Lets a caller (or a test) see the pacing without spending it; must be called from the
        event loop that sends.
        """
        if self._remaining_pause(chat_id) > 0:
            return False
        lane = self._lanes.get(chat_id)
        if lane is not None and (lane.turn.locked() or not lane.bucket.has_capacity()):
            return False
        return self._overall.has_capacity()

    # ---- sending -----------------------------------------------------------------------------

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
        )
        return sent.message_id

    # ---- pacing and pauses -------------------------------------------------------------------

    def _lane(self, chat_id: int) -> _Lane:
        """This chat's lane, made on first use. Past _MAX_LANES the least recently used idle
        lanes are dropped: at 30 sends a second overall they were last used minutes ago, so
        their buckets were empty anyway and forgetting them loses no pacing."""
        lane = self._lanes.get(chat_id)
        if lane is not None:
            self._lanes.move_to_end(chat_id)
            return lane
        lane = self._lanes[chat_id] = _Lane(
            bucket=AsyncLimiter(1, self._pacing.interval(chat_id)), turn=asyncio.Lock()
        )
        excess = len(self._lanes) - _MAX_LANES
        if excess > 0:
            oldest = itertools.islice(self._lanes.items(), 2 * excess + 8)
            idle = [c for c, old in oldest if c != chat_id and not old.turn.locked()]
            for old_chat_id in idle[:excess]:
                del self._lanes[old_chat_id]
        return lane

    def _pause(self, chat_id: int, seconds: float) -> None:
        now = self._clock()
        self._paused_until[chat_id] = max(self._paused_until.get(chat_id, now), now + seconds)
        if len(self._paused_until) > _MAX_LANES:  # forget pauses that are over
            self._paused_until = {c: t for c, t in self._paused_until.items() if t > now}

    def _remaining_pause(self, chat_id: int) -> float:
        until = self._paused_until.get(chat_id)
        if until is None:
            return 0.0
        remaining = until - self._clock()
        if remaining <= 0:
            del self._paused_until[chat_id]
            return 0.0
        return remaining

    def _pause_of(self, message: OutgoingMessage) -> Retry | None:
        remaining = self._remaining_pause(message.chat_id)
        if remaining <= 0:
            return None
        log.info(
            "outbox %s chat %s: chat paused by flood control for %.1fs more; not sent",
            message.outbox_id,
            message.chat_id,
            remaining,
        )
        return Retry(after=remaining, reason="chat paused by flood control", chat_wide=True)

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
            after=_retry_after_seconds(exc), reason=f"flood control: {text}", chat_wide=True
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


def _retry_after_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whether PTB gives an int (deprecated) or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def markup(rows: Iterable[Iterable[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons from rows of (label, callback data); None when there are none."""
    keyboard = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows
    ]
    return InlineKeyboardMarkup(keyboard) if any(keyboard) else None


async def reply(
    update: Update, text: str, keyboard: Iterable[Iterable[tuple[str, str]]] = ()
) -> Message:
    """Answer the message an update carries, in HTML, without a link preview."""
    message = update.effective_message
    assert message is not None
    return await message.reply_text(
        text,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=markup(keyboard),
    )


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
