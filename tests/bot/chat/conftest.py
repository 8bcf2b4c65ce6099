"""Fixtures for the chat services' tests: the default settings, a real HTTP client for pages and
feeds, and a newsroom that puts chats, feeds, stories and alerts in the real database, so a test
states only what it is about."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.chat.prefs import ensure_chat
from bot.fetch import Fetcher
from bot.settings import Settings
from bot.store import Alert, Article, Database, Feed, Outbox, OutboxKind, OutboxStatus, Story
from tests.fakes import NOW


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """The client /summary and /addfeed read with (point it at the `feed_server` fixture)."""
    client = Fetcher(timeout=5)
    yield client
    await client.aclose()


@dataclass
class Newsroom:
    """Rows as the pipeline would have left them, each built in one short transaction."""

    db: Database
    _stories: int = field(default=0)

    def chat(self, chat_id: int) -> int:
        with self.db.session() as session:
            return ensure_chat(session, chat_id, NOW, Settings()).id

    def feed(
        self,
        name: str | None,
        *,
        url: str | None = None,
        failures: int = 0,
        polled: datetime | None = None,
        active: bool = True,
    ) -> int:
        with self.db.session() as session:
            feed = Feed(
                url=url or f"https://{name or 'feed'}.example/rss".replace(" ", "-").lower(),
                name=name,
                failures=failures,
                last_error="HTTP 503" if failures else None,
                last_polled_at=polled,
                active=active,
                created_at=NOW,
            )
            session.add(feed)
            session.flush()
            return feed.id

    def story(
        self,
        title: str,
        feeds: Sequence[int],
        *,
        when: datetime = NOW,
        text: str = "",
        published: datetime | None = None,
    ) -> int:
        """A story carried by `feeds` (one article each), first seen at `when`."""
        self._stories += 1
        with self.db.session() as session:
            story = Story(
                title=title,
                url=f"https://news.example/{self._stories}",
                summary=[f"{title}."],
                language="en",
                created_at=when,
                updated_at=when,
                source_count=len(feeds),
            )
            session.add(story)
            for n, feed_id in enumerate(feeds):
                feed = session.get(Feed, feed_id)
                assert feed is not None
                session.add(
                    Article(
                        feed_id=feed_id,
                        story=story,
                        guid=f"{story.url}#{n}",
                        url=f"{story.url}/{n}",
                        title=title,
                        text=text,
                        source=feed.display_name,
                        published_at=published,
                        fetched_at=when,
                    )
                )
            session.flush()
            return story.id

    def alert(
        self, chat_id: int, story_id: int, *, when: datetime = NOW, sent: datetime | None = None
    ) -> None:
        """The chat was told of the story at `when`; its message went out at `sent`, if given."""
        with self.db.session() as session:
            session.add(Alert(chat_id=chat_id, story_id=story_id, created_at=when))
            if sent is not None:
                session.add(
                    Outbox(
                        chat_id=chat_id,
                        kind=OutboxKind.ALERT,
                        story_id=story_id,
                        text="🔔 alert",
                        status=OutboxStatus.SENT,
                        not_before=when,
                        created_at=when,
                        sent_at=sent,
                        message_id=1,
                    )
                )


@pytest.fixture
def newsroom(db: Database) -> Newsroom:
    return Newsroom(db)
