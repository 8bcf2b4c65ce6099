"""The digest stage: once a day, at each chat's own local time, the top stories since the last.

When a digest is due is pure arithmetic over the chat's time zone (`next_digest_at`); which chats
are due is one indexed query. A digest is queued in the same transaction that moves the chat's
`next_digest_at` to its next occurrence, so a restart can neither skip nor double it, and a
digest missed while the bot was down is sent once at start-up, not once per missed day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.clock import in_quiet_hours, next_digest_at
from bot.outbox import enqueue
from bot.render import DigestItem, render_away, render_digest
from bot.settings import DigestSettings
from bot.store import Alert, Article, Chat, Database, OutboxKind, Story, Subscription

__all__ = ["queue_digest", "queue_due_digests", "release_held"]

log = logging.getLogger(__name__)


def _sources(session: Session, story_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {sid: [] for sid in story_ids}
    rows = session.execute(
        select(Article.story_id, Article.source)
        .where(Article.story_id.in_(story_ids))
        .order_by(Article.id)
    )
    for story_id, source in rows:
        if source not in names[story_id]:
            names[story_id].append(source)
    return names


def _matched(
    session: Session, chat: Chat, since: datetime, now: datetime, limit: int
) -> list[tuple[Story, str | None]]:
    """The chat's matched stories for this digest: since the last digest for instant and daily
    queries; for a weekly query, the week's matches once a week has passed."""
    weekly = Subscription.frequency == "weekly"
    rows: list[tuple[Story, str | None]] = [
        (story, query)
        for story, query in session.execute(
            select(Story, Subscription.query)
            .join(Alert, Alert.story_id == Story.id)
            .outerjoin(Subscription, Subscription.id == Alert.subscription_id)
            .where(
                Alert.chat_id == chat.id,
                Alert.created_at > since,
                or_(Subscription.id.is_(None), ~weekly),
            )
        )
    ]
    for sub in session.scalars(select(Subscription).where(Subscription.chat_id == chat.id, weekly)):
        start = sub.last_weekly_at or sub.created_at
        if now - start < timedelta(days=7):
            continue
        rows += [
            (story, sub.query)
            for story in session.scalars(
                select(Story)
                .join(Alert, Alert.story_id == Story.id)
                .where(Alert.subscription_id == sub.id, Alert.created_at > start)
            )
        ]
        sub.last_weekly_at = now
    unique = {story.id: (story, query) for story, query in rows}
    ranked = sorted(
        unique.values(), key=lambda r: (r[0].source_count, r[0].created_at), reverse=True
    )
    return ranked[:limit]


def _sections(
    session: Session, chat: Chat, since: datetime, now: datetime, settings: DigestSettings
) -> list[tuple[str, list[DigestItem]]]:
    matched = _matched(session, chat, since, now, settings.max_items)
    mine = [story for story, _ in matched]
    seen = {s.id for s in mine}
    top: list[Story] = []
    if settings.top_stories:
        candidates = session.scalars(
            select(Story)
            .where(Story.created_at > since)
            .order_by(Story.source_count.desc(), Story.created_at.desc())
            .limit(settings.top_stories + len(seen))
        )
        top = [s for s in candidates if s.id not in seen][: settings.top_stories]
    sources = _sources(session, [s.id for s in mine + top])
    queries = {story.id: query for story, query in matched}
    count = chat.summary_sentences

    def item(story: Story) -> DigestItem:
        return DigestItem(
            story.title, story.url, story.summary[:count], sources[story.id], queries.get(story.id)
        )

    return [("Your alerts", [item(s) for s in mine]), ("Top stories", [item(s) for s in top])]


def queue_digest(
    session: Session,
    chat: Chat,
    now: datetime,
    settings: DigestSettings,
    *,
    when_empty: bool = True,
) -> int:
    """Queue the chat's digest of everything since its last one; returns messages queued.

    A scheduled digest with nothing in it is skipped (`when_empty=False`): a daily "nothing new"
    is noise. Asked for with /digest, it says so.
    """
    # A chat's first digest covers the day before it, or everything since it joined.
    since = chat.last_digest_at or min(chat.created_at, now - timedelta(days=1))
    sections = _sections(session, chat, since, now, settings)
    if not when_empty and not any(items for _, items in sections):
        log.info("digest skipped: chat=%s has nothing new", chat.id)
        return 0
    local_now = now.astimezone(ZoneInfo(chat.timezone))
    messages = render_digest(sections, when=local_now)
    for message in messages:
        enqueue(session, chat.id, message, kind=OutboxKind.DIGEST, now=now)
    chat.last_digest_at = now
    log.info("digest queued: chat=%s messages=%d", chat.id, len(messages))
    return len(messages)


def queue_due_digests(db: Database, now: datetime, settings: DigestSettings) -> int:
    """Queue every digest that is due; each chat in its own transaction."""
    with db.session() as session:
        due = session.scalars(
            select(Chat.id).where(
                Chat.active.is_(True),
                Chat.digest_enabled.is_(True),
                func.coalesce(Chat.next_digest_at, now) <= now,
            )
        ).all()
    queued = 0
    for chat_id in due:
        with db.session() as session:
            chat = session.get(Chat, chat_id)
            if chat is None:
                continue
            if chat.next_digest_at is None:  # a new chat: its first digest is the next one
                chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
                continue
            if chat.next_digest_at > now:  # another worker got here first
                continue
            queued += queue_digest(session, chat, now, settings, when_empty=False)
            chat.next_digest_at = next_digest_at(now, chat.timezone, chat.digest_time)
    return queued


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
            sources = _sources(session, [s.id for s in stories if s is not None])
            items = [
                DigestItem(s.title, s.url, s.summary[: chat.summary_sentences], sources[s.id])
                for s in stories
                if s is not None
            ]
            local = now.astimezone(ZoneInfo(chat.timezone))
            for message in render_away(items, local):
                enqueue(session, chat.id, message, kind=OutboxKind.AWAY, now=now)
                queued += 1
            for alert in held:
                alert.held = False
            log.info("quiet hours over: chat=%s gets %d held alerts", chat_id, len(items))
    return queued
