"""OPML lists in and out: each listed feed read once, a report of added / already there /
failed with reasons, the chat's limit, and the operators' round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.chat.feedlists import check_feeds, import_for_chat, import_public, public_opml
from bot.chat.prefs import Caller
from bot.chat.sources import list_sources
from bot.fetch import Fetcher
from bot.opml import read_opml, write_opml
from bot.settings import Settings, SourceSettings, TelegramSettings
from bot.store import Database
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed, make_site_page

T = TypeVar("T")
ALICE = Caller(1001)
OPEN = Settings(telegram=TelegramSettings(allow_private_urls=True))  # the feed server is local


def runner(db: Database) -> Callable[[Callable[[Session], T]], asyncio.Future[T]]:
    def run(work: Callable[[Session], T]) -> asyncio.Future[T]:
        return asyncio.ensure_future(asyncio.to_thread(db.run, work))

    return run


def feeds_on(server: FeedServer) -> tuple[str, str, str, str]:
    good = server.route("/a.xml", Route(make_feed([], title="Feed A")))
    other = server.route("/b.xml", Route(make_feed([], title="Feed B")))
    page = server.route("/page", Route(make_site_page("A page"), content_type="text/html"))
    return good, other, page, server.url("/missing.xml")


async def test_an_opml_file_becomes_the_chats_sources_with_a_report(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    good, other, page, missing = feeds_on(feed_server)
    listing = write_opml([(good, "A"), (other, None), (page, "Page"), (missing, "Gone")])
    report = await import_for_chat(runner(db), fetcher, ALICE, listing, NOW, OPEN)
    assert report.added == ((good, "A"), (other, "Feed B"))
    assert report.already == ()
    reasons = dict(report.failed)
    assert "this is a web page" in reasons[page] and reasons[missing] == "HTTP 404"
    again = await import_for_chat(runner(db), fetcher, ALICE, listing, NOW, OPEN)
    assert again.added == () and again.already == (good, other)
    with db.session() as session:
        assert [s.url for s in list_sources(session, ALICE.chat_id)] == [good, other]


async def test_feeds_past_the_chats_limit_fail_without_being_fetched(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    good, other, _, _ = feeds_on(feed_server)
    settings = OPEN.model_copy(update={"sources": SourceSettings(max_per_chat=1)})
    report = await import_for_chat(
        runner(db), fetcher, ALICE, write_opml([(good, "A"), (other, "B")]), NOW, settings
    )
    assert [url for url, _ in report.added] == [good]
    assert report.failed == ((other, "over this chat's limit of 1 sources"),)
    assert feed_server.hits("/b.xml") == []


async def test_a_users_feeds_are_held_to_the_public_address_rule(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    good, *_ = feeds_on(feed_server)
    checked = await check_feeds(fetcher, [good], user=True)
    assert checked[good] == "127.0.0.1 is not a public address"
    assert feed_server.hits("/a.xml") == []
    operators = await check_feeds(fetcher, [good], user=False)
    assert not isinstance(operators[good], str) and operators[good].title == "Feed A"


async def test_operators_import_then_export_gives_back_the_same_feed_urls(
    db: Database, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    good, other, _, missing = feeds_on(feed_server)
    listed = read_opml(write_opml([(good, "A"), (other, "B"), (missing, "Gone")]))
    report = await import_public(runner(db), fetcher, listed, NOW)
    assert [url for url, _ in report.added] == [good, other]
    assert report.failed == ((missing, "HTTP 404"),)
    with db.session() as session:
        exported = read_opml(public_opml(session, NOW))
    assert [f.url for f in exported] == [good, other]


async def test_a_file_on_the_bots_disk_is_never_read_for_a_user(
    db: Database, fetcher: Fetcher
) -> None:
    listing = write_opml([("file:///etc/hostname", "Local"), ("/etc/passwd", "Path")])
    report = await import_for_chat(runner(db), fetcher, ALICE, listing, NOW, OPEN)
    assert report.added == ()
    assert dict(report.failed) == {
        "file:///etc/hostname": "not a valid http(s) link",
        "/etc/passwd": "not a valid http(s) link",
    }
