"""Many users at once, against a fake Bot API that enforces Telegram's limits: every reply
arrives, once, in order, and our own pacing earns no 429."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from bot.settings import DeliverySettings
from tests.fakes.feeds import FeedServer
from tests.fakes.harness import running_bot

USERS = range(5001, 5201)  # 200 private chats


async def test_two_hundred_users_at_once_get_every_reply_once_and_in_order(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # The fake answers from threads of this very process, on a shared CI machine: when they
    # wait for the CPU, messages paced 34 ms apart can be counted closer together. A tenth of
    # headroom (the production default is 3%, for network jitter) keeps that from reading as
    # our pacing's fault.
    delivery = DeliverySettings(headroom=0.1)
    async with running_bot(tmp_path, feed_server, delivery=delivery) as h:
        h.fake.enforce_limits(per_chat_per_s=1, global_per_s=30, group_per_min=20)
        for user in USERS:  # all within a moment: 400 commands
            h.fake.push_message(user, user, "/start")
            h.fake.push_message(user, user, "/subscribe glacier")
        await asyncio.to_thread(h.fake.wait_for_sent, 2 * len(USERS), None, 120.0)
        sent = h.fake.sent()
        refused = [c for c in h.fake.calls("sendMessage") if c["status"] == 429]

    per_chat = Counter(m["chat_id"] for m in sent)
    assert per_chat == Counter({user: 2 for user in USERS})  # all 400, none twice
    for user in USERS:
        first, second = (m["visible_text"] for m in sent if m["chat_id"] == user)
        assert first.startswith("👋 I watch the news for you.")
        assert second.startswith("✅ Watching: glacier")
    assert refused == []  # pacing kept inside every limit
