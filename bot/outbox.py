"""Queueing messages: the one way any stage puts a message in the outbox.

A message is queued in the same transaction that decided it (an alert with its `Alert` row, a
digest with the chat's next digest time), so a crash leaves both or neither; `bot.deliver` sends
what is queued and marks it sent only once the channel took it. `enqueue` queues one message;
`enqueue_all` queues many in one set-based insert (a burst's alerts, a digest fan-out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.render import RenderedMessage
from bot.store import Outbox, OutboxStatus
from bot.store.bulk import binder, insert_bound

__all__ = ["Queued", "enqueue", "enqueue_all"]

_OUTBOX = Outbox.metadata.tables[Outbox.__tablename__]  # the table, for set-based inserts


@dataclass(frozen=True, slots=True)
class Queued:
    """A message for one chat; `kind` is an `OutboxKind`. `reply_to` sends it as a reply to
    that message, `edit_of` edits that message instead, `thread_id` is a forum topic."""

    chat_id: int
    message: RenderedMessage
    kind: str
    story_id: int | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    edit_of: int | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "chat_id": self.chat_id,
            "kind": self.kind,
            "story_id": self.story_id,
            "text": self.message.text,
            "buttons": _buttons(self.message),
            "disable_preview": self.message.disable_preview,
            "reply_to_message_id": self.reply_to,
            "edit_message_id": self.edit_of,
            "thread_id": self.thread_id,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }


def enqueue(
    session: Session,
    chat_id: int,
    message: RenderedMessage,
    *,
    kind: str,
    now: datetime,
    story_id: int | None = None,
    thread_id: int | None = None,
    reply_to: int | None = None,
    edit_of: int | None = None,
) -> Outbox:
    """Queue `message` for `chat_id`, due now."""
    queued = Queued(chat_id, message, kind, story_id, thread_id, reply_to, edit_of)
    row = Outbox(**queued.row(now))
    session.add(row)
    return row


_COLUMNS = (
    "chat_id",
    "kind",
    "story_id",
    "text",
    "buttons",
    "disable_preview",
    "reply_to_message_id",
    "edit_message_id",
    "thread_id",
    "status",
    "attempts",
    "not_before",
    "created_at",
)


def enqueue_all(session: Session, messages: Sequence[Queued], now: datetime) -> int:
    """Queue every message, due now, in one insert (the driver's own: no ORM or type work per
    row, the time converted once); returns how many."""
    if not messages:
        return 0
    as_json = binder(session, _OUTBOX.c.buttons)
    due = binder(session, _OUTBOX.c.not_before)(now)
    pending = OutboxStatus.PENDING
    rows = [
        (
            q.chat_id,
            q.kind,
            q.story_id,
            q.message.text,
            as_json(_buttons(q.message)),
            q.message.disable_preview,
            q.reply_to,
            q.edit_of,
            q.thread_id,
            pending,
            0,
            due,
            due,
        )
        for q in messages
    ]
    return insert_bound(session, _OUTBOX, _COLUMNS, rows)


def _buttons(message: RenderedMessage) -> list[list[list[str]]]:
    return [[list(button) for button in line] for line in message.buttons]
