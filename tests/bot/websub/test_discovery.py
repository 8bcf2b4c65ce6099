"""Where a feed's hub and topic come from (W3C WebSub §4), and the row a poll keeps for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.fetch import FetchResult
from bot.parse import ParsedFeed
from bot.settings import WebSubSettings
from bot.store import Database, WebSubSubscription, upsert_feed
from bot.websub import Hub, find_hub, note_hub
from tests.fakes import NOW

FETCHED = "https://outlet.example/feed.xml"
SETTINGS = WebSubSettings(public_url="https://bot.example/websub")


def answer(hub: str | None = None, self_url: str | None = None) -> FetchResult:
    return FetchResult(FETCHED, status=200, body=b"", hub_url=hub, self_url=self_url)


def document(hub: str | None = None, self_url: str | None = None) -> ParsedFeed:
    return ParsedFeed(title="t", language="en", entries=(), hub_url=hub, self_url=self_url)


def test_the_link_header_wins_over_the_document() -> None:
    found = find_hub(
        answer("https://hub.example/", "https://outlet.example/topic"),
        document("https://other-hub.example/", "https://outlet.example/doc-self"),
    )
    assert found == Hub("https://hub.example/", "https://outlet.example/topic")


def test_the_header_hub_never_pairs_with_the_documents_self_link() -> None:
    found = find_hub(answer("https://hub.example/"), document(None, "https://x.example/self"))
    assert found == Hub("https://hub.example/", FETCHED)


def test_the_documents_hub_and_self_link_when_no_header_names_a_hub() -> None:
    found = find_hub(answer(), document("https://hub.example/", "https://outlet.example/self"))
    assert found == Hub("https://hub.example/", "https://outlet.example/self")


def test_the_topic_defaults_to_the_url_fetched() -> None:
    assert find_hub(answer(), document("https://hub.example/")) == Hub(
        "https://hub.example/", FETCHED
    )


def test_no_hub_or_a_hub_that_is_not_http_means_no_push() -> None:
    assert find_hub(answer(), document()) is None
    assert find_hub(answer(), None) is None
    assert find_hub(answer("javascript:alert(1)"), document()) is None


def feed_id(db: Database) -> int:
    with db.session() as session:
        feed = upsert_feed(session, FETCHED, NOW)
        session.flush()
        return feed.id


def note(db: Database, fid: int, hub: Hub, when: datetime = NOW) -> WebSubSubscription:
    with db.session() as session:
        note_hub(session, fid, hub, when, SETTINGS)
    with db.session() as session:
        row = session.get(WebSubSubscription, fid)
        assert row is not None
        session.expunge(row)
        return row


def test_a_new_hub_is_recorded_for_the_subscriber_with_fresh_secrets(db: Database) -> None:
    fid = feed_id(db)
    row = note(db, fid, Hub("https://hub.example/", FETCHED))
    assert (row.state, row.hub_url, row.topic_url, row.failures) == (
        "requested",
        "https://hub.example/",
        FETCHED,
        0,
    )
    assert len(row.token) >= 40 and len(row.secret) == 64


def test_the_same_hub_seen_again_leaves_an_active_subscription_alone(db: Database) -> None:
    fid = feed_id(db)
    hub = Hub("https://hub.example/", FETCHED)
    first = note(db, fid, hub)
    with db.session() as session:
        session.get_one(WebSubSubscription, fid).state = "active"
    again = note(db, fid, hub)
    assert again.state == "active"
    assert (again.token, again.secret) == (first.token, first.secret)


def test_a_moved_hub_is_subscribed_afresh_with_a_new_secret(db: Database) -> None:
    fid = feed_id(db)
    first = note(db, fid, Hub("https://hub.example/", FETCHED))
    with db.session() as session:
        session.get_one(WebSubSubscription, fid).state = "active"
    moved = note(db, fid, Hub("https://new-hub.example/", FETCHED))
    assert (moved.state, moved.hub_url) == ("requested", "https://new-hub.example/")
    assert moved.secret != first.secret
    assert moved.token == first.token  # the callback URL stays the feed's


def test_a_failed_subscription_is_tried_again_only_after_a_while(db: Database) -> None:
    fid = feed_id(db)
    hub = Hub("https://hub.example/", FETCHED)
    note(db, fid, hub)
    with db.session() as session:
        row = session.get_one(WebSubSubscription, fid)
        row.state, row.failures, row.requested_at = "failed", 5, NOW
    soon = NOW + timedelta(seconds=SETTINGS.retry_failed_after - 1)
    assert note(db, fid, hub, soon).state == "failed"
    later = NOW + timedelta(seconds=SETTINGS.retry_failed_after)
    retried = note(db, fid, hub, later)
    assert (retried.state, retried.failures) == ("requested", 0)


def test_an_unsubscribed_feed_polled_again_is_subscribed_afresh(db: Database) -> None:
    fid = feed_id(db)
    hub = Hub("https://hub.example/", FETCHED)
    note(db, fid, hub)
    with db.session() as session:
        session.get_one(WebSubSubscription, fid).state = "unsubscribed"
    assert note(db, fid, hub).state == "requested"
