"""The outbox: nothing queued is lost, nothing sent is sent again, refusals are handled."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select, text

from bot.clock import FrozenClock
from bot.deliver import (
    ChatGone,
    Migrated,
    OutboxWorker,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)
from bot.store import Chat, Database, Outbox, OutboxStatus, Subscription
from tests.fakes import NOW


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


class ScriptedChannel:
    """Accepts messages, except where a script says what to answer for a chat (once each)."""

    def __init__(self, crash_after: int | None = None) -> None:
        self.delivered: list[tuple[int, str]] = []
        self.script: dict[int, list[SendOutcome]] = {}
        self.crash_after = crash_after

    async def ready(self, chat_id: int) -> None:
        """No pacing here."""

    def spacing(self, chat_id: int) -> float:
        return 0.0

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        planned = self.script.get(message.chat_id)
        if planned:
            return planned.pop(0)
        if self.crash_after is not None and len(self.delivered) >= self.crash_after:
            self.crash_after = 0  # a dead process sends nothing more
            raise Crash
        self.delivered.append((message.chat_id, message.text))
        return Sent(message_id=len(self.delivered))


def queue(db: Database, chat_ids: list[int], per_chat: int) -> list[str]:
    texts = []
    with db.session() as session:
        for chat_id in chat_ids:
            session.add(Chat(id=chat_id, created_at=NOW))
        session.flush()
        for n in range(per_chat):
            for chat_id in chat_ids:
                text = f"message {n} for {chat_id}"
                texts.append(text)
                session.add(
                    Outbox(chat_id=chat_id, kind="alert", text=text, not_before=NOW, created_at=NOW)
                )
    return texts


def statuses(db: Database) -> dict[str, str]:
    with db.session() as session:
        return {row.text: row.status for row in session.scalars(select(Outbox))}


async def test_restart_in_the_middle_of_delivery_neither_loses_nor_repeats(db: Database) -> None:
    texts = queue(db, [1, 2, 3], per_chat=4)
    clock = FrozenClock(NOW)
    first = ScriptedChannel(crash_after=5)
    with pytest.raises(BaseExceptionGroup) as died:
        await OutboxWorker(db, first, clock).drain()
    assert died.group_contains(Crash)
    second = ScriptedChannel()
    await OutboxWorker(db, second, clock).drain()
    delivered = [text for _, text in first.delivered + second.delivered]
    assert len(first.delivered) == 5
    assert sorted(delivered) == sorted(texts)  # every message once: none lost, none repeated
    assert set(statuses(db).values()) == {OutboxStatus.SENT}


async def test_messages_to_one_chat_keep_their_order(db: Database) -> None:
    queue(db, [1], per_chat=5)
    channel = ScriptedChannel()
    await OutboxWorker(db, channel, FrozenClock(NOW)).drain()
    assert [t for _, t in channel.delivered] == [f"message {n} for 1" for n in range(5)]


async def test_retry_after_pauses_only_the_chat_it_names(db: Database) -> None:
    queue(db, [1, 2], per_chat=2)
    clock = FrozenClock(NOW)
    channel = ScriptedChannel()
    channel.script[1] = [Retry(after=30, reason="429", chat_wide=True)]
    worker = OutboxWorker(db, channel, clock)
    await worker.drain()
    assert [t for c, t in channel.delivered] == ["message 0 for 2", "message 1 for 2"]
    clock.advance(seconds=29)
    await worker.drain()
    assert len(channel.delivered) == 2  # chat 1 still paused
    clock.advance(seconds=1)
    await worker.drain()
    assert [t for c, t in channel.delivered if c == 1] == ["message 0 for 1", "message 1 for 1"]


async def test_blocked_chat_is_deactivated_and_its_messages_kept(db: Database) -> None:
    queue(db, [1, 2], per_chat=2)
    channel = ScriptedChannel()
    channel.script[1] = [ChatGone("Forbidden: bot was blocked by the user")]
    await OutboxWorker(db, channel, FrozenClock(NOW)).drain()
    with db.session() as session:
        chat = session.get(Chat, 1)
        assert chat is not None and not chat.active
        assert "blocked" in (chat.inactive_reason or "")
    assert statuses(db) == {
        "message 0 for 1": OutboxStatus.UNDELIVERABLE,
        "message 1 for 1": OutboxStatus.UNDELIVERABLE,
        "message 0 for 2": OutboxStatus.SENT,
        "message 1 for 2": OutboxStatus.SENT,
    }


async def test_migrated_group_moves_with_its_subscriptions_and_is_resent(db: Database) -> None:
    queue(db, [-100], per_chat=1)
    with db.session() as session:
        session.add(Subscription(chat_id=-100, query="ceasefire", created_at=NOW))
    channel = ScriptedChannel()
    channel.script[-100] = [Migrated(new_chat_id=-1001234)]
    await OutboxWorker(db, channel, FrozenClock(NOW)).drain()
    assert channel.delivered == [(-1001234, "message 0 for -100")]
    with db.session() as session:
        assert session.get(Chat, -100) is None
        assert session.scalars(select(Subscription.chat_id)).all() == [-1001234]
        assert session.scalars(select(Outbox.status)).all() == [OutboxStatus.SENT]


async def test_rejected_message_is_kept_as_failed_and_the_next_one_goes(db: Database) -> None:
    queue(db, [1], per_chat=2)
    channel = ScriptedChannel()
    channel.script[1] = [Rejected("can't parse entities")]
    await OutboxWorker(db, channel, FrozenClock(NOW)).drain()
    assert statuses(db) == {
        "message 0 for 1": OutboxStatus.FAILED,
        "message 1 for 1": OutboxStatus.SENT,
    }


async def test_a_channel_bug_is_retried_later_not_lost(db: Database) -> None:
    queue(db, [1], per_chat=1)

    class Buggy:
        async def ready(self, chat_id: int) -> None:
            """No pacing here."""

        def spacing(self, chat_id: int) -> float:
            return 0.0

        async def send(self, message: OutgoingMessage) -> SendOutcome:
            raise RuntimeError("bug")

    clock = FrozenClock(NOW)
    await OutboxWorker(db, Buggy(), clock).drain()
    assert statuses(db) == {"message 0 for 1": OutboxStatus.PENDING}
    clock.advance(minutes=1)
    channel = ScriptedChannel()
    await OutboxWorker(db, channel, clock).drain()
    assert channel.delivered == [(1, "message 0 for 1")]


async def test_a_message_waiting_for_its_retry_holds_back_the_chats_later_ones(
    db: Database,
) -> None:
    queue(db, [1], per_chat=2)
    clock = FrozenClock(NOW)
    channel = ScriptedChannel()
    channel.script[1] = [Retry(after=30, reason="timed out")]  # not chat-wide
    worker = OutboxWorker(db, channel, clock)
    await worker.run_once()
    await worker.run_once()
    assert channel.delivered == []  # message 1 does not overtake message 0
    clock.advance(seconds=30)
    await worker.drain()
    assert [t for _, t in channel.delivered] == ["message 0 for 1", "message 1 for 1"]


async def test_a_chat_another_worker_is_claiming_is_passed_over_for_the_next(
    db: Database,
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE SKIP LOCKED) are PostgreSQL's")
    queue(db, [1], per_chat=3)  # first in line: the most messages, and queued first
    queue(db, [2], per_chat=1)
    channel = ScriptedChannel()
    with db.engine.connect() as other:  # another worker, between its SELECT and its COMMIT
        other.execute(text("SET lock_timeout = '5s'"))
        other.execute(text("SELECT id FROM chats WHERE id = 1 FOR UPDATE"))
        await OutboxWorker(db, channel, FrozenClock(NOW), chats_per_pass=1).run_once()
        other.rollback()
    assert channel.delivered == [(2, "message 0 for 2")]


class SlowChatChannel(ScriptedChannel):
    """Chat 1's pacing holds its message until every other chat's message is delivered (or,
    as a guard against a hang, a few seconds)."""

    def __init__(self, others: int) -> None:
        super().__init__()
        self.others = others
        self.others_done = asyncio.Event()

    async def ready(self, chat_id: int) -> None:
        if chat_id == 1:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.others_done.wait(), 5)

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        outcome = await super().send(message)
        if sum(chat != 1 for chat, _ in self.delivered) == self.others:
            self.others_done.set()
        return outcome


async def test_a_chat_waiting_on_its_own_pacing_does_not_hold_up_the_others(
    db: Database,
) -> None:
    queue(db, [1, 2, 3, 4, 5, 6], per_chat=1)
    channel = SlowChatChannel(others=5)
    # Two chats at a time: chat 1 and one other; the others are claimed as each finishes.
    await OutboxWorker(db, channel, FrozenClock(NOW), chats_per_pass=2).run_once()
    assert [chat for chat, _ in channel.delivered] == [2, 3, 4, 5, 6, 1]
