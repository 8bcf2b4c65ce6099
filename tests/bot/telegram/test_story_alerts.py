"""Story-level alerts through the real client: one story once, why it matched, control from
the message, follow-ups, significance, quiet hours, topics. Time moves only with the clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store import Alert, Chat, Subscription
from tests.fakes.harness import Harness
from tests.fakes.stories import CEASEFIRE, STORM, item

USER = 1001

DEVELOPMENT = (
    " By Sunday evening the first convoy of forty lorries had crossed the front line at the "
    "northern checkpoint, the United Nations said. Observers reported two violations of the truce "
    "overnight but said neither side had returned heavy artillery to the area. Both governments "
    "agreed to meet again in Geneva on Thursday to discuss a prisoner exchange and the reopening "
    "of the border crossings."
)


def alerts_to(h: Harness, chat_id: int) -> list[dict]:
    return [m for m in h.fake.sent(chat_id) if "matched" in m["visible_text"]]


async def test_one_story_from_three_outlets_over_an_hour(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    # 15:00 the first outlet publishes: one alert.
    await h.publish("/one.xml", item("a1", "Ceasefire agreed in Geneva", CEASEFIRE, h.clock.now()))
    await h.poll()
    first = await h.wait_for(USER, "Ceasefire agreed in Geneva")
    assert "📰 Outlet 1" in first["visible_text"]
    # 15:30 a second outlet carries the same wire copy: no push, the alert's sources line is edited.
    h.clock.advance(minutes=28)
    copy = CEASEFIRE.replace("late on Saturday", "on Saturday night")
    await h.publish("/two.xml", item("b1", "Truce agreed after talks", copy, h.clock.now()))
    await h.poll()
    [edit] = await asyncio.to_thread(h.fake.wait_for_call, "editMessageText", 1)
    assert edit["params"]["message_id"] == first["message_id"]
    assert "📰 Outlet 1, Outlet 2" in h.fake.edits(USER)[-1]["visible_text"]
    # 16:00 a third outlet adds new paragraphs: a short follow-up, as a reply to the first alert.
    h.clock.advance(minutes=28)
    grown = CEASEFIRE + DEVELOPMENT
    await h.publish("/three.xml", item("c1", "Aid convoy crosses", grown, h.clock.now()))
    await h.poll()
    follow = await h.wait_for(USER, "Update")
    assert follow["reply_to_message_id"] == first["message_id"]
    assert "convoy" in follow["visible_text"] or "Geneva on Thursday" in follow["visible_text"]
    assert len(alerts_to(h, USER)) == 1  # one push for the story, whatever happened after


async def test_significance_gate_waits_for_a_second_outlet(bot_harness: Harness) -> None:
    h = bot_harness
    [answer] = await h.say(USER, "/subscribe ceasefire --min-sources 2")
    assert "once 2 outlets carry the story" in answer["visible_text"]
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    assert alerts_to(h, USER) == []
    copy = CEASEFIRE.replace("late on Saturday", "on Saturday night")
    await h.publish("/two.xml", item("b1", "Truce agreed", copy, h.clock.now()))
    await h.poll()
    alert = await h.wait_for(USER, "matched")
    assert "📰 Outlet 1, Outlet 2" in alert["visible_text"]


async def test_test_command_shows_matches_without_saving(bot_harness: Harness) -> None:
    h = bot_harness
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    [answer] = await h.say(USER, "/test cease-fire -olympics")
    text = answer["visible_text"]
    assert "It would have matched 1 stories in the last 7 days." in text
    assert "Ceasefire agreed" in text and "Nothing was saved" in text
    with h.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []


async def test_subscribe_shows_recent_matches_at_once(bot_harness: Harness) -> None:
    h = bot_harness
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    [answer] = await h.say(USER, "/subscribe ceasefire")
    assert "It matched 1 stories in the last 7 days" in answer["visible_text"]
    assert "Ceasefire agreed" in answer["visible_text"]


async def test_quiet_hours_hold_alerts_and_send_them_once_after(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    [answer] = await h.say(USER, "/quiet 22:00-07:00")
    assert "Quiet hours: 22:00-07:00" in answer["visible_text"]
    h.clock.set(datetime(2025, 12, 21, 23, 30, tzinfo=UTC))
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    assert alerts_to(h, USER) == []
    with h.services.db.session() as session:
        assert session.scalars(select(Alert.held)).all() == [True]
    h.clock.set(datetime(2025, 12, 22, 7, 0, tzinfo=UTC))
    away = await h.wait_for(USER, "While you were away")
    assert "Ceasefire agreed" in away["visible_text"]
    h.clock.advance(minutes=5)
    await h.services.queue_digests()
    await h.services.outbox.run_once()
    texts = [m["visible_text"] for m in h.fake.sent(USER)]
    assert sum("While you were away" in t for t in texts) == 1


async def test_daily_query_folds_its_matches_into_the_digest(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire --daily")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    assert alerts_to(h, USER) == []
    h.clock.set(datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    digest = await h.wait_for(USER, "Your news digest")
    assert "Your alerts" in digest["visible_text"] and "Ceasefire agreed" in digest["visible_text"]


async def test_mute_source_button_silences_that_outlet(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire OR storm")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    alert = await h.wait_for(USER, "matched")
    data = next(
        b["callback_data"]
        for row in alert["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("msrc:")
    )
    await h.press(USER, USER, data, alert["message_id"])
    await h.publish("/one.xml", item("s1", "Storm floods coast", STORM, h.clock.now()))
    await h.publish(
        "/two.xml",
        item(
            "t1",
            "New ceasefire talks",
            CEASEFIRE.replace("Negotiators from both sides", "Envoys of the two governments")
            .replace("Geneva", "Oslo")
            .replace("heavy weapons", "tanks and artillery"),
            h.clock.now(),
        ),
    )
    await h.poll()
    titles = [m["visible_text"].splitlines()[0] for m in alerts_to(h, USER)]
    assert not any("Storm floods" in t for t in titles)  # Outlet 1 is muted


async def test_mute_for_a_week_shows_in_list(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    alert = await h.wait_for(USER, "matched")
    week = next(
        b["callback_data"]
        for row in alert["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].endswith(":7d") and b["callback_data"].startswith("mute:")
    )
    await h.press(USER, USER, week, alert["message_id"])
    [listing] = await h.say(USER, "/list")
    until = (h.clock.now() + timedelta(days=7)).strftime("%Y-%m-%d")
    assert f"muted until {until}" in listing["visible_text"]


async def test_forum_topic_gets_its_queries_alerts_and_a_closed_topic_is_reported_once(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    forum, admin, topic = -100900, 4001, 77
    h.fake.add_chat(forum, "supergroup", title="Desk", admins=[admin], is_forum=True)
    before = len(h.fake.sent(forum))
    h.fake.push_message(forum, admin, "/subscribe ceasefire", thread_id=topic)
    [answer] = (await h.wait_sent(forum, before + 1))[before:]
    assert "Alerts for it come to this topic" in answer["visible_text"]
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    alert = await h.wait_for(forum, "matched")
    assert alert["message_thread_id"] == topic
    h.fake.close_topic(forum, topic)
    talks = CEASEFIRE.replace("Negotiators from both sides", "Envoys of the two governments")
    talks = talks.replace("Geneva", "Oslo").replace("heavy weapons", "tanks and artillery")
    await h.publish("/two.xml", item("b1", "Talks in Oslo", talks + DEVELOPMENT, h.clock.now()))
    await h.poll()
    notice = await h.wait_for(forum, "is closed")
    assert notice.get("message_thread_id") is None
    with h.services.db.session() as session:
        chat = session.get(Chat, forum)
        assert chat is not None and chat.active  # the group stays; only that topic is stopped
    await h.publish(
        "/one.xml", item("a9", "Ceasefire holds", STORM.replace("storm", "truce"), h.clock.now())
    )
    await h.poll()
    assert sum("is closed" in m["visible_text"] for m in h.fake.sent(forum)) == 1


async def test_status_lists_sources_and_delay(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    published = h.clock.now()
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, published))
    await h.poll()
    await h.wait_for(USER, "matched")
    [status] = await h.say(USER, "/status")
    text = status["visible_text"]
    assert "Outlet 1: ✅ ok" in text and "median delay to alert 2 min" in text
