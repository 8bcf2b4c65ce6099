"""Alerts and digests end to end: a feed publishes, the chat hears once; Telegram's refusals
lose nothing. Time moves only when the test moves the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store import Chat, Outbox, OutboxStatus
from tests.fakes.harness import Harness
from tests.fakes.stories import CEASEFIRE, STORM, item

USER, OTHER = 1001, 1002

TALKS = (
    "Envoys will meet in Oslo next week to discuss extending the ceasefire along the northern "
    "border, the foreign ministry announced on Tuesday. The talks follow weeks of sporadic "
    "shelling that both governments blamed on the other, and a spike in displaced families "
    "reaching camps in the region. Diplomats said the agenda includes a prisoner exchange and "
    "the reopening of two crossings for trade and humanitarian aid."
)


async def test_matching_story_reaches_the_subscriber_once_summarized(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/start")
    await h.say(USER, "/subscribe ceasefire")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed in Geneva", CEASEFIRE, h.clock.now()))
    await h.poll()
    [alert] = (await h.wait_sent(USER, 3))[2:]
    assert "Ceasefire agreed in Geneva" in alert["visible_text"]
    lines = alert["visible_text"].splitlines()
    summary_lines = [line for line in lines if len(line) > 40 and line in CEASEFIRE]
    assert 1 <= len(summary_lines) <= 3  # the summary: whole sentences of the article
    assert "<b>ceasefire</b>" in alert["text"]  # the matched term is emphasized
    assert "matched ceasefire" in alert["visible_text"]  # and the why-line says so
    buttons = [b["callback_data"] for row in alert["reply_markup"]["inline_keyboard"] for b in row]
    assert any(data.startswith("mute:") for data in buttons)

    # The same story from a second outlet adds no second push.
    rewritten = CEASEFIRE.replace("late on Saturday", "on Saturday night")
    await h.publish("/two.xml", item("b9", "Warring sides agree truce", rewritten, h.clock.now()))
    reports = await h.poll()
    assert sum(r.joined for r in reports) == 1
    assert len(h.fake.sent(USER)) == 3


async def test_several_matching_queries_still_mean_one_alert(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.say(USER, "/subscribe truce OR ceasefire")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    alerts = [m for m in h.fake.sent(USER) if "matched" in m["visible_text"]]
    assert len(alerts) == 1


async def test_muted_query_sends_nothing_until_the_mute_expires(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    [alert] = (await h.wait_sent(USER, 2))[1:]
    mute = next(
        b["callback_data"]
        for row in alert["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("mute:")
    )
    await h.press(USER, USER, mute, alert["message_id"])
    await h.publish("/two.xml", item("s1", "Storm floods coast", STORM, h.clock.now()))
    await h.poll()
    assert len(h.fake.sent(USER)) == 2  # muted: the storm story (it mentions a ceasefire) is held
    h.clock.advance(days=1, minutes=1)
    late = h.clock.now()
    await h.publish("/one.xml", item("a2", "New ceasefire talks", TALKS, late))
    await h.poll()
    alert = await h.wait_for(USER, "New ceasefire talks")
    assert "matched ceasefire" in alert["visible_text"]
    alerts = [m["visible_text"] for m in h.fake.sent(USER) if "matched" in m["visible_text"]]
    assert not any("Storm floods" in text for text in alerts)  # (the digest may list it)


async def test_digest_arrives_at_the_chats_local_time(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.say(USER, "/timezone Asia/Tokyo")
    await h.say(USER, "/digesttime 08:00")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    await h.wait_sent(USER, 4)
    # 08:00 in Tokyo is 23:00 UTC; the digest job runs every 50 ms on the JobQueue.
    h.clock.set(datetime(2025, 12, 21, 23, 0, tzinfo=UTC))
    digest = (await h.wait_sent(USER, 5))[4]
    assert "Your news digest" in digest["visible_text"]
    assert "Ceasefire agreed" in digest["visible_text"]
    assert "Monday 22 December 2025, 08:00" in digest["visible_text"]


async def test_digest_command_sends_it_now(bot_harness: Harness) -> None:
    [digest] = await bot_harness.say(USER, "/digest")
    assert "Your news digest" in digest["visible_text"]


async def test_blocked_user_is_deactivated_and_others_still_get_alerts(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.say(OTHER, "/subscribe ceasefire")
    h.fake.block(USER)
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    await h.wait_sent(OTHER, 2)
    with h.services.db.session() as session:
        chat = session.get(Chat, USER)
        assert chat is not None and not chat.active
        assert "blocked" in (chat.inactive_reason or "").lower()
        kept = session.scalars(select(Outbox).where(Outbox.chat_id == USER)).all()
        assert [row.status for row in kept] == [OutboxStatus.UNDELIVERABLE]


async def test_a_429_storm_delays_but_loses_and_repeats_nothing(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire OR storm")
    h.fake.rate_limit_storm(3, retry_after=7, chat_id=USER)
    await h.publish(
        "/one.xml",
        item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()),
        item("s1", "Storm floods coast", STORM.replace("ceasefire", "deal"), h.clock.now()),
    )
    await h.poll()
    for _ in range(3):  # each 429 asks for 7 s; the frozen clock gives them, nothing sleeps
        h.clock.advance(seconds=7)
        await h.services.outbox.run_once()
    alerts = [m for m in (await h.wait_sent(USER, 3))[1:]]
    titles = sorted(m["visible_text"].splitlines()[0] for m in alerts)
    assert len(titles) == 2 and any("Ceasefire" in t for t in titles)
    assert any("Storm" in t for t in titles)
    with h.services.db.session() as session:
        statuses = session.scalars(select(Outbox.status).where(Outbox.kind == "alert")).all()
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]


async def test_telegram_outage_is_ridden_out(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    h.fake.outage(4, status=502)
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    with h.services.db.session() as session:
        pending = session.scalars(select(Outbox).where(Outbox.kind == "alert")).one()
        assert pending.status == OutboxStatus.PENDING
    for _ in range(4):
        h.clock.advance(seconds=h.services.settings.delivery.retry_backoff)
        await h.services.outbox.run_once()
    [alert] = (await h.wait_sent(USER, 2))[1:]
    assert "Ceasefire agreed" in alert["visible_text"]


async def test_no_alert_for_a_chat_without_a_matching_query(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    await h.say(OTHER, "/subscribe olympics")
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    await h.wait_sent(USER, 2)
    assert len(h.fake.sent(OTHER)) == 1  # only the reply to /subscribe


async def test_old_timestamps_do_not_break_the_clock(bot_harness: Harness) -> None:
    h = bot_harness
    await h.say(USER, "/subscribe ceasefire")
    old = h.clock.now() - timedelta(days=30)
    await h.publish("/one.xml", item("a1", "Ceasefire agreed long ago", CEASEFIRE, old))
    reports = await h.poll()
    assert sum(r.new_articles for r in reports) == 1 and sum(r.alerts for r in reports) == 0


async def test_group_that_became_a_supergroup_gets_its_alert_at_the_new_id(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    group, new_id, admin = -4242, -1004242, 3001
    h.fake.add_chat(group, "group", title="Desk", admins=[admin])
    await h.say(group, "/subscribe ceasefire", user=admin)
    h.fake.add_chat(new_id, "supergroup", title="Desk", admins=[admin])
    h.fake.migrate(group, new_id)
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, h.clock.now()))
    await h.poll()
    alert = await h.wait_for(new_id, "Ceasefire agreed")
    assert "matched ceasefire" in alert["visible_text"]
    with h.services.db.session() as session:
        assert session.get(Chat, group) is None
        assert session.get(Chat, new_id) is not None
