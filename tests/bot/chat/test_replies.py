"""The bot's answers as Telegram HTML: every string a user (or a feed) gave is escaped, echoes are
cut short, and every reply parses the way Telegram parses it (tests.fakes.botapi.parse_html)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.chat import replies
from bot.chat.input import Options
from bot.chat.operator import FeedView, Stats
from bot.chat.prefs import ChatSettings
from bot.chat.reports import LinkSummary, Overview, SourceStatus
from bot.chat.subscriptions import Backfill, QueryView, StoryLine, Subscribed
from bot.match import parse_query
from bot.render import DigestItem
from tests.fakes import NOW
from tests.fakes.botapi import MAX_TEXT_LENGTH, parse_html

HOSTILE = '<b>bold</b> & "quotes" <a href="https://evil.example">x</a>'


def visible(html: str) -> str:
    """What the chat shows; raises where Telegram would refuse the message."""
    return parse_html(html)[0]


def links(html: str) -> list[str]:
    return [e["url"] for e in parse_html(html)[1] if e["type"] == "text_link"]


def chat_settings(**changes: object) -> ChatSettings:
    values: dict[str, object] = {
        "chat_id": 1001,
        "timezone": "Europe/Berlin",
        "digest_time": "08:00",
        "digest_enabled": True,
        "alerts_mode": "instant",
        "alerts_paused": False,
        "summary_sentences": 3,
        "quiet_start": None,
        "quiet_end": None,
    }
    values.update(changes)
    return ChatSettings(**values)  # type: ignore[arg-type]


def query_view(number: int, query: str, **changes: object) -> QueryView:
    values: dict[str, object] = {
        "number": number,
        "subscription_id": 40 + number,
        "query": query,
        "frequency": "instant",
        "min_sources": 1,
        "thread_id": None,
        "muted_until": None,
    }
    values.update(changes)
    return QueryView(**values)  # type: ignore[arg-type]


def feed_view(name: str, **changes: object) -> FeedView:
    values: dict[str, object] = {
        "id": 3,
        "name": name,
        "active": True,
        "failures": 0,
        "last_error": None,
    }
    values.update(changes)
    return FeedView(**values)  # type: ignore[arg-type]


def subscribed(query: str, **changes: object) -> Subscribed:
    values: dict[str, object] = {
        "subscription_id": 41,
        "query": parse_query(query),
        "created": True,
    }
    values.update(changes)
    return Subscribed(**values)  # type: ignore[arg-type]


# --- echoes and refusals -------------------------------------------------------------------------


def test_an_echo_shows_the_users_text_literally() -> None:
    assert visible(replies.echo(HOSTILE, limit=200)) == HOSTILE


def test_an_echo_is_cut_short_with_an_ellipsis() -> None:
    shown = visible(replies.echo("<" * 4000))
    assert len(shown) == 60 and shown.endswith("…")


def test_an_echo_folds_runs_of_spaces_and_newlines() -> None:
    assert visible(replies.echo("storm \n\n   warning")) == "storm warning"


def test_a_refusal_shows_its_message_literally() -> None:
    assert visible(replies.problem("use <code> & co")) == "⚠️ use <code> & co"


def test_a_confirmation_shows_the_value_in_force_literally() -> None:
    assert visible(replies.done(replies.TIMEZONE_SET, "Etc/GMT-2 <x>")).endswith("Etc/GMT-2 <x>.")


@pytest.mark.parametrize(
    "reply",
    [
        replies.no_query(HOSTILE * 100),
        replies.removed_feed(None, HOSTILE * 100),
        replies.unknown_command(HOSTILE * 100),
    ],
)
def test_replies_naming_what_the_user_typed_stay_short(reply: str) -> None:
    assert len(visible(reply)) < 200


def test_every_fixed_text_is_valid_telegram_html() -> None:
    texts = [v for name, v in vars(replies).items() if name.isupper() and isinstance(v, str)]
    assert len(texts) > 20
    for text in texts:
        visible(text)


# --- subscribing and trying ----------------------------------------------------------------------


def test_a_new_query_is_confirmed_as_understood_and_escaped() -> None:
    result = subscribed('"<b>peace</b> & plan"')
    shown = visible(replies.subscribed(result))
    assert shown.startswith(f"✅ Watching: {result.query.describe()}")


def test_an_updated_query_says_so_with_its_options() -> None:
    result = subscribed("ceasefire", created=False, options=Options(2, "daily"))
    shown = visible(replies.subscribed(result))
    assert shown.startswith(
        "✅ Updated: ceasefire (at most once a day; once 2 outlets carry the story)"
    )


def test_a_query_from_a_topic_says_its_alerts_come_there() -> None:
    assert "come to this topic" in visible(replies.subscribed(subscribed("storm", thread_id=7)))


def test_a_new_query_lists_its_recent_matches_as_links() -> None:
    newest = (
        StoryLine("Truce <holds>", "https://news.example/1", NOW),
        StoryLine("Talks", "https://news.example/2?a=1&b=2", NOW - timedelta(days=1)),
    )
    html = replies.subscribed(subscribed("truce", backfill=Backfill(5, newest)))
    assert "It matched 5 stories in the last 7 days" in visible(html)
    assert "• Truce <holds> (21 Dec 15:00 UTC)" in visible(html)
    assert links(html) == ["https://news.example/1", "https://news.example/2?a=1&b=2"]


def test_a_story_whose_address_is_not_a_web_link_is_not_linked() -> None:
    bad = (StoryLine("Click me", "javascript:alert(1)", NOW),)
    html = replies.subscribed(subscribed("truce", backfill=Backfill(1, bad)))
    assert "Click me" in visible(html) and links(html) == []


def test_a_new_query_without_recent_matches_promises_to_tell() -> None:
    html = replies.subscribed(subscribed("truce", backfill=Backfill(0, ())))
    assert "Nothing in the last 7 days matches it yet" in visible(html)


def test_a_tried_query_counts_its_matches_and_says_nothing_was_saved() -> None:
    lines = (StoryLine("Truce", "https://news.example/1", NOW),)
    shown = visible(replies.tried(subscribed("truce", backfill=Backfill(12, lines))))
    assert "Understood as: truce" in shown
    assert "would have matched 12 stories" in shown
    assert "Nothing was saved" in shown


# --- the chat's queries and settings -------------------------------------------------------------


def test_the_stop_keyboard_names_each_query_by_its_subscription() -> None:
    keyboard = replies.unsubscribe_keyboard(
        [query_view(1, "ceasefire"), query_view(2, "storm " * 30)]
    )
    assert [row[0][1] for row in keyboard] == ["unsub:41", "unsub:42"]
    assert keyboard[0][0][0] == "🗑 ceasefire"
    assert len(keyboard[1][0][0]) <= 62


def test_the_overview_numbers_the_queries_with_their_options() -> None:
    view = Overview(
        chat_settings(),
        [
            query_view(1, "ceasefire", frequency="daily", min_sources=2),
            query_view(2, "storm", thread_id=9),
        ],
    )
    shown = visible(replies.overview(view, NOW))
    assert "1. ceasefire (daily, ≥2 sources)" in shown
    assert "2. storm (topic 9)" in shown


def test_the_overview_shows_a_query_as_typed_literally() -> None:
    shown = visible(replies.overview(Overview(chat_settings(), [query_view(1, HOSTILE)]), NOW))
    assert f"1. {HOSTILE}" in shown


def test_a_mute_shows_only_while_it_lasts() -> None:
    until = NOW + timedelta(days=1)
    view = Overview(chat_settings(), [query_view(1, "storm", muted_until=until)])
    assert "muted until 2025-12-22 15:00 UTC" in visible(replies.overview(view, NOW))
    assert "muted" not in visible(replies.overview(view, until + timedelta(seconds=1)))


def test_the_overview_shows_the_chats_settings() -> None:
    settings = chat_settings(
        alerts_mode="digest",
        alerts_paused=True,
        digest_enabled=False,
        summary_sentences=5,
        quiet_start="22:00",
        quiet_end="07:00",
    )
    shown = visible(replies.overview(Overview(settings, []), NOW))
    assert "none yet" in shown
    assert "Alerts: digest only (paused)" in shown
    assert "Digest: off, daily at 08:00 (Europe/Berlin)" in shown
    assert "Summary length: 5 sentences" in shown
    assert "Quiet hours: 22:00-07:00" in shown


def test_the_settings_keyboard_ticks_the_choices_in_force() -> None:
    keyboard = replies.settings_keyboard(
        chat_settings(alerts_mode="digest", summary_sentences=5, digest_enabled=False)
    )
    ticked = [data for row in keyboard for label, data in row if label.startswith("✓")]
    assert ticked == ["set:mode:digest", "set:len:5", "set:digest:off"]


# --- reports -------------------------------------------------------------------------------------


def test_no_sources_says_there_were_no_alerts() -> None:
    assert visible(replies.source_status([], 7)) == (
        "No alerts in the last 7 days, so no sources to report yet."
    )


def test_each_source_shows_its_health_last_fetch_and_delay() -> None:
    statuses = [
        SourceStatus("Planet <1>", 0, NOW, 600.0, 900),
        SourceStatus("Gazette", 4, None, None, 900),
    ]
    shown = visible(replies.source_status(statuses, 7))
    planet = "• Planet <1>: ✅ ok, polled every 15 min, fetched 21 Dec 15:00 UTC"
    assert f"{planet}, median delay to alert 10 min" in shown
    failing = "• Gazette: ⚠️ failing (4 in a row), polled every 15 min, fetched never"
    assert f"{failing}, median delay to alert n/a" in shown


def test_a_polled_source_shows_its_current_interval() -> None:
    statuses = [SourceStatus("Wire", 0, NOW, 30.0, 60), SourceStatus("Weekly", 0, NOW, None, 9000)]
    shown = visible(replies.source_status(statuses, 7))
    assert "• Wire: ✅ ok, polled every 1 min," in shown
    assert "• Weekly: ✅ ok, polled every 2.5 h," in shown


def test_a_pushed_source_says_so_and_shows_its_safety_poll() -> None:
    pushed = SourceStatus("Planet", 0, NOW, 20.0, 3600, pushed=True)
    shown = visible(replies.source_status([pushed], 7))
    assert "• Planet: ✅ ok, pushed (WebSub), safety poll every 60 min," in shown


def test_latest_stories_fit_in_messages_under_the_limit() -> None:
    items = [
        DigestItem(f"Story {n} <&>", f"https://news.example/{n}", ["word " * 200], ["Planet"])
        for n in range(30)
    ]
    messages = replies.latest(items, NOW)
    assert len(messages) > 1
    shown = [visible(m) for m in messages]
    assert all(len(text) <= MAX_TEXT_LENGTH for text in shown)
    assert "Story 29 <&>" in shown[-1]


def test_a_page_summary_links_its_title_and_shows_its_sentences_literally() -> None:
    summary = LinkSummary("https://news.example/a?x=1&y=2", "Truce <agreed>", ["A & B met.", "C."])
    html = replies.link_summary(summary)
    assert visible(html) == "Truce <agreed>\n\nA & B met.\nC."
    assert links(html) == ["https://news.example/a?x=1&y=2"]


def test_a_page_without_a_title_is_named_by_its_address() -> None:
    html = replies.link_summary(LinkSummary("https://news.example/a", None, []))
    assert visible(html).startswith("https://news.example/a\n\n(the page is too short")


# --- operators -----------------------------------------------------------------------------------


def test_feeds_show_their_state_name_and_last_error() -> None:
    shown = visible(
        replies.feeds(
            [
                feed_view("Planet", id=1),
                feed_view("Gazette & Co", id=2, failures=3, last_error="HTTP 503"),
                feed_view("Herald", id=3, active=False),
            ]
        )
    )
    assert shown.splitlines() == [
        "Feeds",
        "✅ 1. Planet",
        "⚠️ 2. Gazette & Co — 3 failures: HTTP 503",
        "⏹ 3. Herald",
    ]


def test_an_added_feed_is_confirmed_with_its_entries() -> None:
    shown = visible(replies.added_feed(feed_view("Gazette <rss>", id=4, entries=12)))
    assert shown == "✅ Added feed 4: Gazette <rss> (12 entries now)"


def test_a_removed_feed_is_confirmed_by_name() -> None:
    assert "Stopped polling Gazette & Co." in visible(
        replies.removed_feed(feed_view("Gazette & Co"), "3")
    )


def test_stats_show_every_count() -> None:
    counts = Stats(
        feeds=5,
        failing=1,
        stories=120,
        stories_today=14,
        articles=300,
        chats=9,
        queries=31,
        outbox={"pending": 2, "sent": 400, "failed": 3, "undeliverable": 4},
    )
    assert visible(replies.stats(counts)).splitlines() == [
        "Stats",
        "Feeds: 5 active, 1 failing",
        "Stories: 120 (14 in 24 h) from 300 articles",
        "Chats: 9 active, 31 queries",
        "Queue: 2 pending, 400 sent, 3 failed, 4 undeliverable",
    ]


def test_the_introduction_names_the_chats_digest_time_and_zone() -> None:
    shown = visible(replies.intro(chat_settings(digest_time="07:30", timezone="Asia/Tokyo")))
    assert "digest at 07:30 (Asia/Tokyo)" in shown


@pytest.mark.parametrize("pad", range(4))  # wherever the cut falls in an escaped "<"
def test_a_feeds_long_error_is_cut_without_breaking_the_message(pad: int) -> None:
    error = "x" * pad + "<" * 100
    shown = visible(replies.feeds([feed_view("Gazette", failures=1, last_error=error)]))
    assert f"— 1 failures: {'x' * pad}<<<" in shown


@pytest.mark.parametrize("pad", range(4))
def test_a_long_reason_a_feed_was_refused_is_cut_without_breaking_the_message(pad: int) -> None:
    shown = visible(replies.not_a_feed("x" * pad + "<" * 100))
    assert shown.startswith(f"⚠️ Not added: that is not a feed I can read ({'x' * pad}<<<")
