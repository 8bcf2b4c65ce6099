"""Queueing messages: the one way any stage puts a message in the outbox.

A message is queued in the same transaction that decided it (an alert with its `Alert` row, a
digest with the chat's next digest time), so a crash leaves both or neither; `bot.deliver` sends
what is queued and marks it sent only once the channel took it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.render import RenderedMessage
from bot.store import Outbox

__all__ = ["enqueue"]


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
    """Queue `message` for `chat_id`, due now; `kind` is an `OutboxKind`.

    `reply_to` sends it as a reply to that message; `edit_of` edits that message instead of
    sending a new one; `thread_id` is a forum topic.
    """
    row = Outbox(
        chat_id=chat_id,
        kind=kind,
        story_id=story_id,
        text=message.text,
        buttons=[[list(button) for button in line] for line in message.buttons],
        disable_preview=message.disable_preview,
        reply_to_message_id=reply_to,
        edit_message_id=edit_of,
        thread_id=thread_id,
        not_before=now,
        created_at=now,
    )
    session.add(row)
    return row
