"""A chat and its preferences: created on first contact, changed by commands and buttons.

Functions take a session and plain values and return plain values; the Telegram adapter only
translates between messages and these calls. Limits and defaults come from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.chat.input import parse_clock, parse_timezone
from bot.clock import next_digest_at
from bot.errors import ChatError
from bot.settings import Settings
from bot.store import Chat, Subscription

__all__ = [
    "SUMMARY_LENGTHS",
    "Caller",
    "ChatSettings",
    "Setter",
    "apply_setting",
    "change_chat",
    "chat_settings",
    "ensure_chat",
    "forget_chat",
    "open_chat",
    "pause_alerts",
    "resume_alerts",
    "set_digest_time",
    "set_quiet_hours",
    "set_timezone",
    "settings_of",
]

SUMMARY_LENGTHS = (1, 3, 5)  # the choices /settings offers


@dataclass(frozen=True)
class Caller:
    """Where a command came from: the chat (and, in a forum, the topic)."""

    chat_id: int
    chat_type: str = "private"
    title: str | None = None
    thread_id: int | None = None


@dataclass(frozen=True)
class ChatSettings:
    """A chat's preferences as values, for replies."""

    chat_id: int
    timezone: str
    digest_time: str
    digest_enabled: bool
    alerts_mode: str  # "instant" or "digest"
    alerts_paused: bool
    summary_sentences: int
    quiet_start: str | None
    quiet_end: str | None


def ensure_chat(
    session: Session,
    chat_id: int,
    now: datetime,
    settings: Settings,
    *,
    type_: str = "private",
    title: str | None = None,
) -> Chat:
    """The chat's row, created with the configured defaults (and reactivated if it came back)."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(
            id=chat_id,
            type=type_,
            title=title,
            timezone=settings.digest.timezone,
            digest_time=settings.digest.time,
            digest_enabled=True,
            alerts_mode="instant",
            alerts_paused=False,
            summary_sentences=settings.summary.sentences,
            active=True,
            created_at=now,
        )
        chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
        session.add(chat)
        session.flush()
    elif not chat.active:
        chat.active = True
        chat.inactive_reason = None
    if title and chat.title != title:
        chat.title = title
    return chat


def open_chat(session: Session, caller: Caller, now: datetime, settings: Settings) -> Chat:
    """`ensure_chat` for the chat a command came from."""
    return ensure_chat(
        session, caller.chat_id, now, settings, type_=caller.chat_type, title=caller.title
    )


def settings_of(chat: Chat) -> ChatSettings:
    return ChatSettings(
        chat_id=chat.id,
        timezone=chat.timezone,
        digest_time=chat.digest_time,
        digest_enabled=chat.digest_enabled,
        alerts_mode=chat.alerts_mode,
        alerts_paused=chat.alerts_paused,
        summary_sentences=chat.summary_sentences,
        quiet_start=chat.quiet_start,
        quiet_end=chat.quiet_end,
    )


def chat_settings(
    session: Session, caller: Caller, now: datetime, settings: Settings
) -> ChatSettings:
    """The chat's preferences (registering the chat on first contact, as /start does)."""
    return settings_of(open_chat(session, caller, now, settings))


def set_timezone(chat: Chat, text: str, now: datetime) -> str:
    chat.timezone = parse_timezone(text)
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.timezone


def set_digest_time(chat: Chat, text: str, now: datetime) -> str:
    chat.digest_time = parse_clock(text)
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.digest_time


def set_quiet_hours(chat: Chat, text: str, now: datetime | None = None) -> str:
    """`22:00-07:00` sets the chat's quiet hours; `off` clears them."""
    value = text.strip().lower()
    if value in {"off", "none", "no"}:
        chat.quiet_start = chat.quiet_end = None
        return "off"
    start, sep, end = value.replace("–", "-").partition("-")
    if not sep:
        raise ChatError("Give a range like /quiet 22:00-07:00, or /quiet off")
    example = "/quiet 22:00-07:00"
    begin, finish = parse_clock(start, example), parse_clock(end, example)
    if begin == finish:
        raise ChatError("Quiet hours need a start and an end that differ, e.g. 22:00-07:00")
    chat.quiet_start, chat.quiet_end = begin, finish
    return f"{begin}-{finish}"


def pause_alerts(chat: Chat, text: str = "", now: datetime | None = None) -> str:
    """Instant alerts off; matches still go to the digest."""
    chat.alerts_paused = True
    return "paused"


def resume_alerts(chat: Chat, text: str = "", now: datetime | None = None) -> str:
    chat.alerts_paused = False
    return "on"


Setter = Callable[[Chat, str, datetime], str]


def change_chat(
    session: Session, caller: Caller, setter: Setter, text: str, now: datetime, settings: Settings
) -> str:
    """Apply one of the setters above to the chat a command came from; returns the value now
    in force (for the reply). A setter raises ChatError for what the user must fix."""
    return setter(open_chat(session, caller, now, settings), text, now)


def apply_setting(session: Session, chat_id: int, field: str, value: str) -> ChatSettings | None:
    """One /settings button: alert mode, summary length, digest on/off. None when the chat is
    unknown or the button is not one we offer (an old or forged callback)."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        return None
    if field == "mode" and value in {"instant", "digest"}:
        chat.alerts_mode = value
    elif field == "len" and value in {str(n) for n in SUMMARY_LENGTHS}:
        chat.summary_sentences = int(value)
    elif field == "digest" and value in {"on", "off"}:
        chat.digest_enabled = value == "on"
    else:
        return None
    return settings_of(chat)


def forget_chat(session: Session, chat_id: int) -> bool:
    """/stop, confirmed: the chat and everything it set up are deleted, with the queries it
    sent to channels."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        return False
    session.execute(delete(Subscription).where(Subscription.owner_chat_id == chat_id))
    session.delete(chat)
    return True
