"""Channels as destinations: `/subscribe ceasefire --to @mychannel` from a private chat.

The Telegram adapter checks with Telegram that the user administers the channel and that the bot
may post there; what is decided here is how the request reads and what is stored: the channel is
a chat row of its own (its alerts and digests go there), and each query sent there remembers the
private chat that owns it, which lists and changes it and is told if the channel is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.chat.prefs import ensure_chat
from bot.errors import ChatError
from bot.settings import Settings
from bot.store import Chat, Subscription

__all__ = ["TO_HELP", "Destination", "open_channel", "resume_channel", "split_destination"]

TO_HELP = "Send alerts to a channel: /subscribe ceasefire --to @mychannel (or the channel's id)"
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_CHAT_ID = re.compile(r"-100[0-9]{6,13}|-[0-9]{5,15}")


@dataclass(frozen=True)
class Destination:
    """A channel the bot may post to, as Telegram describes it."""

    chat_id: int
    title: str
    username: str | None = None

    @property
    def label(self) -> str:
        return f"@{self.username}" if self.username else self.title


def split_destination(text: str) -> tuple[str, str | int | None]:
    """The query with its `--to` target taken out, and the target: `@name` or a chat id
    (None when the query goes to this chat). ChatError for a target that cannot be a channel."""
    words = text.split()
    kept: list[str] = []
    target: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        lowered = word.lower()
        if lowered == "--to" or lowered.startswith("--to="):
            value = word.partition("=")[2]
            if not value and i + 1 < len(words):
                i += 1
                value = words[i]
            if not value or target is not None:
                raise ChatError(f"--to takes one channel. {TO_HELP}")
            target = value
        else:
            kept.append(word)
        i += 1
    if target is None:
        return text, None
    if _USERNAME.fullmatch(target):
        return " ".join(kept), target
    if _CHAT_ID.fullmatch(target):
        return " ".join(kept), int(target)
    shown = target if len(target) <= 40 else target[:40] + "…"
    raise ChatError(f"{shown!r} is not a channel's @name or id. {TO_HELP}")


def open_channel(
    session: Session, owner: Chat, channel: Destination, now: datetime, settings: Settings
) -> Chat:
    """The channel's chat row, created on its first query with its owner's digest time and
    time zone (a channel cannot run commands to set its own)."""
    existing = session.get(Chat, channel.chat_id)
    chat = ensure_chat(
        session, channel.chat_id, now, settings, type_="channel", title=channel.title
    )
    if existing is None:
        chat.timezone, chat.digest_time = owner.timezone, owner.digest_time
        chat.next_digest_at = owner.next_digest_at
    return chat


def resume_channel(session: Session, owner_id: int, channel_id: int) -> None:
    """The bot may post to the channel again (just checked): the owner's queries paused there
    when it was lost run again."""
    session.execute(
        update(Subscription)
        .where(
            Subscription.chat_id == channel_id,
            Subscription.owner_chat_id == owner_id,
            Subscription.paused_reason.is_not(None),
        )
        .values(paused_reason=None)
    )
