"""Which chats hear of a new story, and what is queued for them: once per chat, through its oldest
eligible query, never from a muted query or outlet, not before enough outlets carry it, held
during quiet hours, and folded into the digest where the chat or query asks for that."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

import bot.store.bulk
import summarizer
from bot.alerts import AlertSummaries, queue_alerts
from bot.chat.prefs import ensure_chat
from bot.match.highlight import Highlighter
from bot.settings import Settings
from bot.store import Alert, Article, Database, Feed, Outbox, SourceMute, Story, Subscription
from bot.subscribers import ChatMatch
from tests.fakes import NOW
from tests.fakes.outbox import render_drafts
from tests.fakes.stories import CEASEFIRE, add_ceasefire_story

CHAT, OTHER = 1001, 2002
SUMMARY = [
    "Negotiators agreed to a ceasefire in Geneva.",
    "The truce takes effect at midnight.",
    "Aid agencies welcomed the deal.",
]


def make_chat(db: Database, chat_id: int = CHAT, **prefs: object) -> int:
    with db.session() as session:
        chat = ensure_chat(session, chat_id, NOW, Settings())
        for name, value in prefs.items():
            setattr(chat, name, value)
        return chat.id


def make_feed(db: Database, name: str = "Planet") -> int:
    with db.session() as session:
        feed = Feed(url=f"https://{name.lower()}.example/rss", name=name, created_at=NOW)
        session.add(feed)
        session.flush()
        return feed.id


def make_story(db: Database, feed_id: int, *, outlets: int = 1) -> tuple[int, int]:
    """A story carried by `outlets` outlets; returns it and the article that just came in."""
    return add_ceasefire_story(db, feed_id, SUMMARY, outlets=outlets)


def make_query(db: Database, chat_id: int = CHAT, text: str = "ceasefire", **fields: object) -> int:
    with db.session() as session:
        sub = Subscription(chat_id=chat_id, query=text, created_at=NOW)
        for name, value in fields.items():
            setattr(sub, name, value)
        session.add(sub)
        session.flush()
        return sub.id


def matched(db: Database, *subscription_ids: int) -> list[ChatMatch]:
    """The index's answer for these subscriptions, in its order (by subscription id)."""
    with db.session() as session:
        subs = [session.get(Subscription, i) for i in sorted(subscription_ids)]
        return [
            ChatMatch(s.chat_id, s.id, s.query, ("ceasefire",), ("title",))
            for s in subs
            if s is not None
        ]


def queue(
    db: Database, story_id: int, article_id: int, matches: list[ChatMatch], now: datetime = NOW
) -> int:
    with db.session() as session:
        story, article = session.get(Story, story_id), session.get(Article, article_id)
        assert story is not None and article is not None
        return queue_alerts(session, story, article, ["Planet", "Gazette"], matches, now)


def outbox(db: Database) -> list[Outbox]:
    """The queue, its alert drafts rendered as a claim renders them."""
    render_drafts(db)
    with db.session() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def alerts(db: Database) -> list[Alert]:
    with db.session() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


@pytest.fixture
def planet(db: Database) -> int:
    return make_feed(db)


# --- who hears -----------------------------------------------------------------------------------


def test_a_matching_chat_gets_one_alert_recorded_and_queued(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 1
    [alert] = alerts(db)
    assert (alert.chat_id, alert.story_id, alert.subscription_id) == (CHAT, story, sub)
    assert (alert.terms, alert.told_articles, alert.instant, alert.held) == (
        ["ceasefire"],
        [article],
        True,
        False,
    )
    [message] = outbox(db)
    assert (message.chat_id, message.kind, message.story_id) == (CHAT, "alert", story)
    assert "Ceasefire agreed in Geneva" in message.text
    assert "📰 Planet\n" in message.text


def test_an_alert_names_the_outlets_that_carried_the_story_when_it_is_sent(
    db: Database, planet: int
) -> None:
    """Queued as a draft, an alert is rendered when the worker claims it: an outlet whose
    article joined the story meanwhile is named in it."""
    make_chat(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, make_query(db)))
    with db.session() as session:
        gazette = Feed(url="https://gazette.example/rss", name="Gazette", created_at=NOW)
        session.add(gazette)
        session.flush()
        session.add(
            Article(
                feed_id=gazette.id,
                story_id=story,
                guid="g1",
                url="https://gazette.example/c",
                title="Truce in Geneva",
                text=CEASEFIRE,
                source="Gazette",
                fetched_at=NOW,
            )
        )
    [message] = outbox(db)
    assert "📰 Planet, Gazette\n" in message.text


def test_an_alert_carries_buttons_to_mute_or_stop_its_query_and_mute_its_outlet(
    db: Database, planet: int
) -> None:
    make_chat(db)
    sub = make_query(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub))
    [message] = outbox(db)
    data = {button[1] for row in message.buttons for button in row}
    assert data == {f"mute:{sub}:1d", f"mute:{sub}:7d", f"unsub:{sub}", f"msrc:{planet}:7d"}


def test_no_matches_queue_nothing(db: Database, planet: int) -> None:
    make_chat(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, []) == 0
    assert alerts(db) == [] and outbox(db) == []


def test_a_chat_hears_a_story_once_through_its_oldest_eligible_query(
    db: Database, planet: int
) -> None:
    make_chat(db)
    oldest = make_query(db, text="ceasefire")
    newer = make_query(db, text="geneva")
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, oldest, newer)) == 1
    assert [a.subscription_id for a in alerts(db)] == [oldest]
    [message] = outbox(db)
    assert "🔎 <i>ceasefire</i>" in message.text


def test_each_matching_chat_hears_the_story(db: Database, planet: int) -> None:
    make_chat(db)
    make_chat(db, OTHER)
    mine, theirs = make_query(db), make_query(db, OTHER)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, mine, theirs)) == 2
    assert sorted(m.chat_id for m in outbox(db)) == [CHAT, OTHER]


def test_a_story_matching_more_queries_than_one_statement_binds_reaches_every_chat(
    db: Database, planet: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if twenty were a hundred thousand: on SQLite the driver binds at most 12 values a
    statement here (one IN list of every match would need 25), and lists go by 2."""
    chats = [CHAT + i for i in range(20)]
    subs = [make_query(db, make_chat(db, chat)) for chat in chats]
    story, article = make_story(db, planet)
    monkeypatch.setattr(bot.store.bulk, "IN_BATCH", 2)
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
        event.listen(db.engine, "connect", lambda conn, _: conn.setlimit(limit, 12))
    assert queue(db, story, article, matched(db, *subs)) == 20
    assert sorted(m.chat_id for m in outbox(db)) == chats


def test_a_story_already_told_is_not_queued_again(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub))
    assert queue(db, story, article, matched(db, sub), NOW + timedelta(minutes=5)) == 0
    assert len(outbox(db)) == 1 and len(alerts(db)) == 1


def test_a_chat_that_left_is_not_alerted(db: Database, planet: int) -> None:
    make_chat(db, active=False)
    sub = make_query(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 0
    assert alerts(db) == []


def test_a_match_of_a_query_since_removed_is_ignored(db: Database, planet: int) -> None:
    make_chat(db)
    gone = ChatMatch(CHAT, 4242, "ceasefire", ("ceasefire",), ("title",))
    story, article = make_story(db, planet)
    assert queue(db, story, article, [gone]) == 0
    assert alerts(db) == []


# --- muted queries and outlets -------------------------------------------------------------------


def test_a_muted_query_is_not_alerted(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db, muted_until=NOW + timedelta(days=1))
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 0
    assert alerts(db) == [] and outbox(db) == []


def test_a_query_alerts_again_once_its_mute_is_over(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db, muted_until=NOW)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 1


def test_a_muted_query_lets_the_chat_hear_through_its_other_matching_query(
    db: Database, planet: int
) -> None:
    make_chat(db)
    muted = make_query(db, text="ceasefire", muted_until=NOW + timedelta(days=7))
    other = make_query(db, text="geneva")
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, muted, other)) == 1
    assert [a.subscription_id for a in alerts(db)] == [other]


def mute_outlet(db: Database, chat_id: int, feed_id: int, until: datetime) -> None:
    with db.session() as session:
        session.add(SourceMute(chat_id=chat_id, feed_id=feed_id, until=until))


def test_a_muted_outlet_is_not_alerted(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db)
    mute_outlet(db, CHAT, planet, NOW + timedelta(days=7))
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 0
    assert alerts(db) == []


def test_an_outlet_alerts_again_once_its_mute_is_over(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db)
    mute_outlet(db, CHAT, planet, NOW)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 1


def test_muting_an_outlet_silences_only_that_outlet(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db)
    mute_outlet(db, CHAT, make_feed(db, "Gazette"), NOW + timedelta(days=7))
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 1


def test_an_outlet_muted_by_one_chat_still_alerts_the_others(db: Database, planet: int) -> None:
    make_chat(db)
    make_chat(db, OTHER)
    mine, theirs = make_query(db), make_query(db, OTHER)
    mute_outlet(db, CHAT, planet, NOW + timedelta(days=7))
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, mine, theirs)) == 1
    assert [m.chat_id for m in outbox(db)] == [OTHER]


# --- how many outlets ----------------------------------------------------------------------------


def test_a_query_waits_until_enough_outlets_carry_the_story(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db, min_sources=2)
    story, article = make_story(db, planet, outlets=1)
    assert queue(db, story, article, matched(db, sub)) == 0
    assert alerts(db) == []  # not told yet: the next outlet may still tell it


def test_a_query_alerts_once_enough_outlets_carry_the_story(db: Database, planet: int) -> None:
    make_chat(db)
    sub = make_query(db, min_sources=2)
    story, article = make_story(db, planet, outlets=2)
    assert queue(db, story, article, matched(db, sub)) == 1


def test_a_gated_query_lets_the_chat_hear_through_an_ungated_one(db: Database, planet: int) -> None:
    make_chat(db)
    gated = make_query(db, text="ceasefire", min_sources=3)
    plain = make_query(db, text="geneva")
    story, article = make_story(db, planet, outlets=1)
    assert queue(db, story, article, matched(db, gated, plain)) == 1
    assert [a.subscription_id for a in alerts(db)] == [plain]


# --- instant or digest ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chat_prefs", "query_fields"),
    [
        ({}, {"frequency": "daily"}),
        ({}, {"frequency": "weekly"}),
        ({"alerts_mode": "digest"}, {}),
        ({"alerts_paused": True}, {}),
    ],
    ids=["daily query", "weekly query", "digest-only chat", "paused chat"],
)
def test_a_story_for_the_digest_is_recorded_without_a_message(
    db: Database, planet: int, chat_prefs: dict[str, Any], query_fields: dict[str, Any]
) -> None:
    make_chat(db, **chat_prefs)
    sub = make_query(db, **query_fields)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub)) == 0
    [alert] = alerts(db)
    assert (alert.story_id, alert.instant, alert.held) == (story, False, False)
    assert outbox(db) == []


def test_the_alert_goes_to_the_querys_forum_topic(db: Database, planet: int) -> None:
    make_chat(db, type="supergroup")
    sub = make_query(db, thread_id=7)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub))
    assert [m.thread_id for m in outbox(db)] == [7]


def test_the_alert_has_as_many_summary_sentences_as_the_chat_asked(
    db: Database, planet: int
) -> None:
    make_chat(db, summary_sentences=1)
    sub = make_query(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub))
    [message] = outbox(db)
    assert "ceasefire</b> in Geneva." in message.text
    assert "midnight" not in message.text


# --- quiet hours ---------------------------------------------------------------------------------


def berlin(hour: int, minute: int = 0) -> datetime:
    """That wall-clock time in Berlin (UTC+1 in December) on the night of NOW, in UTC."""
    day = 21 if hour >= 12 else 22
    return datetime(2025, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


@pytest.mark.parametrize(("hour", "minute"), [(22, 0), (23, 59), (0, 30), (6, 59)])
def test_during_quiet_hours_across_midnight_the_alert_is_held(
    db: Database, planet: int, hour: int, minute: int
) -> None:
    make_chat(db, timezone="Europe/Berlin", quiet_start="22:00", quiet_end="07:00")
    sub = make_query(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub), berlin(hour, minute)) == 0
    [alert] = alerts(db)
    assert (alert.instant, alert.held) == (True, True)
    assert outbox(db) == []


@pytest.mark.parametrize(("hour", "minute"), [(21, 59), (7, 0), (16, 0)])
def test_outside_quiet_hours_the_alert_goes_at_once(
    db: Database, planet: int, hour: int, minute: int
) -> None:
    make_chat(db, timezone="Europe/Berlin", quiet_start="22:00", quiet_end="07:00")
    sub = make_query(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub), berlin(hour, minute)) == 1
    assert [a.held for a in alerts(db)] == [False]


def test_quiet_hours_are_the_chats_local_time(db: Database, planet: int) -> None:
    # NOW is 15:00 UTC: midnight in Tokyo.
    make_chat(db, timezone="Asia/Tokyo", quiet_start="23:00", quiet_end="06:00")
    make_chat(db, OTHER, timezone="UTC", quiet_start="23:00", quiet_end="06:00")
    mine, theirs = make_query(db), make_query(db, OTHER)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, mine, theirs)) == 1
    assert [m.chat_id for m in outbox(db)] == [OTHER]


def test_a_held_alert_is_not_queued_again_after_the_quiet_hours(db: Database, planet: int) -> None:
    make_chat(db, timezone="Europe/Berlin", quiet_start="22:00", quiet_end="07:00")
    sub = make_query(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub), berlin(23))
    assert queue(db, story, article, matched(db, sub), berlin(8)) == 0
    assert outbox(db) == []


def test_a_chat_without_quiet_hours_hears_at_night(db: Database, planet: int) -> None:
    make_chat(db, timezone="Europe/Berlin")
    sub = make_query(db)
    story, article = make_story(db, planet)
    assert queue(db, story, article, matched(db, sub), berlin(3)) == 1


# --- what the alert says -------------------------------------------------------------------------


def focused(db: Database, planet: int, query: str, term: str) -> list[str]:
    """The summary lines (between blank lines) of the alert a chat gets when its `query`
    matched CEASEFIRE through `term`, the story's own summary being SUMMARY."""
    make_chat(db)
    sub = make_query(db, text=query)
    story, article = make_story(db, planet)
    with db.session() as session:
        s, a = session.get(Story, story), session.get(Article, article)
        assert s is not None and a is not None
        match = [ChatMatch(CHAT, sub, query, (term,), ("text",))]
        queue_alerts(session, s, a, ["Planet"], match, NOW)
    [message] = outbox(db)
    return message.text.split("\n\n")[1].split("\n")


def test_an_alert_whose_summary_lacks_the_matched_term_shows_a_sentence_that_has_it(
    db: Database, planet: int
) -> None:
    """CEASEFIRE's aid agencies appear in its fourth sentence only; the story's summary is
    about the truce. The alert for `convoys` brings that sentence in, in article order."""
    shown = focused(db, planet, "convoys", "convoys")
    assert len(shown) == len(SUMMARY)  # as long as the story's own
    assert "<b>convoys</b>" in shown[-1]  # the fourth sentence, last: in article order
    assert shown[0].startswith("Negotiators from both sides agreed")


def test_an_alert_brings_in_the_one_sentence_with_its_word_even_one_the_ranking_leaves_out(
    db: Database, planet: int
) -> None:
    """`falter` is only in CEASEFIRE's last sentence, which the article's own ranking does not
    choose: the focused summary must find it (through the sentences each word is in)."""
    shown = focused(db, planet, "falter", "falter")
    assert len(shown) == len(SUMMARY)
    assert "<b>falter</b>" in shown[-1]


def test_an_alert_whose_summary_lacks_a_matched_phrase_shows_a_sentence_that_has_it(
    db: Database, planet: int
) -> None:
    """A phrase is looked for sentence by sentence (plain words through the sentences each
    word is in): "heavy weapons" is in CEASEFIRE's last sentence only."""
    shown = focused(db, planet, '"heavy weapons"', "heavy weapons")
    assert len(shown) == len(SUMMARY)
    assert "<b>heavy weapons</b>" in shown[-1]


def test_an_alert_whose_summary_shows_the_term_keeps_the_storys_summary(
    db: Database, planet: int
) -> None:
    make_chat(db)
    sub = make_query(db)
    story, article = make_story(db, planet)
    queue(db, story, article, matched(db, sub))
    [message] = outbox(db)
    for sentence in SUMMARY[1:]:
        assert sentence in message.text


@pytest.mark.parametrize(
    "terms", [("convoys",), ("falter",), ("convoys", "falter"), ("falter", "heavy weapons")]
)
def test_a_focused_summary_is_the_pick_focused_on_every_sentence_showing_a_term(
    terms: tuple[str, ...],
) -> None:
    """What `Ranking.pick` gives with a focus on each sentence that shows any of the terms,
    however the alerts work it out."""
    shows = lambda sentence: any(Highlighter(sentence).has(term) for term in terms)  # noqa: E731
    expected = summarizer.summarize(CEASEFIRE, 3, "en", focus=shows)
    assert AlertSummaries(CEASEFIRE, "en", SUMMARY).for_match(terms, 3) == expected
    assert not any(shows(sentence) for sentence in SUMMARY)  # the story's own shows none
