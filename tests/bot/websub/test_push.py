"""WebSub end to end: the bot finds a feed's hub, subscribes, answers the hub's verification,
and a story the hub pushes reaches the subscriber through the fake Bot API, with no poll."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.store import Article, WebSubSubscription
from tests.bot.websub.conftest import PushedBot
from tests.fakes.feeds import make_feed
from tests.fakes.stories import CEASEFIRE, STORM, item

USER = 1001


async def subscribed(bot: PushedBot) -> WebSubSubscription:
    """Poll (which notes the hub), run a subscription pass, wait for the hub's verification."""
    await bot.h.poll()
    await bot.h.services.websub()
    assert await asyncio.to_thread(bot.hub.wait_for_verifications, 1)
    with bot.h.services.db.session() as session:
        row = session.get(WebSubSubscription, 1)
        assert row is not None
        session.expunge(row)
        return row


async def test_a_feed_naming_a_hub_is_subscribed_and_verified(pushed_bot: PushedBot) -> None:
    row = await subscribed(pushed_bot)
    [request] = pushed_bot.hub.requests
    assert request["hub.mode"] == "subscribe"
    assert request["hub.topic"] == pushed_bot.topic
    assert request["hub.callback"].endswith(f"/websub/{row.token}")
    assert request["hub.secret"] == row.secret
    assert pushed_bot.hub.verifications == [("subscribe", 200, True)]
    assert row.state == "active"
    assert row.lease_until is not None


async def test_a_pushed_story_becomes_an_alert_without_a_poll(pushed_bot: PushedBot) -> None:
    h = pushed_bot.h
    await h.say(USER, "/subscribe ceasefire")
    await subscribed(pushed_bot)
    body = make_feed([item("p1", "Ceasefire agreed in Geneva", CEASEFIRE, h.clock.now())])
    statuses = await asyncio.to_thread(pushed_bot.hub.publish, pushed_bot.topic, body)
    assert statuses == [202]
    alert = await h.wait_for(USER, "Ceasefire agreed in Geneva")
    assert "Outlet 1" in alert["visible_text"]


async def test_a_push_with_a_wrong_signature_changes_nothing(pushed_bot: PushedBot) -> None:
    h = pushed_bot.h
    await h.say(USER, "/subscribe ceasefire OR storm")
    await subscribed(pushed_bot)
    forged = make_feed([item("f1", "Ceasefire collapses", CEASEFIRE, h.clock.now())])
    statuses = await asyncio.to_thread(
        pushed_bot.hub.publish, pushed_bot.topic, forged, secret="guessed"
    )
    assert statuses == [202]  # answered like good content: no oracle for a forger
    # A genuine push afterwards arrives; the forged one before it left no trace.
    genuine = make_feed([item("g1", "Storm hits the coast", STORM, h.clock.now())])
    await asyncio.to_thread(pushed_bot.hub.publish, pushed_bot.topic, genuine)
    await h.wait_for(USER, "Storm hits the coast")
    with h.services.db.session() as session:
        titles = session.scalars(select(Article.title)).all()
        assert titles == ["Storm hits the coast"]
        assert session.scalar(select(func.count(Article.id))) == 1
    assert not any("Ceasefire collapses" in m["visible_text"] for m in h.fake.sent(USER))
