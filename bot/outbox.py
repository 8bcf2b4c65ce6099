"""Queueing messages: the one way any stage puts a message in the outbox.

A message is queued in the same transaction that decided it (an alert with its `Alert` row, a
digest with the chat's next digest time), so a crash leaves both or neither; `bot.deliver` sends
what is queued and marks it sent only once the channel took it. `enqueue` queues one message;
`enqueue_all` queues many in one set-based insert (a digest fan-out); `enqueue_drafts` queues a
story's alerts as drafts, rendered when the worker claims them (`bot.alerts.drafts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.render import RenderedMessage
from bot.store import Outbox, OutboxKind, OutboxStatus
from bot.store.bulk import binder, insert_bound

__all__ = ["ButtonsTemplate", "Queued", "enqueue", "enqueue_all", "enqueue_drafts"]

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
            "buttons": _rows(self.message.buttons),
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
            as_json(_rows(q.message.buttons)),
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


Buttons = tuple[tuple[tuple[str, str], ...], ...]  # as `RenderedMessage.buttons`


def _rows(buttons: Buttons) -> list[list[list[str]]]:
    return [[list(button) for button in line] for line in buttons]


_DRAFT_COLUMNS = (
    *(c for c in _COLUMNS if c not in ("reply_to_message_id", "edit_message_id")),
    "draft",
)
NO_BUTTONS = "[]"  # the stored buttons of a message without any, as `ButtonsTemplate` gives them


def enqueue_drafts(
    session: Session,
    story_id: int,
    rows: Sequence[tuple[int, str, str, int | None]],
    now: datetime,
) -> int:
    """Queue the alerts of one story as drafts (`bot.alerts.drafts`: rendered when claimed),
    due now, in one insert; each row is (chat, draft, buttons as stored: `ButtonsTemplate`'s
    or `NO_BUTTONS`, topic). Stored without a `Queued` per chat: a burst queues tens of
    thousands of alerts at once."""
    if not rows:
        return 0
    due = binder(session, _OUTBOX.c.not_before)(now)
    pending, alert = OutboxStatus.PENDING, OutboxKind.ALERT
    bound = [
        (chat, alert, story_id, "", buttons, False, thread, pending, 0, due, due, draft)
        for chat, draft, buttons, thread in rows
    ]
    return insert_bound(session, _OUTBOX, _DRAFT_COLUMNS, bound)


class ButtonsTemplate:
    """Buttons that differ from one chat to the next by one number only (an alert's, which
    name the chat's own subscription), as the outbox stores them: dumped to JSON once, each
    chat's then a join of the parts around the number."""

    _PROBES = (7_390_256_148_903, 5_018_274_639_521)  # numbers no label or other id holds

    def __init__(self, session: Session, make: Callable[[int], Buttons]) -> None:
        self._text = _json_text(session)
        self._make = make
        first, second = (self._text(_rows(make(probe))) for probe in self._PROBES)
        self._parts: list[str] | None = first.split(str(self._PROBES[0]))
        if str(self._PROBES[1]).join(self._parts) != second:  # the number is not all that varies
            self._parts = None

    def __call__(self, number: int) -> str:
        if self._parts is None:
            return self._text(_rows(self._make(number)))
        return str(number).join(self._parts)


def _json_text(session: Session) -> Callable[[Any], str]:
    """The JSON text the buttons column receives for a value on this session's database: the
    column type's own conversion, or, where that leaves the dump to the driver (psycopg's
    `Json`, which dumps with `json.dumps`), the same dump done here. Either is a literal the
    untyped insert of `insert_bound` passes to the column as it is."""
    convert = binder(session, _OUTBOX.c.buttons)

    def text(value: Any) -> str:
        found = convert(value)
        return found if isinstance(found, str) else json.dumps(value)

    return text
