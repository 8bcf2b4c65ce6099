"""The digest stage: once a day, at each chat's own local time, the top stories since the last.

When a digest is due is pure arithmetic over the chat's time zone (`next_digest_at`); which chats
are due is one indexed query. Digests are queued in the same transaction that moves each chat's
`next_digest_at` to its next occurrence, so a restart can neither skip nor double one, and a
digest missed while the bot was down is sent once at start-up, not once per missed day.

A fan-out at 08:00 can make many thousands of digests due at once, so they are queued in chunks
of chats: each chunk reads its alerts, stories and sources in a few set-based queries, renders,
and writes its messages and new schedules with one insert and one update.

Nothing matched is dropped: past `digest.max_items`, the other matched stories follow as
compact title links, in as many messages as they need. Top stories are public ones; each chat
sees the outlets its byline allows (a private feed's name only by its followers).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.audience import public_story, read_bylines
from bot.clock import in_quiet_hours, next_digest_at
from bot.memory import return_free_memory
from bot.outbox import Queued, enqueue, enqueue_all
from bot.render import DigestItem, RenderedMessage, render_away, render_digest
from bot.settings import DigestSettings
from bot.store import Alert, Chat, Database, OutboxKind, Story, Subscription

__all__ = ["queue_digest", "queue_due_digests", "release_held"]

log = logging.getLogger(__name__)

# A digest item's identity: story, sentences shown, matched query, and the chat when the story
# came from a private feed (None otherwise).
_ItemKey = tuple[int, int, str | None, int | None]
_DigestKey = tuple[tuple[_ItemKey, ...], tuple[_ItemKey, ...], tuple[_ItemKey, ...]]
CHUNK = 1000  # chats whose digests are queued in one transaction
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class _Due:
    """What a digest needs to know of its chat."""

    id: int
    timezone: str
    digest_time: str
    since: datetime  # the digest covers what came after this
    sentences: int


def _since(last_digest_at: datetime | None, created_at: datetime, now: datetime) -> datetime:
    """A chat's first digest covers the day before it, or everything since it joined."""
    return last_digest_at or min(created_at, now - timedelta(days=1))


def queue_due_digests(db: Database, now: datetime, settings: DigestSettings) -> int:
    """Queue every digest that is due, a chunk of chats per transaction; returns messages."""
    queued = 0
    while True:
        with db.session() as session:
            due = _claim_due(session, now)
            if not due:
                return queued
            queued += _queue_chunk(session, due, now, settings)
        return_free_memory()  # the chunk's rows are garbage now


def _claim_due(session: Session, now: datetime) -> list[_Due]:
    """The next chunk of chats whose digest is due, locked against other workers (SKIP LOCKED:
    another worker's chunk is skipped, not waited for). A new chat without a schedule gets
    one, and its first digest at that time."""
    rows = session.execute(
        select(
            Chat.id,
            Chat.timezone,
            Chat.digest_time,
            Chat.next_digest_at,
            Chat.last_digest_at,
            Chat.created_at,
            Chat.summary_sentences,
        )
        .where(
            Chat.active.is_(True),
            Chat.digest_enabled.is_(True),
            func.coalesce(Chat.next_digest_at, now) <= now,
        )
        .order_by(Chat.next_digest_at, Chat.id)
        .limit(CHUNK)
        .with_for_update(skip_locked=True)
    ).all()
    new = [
        {"id": r.id, "next_digest_at": next_digest_at(now, r.timezone, r.digest_time)}
        for r in rows
        if r.next_digest_at is None
    ]
    if new:
        session.execute(update(Chat), new)
    return [
        _Due(
            r.id,
            r.timezone,
            r.digest_time,
            _since(r.last_digest_at, r.created_at, now),
            r.summary_sentences,
        )
        for r in rows
        if r.next_digest_at is not None
    ]


def _queue_chunk(
    session: Session, chats: list[_Due], now: datetime, settings: DigestSettings
) -> int:
    messages = _Digests(session, chats, now, settings).render(when_empty=False)
    queued = enqueue_all(session, messages, now)
    # Chats sharing a time zone and a digest time share the next one: worked out once each
    # (it was 40% of the queueing's CPU, a quarter of a millisecond a chat).
    schedule = {
        when: next_digest_at(now, *when) for when in {(c.timezone, c.digest_time) for c in chats}
    }
    session.execute(
        update(Chat),
        [
            {
                "id": chat.id,
                "last_digest_at": now,
                "next_digest_at": schedule[(chat.timezone, chat.digest_time)],
            }
            for chat in chats
        ],
    )
    log.info("digests: %d messages queued for %d chats", queued, len(chats))
    return queued


def queue_digest(session: Session, chat: Chat, now: datetime, settings: DigestSettings) -> int:
    """The chat's digest of everything since its last one, now (/digest); returns messages.

    Asked for, an empty digest says so (a scheduled one with nothing in it is skipped: a daily
    "nothing new" is noise). The daily schedule stays as it was.
    """
    due = _Due(
        chat.id,
        chat.timezone,
        chat.digest_time,
        _since(chat.last_digest_at, chat.created_at, now),
        chat.summary_sentences,
    )
    messages = _Digests(session, [due], now, settings).render(when_empty=True)
    chat.last_digest_at = now
    return enqueue_all(session, messages, now)


class _Digests:
    """The digests of a chunk of chats, read with a few set-based queries."""

    def __init__(
        self, session: Session, chats: list[_Due], now: datetime, settings: DigestSettings
    ) -> None:
        self.session, self.chats, self.now, self.settings = session, chats, now, settings
        self.matched = self._matched()
        self.top = self._top_stories()
        wanted = {sid for found in self.matched.values() for sid, _ in found}
        wanted |= {sid for ids in self.top.values() for sid in ids}
        self.stories = {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(wanted)))}
        self.bylines = read_bylines(session, sorted(wanted), [chat.id for chat in chats])
        self._items: dict[_ItemKey, DigestItem] = {}

    def render(self, *, when_empty: bool) -> list[Queued]:
        """Each chat's digest. Chats whose digests hold the same items at the same local time
        (most often: nothing matched, only the top stories) share one rendering, and an item is
        built once however many digests list it: rendering was most of the queueing's CPU."""
        queued: list[Queued] = []
        rendered: dict[tuple[_DigestKey, str], list[RenderedMessage]] = {}
        local_now: dict[str, datetime] = {}
        for chat in self.chats:
            sections, more, key = self._sections(chat)
            if not when_empty and not any(items for _, items in sections) and not more:
                log.info("digest skipped: chat=%s has nothing new", chat.id)
                continue
            if chat.timezone not in local_now:
                local_now[chat.timezone] = self.now.astimezone(ZoneInfo(chat.timezone))
            messages = rendered.get((key, chat.timezone))
            if messages is None:
                when = local_now[chat.timezone]
                messages = render_digest(sections, when=when, more=more)
                rendered[(key, chat.timezone)] = messages
            queued.extend(Queued(chat.id, message, OutboxKind.DIGEST) for message in messages)
        return queued

    def _sections(
        self, chat: _Due
    ) -> tuple[list[tuple[str, list[DigestItem]]], list[DigestItem], _DigestKey]:
        """The chat's sections, the matched stories past the limit, and a key that is equal
        for two chats exactly when both are equal."""
        ranked = sorted(
            self.matched.get(chat.id, []),
            key=lambda found: (
                self.stories[found[0]].source_count,
                self.stories[found[0]].created_at,
            ),
            reverse=True,
        )
        limit = self.settings.max_items
        seen = {sid for sid, _ in ranked}
        top_ids = [sid for sid in self.top.get(chat.since, []) if sid not in seen]
        top = top_ids[: self.settings.top_stories]
        mine_keys = [
            self._key(chat.id, sid, chat.sentences, query) for sid, query in ranked[:limit]
        ]
        top_keys = [self._key(chat.id, sid, chat.sentences, None) for sid in top]
        more_keys = [self._key(chat.id, sid, 0, query) for sid, query in ranked[limit:]]
        mine, top_items, more = (
            [self._item(k) for k in keys] for keys in (mine_keys, top_keys, more_keys)
        )
        key = (tuple(mine_keys), tuple(top_keys), tuple(more_keys))
        return [("Your alerts", mine), ("Top stories", top_items)], more, key

    def _key(self, chat_id: int, story_id: int, sentences: int, query: str | None) -> _ItemKey:
        """What an item depends on: its story, length and query, and for a story from a
        private feed the chat (which outlets it may name depends on the chat's follows)."""
        private = self.bylines[story_id].private
        return (story_id, sentences, query, chat_id if private else None)

    def _item(self, key: _ItemKey) -> DigestItem:
        """The item, made once per chunk for each key however many digests list it."""
        item = self._items.get(key)
        if item is None:
            story_id, sentences, query, chat_id = key
            story = self.stories[story_id]
            summary = story.summary[:sentences] if sentences else []
            # A public story's outlets are the same for every chat (no chat id in its key).
            sources = self.bylines[story_id].for_chat(chat_id if chat_id is not None else 0)
            item = self._items[key] = DigestItem(story.title, story.url, summary, sources, query)
        return item

    def _matched(self) -> dict[int, list[tuple[int, str | None]]]:
        """Each chat's matched stories, each once: since the chat's last digest for instant
        and daily queries; for a weekly query, the week's matches once a week has passed."""
        since = {chat.id: chat.since for chat in self.chats}
        weekly = Subscription.frequency == "weekly"
        found: dict[int, dict[int, str | None]] = defaultdict(dict)
        rows = self.session.execute(
            select(Alert.chat_id, Alert.story_id, Alert.created_at, Subscription.query)
            .outerjoin(Subscription, Subscription.id == Alert.subscription_id)
            .where(
                Alert.chat_id.in_(since),
                Alert.created_at > min(since.values()),
                or_(Subscription.id.is_(None), ~weekly),
            )
        )
        for chat_id, story_id, created_at, query in rows:
            if created_at > since[chat_id]:
                found[chat_id].setdefault(story_id, query)
        for chat_id, story_id, query in self._weekly():
            found[chat_id].setdefault(story_id, query)
        return {chat_id: list(stories.items()) for chat_id, stories in found.items()}

    def _weekly(self) -> list[tuple[int, int, str]]:
        """Matches of the weekly queries whose week is over; their next week starts now."""
        subs = self.session.execute(
            select(
                Subscription.id,
                Subscription.chat_id,
                Subscription.query,
                func.coalesce(Subscription.last_weekly_at, Subscription.created_at),
            ).where(
                Subscription.chat_id.in_([chat.id for chat in self.chats]),
                Subscription.frequency == "weekly",
                func.coalesce(Subscription.last_weekly_at, Subscription.created_at)
                <= self.now - WEEK,
            )
        ).all()
        if not subs:
            return []
        owner = {sub_id: (chat_id, query, start) for sub_id, chat_id, query, start in subs}
        rows = self.session.execute(
            select(Alert.subscription_id, Alert.story_id, Alert.created_at).where(
                Alert.subscription_id.in_(owner)
            )
        ).all()
        self.session.execute(
            update(Subscription), [{"id": sub_id, "last_weekly_at": self.now} for sub_id in owner]
        )
        return [
            (owner[sub_id][0], story_id, owner[sub_id][1])
            for sub_id, story_id, created_at in rows
            if created_at > _aware(owner[sub_id][2])
        ]

    def _top_stories(self) -> dict[datetime, list[int]]:
        """The most-reported stories since each distinct `since` (most chats share one: their
        last digest was the same fan-out), with room for the chat's own to be left out."""
        wanted = self.settings.top_stories
        if not wanted:
            return {}
        room = wanted + max((len(found) for found in self.matched.values()), default=0)
        top: dict[datetime, list[int]] = {}
        for since in {chat.since for chat in self.chats}:
            top[since] = list(
                self.session.scalars(
                    select(Story.id)
                    .where(Story.created_at > since, public_story())
                    # The id settles ties, or which tied stories make the list would depend
                    # on the limit (on the chunk's longest match list).
                    .order_by(Story.source_count.desc(), Story.created_at.desc(), Story.id.desc())
                    .limit(room)
                )
            )
        return top


def _aware(moment: datetime) -> datetime:
    """A time read through a SQL expression (not a UTC column) may come back naive on SQLite."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def release_held(db: Database, now: datetime) -> int:
    """Alerts held during quiet hours go out as one "while you were away" message per chat,
    once the chat's quiet hours are over. Returns messages queued."""
    with db.session() as session:
        chat_ids = session.scalars(
            select(Alert.chat_id).where(Alert.held.is_(True)).distinct()
        ).all()
    queued = 0
    for chat_id in chat_ids:
        with db.session() as session:
            chat = session.get(Chat, chat_id)
            if chat is None or in_quiet_hours(now, chat.timezone, chat.quiet_start, chat.quiet_end):
                continue
            held = session.scalars(
                select(Alert).where(Alert.chat_id == chat_id, Alert.held.is_(True))
            ).all()
            stories = [session.get(Story, alert.story_id) for alert in held]
            found = [s for s in stories if s is not None]
            bylines = read_bylines(session, [s.id for s in found], [chat_id])
            items = [
                DigestItem(
                    s.title,
                    s.url,
                    s.summary[: chat.summary_sentences],
                    bylines[s.id].for_chat(chat_id),
                )
                for s in found
            ]
            local = now.astimezone(ZoneInfo(chat.timezone))
            for message in render_away(items, local):
                enqueue(session, chat.id, message, kind=OutboxKind.AWAY, now=now)
                queued += 1
            for alert in held:
                alert.held = False
            log.info("quiet hours over: chat=%s gets %d held alerts", chat_id, len(items))
    return queued
