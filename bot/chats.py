"""Chats and their subscriptions: what the front end (Telegram commands, the demo) changes.

Every function takes a session and plain values and returns a typed result, so the command
layer only translates between chat messages and these calls. Limits come from the settings and
each refusal says what was wrong, since the message goes straight back to a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.digest import next_digest_at
from bot.match import Query, parse_query
from bot.settings import Settings
from bot.store import Chat, Subscription

__all__ = [
    "ChatError",
    "Subscribed",
    "ensure_chat",
    "parse_timezone",
    "set_digest_time",
    "set_timezone",
    "subscribe",
    "unsubscribe",
]


class ChatError(ValueError):
    """A request about a chat that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    query: Query
    created: bool  # False: the chat already had exactly this query


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


def subscribe(
    session: Session, chat: Chat, text: str, now: datetime, settings: Settings
) -> Subscribed:
    limits = settings.limits
    query = parse_query(text, max_length=limits.max_query_length, max_terms=limits.max_query_terms)
    source = " ".join(text.split())
    existing = session.scalar(
        select(Subscription).where(Subscription.chat_id == chat.id, Subscription.query == source)
    )
    if existing is not None:
        return Subscribed(existing, query, created=False)
    count = session.scalar(
        select(func.count(Subscription.id)).where(Subscription.chat_id == chat.id)
    )
    if (count or 0) >= limits.max_queries_per_chat:
        raise ChatError(
            f"This chat already has {count} queries, the most allowed. "
            "Remove one with /unsubscribe first."
        )
    sub = Subscription(chat_id=chat.id, query=source, created_at=now)
    session.add(sub)
    session.flush()
    return Subscribed(sub, query, created=True)


def unsubscribe(session: Session, chat: Chat, key: str) -> str | None:
    """Remove a query by its text or its number in /list; returns the removed query."""
    subs = list(
        session.scalars(
            select(Subscription).where(Subscription.chat_id == chat.id).order_by(Subscription.id)
        )
    )
    key = " ".join(key.split())
    target = None
    if key.isdigit() and 1 <= int(key) <= len(subs):
        target = subs[int(key) - 1]
    else:
        target = next((s for s in subs if s.query.casefold() == key.casefold()), None)
    if target is None:
        return None
    session.execute(delete(Subscription).where(Subscription.id == target.id))
    return target.query


def parse_timezone(text: str) -> str:
    """An IANA name (`Europe/Kyiv`) or a UTC offset (`+2`, `UTC-05:30`) as a zone name."""
    value = text.strip()
    candidate = value.upper().removeprefix("UTC").removeprefix("GMT").strip()
    if candidate and candidate[0] in "+-":
        sign = 1 if candidate[0] == "+" else -1
        hours, _, minutes = candidate[1:].partition(":")
        if hours.isdigit() and (not minutes or minutes.isdigit()):
            h, m = int(hours), int(minutes or 0)
            if m == 0 and h <= 14:
                # IANA's Etc/GMT zones count the other way round: Etc/GMT-2 is UTC+2.
                return "UTC" if h == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{h}"
        raise ChatError(f"{text!r} is not a whole-hour UTC offset; try +2 or an IANA name")
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ChatError(
            f"Unknown time zone {text!r}. Use an IANA name like Europe/Berlin or an offset like +2."
        ) from exc
    return value


def set_timezone(chat: Chat, text: str, now: datetime) -> str:
    chat.timezone = parse_timezone(text)
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.timezone


def set_digest_time(chat: Chat, text: str, now: datetime) -> str:
    value = text.strip()
    hours, sep, minutes = value.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ChatError(f"{text!r} is not a time; use HH:MM, for example /digesttime 07:30")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ChatError(f"{text!r} is not a time of day; use 00:00 to 23:59")
    chat.digest_time = f"{h:02d}:{m:02d}"
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.digest_time


