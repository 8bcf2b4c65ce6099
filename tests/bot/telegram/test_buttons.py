"""Inline buttons through the real client: a press changes the chat and redraws the message."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.store import Chat, Subscription
from tests.fakes.harness import Harness

USER = 1001


async def test_settings_buttons_change_the_chat_and_redraw_the_keyboard(
    bot_harness: Harness,
) -> None:
    [menu] = await bot_harness.say(USER, "/settings")
    await bot_harness.press(USER, USER, "set:mode:digest", menu["message_id"])
    await bot_harness.press(USER, USER, "set:len:5", menu["message_id"])
    await asyncio.to_thread(bot_harness.fake.wait_for_call, "editMessageText", 2)
    with bot_harness.services.db.session() as session:
        chat = session.get(Chat, USER)
        assert chat is not None and (chat.alerts_mode, chat.summary_sentences) == ("digest", 5)
    edit = bot_harness.fake.edits(USER)[-1]
    labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
    assert "✓ Digest only" in labels and "✓ 5 sentences" in labels


async def test_stop_asks_first_then_forgets_the_chat(bot_harness: Harness) -> None:
    await bot_harness.say(USER, "/subscribe ceasefire")
    [question] = await bot_harness.say(USER, "/stop")
    assert "Forget this chat" in question["visible_text"]
    with bot_harness.services.db.session() as session:
        assert session.get(Chat, USER) is not None  # nothing happens before the button
    await bot_harness.press(USER, USER, "stop:yes", question["message_id"])
    with bot_harness.services.db.session() as session:
        assert session.get(Chat, USER) is None
        assert session.scalars(select(Subscription)).all() == []
