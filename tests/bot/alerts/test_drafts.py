"""Alert drafts: queued by a burst, rendered when the outbox worker claims them."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bot.alerts import queue_alerts
from bot.alerts.drafts import AlertDrafts, Draft
from bot.chat.prefs import ensure_chat
from bot.clock import FrozenClock
from bot.deliver import OutboxWorker, OutgoingMessage, SendOutcome, Sent
from bot.settings import Settings
from bot.store import Article, Database, Feed, Outbox, OutboxStatus, Story, Subscription
from bot.subscribers import ChatMatch
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing
from bot.telegram.send import TelegramChannel
from tests.fakes import NOW
from tests.fakes.botapi import FakeBotApi
from tests.fakes.stories import add_ceasefire_story

SUMMARY = ["Negotiators agreed to a ceasefire in Geneva.", "The truce takes effect at midnight."]


class Recorder:
    """A channel that takes every message and keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def ready(self, chat_id: int) -> None:
        """No pacing here."""

    def spacing(self, chat_id: int) -> float:
        return 0.0

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        self.sent.append((message.chat_id, message.text))
        return Sent(message_id=len(self.sent))


def story_with_article(db: Database, title: str = "Ceasefire agreed in Geneva") -> tuple[int, int]:
    with db.session() as session:
        feed = session.scalar(select(Feed).where(Feed.name == "Planet"))
        if feed is None:
            feed = Feed(url="https://planet.example/rss", name="Planet", created_at=NOW)
            session.add(feed)
            session.flush()
        feed_id = feed.id
    return add_ceasefire_story(db, feed_id, SUMMARY, title=title)


def alert(db: Database, chat_id: int, story_id: int, article_id: int, query: str) -> None:
    """`query` of `chat_id` matched the story through its first word: one alert queued."""
    with db.session() as session:
        ensure_chat(session, chat_id, NOW, Settings())
        sub = Subscription(chat_id=chat_id, query=query, created_at=NOW)
        session.add(sub)
        session.flush()
        story, article = session.get(Story, story_id), session.get(Article, article_id)
        assert story is not None and article is not None
        match = ChatMatch(chat_id, sub.id, query, (query.split()[0],), ("text",))
        assert queue_alerts(session, story, article, ["Planet"], [match], NOW) == 1


def rows(db: Database) -> list[Outbox]:
    with db.session() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


async def deliver(db: Database) -> Recorder:
    channel = Recorder()
    await OutboxWorker(db, channel, FrozenClock(NOW)).run_once()
    return channel


async def test_a_queued_alert_is_a_draft_until_claimed_then_sent_as_rendered_and_kept(
    db: Database,
) -> None:
    story, article = story_with_article(db)
    alert(db, 1001, story, article, "convoys")
    [queued] = rows(db)
    assert queued.text == "" and queued.draft is not None
    channel = await deliver(db)
    [row] = rows(db)
    assert channel.sent == [(1001, row.text)]  # what went out is what the row keeps
    assert row.draft is None and row.status == OutboxStatus.SENT
    assert "Ceasefire agreed in Geneva" in row.text and "<b>convoys</b>" in row.text
    assert "📰 Planet\n" in row.text and "<i>convoys</i>" in row.text


async def test_a_draft_whose_article_is_gone_fails_with_the_reason_and_the_rest_go_out(
    db: Database,
) -> None:
    gone, gone_article = story_with_article(db, "Ceasefire collapses")
    kept, kept_article = story_with_article(db)
    alert(db, 1001, gone, gone_article, "ceasefire")
    alert(db, 2002, kept, kept_article, "ceasefire")
    with db.session() as session:  # an operator removed it by hand: nothing else deletes one
        session.execute(delete(Article).where(Article.id == gone_article))
    channel = await deliver(db)
    assert [chat for chat, _ in channel.sent] == [2002]
    failed, sent = rows(db)
    assert (failed.status, failed.last_error) == (
        OutboxStatus.FAILED,
        "the story or article of this alert no longer exists",
    )
    assert sent.status == OutboxStatus.SENT


@pytest.mark.parametrize("keep", [1, 16])
def test_a_storys_new_summary_reaches_the_alerts_rendered_after_it(db: Database, keep: int) -> None:
    """The ranked article is kept between claims, but not a summary the story no longer has
    (a story first carried only by private feeds is summarized again when made public)."""
    story, article = story_with_article(db)
    alert(db, 1001, story, article, "midnight")
    alert(db, 2002, story, article, "midnight")
    drafts = AlertDrafts(keep=keep)
    first, second = (Draft(r.id, r.chat_id, r.story_id, r.draft or "") for r in rows(db))
    with db.session() as session:
        before = drafts.render(session, [first])[first.outbox_id]
        row = session.get(Story, story)
        assert row is not None
        row.summary = ["Both sides stopped firing at midnight."]
    with db.session() as session:
        after = drafts.render(session, [second])[second.outbox_id]
    assert before is not None and "The truce takes effect at <b>midnight</b>." in before
    assert after is not None and "Both sides stopped firing at <b>midnight</b>." in after


WORDS = ("ceasefire", "truce", "convoys", "observers", "medicine", "falter", "geneva", "midnight")
CROWD = range(1, 201)  # private chats
# Telegram's limits scaled to a test's seconds (as tests/bot/deliver/test_outbox_at_limits.py).
LIMITS = {"global_per_s": 100, "per_chat_per_s": 5, "group_per_min": 120}
PACING = Pacing(overall_per_second=100, private_per_second=5, group_per_minute=120, headroom=0.1)


async def test_a_crowd_alerted_at_once_gets_one_rendered_alert_each_within_the_limits(
    db: Database,
) -> None:
    """200 chats matched by one story, on eight different words: through the paced Telegram
    channel against a fake Bot API enforcing limits, each chat gets its alert once, rendered
    for its own query, and no 429 is earned."""
    story, article = story_with_article(db)
    with db.session() as session:
        matches = []
        for chat in CROWD:
            ensure_chat(session, chat, NOW, Settings())
            query = WORDS[chat % len(WORDS)]
            sub = Subscription(chat_id=chat, query=query, created_at=NOW)
            session.add(sub)
            session.flush()
            matches.append(ChatMatch(chat, sub.id, query, (query,), ("text",)))
        s, a = session.get(Story, story), session.get(Article, article)
        assert s is not None and a is not None
        assert queue_alerts(session, s, a, ["Planet"], matches, NOW) == len(CROWD)
    with FakeBotApi() as fake:
        for chat in CROWD:
            fake.add_chat(chat, "private")
        fake.enforce_limits(**LIMITS)
        async with fake.ext_bot(PacedRateLimiter(Pacer(PACING))) as bot:
            await OutboxWorker(db, TelegramChannel(bot), FrozenClock(NOW)).drain()
        sent = {m["chat_id"]: m["text"] for m in fake.sent()}
        refused = [c for c in fake.calls("sendMessage") if c["status"] == 429]
    assert len(fake.sent()) == len(sent) == len(CROWD)  # each chat once
    for chat, text in sent.items():
        word = WORDS[chat % len(WORDS)]
        assert f"<i>{word}</i> matched" in text and f"<b>{word}</b>".lower() in text.lower()
    assert refused == []
    assert {row.status for row in rows(db)} == {OutboxStatus.SENT}
    assert {row.text for row in rows(db)} == set(sent.values())
