"""Writing down what the channel answered for one outbox message, in one transaction.

Split from the worker so the sending loop reads on its own: this module only knows what each
`SendOutcome` means for the stored rows (sent, paused, failed, a chat gone, a topic closed, a
group migrated). A plain send, by far the most common answer, is one UPDATE with no read first:
at 30 messages a second the worker writes it before the next send leaves (see `OutboxWorker`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.deliver.channel import (
    ChatGone,
    Migrated,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)
from bot.deliver.destinations import pause_destination
from bot.metrics import Metrics
from bot.outbox import enqueue
from bot.render import RenderedMessage
from bot.store import Chat, Outbox, OutboxKind, OutboxStatus, Subscription

__all__ = ["record_outcome", "topic_gone"]

log = logging.getLogger(__name__)

TOPIC_MARKERS = ("topic_closed", "topic_deleted", "message thread not found")


def record_outcome(
    session: Session,
    message: OutgoingMessage,
    outcome: SendOutcome,
    *,
    now: datetime,
    worker: str,
    metrics: Metrics | None,
) -> None:
    """Apply `outcome` to the message's row (and, for a chat-wide answer, to its chat)."""
    if isinstance(outcome, Sent):
        session.execute(
            update(Outbox)
            .where(Outbox.id == message.outbox_id)
            .values(
                status=OutboxStatus.SENT,
                sent_at=now,
                sent_by=worker,
                message_id=outcome.message_id,
                last_error=None,
                attempts=Outbox.attempts + 1,
            )
        )
        if metrics is not None:
            metrics.sent(message.kind)
        log.info("outbox %s chat %s: sent", message.outbox_id, message.chat_id)
        return
    row = session.get(Outbox, message.outbox_id)
    if row is None:
        return
    row.attempts += 1
    if isinstance(outcome, Retry):
        _retry(session, row, outcome, now, metrics)
    elif isinstance(outcome, Rejected):
        row.status = OutboxStatus.FAILED
        row.last_error = outcome.reason
        log.error("outbox %s chat %s: rejected: %s", row.id, row.chat_id, outcome.reason)
    elif isinstance(outcome, ChatGone) and topic_gone(message, outcome):
        _close_topic(session, row, outcome.reason, now)
    elif isinstance(outcome, ChatGone):
        _deactivate(session, row.chat_id, outcome.reason)
        pause_destination(session, row.chat_id, outcome.reason, now)
        if metrics is not None:
            metrics.chat_gone()
    elif isinstance(outcome, Migrated):
        _migrate(session, row.chat_id, outcome.new_chat_id)


def _retry(
    session: Session, row: Outbox, outcome: Retry, now: datetime, metrics: Metrics | None
) -> None:
    row.last_error = outcome.reason
    if metrics is not None:
        metrics.retry("429" if outcome.chat_wide else "error")
    when = now + timedelta(seconds=outcome.after)
    if outcome.chat_wide:
        session.execute(
            update(Outbox)
            .where(
                Outbox.chat_id == row.chat_id,
                Outbox.status == OutboxStatus.PENDING,
                Outbox.not_before < when,
            )
            .values(not_before=when)
        )
    row.not_before = when
    log.warning(
        "outbox %s chat %s: retry in %.0fs (%s)", row.id, row.chat_id, outcome.after, outcome.reason
    )


def topic_gone(message: OutgoingMessage, outcome: ChatGone) -> bool:
    reason = outcome.reason.lower()
    return message.thread_id is not None and any(m in reason for m in TOPIC_MARKERS)


def _close_topic(session: Session, row: Outbox, reason: str, now: datetime) -> None:
    """A forum topic closed under us: stop the queries bound to it and tell the group once,
    in its General topic, instead of retrying forever or dropping the whole chat."""
    session.execute(
        update(Outbox)
        .where(
            Outbox.chat_id == row.chat_id,
            Outbox.thread_id == row.thread_id,
            Outbox.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.UNDELIVERABLE, last_error=reason)
    )
    subs = session.scalars(
        select(Subscription).where(
            Subscription.chat_id == row.chat_id, Subscription.thread_id == row.thread_id
        )
    ).all()
    for sub in subs:
        sub.muted_until = now + timedelta(days=3650)
    queries = ", ".join(f"<code>{escape(sub.query)}</code>" for sub in subs) or "some queries"
    notice = RenderedMessage(
        f"⚠️ The topic where alerts for {queries} went is closed, so I stopped them. "
        "Send /subscribe again from an open topic to resume."
    )
    enqueue(session, row.chat_id, notice, kind=OutboxKind.NOTICE, now=now)
    log.warning(
        "chat %s topic %s closed: %d queries stopped", row.chat_id, row.thread_id, len(subs)
    )


def _deactivate(session: Session, chat_id: int, reason: str) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.active = False
        chat.inactive_reason = reason
    session.execute(
        update(Outbox)
        .where(Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.UNDELIVERABLE, last_error=reason)
    )
    log.warning("chat %s: deactivated (%s); its pending messages are kept", chat_id, reason)


def _migrate(session: Session, old_id: int, new_id: int) -> None:
    chat = session.get(Chat, old_id)
    if chat is None or session.get(Chat, new_id) is not None:
        return
    # ON UPDATE CASCADE carries subscriptions, alerts and the outbox along to the new id.
    session.execute(update(Chat).where(Chat.id == old_id).values(id=new_id))
    log.info("chat %s: migrated to %s", old_id, new_id)
