"""Answers the handlers give through the context: a reply Telegram keeps refusing is not lost,
it goes to the outbox and arrives once flood control lets it through."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import Chat, Outbox, OutboxKind, OutboxStatus
from tests.fakes.harness import Harness

USER = 1001


async def test_a_reply_refused_past_its_tries_is_sent_later_through_the_outbox(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    h.fake.rate_limit_storm(4, retry_after=1, chat_id=USER)  # three tries inline, then one more
    async with h.time_flowing():
        [answer] = await h.say(USER, "/help")
    assert "What I can do" in answer["visible_text"]
    await h.services.outbox.run_once()  # waits for the pass that sent it to record it
    statuses = [c["status"] for c in h.fake.calls("sendMessage")]
    assert statuses == [429, 429, 429, 429, 200]  # refused four times, delivered once
    with h.services.db.session() as session:
        [row] = session.scalars(select(Outbox).where(Outbox.chat_id == USER))
        chat = session.get(Chat, USER)
    assert (row.kind, row.status) == (OutboxKind.REPLY, OutboxStatus.SENT)
    assert chat is not None and not chat.digest_enabled  # it asked for nothing but /help
