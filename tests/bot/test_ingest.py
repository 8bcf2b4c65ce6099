"""Ingest end to end: real feeds over HTTP into a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from html import escape

import pytest
from sqlalchemy import func, select

from bot.chat.prefs import Caller, ensure_chat
from bot.chat.subscriptions import subscribe
from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.services import Services
from bot.settings import FeedConfig, Settings
from bot.store import Alert, Article, Feed, Outbox, Story
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed, make_page
from tests.fakes.outbox import render_drafts

CEASEFIRE = [
    "Negotiators from both sides agreed to a ceasefire late on Saturday after three days of talks "
    "hosted by mediators in Geneva, officials said.",
    "The truce is due to take effect at midnight and will be monitored by observers from several "
    "neutral countries, according to a statement released after the talks ended.",
    "Aid agencies welcomed the agreement and said they were ready to send convoys of food and "
    "medicine to the worst-hit areas as soon as the roads were safe to use.",
    "Previous attempts to halt the fighting collapsed within days, and analysts warned that the "
    "deal could falter unless both sides withdraw heavy weapons from the front line.",
]
BUDGET = [
    "The city council approved a new budget on Friday that raises spending on public transport and "
    "libraries while holding property taxes flat for a third year.",
    "Council members voted nine to four in favour after a debate that lasted late into the evening "
    "and drew dozens of residents to the public gallery.",
    "The mayor said the plan would add six new bus routes and extend opening hours at branch "
    "libraries across the city from the spring onwards.",
]


def services_for(database_url: str, feeds: list[str], clock: FrozenClock, tmp_path) -> Services:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        feeds=[FeedConfig(url=url, name=f"Outlet {i}", interval=60) for i, url in enumerate(feeds)],
    )
    return Services.build(settings, ConsoleChannel(), clock=clock)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def cleanup() -> AsyncIterator[list[Services]]:
    made: list[Services] = []
    yield made
    for services in made:
        await services.aclose()


def entry(guid: str, title: str, paragraphs: list[str], when: datetime = NOW) -> dict:
    return {
        "guid": guid,
        "title": title,
        "link": f"https://outlet.example/{guid}",
        "description": paragraphs[0],
        "content": "".join(f"<p>{p}</p>" for p in paragraphs),
        "published": when - timedelta(minutes=30),
    }


async def test_new_entries_become_summarized_stories(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    url = feed_server.route(
        "/a.xml", Route(make_feed([entry("a1", "Ceasefire agreed", CEASEFIRE)]))
    )
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    [report] = await services.pipeline.poll_all()
    assert (report.outcome, report.new_articles, report.new_stories) == ("new", 1, 1)
    with services.db.session() as session:
        story = session.scalars(select(Story)).one()
        assert story.title == "Ceasefire agreed"
        assert 1 <= len(story.summary) <= 3
        assert all(sentence in " ".join(CEASEFIRE) for sentence in story.summary)


async def test_an_article_under_a_url_already_stored_joins_that_urls_story(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    """By URL, not by text: the same link is the same story, also within one poll, even when
    the texts share nothing."""
    first, again = entry("a1", "Ceasefire agreed", CEASEFIRE), entry("a2", "Budget", BUDGET)
    again["link"] = first["link"]
    url = feed_server.route("/a.xml", Route(make_feed([first, again])))
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    [report] = await services.pipeline.poll_all()
    assert (report.new_articles, report.new_stories, report.joined) == (2, 1, 1)
    later = entry("a3", "Budget, later", BUDGET[1:])
    later["link"] = first["link"]
    feed_server.route("/a.xml", Route(make_feed([first, again, later])))
    clock.advance(minutes=5)
    [report] = await services.pipeline.poll_all()
    assert (report.new_articles, report.new_stories, report.joined) == (1, 0, 1)
    with services.db.session() as session:
        assert session.scalar(select(func.count(Story.id))) == 1
        assert session.scalar(select(Story.source_count)) == 1  # one outlet, three articles


async def test_unchanged_feed_costs_a_304_and_adds_nothing(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    feed = make_feed([entry("a1", "Ceasefire agreed", CEASEFIRE)])
    url = feed_server.route("/a.xml", Route(feed, etag='"e1"'))
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    await services.pipeline.poll_all()
    clock.advance(minutes=5)
    [report] = await services.pipeline.poll_all()
    assert report.outcome == "not_modified"
    assert feed_server.hits("/a.xml")[-1].get("If-None-Match") == '"e1"'
    with services.db.session() as session:
        assert session.scalar(select(func.count(Article.id))) == 1


async def test_seen_entries_are_not_stored_twice_when_the_feed_has_no_etag(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    url = feed_server.route(
        "/a.xml", Route(make_feed([entry("a1", "Ceasefire agreed", CEASEFIRE)]))
    )
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    await services.pipeline.poll_all()
    feed_server.route(
        "/a.xml",
        Route(
            make_feed([entry("a1", "Ceasefire agreed", CEASEFIRE), entry("b1", "Budget", BUDGET)])
        ),
    )
    [report] = await services.pipeline.poll_all()
    assert report.new_articles == 1 and report.new_stories == 1


async def test_a_broken_and_a_dead_feed_do_not_stop_a_good_one(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    good = feed_server.route("/good.xml", Route(make_feed([entry("g1", "Budget", BUDGET)])))
    broken = feed_server.route("/broken.xml", Route(b"<rss><channel><item><title>cut"))
    dead = feed_server.route("/dead.xml", Route(b"down", status=500))
    services = services_for(database_url, [broken, dead, good], clock, tmp_path)
    cleanup.append(services)
    reports = {r.feed: r for r in await services.pipeline.poll_all()}
    assert reports["Outlet 2"].outcome == "new"
    assert (
        reports["Outlet 0"].outcome == "failed"
        and "not a readable feed" in reports["Outlet 0"].error
    )
    assert reports["Outlet 1"].outcome == "failed" and reports["Outlet 1"].error == "HTTP 500"


async def test_failing_feed_backs_off_and_recovers(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    dead = feed_server.route("/dead.xml", Route(b"down", status=503))
    services = services_for(database_url, [dead], clock, tmp_path)
    cleanup.append(services)
    waits = []
    for _ in range(3):
        await services.pipeline.poll_all()
        with services.db.session() as session:
            feed = session.scalars(select(Feed)).one()
            waits.append((feed.next_poll_at - clock.now()).total_seconds())
            assert feed.last_error == "HTTP 503"
    assert waits == [60, 120, 240]
    assert await services.pipeline.poll_due() == []  # not due yet: backing off
    feed_server.route("/dead.xml", Route(make_feed([entry("b1", "Budget", BUDGET)])))
    clock.advance(seconds=240)
    [report] = await services.pipeline.poll_due()
    assert report.outcome == "new"
    with services.db.session() as session:
        feed = session.scalars(select(Feed)).one()
        assert (feed.failures, feed.last_error) == (0, None)


async def test_teaser_entry_gets_its_text_from_the_page_without_furniture(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    page = feed_server.route(
        "/story/1", Route(make_page("Ceasefire agreed", CEASEFIRE), content_type="text/html")
    )
    teaser = {
        "guid": "t1",
        "title": "Ceasefire agreed",
        "link": page,
        "description": "Negotiators agreed…",
    }
    url = feed_server.route("/t.xml", Route(make_feed([teaser])))
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    await services.pipeline.poll_all()
    with services.db.session() as session:
        article = session.scalars(select(Article)).one()
    assert "monitored by observers" in article.text
    assert "Keep Reading" not in article.text and "Celebrity chef" not in article.text


async def test_seed_story_from_two_outlets_is_one_story_with_two_sources(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup, seed_texts
) -> None:
    clean, page_text = seed_texts
    title = "US and Russian officials continue Ukraine peace talks for second day in Miami"
    one = feed_server.route(
        "/one.xml",
        Route(
            make_feed(
                [
                    {
                        "guid": "e1",
                        "title": title,
                        "link": "https://euronews.example/1",
                        "content": clean,
                        "published": NOW,
                    }
                ]
            )
        ),
    )
    two = feed_server.route(
        "/two.xml",
        Route(
            make_feed(
                [
                    {
                        "guid": "d1",
                        "title": title,
                        "link": "https://dg.example/1",
                        "content": page_text,
                        "published": NOW,
                    }
                ]
            )
        ),
    )
    services = services_for(database_url, [one, two], clock, tmp_path)
    cleanup.append(services)
    await services.pipeline.poll([1])  # one after the other, as outlets publish
    await services.pipeline.poll([2])
    with services.db.session() as session:
        story = session.scalars(select(Story)).one()
        assert story.source_count == 2
        assert {a.source for a in story.articles} == {"Outlet 0", "Outlet 1"}
        summary = " ".join(story.summary)
    for furniture in ("Keep Reading", "Editors Picks", "Close Menu", "Facebook", "Subscribe"):
        assert furniture not in summary


async def test_matching_story_queues_one_alert_and_a_second_outlet_adds_none(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    one = feed_server.route("/one.xml", Route(make_feed([entry("a1", "Truce agreed", CEASEFIRE)])))
    rewrite = [CEASEFIRE[0].replace("late on Saturday", "on Saturday night"), *CEASEFIRE[1:]]
    two = feed_server.route(
        "/two.xml", Route(make_feed([entry("b7", "Warring sides agree truce", rewrite)]))
    )
    services = services_for(database_url, [one, two], clock, tmp_path)
    cleanup.append(services)
    with services.db.session() as session:
        chat = ensure_chat(session, 42, clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "ceasefire", clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "truce OR ceasefire", clock.now(), services.settings)
    await services.pipeline.poll([1])
    await services.pipeline.poll([2])
    render_drafts(services.db)
    with services.db.session() as session:
        assert session.scalar(select(func.count(Story.id))) == 1
        assert session.scalar(select(func.count(Alert.id))) == 1
        [alert] = session.scalars(select(Outbox).where(Outbox.kind == "alert")).all()
    assert alert.chat_id == 42 and "<b>ceasefire</b>" in alert.text.lower()


async def test_old_entries_are_stored_but_raise_no_alert(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    old = entry("o1", "Ceasefire agreed", CEASEFIRE, when=NOW - timedelta(days=10))
    url = feed_server.route("/a.xml", Route(make_feed([old])))
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    with services.db.session() as session:
        chat = ensure_chat(session, 42, clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "ceasefire", clock.now(), services.settings)
    [report] = await services.pipeline.poll_all()
    assert report.new_articles == 1 and report.alerts == 0


async def test_story_index_survives_a_restart(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    one = feed_server.route("/one.xml", Route(make_feed([entry("a1", "Truce agreed", CEASEFIRE)])))
    two = feed_server.route("/two.xml", Route(make_feed([entry("b1", "Truce agreed", CEASEFIRE)])))
    first = services_for(database_url, [one, two], clock, tmp_path)
    await first.pipeline.poll([1])
    await first.aclose()
    second = services_for(database_url, [one, two], clock, tmp_path)
    cleanup.append(second)
    [report] = await second.pipeline.poll([2])
    assert (report.new_stories, report.joined) == (0, 1)


async def test_loading_builds_the_subscription_index_before_the_first_poll(
    database_url, clock, tmp_path, cleanup
) -> None:
    services = services_for(database_url, [], clock, tmp_path)
    cleanup.append(services)
    with services.db.session() as session:
        chat = ensure_chat(session, 42, clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "ceasefire", clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "budget OR libraries", clock.now(), services.settings)
    services.pipeline.load()
    assert len(services.pipeline.writer.subscriptions) == 2


_FIRST_LOAD = """
import gc, json, sys
from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.services import Services
from bot.settings import Settings
from tests.fakes import NOW

settings = Settings(database_url=sys.argv[1])
services = Services.build(settings, ConsoleChannel(), clock=FrozenClock(NOW))
before = gc.get_freeze_count()
services.pipeline.load()
index = services.pipeline.writer.subscriptions
print(json.dumps({"before": before, "index_tracked": any(o is index for o in gc.get_objects())}))
services.db.dispose()
"""


def test_a_processs_first_load_sets_its_indexes_aside_from_the_collector(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_LOAD, url], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found == {"before": 0, "index_tracked": False}


async def test_a_hanging_site_does_not_hold_up_the_other_feeds(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    import asyncio
    import threading

    release = threading.Event()
    hanging = feed_server.route("/hang.xml", Route(make_feed([]), block=release))
    good = feed_server.route("/good.xml", Route(make_feed([entry("g1", "Budget", BUDGET)])))
    services = services_for(database_url, [hanging, good], clock, tmp_path)
    cleanup.append(services)
    slow = asyncio.create_task(services.pipeline.poll_feed(1))
    [report] = await asyncio.wait_for(services.pipeline.poll([2]), timeout=15)
    assert report.outcome == "new" and not slow.done()  # stored while the other still waits
    release.set()
    assert (await slow).outcome == "unchanged"


async def test_entries_without_link_or_date_are_still_news(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    body = "".join(f"<p>{p}</p>" for p in BUDGET)
    doc = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Bare</title>"
        f"<item><title>Budget approved</title><description>{escape(body)}</description></item>"
        "</channel></rss>"
    ).encode()
    url = feed_server.route("/bare.xml", Route(doc))
    services = services_for(database_url, [url], clock, tmp_path)
    cleanup.append(services)
    with services.db.session() as session:
        chat = ensure_chat(session, 42, clock.now(), services.settings)
        subscribe(session, Caller(chat.id), "budget", clock.now(), services.settings)
    [report] = await services.pipeline.poll_all()
    assert (report.new_articles, report.alerts) == (1, 1)
    [again] = await services.pipeline.poll_all()
    assert again.new_articles == 0  # its guid is derived from its content, stably


async def test_a_404_feed_is_a_failure_with_its_reason(
    database_url, feed_server: FeedServer, clock, tmp_path, cleanup
) -> None:
    services = services_for(database_url, [feed_server.url("/gone.xml")], clock, tmp_path)
    cleanup.append(services)
    [report] = await services.pipeline.poll_all()
    assert (report.outcome, report.error) == ("failed", "HTTP 404")
