"""The outbox worker: sends what was queued, and marks it sent only once the channel took it.

Messages are sent in order within a chat and concurrently across chats. What happens next
depends only on the channel's typed answer: a retry pauses that message (or, for a 429 naming the
chat, every message to that chat) until its time; a gone chat is deactivated and its messages
kept as undeliverable; a migrated group moves to its new id and is sent to there. Nothing is ever
deleted, so a restart resends nothing already sent and loses nothing queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.deliver.channel import (
    Button,
    Channel,
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
from bot.store import Chat, Database, Outbox, OutboxKind, OutboxStatus, Subscription

__all__ = ["DeliveryReport", "OutboxWorker"]

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    rejected: int = 0
    undeliverable: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.rejected += other.rejected
        self.undeliverable += other.undeliverable


def _message(row: Outbox) -> OutgoingMessage:
    return OutgoingMessage(
        outbox_id=row.id,
        chat_id=row.chat_id,
        text=row.text,
        disable_preview=row.disable_preview,
        reply_to_message_id=row.reply_to_message_id,
        thread_id=row.thread_id,
        buttons=tuple(tuple(Button(text, data) for text, data in line) for line in row.buttons),
        edit_message_id=row.edit_message_id,
    )


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        channel: Channel,
        clock: Clock,
        *,
        batch: int = 200,
        chats_per_pass: int = 100,
        lease: float = 300.0,
        worker: str = "newsbot",
        metrics: Metrics | None = None,
        in_flight: int = 1,
    ) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self.batch = batch
        self.chats_per_pass = chats_per_pass
        self.lease = lease
        self.worker = worker
        self.metrics = metrics
        self._in_flight = asyncio.Semaphore(in_flight)
        # One pass at a time in this process: the scheduled pass and a /digest command must not
        # both send the same pending rows.
        self._pass = asyncio.Lock()

    def _claim(self) -> dict[int, list[OutgoingMessage]]:
        """Take the chats to deliver to now, one worker per chat (so a chat's messages keep
        their order and its pacing): chat rows locked with SKIP LOCKED, then marked with a
        lease; a worker that dies lets the lease expire and another takes over."""
        now = self.clock.now()
        due = (
            select(Outbox.chat_id)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= now)
            .group_by(Outbox.chat_id)
            .order_by(func.min(Outbox.id))
            .limit(self.chats_per_pass * 2)
        )
        with self.db.session() as session:
            candidates = session.scalars(due).all()
            if not candidates:
                return {}
            chats = session.scalars(
                select(Chat.id)
                .where(
                    Chat.id.in_(candidates),
                    or_(Chat.claimed_until.is_(None), Chat.claimed_until < now),
                )
                .limit(self.chats_per_pass)
                .with_for_update(skip_locked=True)
            ).all()
            if not chats:
                return {}
            session.execute(
                update(Chat)
                .where(Chat.id.in_(chats))
                .values(
                    claimed_by=self.worker,
                    claimed_until=now + timedelta(seconds=self.lease),
                )
            )
        with self.db.session() as session:
            rows = session.scalars(
                select(Outbox)
                .where(
                    Outbox.chat_id.in_(chats),
                    Outbox.status == OutboxStatus.PENDING,
                    Outbox.not_before <= now,
                )
                .order_by(Outbox.id)
                .limit(self.batch)
            ).all()
            by_chat: dict[int, list[OutgoingMessage]] = defaultdict(list)
            for row in rows:
                by_chat[row.chat_id].append(_message(row))
        return by_chat

    def _release(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(Chat)
                .where(Chat.claimed_by == self.worker)
                .values(claimed_by=None, claimed_until=None)
            )

    async def run_once(self) -> DeliveryReport:
        """Send every message that is due now; returns what happened to them."""
        async with self._pass:
            return await self._run_once()

    async def _run_once(self) -> DeliveryReport:
        by_chat = await asyncio.to_thread(self._claim)
        report = DeliveryReport()
        if not by_chat:
            return report
        try:
            # A TaskGroup, not gather: if one chat's task dies (cancellation, shutdown), the
            # others are stopped and awaited first, so no send outlives the pass that claimed it.
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._send_chat(msgs)) for msgs in by_chat.values()]
        finally:
            await asyncio.shield(asyncio.to_thread(self._release))
        for task in tasks:
            report.add(task.result())
        return report

    async def drain(self, max_passes: int = 100) -> DeliveryReport:
        """Send until nothing is due (the demo and `ingest --once` use this)."""
        total = DeliveryReport()
        for _ in range(max_passes):
            report = await self.run_once()
            total.add(report)
            if report.sent + report.rejected + report.undeliverable == 0:
                break
        return total

    async def _send_chat(self, messages: list[OutgoingMessage]) -> DeliveryReport:
        report = DeliveryReport()
        for message in messages:
            outcome = await self._send(message)
            if isinstance(outcome, Migrated):
                moved = OutgoingMessage(**{**message.__dict__, "chat_id": outcome.new_chat_id})
                outcome = await self._send(moved)
            if isinstance(outcome, Sent):
                report.sent += 1
            elif isinstance(outcome, Retry):
                report.retried += 1
                break  # keep the chat's order: the rest waits for this one
            elif isinstance(outcome, Rejected):
                report.rejected += 1
            elif isinstance(outcome, ChatGone):
                report.undeliverable += 1
                if not _topic_gone(message, outcome):
                    break  # the whole chat is gone; a closed topic leaves the rest of it
        return report

    async def _send(self, message: OutgoingMessage) -> SendOutcome:
        """Send one message and write down the answer, holding an in-flight slot from the
        request to the record: a crash can repeat only what was in flight, so with one slot it
        repeats at most the one message Telegram may have taken but we had not noted yet.

        A stop (cancellation) does not interrupt a send under way: the request may already
        have reached Telegram, so it is finished and recorded first, then the stop proceeds.
        """
        await self.channel.ready(message.chat_id)  # not in a slot: this may take seconds
        async with self._in_flight:
            attempt = asyncio.ensure_future(self._send_and_record(message))
            try:
                return await asyncio.shield(attempt)
            except asyncio.CancelledError:
                await attempt
                raise

    async def _send_and_record(self, message: OutgoingMessage) -> SendOutcome:
        try:
            outcome = await self.channel.send(message)
        except Exception as exc:  # a channel bug must not lose the message: retry it later
            log.exception("outbox %s chat %s: channel raised", message.outbox_id, message.chat_id)
            outcome = Retry(after=60.0, reason=f"{type(exc).__name__}: {exc}")
        await asyncio.to_thread(self._record, message, outcome)
        return outcome

    def _record(self, message: OutgoingMessage, outcome: SendOutcome) -> None:
        """Write down what the channel answered; retried on a lost connection, since a send
        that is not recorded would be sent again."""
        self.db.run(lambda session: self._apply(session, message, outcome))

    def _apply(self, session: Session, message: OutgoingMessage, outcome: SendOutcome) -> None:
        now = self.clock.now()
        row = session.get(Outbox, message.outbox_id)
        if row is None:
            return
        row.attempts += 1
        if isinstance(outcome, Sent):
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.sent_by = self.worker
            if self.metrics is not None:
                self.metrics.sent(row.kind)
            row.message_id = outcome.message_id
            row.last_error = None
            log.info("outbox %s chat %s: sent", row.id, row.chat_id)
        elif isinstance(outcome, Retry):
            row.last_error = outcome.reason
            if self.metrics is not None:
                self.metrics.retry("429" if outcome.chat_wide else "error")
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
                "outbox %s chat %s: retry in %.0fs (%s)",
                row.id,
                row.chat_id,
                outcome.after,
                outcome.reason,
            )
        elif isinstance(outcome, Rejected):
            row.status = OutboxStatus.FAILED
            row.last_error = outcome.reason
            log.error("outbox %s chat %s: rejected: %s", row.id, row.chat_id, outcome.reason)
        elif isinstance(outcome, ChatGone) and _topic_gone(message, outcome):
            _close_topic(session, row, outcome.reason, now)
        elif isinstance(outcome, ChatGone):
            _deactivate(session, row.chat_id, outcome.reason)
            pause_destination(session, row.chat_id, outcome.reason, now)
            if self.metrics is not None:
                self.metrics.chat_gone()
        elif isinstance(outcome, Migrated):
            _migrate(session, row.chat_id, outcome.new_chat_id)


TOPIC_MARKERS = ("topic_closed", "topic_deleted", "message thread not found")


def _topic_gone(message: OutgoingMessage, outcome: ChatGone) -> bool:
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
