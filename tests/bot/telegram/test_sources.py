"""A chat's own sources through the real client: /addsource finds a site's feed and previews it,
its stories reach that chat only, OPML files go in and out, and every address is checked."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.opml import read_opml, write_opml
from bot.settings import TelegramSettings
from bot.store import ChatSource, Feed
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed, make_json_feed, make_site_page
from tests.fakes.harness import Harness, running_bot
from tests.fakes.stories import CEASEFIRE, item

USER = 1001
OTHER = 1002


def blog(server: FeedServer, *items: dict[str, object], title: str = "Quiet Blog") -> str:
    """A site whose home page links its feed; returns the site's address."""
    server.route("/blog/feed.xml", Route(make_feed(list(items), title=title)))
    page = make_site_page(title, [("/blog/feed.xml", "application/rss+xml")])
    return server.route("/blog/", Route(page, content_type="text/html; charset=utf-8"))


async def test_addsource_finds_the_feed_a_site_links_and_previews_its_newest_items(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    items = [
        item(f"p{n}", f"Post number {n}", "Short.", NOW - timedelta(hours=n)) for n in range(4)
    ]
    site = blog(h.feeds, *items)
    [answer] = await h.say(USER, f"/addsource {site}")
    text = answer["visible_text"]
    assert "Added to this chat's sources: Quiet Blog" in text
    assert h.feeds.url("/blog/feed.xml") in text
    assert all(f"Post number {n}" in text for n in (0, 1, 2)) and "Post number 3" not in text
    [[undo]] = answer["reply_markup"]["inline_keyboard"]
    assert undo["callback_data"].startswith("unsrc:")
    [listing] = await h.say(USER, "/sources")
    assert "1. Quiet Blog" in listing["visible_text"]


async def test_a_private_sources_story_reaches_only_the_chat_that_added_it(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    site = blog(h.feeds)
    await h.say(USER, f"/addsource {site}")
    await h.say(USER, "/subscribe ceasefire")
    await h.say(OTHER, "/subscribe ceasefire")
    h.feeds.route(
        "/blog/feed.xml",
        Route(make_feed([item("q1", "Ceasefire holds", CEASEFIRE, NOW)], title="Quiet Blog")),
    )
    await h.poll()
    alert = await h.wait_for(USER, "matched")
    assert "📰 Quiet Blog" in alert["visible_text"]
    [latest] = await h.say(OTHER, "/latest 5")
    assert "Ceasefire holds" not in latest["visible_text"]
    [tried] = await h.say(OTHER, "/test ceasefire")
    assert "It would have matched 0 stories" in tried["visible_text"]
    assert [m for m in h.fake.sent(OTHER) if "matched ceasefire" in m["visible_text"]] == []


async def test_a_public_copy_of_a_private_story_reaches_others_without_the_private_name(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    site = blog(h.feeds)
    await h.say(USER, f"/addsource {site}")
    await h.say(USER, "/subscribe ceasefire")
    await h.say(OTHER, "/subscribe ceasefire")
    private = item("q1", "Ceasefire holds, blog says", CEASEFIRE, NOW)
    h.feeds.route("/blog/feed.xml", Route(make_feed([private], title="Quiet Blog")))
    await h.poll()
    await h.wait_for(USER, "matched")
    h.clock.advance(minutes=5)
    await h.publish("/one.xml", item("a1", "Ceasefire agreed in Geneva", CEASEFIRE, NOW))
    await h.poll()
    theirs = await h.wait_for(OTHER, "matched")
    assert "Ceasefire agreed in Geneva" in theirs["visible_text"]  # the public title
    assert "📰 Outlet 1" in theirs["visible_text"]
    for shown in (theirs["text"], *(m["text"] for m in h.fake.sent(OTHER))):
        assert "Quiet Blog" not in shown and "/blog/" not in shown and "blog says" not in shown
    [digest] = await h.say(OTHER, "/digest")
    assert "Quiet Blog" not in digest["text"] and "Outlet 1" in digest["visible_text"]
    [status] = await h.say(OTHER, "/status")
    assert "Quiet Blog" not in status["text"]


async def test_a_json_feed_source_goes_through_ingest_into_an_alert(bot_harness: Harness) -> None:
    h = bot_harness
    entry = {
        "id": "j1",
        "url": "https://jsonblog.example/j1",
        "title": "Ceasefire talks resume",
        "content_text": CEASEFIRE,
        "date_published": NOW.isoformat(),
    }
    url = h.feeds.route(
        "/feed.json",
        Route(make_json_feed([entry], title="JSON Blog"), content_type="application/feed+json"),
    )
    await h.say(USER, "/subscribe ceasefire")
    [added] = await h.say(USER, f"/addsource {url}")
    assert (
        "JSON Blog" in added["visible_text"] and "Ceasefire talks resume" in added["visible_text"]
    )
    await h.poll()
    alert = await h.wait_for(USER, "matched")
    assert (
        "Ceasefire talks resume" in alert["visible_text"]
        and "📰 JSON Blog" in alert["visible_text"]
    )


async def test_removesource_and_undo_take_a_source_away(bot_harness: Harness) -> None:
    h = bot_harness
    [answer] = await h.say(USER, f"/addsource {blog(h.feeds)}")
    [[undo]] = answer["reply_markup"]["inline_keyboard"]
    await h.press(USER, USER, undo["callback_data"], answer["message_id"])
    [listing] = await h.say(USER, "/sources")
    assert "no sources of its own" in listing["visible_text"]
    await h.say(USER, f"/addsource {h.feeds.url('/blog/')}")
    [removed] = await h.say(USER, "/removesource 1")
    assert "Removed Quiet Blog" in removed["visible_text"]
    [missing] = await h.say(USER, "/removesource 1")
    assert "No source 1 here" in missing["visible_text"]


async def test_a_page_without_a_feed_is_refused_with_the_reason(bot_harness: Harness) -> None:
    h = bot_harness
    page = make_site_page("No feeds here")
    url = h.feeds.route("/plain/", Route(page, content_type="text/html"))
    [answer] = await h.say(USER, f"/addsource {url}")
    assert answer["visible_text"].startswith("⚠️ No feed added: no feed found")
    with h.services.db.session() as session:
        assert session.scalar(select(func.count(ChatSource.id))) == 0


async def test_only_a_groups_administrators_add_sources(bot_harness: Harness) -> None:
    h = bot_harness
    h.fake.add_chat(-500, "supergroup", title="Team", admins=[USER])
    [refused] = await h.say(-500, f"/addsource {blog(h.feeds)}", user=OTHER)
    assert "Only this group's administrators" in refused["visible_text"]
    [added] = await h.say(-500, f"/addsource {h.feeds.url('/blog/')}", user=USER)
    assert "Added to this chat's sources" in added["visible_text"]


async def test_opml_round_trip(bot_harness: Harness) -> None:
    h = bot_harness
    first = h.feeds.route("/a.xml", Route(make_feed([], title="Feed A")))
    second = h.feeds.route("/b.xml", Route(make_feed([], title="Feed B")))
    dead = h.feeds.url("/gone.xml")  # 404
    listing = write_opml([(first, "A"), (second, None), (dead, "Gone")])
    [report] = await h.send_file(USER, "subscriptions.opml", listing)
    text = report["visible_text"]
    assert "2 added, 0 already there, 1 failed" in text
    assert "HTTP 404" in text
    [again] = await h.send_file(USER, "subscriptions.opml", listing)
    assert "0 added, 2 already there, 1 failed" in again["visible_text"]
    await h.say(USER, "/export", replies=0)
    [document] = await h.wait_documents(USER, 1)
    assert document["filename"].endswith(".opml")
    assert [f.url for f in read_opml(document["content"])] == [first, second]


async def test_a_file_that_is_not_opml_gets_a_hint_in_private(bot_harness: Harness) -> None:
    h = bot_harness
    [hint] = await h.send_file(USER, "photo.png", b"\x89PNG...")
    assert ".opml" in hint["visible_text"]
    [broken] = await h.send_file(USER, "list.opml", b"<html><body>no</body></html>")
    assert "not an OPML file" in broken["visible_text"]


async def test_many_chats_adding_the_same_source_share_one_feed_polled_once(
    bot_harness: Harness,
) -> None:
    h = bot_harness
    site = blog(h.feeds)
    chats = list(range(2001, 2031))
    for chat in chats:
        await h.say(chat, f"/addsource {site}")
        await h.say(chat, "/subscribe ceasefire")
    with h.services.db.session() as session:
        assert session.scalar(select(func.count(Feed.id)).where(Feed.public.is_(False))) == 1
    before = len(h.feeds.hits("/blog/feed.xml"))
    h.feeds.route(
        "/blog/feed.xml",
        Route(make_feed([item("q1", "Ceasefire holds", CEASEFIRE, NOW)], title="Quiet Blog")),
    )
    await h.poll()
    assert len(h.feeds.hits("/blog/feed.xml")) == before + 1
    for chat in chats:
        await h.wait_for(chat, "Ceasefire holds")
    await h.say(OTHER, "/subscribe ceasefire")
    assert [m for m in h.fake.sent(OTHER) if "Ceasefire holds" in m["visible_text"]] == []


async def test_a_source_on_a_private_address_is_refused(
    tmp_path: Path, feed_server: FeedServer, migrated_sqlite: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    strict = TelegramSettings(allow_private_urls=False, poll_timeout=1)
    async with running_bot(
        tmp_path, feed_server, database_url=f"sqlite:///{database}", telegram=strict
    ) as h:
        [answer] = await h.say(USER, f"/addsource {blog(h.feeds)}")
        assert answer["visible_text"].startswith("⚠️ No feed added")
        assert "127.0.0.1 is not a public address" in answer["visible_text"]
        assert h.feeds.hits("/blog/") == []  # refused before any request
