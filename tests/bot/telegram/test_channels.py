"""Channels as destinations through the real client: `/subscribe QUERY --to @channel` is checked
with getChatMember, alerts and digests go to the channel, /list says where each query goes, and
a lost channel pauses its queries and tells the owner once."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import Chat, Subscription
from tests.fakes import NOW
from tests.fakes.harness import Harness
from tests.fakes.stories import CEASEFIRE, STORM, item

OWNER = 1001
STRANGER = 1002
CHANNEL = -1001234567890
LATER = (
    "River flooding in the valley closed the main railway line on Monday, and the regional "
    "council opened three shelters for families who left their homes. Engineers said the water "
    "level would stay high for several days because more rain is forecast in the mountains."
)


def channel_posts(h: Harness) -> list[dict]:
    return h.fake.sent(CHANNEL)


async def test_an_administrator_sends_a_querys_alerts_to_the_channel(bot_harness: Harness) -> None:
    h = bot_harness
    h.fake.add_channel(CHANNEL, "Peace Watch", owner=OWNER, username="peacewatch")
    [answer] = await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    assert "Watching: ceasefire" in answer["visible_text"]
    assert "Its alerts and digest go to @peacewatch" in answer["visible_text"]
    await h.publish("/one.xml", item("a1", "Ceasefire agreed in Geneva", CEASEFIRE, NOW))
    await h.poll()
    [post] = await h.wait_sent(CHANNEL, 1)
    assert "Ceasefire agreed in Geneva" in post["visible_text"]
    assert post["reply_markup"] is None  # the channel's readers do not control the query
    assert [m for m in h.fake.sent(OWNER) if "Geneva" in m["visible_text"]] == []
    [listing] = await h.say(OWNER, "/list")
    assert "1. ceasefire (→ Peace Watch)" in listing["visible_text"]
    with h.services.db.session() as session:
        channel = session.get(Chat, CHANNEL)
        assert channel is not None and channel.type == "channel"
        sub = session.scalars(select(Subscription)).one()
        assert (sub.chat_id, sub.owner_chat_id) == (CHANNEL, OWNER)


async def test_a_channel_given_by_its_id_works_too(bot_harness: Harness) -> None:
    h = bot_harness
    h.fake.add_channel(CHANNEL, "Peace Watch", owner=STRANGER, admins=[OWNER])
    [answer] = await h.say(OWNER, f"/subscribe ceasefire --to {CHANNEL}")
    assert "Its alerts and digest go to Peace Watch" in answer["visible_text"]


async def test_someone_who_does_not_administer_the_channel_is_refused(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    h.fake.add_channel(CHANNEL, "Peace Watch", owner=OWNER, username="peacewatch")
    [answer] = await h.say(STRANGER, "/subscribe ceasefire --to @peacewatch")
    assert "Only an administrator of Peace Watch can send alerts there" in answer["visible_text"]
    with h.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []
    asked = [c["params"]["user_id"] for c in h.fake.calls("getChatMember")]
    assert STRANGER in asked


async def test_a_channel_the_bot_may_not_post_to_is_refused(bot_harness: Harness) -> None:
    h = bot_harness
    h.fake.add_channel(
        CHANNEL, "Peace Watch", owner=OWNER, username="peacewatch", bot_can_post=False
    )
    [no_right] = await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    assert "I can't post to Peace Watch" in no_right["visible_text"]
    h.fake.set_bot_rights(CHANNEL, None)  # not even a member: Telegram will not say who is
    [absent] = await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    assert "I can't post to Peace Watch" in absent["visible_text"]
    with h.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []


async def test_refusals_for_unknown_channels_groups_and_malformed_targets(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    [unknown] = await h.say(OWNER, "/subscribe ceasefire --to @nosuchchannel")
    assert "can't find the channel @nosuchchannel" in unknown["visible_text"]
    [malformed] = await h.say(OWNER, "/subscribe ceasefire --to my-channel")
    assert "is not a channel's @name or id" in malformed["visible_text"]
    h.fake.add_chat(-500, "supergroup", title="Team", admins=[OWNER])
    [from_group] = await h.say(-500, "/subscribe ceasefire --to @peacewatch", user=OWNER)
    assert "from your private chat" in from_group["visible_text"]


async def test_losing_the_channel_pauses_its_queries_and_tells_the_owner_once(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    h.fake.add_channel(CHANNEL, "Peace Watch", owner=OWNER, username="peacewatch")
    await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    await h.say(OWNER, "/subscribe flooding --to @peacewatch")
    h.fake.set_bot_rights(CHANNEL, can_post=False)  # demoted by the channel's owner
    await h.publish("/one.xml", item("a1", "Ceasefire agreed", CEASEFIRE, NOW))
    await h.poll()
    notice = await h.wait_for(OWNER, "I can no longer post to")
    assert "Peace Watch" in notice["visible_text"]
    assert "ceasefire, flooding" in notice["visible_text"]
    assert f"/subscribe ceasefire --to {CHANNEL}" in notice["visible_text"]
    h.clock.advance(minutes=5)
    await h.publish("/two.xml", item("b1", "Storm floods the coast", STORM, h.clock.now()))
    await h.poll()
    [listing] = await h.say(OWNER, "/list")
    assert listing["visible_text"].count("⏸ paused") == 2
    notices = [m for m in h.fake.sent(OWNER) if m["visible_text"].startswith("⚠️ I can no")]
    assert len(notices) == 1
    # The owner makes the bot an administrator again and subscribes: both queries run again.
    h.fake.set_bot_rights(CHANNEL, can_post=True)
    [resumed] = await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    assert "Updated" in resumed["visible_text"]
    [again] = await h.say(OWNER, "/list")
    assert "paused" not in again["visible_text"]
    h.clock.advance(minutes=5)
    await h.publish("/three.xml", item("c1", "Flooding cuts power again", LATER, h.clock.now()))
    await h.poll()
    await h.wait_for(CHANNEL, "Flooding cuts power again")


async def test_the_owner_stops_a_channel_query_from_its_own_chat(bot_harness: Harness) -> None:
    h = bot_harness
    h.fake.add_channel(CHANNEL, "Peace Watch", owner=OWNER, username="peacewatch")
    await h.say(OWNER, "/subscribe ceasefire --to @peacewatch")
    [stopped] = await h.say(OWNER, "/unsubscribe 1")
    assert "Stopped: ceasefire" in stopped["visible_text"]
    with h.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []
