"""The outbox worker: sends what was queued, and marks it sent only once the channel took it.

Messages are sent in order within a chat and concurrently across chats. What happens next
depends only on the channel's typed answer (`bot.deliver.record`): a retry pauses that message
(or, for a 429 naming the chat, every message to that chat) until its time; a gone chat is
deactivated and its messages kept as undeliverable; a migrated group moves to its new id and is
sent to there. Nothing is ever deleted, so a restart resends nothing already sent and loses
nothing queued.

A pass streams rather than sending a batch and waiting for its slowest chat: it holds up to
`chats_per_pass` chats, each sending its few claimed messages as its own pacing allows, and
claims more chats as others finish. A chat's own limit (1 a second, 20 a minute for a group)
therefore never leaves the overall budget idle while other chats have messages ready, which is
what held alerts to 72% of 30/s when a pass waited for the chat with the most messages in it.
Among the chats at the head of the queue, a claim takes those whose messages will take longest
(several messages, a group's 3 s spacing) first, so that a fan-out does not end on a few such
chats sending alone, below the overall rate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.alerts.drafts import AlertDrafts, Draft
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
from bot.deliver.claims import PER_CHAT, lock_free, longest_first
from bot.deliver.record import record_outcome, topic_gone
from bot.memory import return_free_memory
from bot.metrics import Metrics
from bot.store import Chat, Database, Outbox, OutboxStatus

__all__ = ["DeliveryReport", "OutboxWorker"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds between two claims of one pass: at 30 sends a second a claim refills some 15 chats,
# and the claim runs at most twice a second.
REFILL_SECONDS = 0.5
# A pass that sent this many hands the heap's free pages back (`bot.memory`); the trim costs
# milliseconds, a pass at this size a dozen seconds of sending.
BULK_PASS = 300


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


def _message(row: Any, text: str) -> OutgoingMessage:
    return OutgoingMessage(
        outbox_id=row.id,
        chat_id=row.chat_id,
        text=text,
        disable_preview=row.disable_preview,
        reply_to_message_id=row.reply_to_message_id,
        thread_id=row.thread_id,
        buttons=tuple(tuple(Button(text, data) for text, data in line) for line in row.buttons),
        edit_message_id=row.edit_message_id,
        kind=row.kind,
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
        pass_seconds: float = 60.0,
        drafts: AlertDrafts | None = None,
    ) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self.batch = batch
        self.chats_per_pass = chats_per_pass
        self.lease = lease
        self.worker = worker
        self.metrics = metrics
        # A pass stops claiming after this long and returns once its chats are done, so the
        # job's metrics and health stamp move on even while the outbox never runs dry.
        self.pass_seconds = pass_seconds
        self._in_flight = asyncio.Semaphore(in_flight)
        self.drafts = drafts or AlertDrafts()  # alerts are queued as drafts, rendered here
        # One pass at a time in this process: the scheduled pass and a /digest command must not
        # both send the same pending rows.
        self._pass = asyncio.Lock()

    def _claim(self, room: int, finished: Sequence[int]) -> dict[int, list[OutgoingMessage]]:
        """Release the chats this pass is done with and take up to `room` more with messages
        due now, one worker per chat (so a chat's messages keep their order and its pacing):
        chat rows locked with SKIP LOCKED, then marked with a lease; a worker that dies lets
        the lease expire and another takes over. One transaction.

        Which chats: among those at the head of the queue (the oldest `room` * PER_CHAT due
        rows, some seconds of sending), the ones whose messages will take longest to send go
        first (`longest_first`), then the oldest."""
        now = self.clock.now()
        free = or_(Chat.claimed_until.is_(None), Chat.claimed_until < now)
        with self.db.session() as session:
            if finished:
                self._unclaim(session, finished)
            # The due rows in the order of their index (status, not_before): no grouping or
            # sorting of the whole queue, which at 70,000 pending rows took 0.4 s a claim.
            due = session.scalars(
                select(Outbox.chat_id)
                .join(Chat, Chat.id == Outbox.chat_id)
                .where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= now, free)
                .order_by(Outbox.not_before, Outbox.id)
                .limit(room * PER_CHAT)
            ).all()
            chats = lock_free(session, longest_first(due, self.channel.spacing), room, free)
            by_chat = self._due_in_order(session, chats, now) if chats else {}
            if by_chat:
                session.execute(
                    update(Chat)
                    .where(Chat.id.in_(list(by_chat)))
                    .values(
                        claimed_by=self.worker,
                        claimed_until=now + timedelta(seconds=self.lease),
                    )
                )
        return by_chat

    def _due_in_order(
        self, session: Session, chats: Sequence[int], now: datetime
    ) -> dict[int, list[OutgoingMessage]]:
        """Each chat's first pending messages in order, up to the first one not due yet (a
        message waiting to be retried holds back the ones after it); the chats in the order
        given, which is the order they start sending in. Alert drafts among them are rendered
        and their texts stored here (`AlertDrafts.write`), so what is sent is what is kept."""
        per_chat = max(1, min(PER_CHAT, self.batch // len(chats)))
        # Numbered by id alone, then joined back for the text of the few kept: a chat with a
        # thousand alerts pending has every row numbered, but only the 10 kept carry their text
        # (taking the chats with the most messages first, a claim often takes such a chat).
        place = func.row_number().over(partition_by=Outbox.chat_id, order_by=Outbox.id)
        pending = (
            select(Outbox.id, place.label("place"))
            .where(Outbox.chat_id.in_(chats), _unindexed(Outbox.status) == OutboxStatus.PENDING)
            .subquery()
        )
        rows = session.execute(
            select(
                Outbox.id,
                Outbox.chat_id,
                Outbox.kind,
                Outbox.text,
                Outbox.disable_preview,
                Outbox.reply_to_message_id,
                Outbox.thread_id,
                Outbox.buttons,
                Outbox.edit_message_id,
                Outbox.not_before,
                Outbox.story_id,
                Outbox.draft,
            )
            .join(pending, pending.c.id == Outbox.id)
            .where(pending.c.place <= per_chat)
            .order_by(Outbox.id)
            .limit(self.batch)
        ).all()
        kept: list[Any] = []
        held: set[int] = set()
        for row in rows:
            if row.chat_id in held or row.not_before > now:
                held.add(row.chat_id)
                continue
            kept.append(row)
        drafts = [Draft(r.id, r.chat_id, r.story_id, r.draft) for r in kept if r.draft is not None]
        texts = self.drafts.write(session, drafts) if drafts else {}
        by_chat: dict[int, list[OutgoingMessage]] = {chat: [] for chat in chats}
        for row in kept:
            text = texts.get(row.id, row.text)
            if text is not None:
                by_chat[row.chat_id].append(_message(row, text))
        return {chat: messages for chat, messages in by_chat.items() if messages}

    def _unclaim(self, session: Session, chats: Sequence[int]) -> None:
        session.execute(
            update(Chat)
            .where(Chat.id.in_(chats), Chat.claimed_by == self.worker)
            .values(claimed_by=None, claimed_until=None)
        )

    def _release(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(Chat)
                .where(Chat.claimed_by == self.worker)
                .values(claimed_by=None, claimed_until=None)
            )

    async def run_once(self) -> DeliveryReport:
        """Send every message that is due now (for at most `pass_seconds` of claiming);
        returns what happened to them."""
        async with self._pass:
            report = await self._run_once()
        if report.sent >= BULK_PASS:  # a fan-out's rows and requests are garbage now
            return_free_memory()
        return report

    async def _run_once(self) -> DeliveryReport:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.pass_seconds
        closing: asyncio.Future[None] = loop.create_future()
        report = DeliveryReport()
        running: dict[asyncio.Task[None], int] = {}  # a chat's sending task, and the chat
        finished: list[int] = []  # chats done, released by the next claim
        may_find = True  # false once a claim found nothing and no chat has finished since
        try:
            # A TaskGroup, not gather: if one chat's task dies (cancellation, shutdown), the
            # others are stopped and awaited first, so no send outlives the pass that claimed it.
            async with asyncio.TaskGroup() as group:
                while True:
                    room = self.chats_per_pass - len(running)
                    claimed_at = loop.time()
                    if may_find and room > 0 and claimed_at < deadline:
                        released, finished = finished, []
                        claim = asyncio.to_thread(self._claim, room, released)
                        claimed = await _uninterrupted(claim)
                        may_find = bool(claimed)
                        for messages in claimed.values():
                            task = group.create_task(self._send_chat(messages, report, closing))
                            running[task] = messages[0].chat_id
                    elif claimed_at >= deadline and not closing.done():
                        closing.set_result(None)  # chats waiting on their own pacing stop
                    if not running:
                        break
                    # Wait for a chat to finish (or the deadline), then let a few more finish
                    # before claiming again, so claims stay a few a second.
                    claiming = may_find and not closing.done()
                    until_deadline = max(0.0, deadline - loop.time()) if claiming else None
                    done, _ = await asyncio.wait(
                        running, timeout=until_deadline, return_when=asyncio.FIRST_COMPLETED
                    )
                    pause = claimed_at + REFILL_SECONDS - loop.time()
                    if pause > 0 and len(done) < len(running):
                        more, _ = await asyncio.wait(running, timeout=pause)
                        done |= more
                    for task in done:
                        finished.append(running.pop(task))
                        may_find = True
        finally:
            if not closing.done():
                closing.set_result(None)
            await asyncio.shield(asyncio.to_thread(self._release))
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

    async def _send_chat(
        self, messages: list[OutgoingMessage], report: DeliveryReport, closing: asyncio.Future[None]
    ) -> None:
        for message in messages:
            if not await self._ready(message.chat_id, closing):
                break  # the pass is ending: the rest stays queued for the next one
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
                if not topic_gone(message, outcome):
                    break  # the whole chat is gone; a closed topic leaves the rest of it

    async def _ready(self, chat_id: int, closing: asyncio.Future[None]) -> bool:
        """Wait until the chat's own pacing lets its next message go (not in an in-flight
        slot: this may take seconds); false when the pass ends first."""
        ready = asyncio.ensure_future(self.channel.ready(chat_id))
        if not ready.done():
            await asyncio.wait((ready, closing), return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            ready.result()
            return True
        ready.cancel()
        return False

    async def _send(self, message: OutgoingMessage) -> SendOutcome:
        """Send one message and write down the answer, holding an in-flight slot from the
        request to the record: a crash can repeat only what was in flight, so with one slot it
        repeats at most the one message Telegram may have taken but we had not noted yet.

        A stop (cancellation) does not interrupt a send under way: the request may already
        have reached Telegram, so it is finished and recorded first, then the stop proceeds.
        """
        async with self._in_flight:
            return await _uninterrupted(self._send_and_record(message))

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
        now = self.clock.now()
        self.db.run(
            lambda session: record_outcome(
                session, message, outcome, now=now, worker=self.worker, metrics=self.metrics
            )
        )


def _unindexed(column: Any) -> Any:
    """`column` as an expression no index serves. Without statistics SQLite answers "these
    chats' pending rows" through the (status, not_before) index, walking every pending row of
    the queue (0.1 s at 70,000), instead of through the chat_id index (each chat's few rows)."""
    return func.coalesce(column, "")


async def _uninterrupted(work: Awaitable[T]) -> T:
    """`work` carried to its end even if the caller is cancelled meanwhile (then the
    cancellation proceeds): a send Telegram may have taken is recorded, a claim committed in
    its thread is known and released, rather than left behind."""
    attempt = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(attempt)
    except asyncio.CancelledError:
        await attempt
        raise
