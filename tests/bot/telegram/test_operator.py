"""Operator commands through the real client: only the configured admins may use them."""

from __future__ import annotations

from tests.fakes.feeds import Route, make_feed
from tests.fakes.harness import OPERATOR, Harness

USER = 1001


async def test_operator_commands_refuse_other_users(bot_harness: Harness) -> None:
    for command in ("/stats", "/feeds", "/addfeed https://x.example/rss", "/removefeed 1"):
        [answer] = await bot_harness.say(USER, command)
        assert answer["visible_text"] == "Sorry, that command is for the bot's operators."


async def test_operator_sees_stats_and_feeds(bot_harness: Harness) -> None:
    [stats] = await bot_harness.say(OPERATOR, "/stats")
    [feeds] = await bot_harness.say(OPERATOR, "/feeds")
    assert "Feeds: 3 active" in stats["visible_text"]
    assert "Outlet 1" in feeds["visible_text"] and "Outlet 2" in feeds["visible_text"]
    assert bot_harness.fake.token not in stats["visible_text"]


async def test_addfeed_checks_the_feed_before_adding_it(bot_harness: Harness) -> None:
    good = bot_harness.feeds.route("/new.xml", Route(make_feed([], title="New outlet")))
    bad = bot_harness.feeds.route(
        "/bad.xml", Route(b"<html>not a feed</html>", content_type="text/html")
    )
    [refused] = await bot_harness.say(OPERATOR, f"/addfeed {bad}")
    [added] = await bot_harness.say(OPERATOR, f"/addfeed {good}")
    assert refused["visible_text"].startswith("⚠️ Not added")
    assert "Added feed 4: New outlet" in added["visible_text"]
