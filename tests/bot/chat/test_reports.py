"""What users ask to see: their setup, where their alerts came from and how fast, the latest
stories, a digest now, and the summary of any page (fetched from a real local server)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from bot.chat.prefs import Caller
from bot.chat.reports import (
    SourceStatus,
    apply_setting,
    digest_now,
    latest,
    overview,
    source_status,
    summarize_link,
)
from bot.chat.subscriptions import subscribe
from bot.errors import ExtractionError, FetchError
from bot.fetch import Fetcher
from bot.settings import Settings, TelegramSettings
from bot.store import Chat, Database, Feed, Outbox, OutboxKind, WebSubSubscription
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_page
from tests.fakes.stories import CEASEFIRE

if TYPE_CHECKING:
    from tests.bot.chat.conftest import Newsroom

CHAT, OTHER = 1001, 2002
PARAGRAPHS = [f"{sentence.strip()}." for sentence in CEASEFIRE.rstrip(".").split(". ")]
LOCAL_PAGES = Settings(telegram=TelegramSettings(allow_private_urls=True))


# --- the chat's setup ----------------------------------------------------------------------------


def test_the_overview_holds_the_chats_queries_and_preferences(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        subscribe(session, Caller(CHAT), "ceasefire --daily", NOW, settings)
        subscribe(session, Caller(OTHER), "storm", NOW, settings)
    with db.session() as session:
        view = overview(session, Caller(CHAT), NOW, settings)
    assert [(q.query, q.frequency) for q in view.queries] == [("ceasefire", "daily")]
    assert (view.settings.chat_id, view.settings.alerts_mode) == (CHAT, "instant")


def test_a_settings_button_answers_with_the_overview_as_changed(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        subscribe(session, Caller(CHAT), "ceasefire", NOW, settings)
    with db.session() as session:
        view = apply_setting(session, CHAT, "mode", "digest")
    assert view is not None
    assert view.settings.alerts_mode == "digest"
    assert [q.query for q in view.queries] == ["ceasefire"]


def test_a_settings_button_we_never_offer_answers_nothing(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    with db.session() as session:
        assert apply_setting(session, CHAT, "mode", "everything") is None


# --- where alerts come from ----------------------------------------------------------------------


def test_each_source_of_the_chats_alerts_shows_its_health_and_delay(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    polled = NOW - timedelta(minutes=5)
    feed = newsroom.feed("Daily Planet", failures=3, polled=polled)
    story = newsroom.story("Ceasefire", [feed], published=NOW - timedelta(minutes=30))
    newsroom.alert(CHAT, story, sent=NOW - timedelta(minutes=20))
    with db.session() as session:
        [status] = source_status(session, CHAT, NOW)
    assert (status.name, status.failures, status.last_polled_at) == ("Daily Planet", 3, polled)
    assert status.median_delay_s == 600


def test_the_delay_shown_is_the_median_of_the_sources_alerts(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Daily Planet")
    for minutes in (1, 10, 100):
        published = NOW - timedelta(hours=3)
        story = newsroom.story(f"Story {minutes}", [feed], published=published)
        newsroom.alert(CHAT, story, sent=published + timedelta(minutes=minutes))
    with db.session() as session:
        [status] = source_status(session, CHAT, NOW)
    assert status.median_delay_s == 600


def test_every_outlet_of_an_alerted_story_is_a_source(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    first, second = newsroom.feed("Daily Planet"), newsroom.feed("Gazette")
    newsroom.alert(CHAT, newsroom.story("Ceasefire", [first, second]), sent=NOW)
    with db.session() as session:
        assert [s.name for s in source_status(session, CHAT, NOW)] == ["Daily Planet", "Gazette"]


def test_a_source_whose_alert_is_not_sent_yet_has_no_delay(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Daily Planet")
    newsroom.alert(CHAT, newsroom.story("Ceasefire", [feed], published=NOW))
    with db.session() as session:
        [status] = source_status(session, CHAT, NOW)
    assert status.median_delay_s is None


def test_an_alert_sent_before_its_story_was_published_gives_no_delay(
    db: Database, newsroom: Newsroom
) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Daily Planet")
    story = newsroom.story("Ceasefire", [feed], published=NOW + timedelta(hours=1))  # a wrong clock
    newsroom.alert(CHAT, story, sent=NOW)
    with db.session() as session:
        [status] = source_status(session, CHAT, NOW)
    assert status.median_delay_s is None


def alerted_source(
    db: Database, newsroom: Newsroom, websub: str | None = None, **feed: object
) -> SourceStatus:
    """A feed that brought the chat an alert, its row changed by `feed`, its WebSub
    subscription in state `websub` (none when None)."""
    newsroom.chat(CHAT)
    feed_id = newsroom.feed("Daily Planet")
    newsroom.alert(CHAT, newsroom.story("Ceasefire", [feed_id]), sent=NOW)
    with db.session() as session:
        row = session.get(Feed, feed_id)
        assert row is not None
        for name, value in feed.items():
            setattr(row, name, value)
        if websub is not None:
            hub = "https://hub.example/"
            session.add(
                WebSubSubscription(
                    feed_id=feed_id,
                    hub_url=hub,
                    topic_url=row.url,
                    token="t",
                    secret="s",
                    state=websub,
                )
            )
    with db.session() as session:
        [status] = source_status(session, CHAT, NOW)
    return status


def test_a_polled_source_shows_the_interval_the_schedule_chose(
    db: Database, newsroom: Newsroom
) -> None:
    status = alerted_source(db, newsroom, interval=900, current_interval=120)
    assert (status.pushed, status.interval_s) == (False, 120)


def test_a_source_not_scheduled_yet_shows_its_configured_interval(
    db: Database, newsroom: Newsroom
) -> None:
    status = alerted_source(db, newsroom, interval=600, current_interval=None)
    assert (status.pushed, status.interval_s) == (False, 600)


def test_a_source_a_hub_pushes_is_shown_as_pushed(db: Database, newsroom: Newsroom) -> None:
    status = alerted_source(db, newsroom, "active", current_interval=3600)
    assert (status.pushed, status.interval_s) == (True, 3600)


@pytest.mark.parametrize("state", ["requested", "failed", "unsubscribed"])
def test_a_source_whose_hub_is_not_active_is_shown_as_polled(
    db: Database, newsroom: Newsroom, state: str
) -> None:
    assert not alerted_source(db, newsroom, state, current_interval=300).pushed


def test_alerts_older_than_a_week_name_no_source(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    old = NOW - timedelta(days=8)
    story = newsroom.story("Ceasefire", [newsroom.feed("Daily Planet")], when=old)
    newsroom.alert(CHAT, story, when=old, sent=old)
    with db.session() as session:
        assert source_status(session, CHAT, NOW) == []


def test_another_chats_alerts_name_no_source(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    newsroom.chat(OTHER)
    newsroom.alert(OTHER, newsroom.story("Ceasefire", [newsroom.feed("Gazette")]), sent=NOW)
    with db.session() as session:
        assert source_status(session, CHAT, NOW) == []


# --- the latest stories, a digest now ------------------------------------------------------------


def test_latest_gives_the_newest_stories_first_up_to_the_count(
    db: Database, newsroom: Newsroom
) -> None:
    feed = newsroom.feed("Gazette")
    for hours in (3, 1, 2):
        newsroom.story(f"{hours} hours ago", [feed], when=NOW - timedelta(hours=hours))
    with db.session() as session:
        assert [item.title for item in latest(session, 2)] == ["1 hours ago", "2 hours ago"]


def test_latest_names_each_outlet_of_a_story_once(db: Database, newsroom: Newsroom) -> None:
    planet, gazette = newsroom.feed("Daily Planet"), newsroom.feed("Gazette")
    newsroom.story("Ceasefire", [planet, gazette, planet])
    with db.session() as session:
        [item] = latest(session, 5)
    assert list(item.sources) == ["Daily Planet", "Gazette"]
    assert list(item.summary) == ["Ceasefire."]


def test_a_digest_asked_for_is_queued_even_with_nothing_new(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        assert digest_now(session, Caller(CHAT), NOW, settings) == 1
    with db.session() as session:
        [row] = session.scalars(select(Outbox)).all()
        chat = session.get(Chat, CHAT)
        assert chat is not None and chat.last_digest_at == NOW
    assert (row.chat_id, row.kind) == (CHAT, OutboxKind.DIGEST)
    assert "Nothing new" in row.text


def test_a_digest_asked_for_holds_the_days_stories(
    db: Database, settings: Settings, newsroom: Newsroom
) -> None:
    newsroom.story("Ceasefire agreed in Geneva", [newsroom.feed("Gazette")])
    with db.session() as session:
        digest_now(session, Caller(CHAT), NOW, settings)
    with db.session() as session:
        assert "Ceasefire agreed in Geneva" in session.scalars(select(Outbox.text)).one()


# --- the summary of a page -----------------------------------------------------------------------


async def test_a_page_is_summarized_from_its_article_not_its_furniture(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route(
        "/news/1", Route(make_page("Ceasefire agreed", PARAGRAPHS), content_type="text/html")
    )
    summary = await summarize_link(fetcher, url, LOCAL_PAGES)
    assert (summary.url, summary.title) == (url, "Ceasefire agreed")
    assert len(summary.sentences) == LOCAL_PAGES.summary.sentences
    assert all(sentence in " ".join(PARAGRAPHS) for sentence in summary.sentences)


async def test_a_redirected_link_is_summarized_at_the_page_it_leads_to(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    target = feed_server.route(
        "/news/1", Route(make_page("Ceasefire agreed", PARAGRAPHS), content_type="text/html")
    )
    short = feed_server.route("/s/abc", Route(status=302, location="/news/1"))
    summary = await summarize_link(fetcher, short, LOCAL_PAGES)
    assert summary.url == target


async def test_a_page_that_cannot_be_fetched_is_a_fetch_error_with_the_reason(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await summarize_link(fetcher, feed_server.url("/missing"), LOCAL_PAGES)


async def test_a_link_to_a_private_address_is_refused_unless_allowed(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route(
        "/news/1", Route(make_page("Ceasefire agreed", PARAGRAPHS), content_type="text/html")
    )
    with pytest.raises(FetchError, match="not a public address"):
        await summarize_link(fetcher, url, Settings())
    assert feed_server.hits("/news/1") == []


async def test_a_page_without_an_article_is_an_extraction_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.route(
        "/home", Route(b"<html><body><nav>Home</nav></body></html>", content_type="text/html")
    )
    with pytest.raises(ExtractionError):
        await summarize_link(fetcher, url, LOCAL_PAGES)
