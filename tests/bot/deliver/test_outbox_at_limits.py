"""The outbox through the real paced channel, against a fake Bot API that enforces Telegram's
kind of limits: a fan-out where a few chats hold several messages starts those chats first, so
they do not finish last, alone, while the overall budget sits idle; every message still goes
once, in its chat's order, and our pacing earns no 429. Judged from the order of the fake's
log, never from the clock."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.deliver import OutboxWorker
from bot.store import Chat, Database, Outbox, OutboxStatus
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing
from bot.telegram.send import TelegramChannel
from tests.fakes import NOW
from tests.fakes.botapi import FakeBotApi

# Telegram's limits scaled to a test's seconds: 20/s overall, 5/s a private chat, 2/s a group.
# The tenth of headroom keeps the fake's threads, answering in this very process, from
# counting paced messages closer together than they left (see tests/bot/telegram/test_crowd.py).
LIMITS = {"global_per_s": 20, "per_chat_per_s": 5, "group_per_min": 120}
PACING = Pacing(overall_per_second=20, private_per_second=5, group_per_minute=120, headroom=0.1)
SINGLES = list(range(1, 41))  # queued first: a chat ahead in the queue, one message each
SEVERAL = {41: 3, 42: 3, 43: 3, -100: 2}  # queued last: several messages each
CHATS_PER_PASS = 10


def queue_fan_out(db: Database) -> dict[int, list[str]]:
    """Each chat's messages queued together, chat after chat, as a digest fan-out queues them;
    returns each chat's texts in order."""
    texts = {chat: [f"digest {chat} part 1"] for chat in SINGLES}
    texts |= {
        chat: [f"digest {chat} part {n}" for n in range(1, k + 1)] for chat, k in SEVERAL.items()
    }
    with db.session() as session:
        session.add_all(Chat(id=chat, created_at=NOW) for chat in texts)
        session.flush()
        for chat, parts in texts.items():
            session.add_all(
                Outbox(chat_id=chat, kind="digest", text=t, not_before=NOW, created_at=NOW)
                for t in parts
            )
    return texts


async def test_chats_with_several_messages_start_first_and_do_not_finish_last(
    db: Database,
) -> None:
    expected = queue_fan_out(db)
    with FakeBotApi() as fake:
        for chat in expected:
            fake.add_chat(chat, "private" if chat > 0 else "supergroup")
        fake.enforce_limits(**LIMITS)
        async with fake.ext_bot(PacedRateLimiter(Pacer(PACING))) as bot:
            channel = TelegramChannel(bot)
            worker = OutboxWorker(db, channel, FrozenClock(NOW), chats_per_pass=CHATS_PER_PASS)
            await worker.drain()
        sent = [(m["chat_id"], m["text"]) for m in fake.sent()]
        refused = [c for c in fake.calls("sendMessage") if c["status"] == 429]

    assert Counter(sent) == Counter((c, t) for c, texts in expected.items() for t in texts)
    for chat, texts in expected.items():  # every message once, each chat's in order
        assert [t for c, t in sent if c == chat] == texts
    assert refused == []  # our pacing kept inside the fake's limits
    # Longest first: the group (2 messages, 0.56 s apart) before the private chats with 3
    # (0.22 s apart), all before the single messages queued ahead of them.
    first_chats = list(dict.fromkeys(c for c, _ in sent))
    assert first_chats[: len(SEVERAL)] == [-100, 41, 42, 43]
    # And the fan-out ends on single messages, sent while the long chats' spacing ran.
    last_of = {c: i for i, (c, _) in enumerate(sent)}
    assert max(last_of[c] for c in SEVERAL) < len(sent) - CHATS_PER_PASS
    with db.session() as session:
        assert set(session.scalars(select(Outbox.status))) == {OutboxStatus.SENT}
