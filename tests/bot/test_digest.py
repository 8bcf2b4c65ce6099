"""Daily digests: at each chat's local time, once, with what happened since the last one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.chat.prefs import ensure_chat, set_digest_time, set_timezone
from bot.digest import queue_due_digests
from bot.settings import DigestSettings, Settings
from bot.store import Alert, Article, Chat, ChatSource, Database, Feed, Outbox, Story
from tests.fakes import NOW

SETTINGS = Settings()


def make_chat(db: Database, chat_id: int, zone: str, hhmm: str, now: datetime = NOW) -> None:
    with db.session() as session:
        chat = ensure_chat(session, chat_id, now, SETTINGS)
        set_timezone(chat, zone, now)
        set_digest_time(chat, hhmm, now)


def add_story(db: Database, title: str, when: datetime, sources: list[str]) -> int:
    with db.session() as session:
        feed = session.scalar(select(Feed).where(Feed.url == "f")) or Feed(url="f", created_at=when)
        story = Story(
            title=title,
            url=f"https://n.example/{title}",
            summary=[f"{title} happened."],
            created_at=when,
            updated_at=when,
            source_count=len(sources),
        )
        session.add_all([feed, story])
        session.flush()
        for n, source in enumerate(sources):
            session.add(
                Article(
                    feed_id=feed.id,
                    story=story,
                    guid=f"{title}{n}",
                    url=f"{story.url}/{n}",
                    title=title,
                    text="",
                    source=source,
                    fetched_at=when,
                )
            )
        return story.id


def digests(db: Database) -> list[Outbox]:
    with db.session() as session:
        return list(session.scalars(select(Outbox).where(Outbox.kind == "digest")))


def test_digest_waits_for_the_chats_local_time(db: Database) -> None:
    make_chat(db, 1, "Asia/Tokyo", "08:00")  # 08:00 Tokyo = 23:00 UTC
    add_story(db, "Quake", NOW, ["NHK"])
    assert queue_due_digests(db, NOW.replace(hour=22, minute=59), DigestSettings()) == 0
    assert queue_due_digests(db, NOW.replace(hour=23, minute=0), DigestSettings()) == 1
    assert "Quake" in digests(db)[0].text


def test_digest_is_sent_once_per_day_however_often_the_tick_runs(db: Database) -> None:
    make_chat(db, 1, "Europe/Berlin", "08:00")
    add_story(db, "Quake", NOW, ["NHK"])
    at = datetime(2025, 12, 22, 7, 0, tzinfo=UTC)
    for minute in range(0, 60, 5):
        queue_due_digests(db, at + timedelta(minutes=minute), DigestSettings())
    assert len(digests(db)) == 1


def test_digest_missed_while_down_is_sent_once_at_start_up(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    add_story(db, "Quake", NOW + timedelta(hours=1), ["NHK"])
    three_days_later = datetime(2025, 12, 24, 12, 0, tzinfo=UTC)
    assert queue_due_digests(db, three_days_later, DigestSettings()) == 1
    assert queue_due_digests(db, three_days_later + timedelta(minutes=1), DigestSettings()) == 0
    with db.session() as session:
        chat = session.get(Chat, 1)
        assert chat is not None
        assert chat.next_digest_at == datetime(2025, 12, 25, 8, 0, tzinfo=UTC)


def test_digest_lists_the_chats_matches_first_then_top_stories(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    mine = add_story(db, "Ceasefire agreed", NOW, ["A"])
    add_story(db, "Big storm", NOW, ["A", "B", "C"])
    with db.session() as session:
        session.add(Alert(chat_id=1, story_id=mine, terms=["ceasefire"], created_at=NOW))
    queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), DigestSettings())
    text = digests(db)[0].text
    assert text.index("Your alerts") < text.index("Ceasefire agreed") < text.index("Top stories")
    assert text.index("Top stories") < text.index("Big storm")
    assert "A, B, C" in text


def test_next_digest_only_has_what_came_after_the_last_one(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    add_story(db, "Old news", NOW, ["A"])
    queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), DigestSettings())
    add_story(db, "Fresh news", datetime(2025, 12, 22, 12, 0, tzinfo=UTC), ["A"])
    queue_due_digests(db, datetime(2025, 12, 23, 8, 0, tzinfo=UTC), DigestSettings())
    second = digests(db)[1].text
    assert "Fresh news" in second and "Old news" not in second


def test_chat_with_digest_off_gets_none(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    with db.session() as session:
        chat = session.get(Chat, 1)
        assert chat is not None
        chat.digest_enabled = False
    assert queue_due_digests(db, datetime(2025, 12, 22, 9, 0, tzinfo=UTC), DigestSettings()) == 0


def test_empty_scheduled_digest_is_skipped_but_the_schedule_moves_on(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    assert queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), DigestSettings()) == 0
    assert digests(db) == []
    with db.session() as session:
        chat = session.get(Chat, 1)
        assert chat is not None
        assert chat.next_digest_at == datetime(2025, 12, 23, 8, 0, tzinfo=UTC)


def test_weekly_query_reaches_the_digest_once_a_week(db: Database) -> None:
    from bot.store import Subscription

    make_chat(db, 1, "UTC", "08:00")
    story = add_story(db, "Ceasefire agreed", NOW + timedelta(hours=1), ["A"])
    with db.session() as session:
        sub = Subscription(chat_id=1, query="ceasefire", created_at=NOW, frequency="weekly")
        session.add(sub)
        session.flush()
        session.add(
            Alert(
                chat_id=1,
                story_id=story,
                subscription_id=sub.id,
                instant=False,
                created_at=NOW + timedelta(hours=1),
            )
        )
    settings = DigestSettings(top_stories=0)
    queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), settings)
    assert digests(db) == []  # nothing else to say, and the week is not over
    for day in range(23, 30):
        queue_due_digests(db, datetime(2025, 12, day, 8, 0, tzinfo=UTC), settings)
    [weekly] = digests(db)
    assert "Your alerts" in weekly.text and "Ceasefire agreed" in weekly.text
    assert weekly.created_at == datetime(2025, 12, 29, 8, 0, tzinfo=UTC)  # a full week on


def test_a_digest_accounts_for_every_matched_story_past_its_length(db: Database) -> None:
    make_chat(db, 1, "UTC", "08:00")
    titles = [f"Matched story number {n:02d} " + "with a long headline " * 8 for n in range(40)]
    for n, title in enumerate(titles):
        story = add_story(db, title, NOW + timedelta(minutes=n), ["Outlet A", "Outlet B"])
        with db.session() as session:
            session.add(Alert(chat_id=1, story_id=story, terms=["x"], created_at=NOW))
    queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), DigestSettings(max_items=10))
    texts = [m.text for m in digests(db)]
    everything = "\n".join(texts)
    assert all(len(text) <= 4096 for text in texts) and len(texts) > 1
    assert all(title.strip() in everything for title in titles)  # none dropped, none silent
    assert "Also matched (30)" in everything
    assert everything.count(" happened.") == 10  # the first ten with their summaries


def test_digests_queued_together_name_a_private_outlet_to_its_follower_only(db: Database) -> None:
    # Two chats in one chunk, the same story in both digests: the follower of the private
    # feed that also reported it sees that outlet, the other chat does not.
    for chat_id in (1, 2):
        make_chat(db, chat_id, "UTC", "08:00")
    story_id = add_story(db, "Merger talks", NOW, ["Wire"])
    with db.session() as session:
        letter = Feed(url="letter", name="Secret Letter", public=False, created_at=NOW)
        session.add(letter)
        session.flush()
        session.add(
            Article(
                feed_id=letter.id,
                story_id=story_id,
                guid="letter-1",
                url="https://letter.example/1",
                title="Merger talks",
                text="",
                source="Secret Letter",
                fetched_at=NOW,
            )
        )
        session.add(ChatSource(chat_id=1, feed_id=letter.id, created_at=NOW))
        for chat_id in (1, 2):
            session.add(Alert(chat_id=chat_id, story_id=story_id, terms=["merger"], created_at=NOW))
    queue_due_digests(db, datetime(2025, 12, 22, 8, 0, tzinfo=UTC), DigestSettings())
    texts = {row.chat_id: row.text for row in digests(db)}
    assert "Wire, Secret Letter" in texts[1]
    assert "Merger talks" in texts[2] and "Secret Letter" not in texts[2]
