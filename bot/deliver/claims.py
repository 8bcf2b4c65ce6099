"""Which chats a claim of the outbox worker takes: those whose messages take longest first,
and only those no other worker holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import Chat

__all__ = ["PER_CHAT", "lock_free", "longest_first"]

# At most this many rows of one chat per claim: a group's 10 take half a minute at 20 a
# minute, well inside the lease, and a chat with hundreds queued does not crowd out the others
# of its claim (it is claimed again, in order, once these are sent).
PER_CHAT = 10


def longest_first(due: Sequence[int], spacing: Callable[[int], float]) -> list[int]:
    """The chats of `due` (a chat id per due row, oldest first), those whose messages take
    longest to send first: (rows - 1) times the chat's own spacing, a group's 3 s between two
    messages counting three times a private chat's 1 s. Longest-processing-time-first: a chat
    with several messages that started last would finish last, alone, its spacing leaving the
    overall budget idle (a 100,000-chat digest fan-out lost 7% of 30/s to that tail). Ties,
    every chat with one message among them, keep the queue's order."""
    rows = Counter(due)
    first_seen = list(dict.fromkeys(due))
    return sorted(first_seen, key=lambda chat: -(min(rows[chat], PER_CHAT) - 1) * spacing(chat))


def lock_free(session: Session, ranked: list[int], room: int, free: Any) -> list[int]:
    """The first `room` chats of `ranked` that are free, locked (SKIP LOCKED: a chat another
    worker is claiming right now is passed over, and the next of `ranked` taken), in order."""
    taken: list[int] = []
    rest = ranked
    while rest and len(taken) < room:  # more than once only when another worker holds some
        wanted, rest = rest[: room - len(taken)], rest[room - len(taken) :]
        locked = set(
            session.scalars(
                select(Chat.id).where(Chat.id.in_(wanted), free).with_for_update(skip_locked=True)
            )
        )
        taken += [chat for chat in wanted if chat in locked]
    return taken
