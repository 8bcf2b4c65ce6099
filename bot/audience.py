"""Who may see what: a private feed's stories, name and URL reach only the chats that follow it.

A story is public once one of its articles comes from a public feed; until then only the
followers of its (private) feeds may see it. An outlet in a story's "📰 reported by" line is
shown to a chat when its feed is public or the chat follows it. Everything here is set-based:
one query reads the outlets of many stories, one more the follows that matter, and the rest is
arithmetic in memory, so an alert burst or a digest fan-out never asks per chat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from bot.store import Article, ChatSource, Feed, Story

__all__ = [
    "Byline",
    "feed_visible_to",
    "followers",
    "public_story",
    "read_bylines",
    "story_visible_to",
]


@dataclass(frozen=True)
class Byline:
    """The outlets that carry one story, in the order they reported it: each name with the id
    of its feed when that feed is private (None: public); and, for the chats that matter, the
    private feeds of this story each follows."""

    outlets: tuple[tuple[str, int | None], ...]
    follows: Mapping[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, names: Iterable[str]) -> Byline:
        """Outlets every chat may see (public feeds only)."""
        return cls(tuple((name, None) for name in names))

    @classmethod
    def first_report(
        cls, source: str, feed_id: int, public: bool, audience: Collection[int] | None
    ) -> Byline:
        """A new story's byline, its one article from `feed_id` just stored: what
        `read_bylines` would read back (`audience`: the feed's followers when it is private),
        without asking the database once more for every new story of a burst."""
        if public:
            return cls(((source, None),))
        only = frozenset((feed_id,))
        return cls(((source, feed_id),), dict.fromkeys(audience or (), only))

    @property
    def private(self) -> bool:
        return any(feed is not None for _, feed in self.outlets)

    @property
    def names(self) -> list[str]:
        """Every outlet, once: what the story counts as its sources."""
        return list(dict.fromkeys(name for name, _ in self.outlets))

    def sees(self, chat_id: int, feed_id: int) -> bool:
        """Whether the chat may be shown what came from `feed_id` (one of this story's)."""
        private = {feed for _, feed in self.outlets if feed is not None}
        return feed_id not in private or feed_id in self.follows.get(chat_id, frozenset())

    def for_chat(self, chat_id: int) -> list[str]:
        """The outlets the chat may see, each once, in reporting order."""
        mine = self.follows.get(chat_id, frozenset())
        return list(
            dict.fromkeys(name for name, feed in self.outlets if feed is None or feed in mine)
        )


def read_bylines(
    session: Session, story_ids: Sequence[int], chat_ids: Collection[int] | None = None
) -> dict[int, Byline]:
    """The byline of each story; follows of the stories' private feeds are read for `chat_ids`
    (None: for every chat)."""
    if not story_ids:
        return {}
    rows = session.execute(
        select(Article.story_id, Article.source, Article.feed_id, Feed.public)
        .join(Feed, Feed.id == Article.feed_id)
        .where(Article.story_id.in_(story_ids))
        .order_by(Article.id)
    ).all()
    outlets: dict[int, list[tuple[str, int | None]]] = {sid: [] for sid in story_ids}
    for story_id, source, feed_id, public in rows:
        outlets[story_id].append((source, None if public else feed_id))
    private = {feed for found in outlets.values() for _, feed in found if feed is not None}
    follows = _follows(session, private, chat_ids)
    return {
        story_id: Byline(
            tuple(found),
            {
                chat: feeds & {feed for _, feed in found if feed is not None}
                for chat, feeds in follows.items()
            }
            if any(feed is not None for _, feed in found)
            else {},
        )
        for story_id, found in outlets.items()
    }


def _follows(
    session: Session, feed_ids: set[int], chat_ids: Collection[int] | None
) -> dict[int, frozenset[int]]:
    if not feed_ids or (chat_ids is not None and not chat_ids):
        return {}
    query = select(ChatSource.chat_id, ChatSource.feed_id).where(ChatSource.feed_id.in_(feed_ids))
    if chat_ids is not None:
        query = query.where(ChatSource.chat_id.in_(chat_ids))
    found: dict[int, set[int]] = defaultdict(set)
    for chat_id, feed_id in session.execute(query):
        found[chat_id].add(feed_id)
    return {chat_id: frozenset(feeds) for chat_id, feeds in found.items()}


def followers(session: Session, feed_id: int) -> set[int]:
    """The chats that follow a feed (its only audience when it is private)."""
    return set(session.scalars(select(ChatSource.chat_id).where(ChatSource.feed_id == feed_id)))


def public_story() -> ColumnElement[bool]:
    """SQL: the story has an article from a public feed, so any chat may see it."""
    return exists().where(
        Article.story_id == Story.id, Article.feed_id == Feed.id, Feed.public.is_(True)
    )


def story_visible_to(chat_id: int | None) -> ColumnElement[bool]:
    """SQL: the chat may see the story (it is public, or the chat follows one of its feeds);
    `None` stands for a chat that follows nothing."""
    if chat_id is None:
        return public_story()
    followed = exists().where(
        Article.story_id == Story.id,
        ChatSource.feed_id == Article.feed_id,
        ChatSource.chat_id == chat_id,
    )
    return or_(public_story(), followed)


def feed_visible_to(chat_id: int | None) -> ColumnElement[bool]:
    """SQL: the chat may see the feed's name (it is public, or the chat follows it)."""
    if chat_id is None:
        return Feed.public.is_(True)
    followed = exists().where(ChatSource.feed_id == Feed.id, ChatSource.chat_id == chat_id)
    return or_(Feed.public.is_(True), followed)
