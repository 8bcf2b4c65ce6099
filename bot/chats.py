"""Chats and their subscriptions: what the front end (Telegram commands, the demo) changes.

Every function takes a session and plain values and returns a typed result, so the command
layer only translates between chat messages and these calls. Limits come from the settings and
each refusal says what was wrong, since the message goes straight back to a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.digest import next_digest_at
from bot.errors import ChatError
from bot.match import Query, parse_query
from bot.settings import Settings
from bot.store import Chat, Subscription

__all__ = [
    "ChatError",
    "Options",
    "Subscribed",
    "ensure_chat",
    "number",
    "parse_clock",
    "parse_timezone",
    "set_digest_time",
    "set_quiet_hours",
    "set_timezone",
    "split_options",
    "subscribe",
    "unsubscribe",
]


def number(text: str, digits: int = 9) -> int | None:
    """`text` as a small whole number, or None. Only ASCII digits: `"²".isdigit()` is true,
    and a thousand-digit number would overflow a database column."""
    text = text.strip()
    if not text or len(text) > digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


@dataclass(frozen=True)
class Options:
    """What may follow a query: `--min-sources 2`, `--daily`, `--weekly`, `--instant`."""

    min_sources: int = 1
    frequency: str = "instant"

    def describe(self) -> str:
        parts = []
        if self.frequency != "instant":
            parts.append(f"at most {'once a day' if self.frequency == 'daily' else 'once a week'}")
        if self.min_sources > 1:
            parts.append(f"once {self.min_sources} outlets carry the story")
        return "; ".join(parts)


OPTIONS_HELP = "Options: --min-sources N (1-10), --daily, --weekly, --instant"


def split_options(text: str) -> tuple[str, Options]:
    """The query with its `--options` taken out (a query's own exclusions use a single `-`)."""
    words = text.split()
    kept: list[str] = []
    min_sources, frequency = 1, "instant"
    i = 0
    while i < len(words):
        word = words[i].lower()
        if not word.startswith("--"):
            kept.append(words[i])
        elif word in {"--daily", "--weekly", "--instant"}:
            frequency = word[2:]
        elif word.startswith("--min-sources"):
            value = word.partition("=")[2]
            if not value and i + 1 < len(words):
                i += 1
                value = words[i]
            count = number(value, 2)
            if count is None or not 1 <= count <= 10:
                raise ChatError(f"--min-sources takes a number from 1 to 10. {OPTIONS_HELP}")
            min_sources = count
        else:
            raise ChatError(f"Unknown option {words[i]}. {OPTIONS_HELP}")
        i += 1
    return " ".join(kept), Options(min_sources, frequency)


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    query: Query
    created: bool  # False: the chat already had exactly this query
    options: Options = Options()


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
    session: Session,
    chat: Chat,
    text: str,
    now: datetime,
    settings: Settings,
    *,
    thread_id: int | None = None,
) -> Subscribed:
    """Add a query (with its options) to the chat; the same query again updates its options."""
    limits = settings.limits
    text, options = split_options(text)
    query = parse_query(text, max_length=limits.max_query_length, max_terms=limits.max_query_terms)
    source = " ".join(text.split())
    existing = session.scalar(
        select(Subscription).where(Subscription.chat_id == chat.id, Subscription.query == source)
    )
    if existing is not None:
        existing.min_sources, existing.frequency = options.min_sources, options.frequency
        existing.thread_id = thread_id
        return Subscribed(existing, query, created=False, options=options)
    count = session.scalar(
        select(func.count(Subscription.id)).where(Subscription.chat_id == chat.id)
    )
    if (count or 0) >= limits.max_queries_per_chat:
        raise ChatError(
            f"This chat already has {count} queries, the most allowed. "
            "Remove one with /unsubscribe first."
        )
    sub = Subscription(
        chat_id=chat.id,
        query=source,
        created_at=now,
        min_sources=options.min_sources,
        frequency=options.frequency,
        thread_id=thread_id,
    )
    session.add(sub)
    session.flush()
    return Subscribed(sub, query, created=True, options=options)


def unsubscribe(session: Session, chat: Chat, key: str) -> str | None:
    """Remove a query by its text or its number in /list; returns the removed query."""
    subs = list(
        session.scalars(
            select(Subscription).where(Subscription.chat_id == chat.id).order_by(Subscription.id)
        )
    )
    key = " ".join(key.split())
    target = None
    position = number(key)
    if position is not None and 1 <= position <= len(subs):
        target = subs[position - 1]
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
        h, m = number(hours, 2), number(minutes or "0", 2)
        if h is not None and m == 0 and h <= 14:
            # IANA's Etc/GMT zones count the other way round: Etc/GMT-2 is UTC+2.
            return "UTC" if h == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{h}"
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise ChatError(f"{shown!r} is not a whole-hour UTC offset; try +2 or an IANA name")
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    if value not in _zone_names():
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ChatError(
            f"Unknown time zone {shown!r}. "
            "Use an IANA name like Europe/Berlin or an offset like +2."
        )
    return value


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    """The IANA names zoneinfo knows (a name, not a folder of them such as "America")."""
    return frozenset(available_timezones())


def set_timezone(chat: Chat, text: str, now: datetime) -> str:
    chat.timezone = parse_timezone(text)
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.timezone


def parse_clock(text: str, example: str = "/digesttime 07:30") -> str:
    """`7:30`, `07:30` → "07:30"; anything else is a ChatError with an example."""
    value = text.strip()
    hours, sep, minutes = value.partition(":")
    h, m = number(hours, 2), number(minutes, 2)
    if not sep or h is None or m is None or len(minutes) != 2:
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise ChatError(f"{shown!r} is not a time; use HH:MM, for example {example}")
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ChatError(f"{text!r} is not a time of day; use 00:00 to 23:59")
    return f"{h:02d}:{m:02d}"


def set_quiet_hours(chat: Chat, text: str) -> str:
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


def set_digest_time(chat: Chat, text: str, now: datetime) -> str:
    chat.digest_time = parse_clock(text)
    chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return chat.digest_time
