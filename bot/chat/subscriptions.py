"""A chat's keyword queries: subscribe, try, list, stop, mute (a query or an outlet).

Functions take a session and plain values and return plain values. A query is parsed here,
with the configured limits, so a refusal (`QueryError`, `ChatError`) carries a message for the
user; the subscription is stored as typed and parsed again by the match index. A chat's list
holds its own queries and those it sent to a channel (`--to`), which it owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from bot.audience import feed_visible_to, story_visible_to
from bot.chat.channels import Destination, open_channel, resume_channel
from bot.chat.input import Options, number, split_options
from bot.chat.prefs import Caller, open_chat
from bot.errors import ChatError
from bot.match import Document, Query, matches, parse_query
from bot.settings import Settings
from bot.store import Article, Chat, Feed, SourceMute, Story, Subscription

__all__ = [
    "BACKFILL_DAYS",
    "Backfill",
    "QueryView",
    "StoryLine",
    "Subscribed",
    "list_queries",
    "mute_query",
    "mute_source",
    "recent_matches",
    "remove_subscription",
    "subscribe",
    "try_query",
    "unsubscribe",
]

BACKFILL_DAYS = 7  # how far back /subscribe and /test show what a query would have matched


@dataclass(frozen=True)
class StoryLine:
    title: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class Backfill:
    """What a query matched lately: how many stories, and the newest few."""

    count: int
    newest: tuple[StoryLine, ...]


@dataclass(frozen=True)
class Subscribed:
    subscription_id: int
    query: Query
    created: bool  # False: the chat already had exactly this query (its options were updated)
    options: Options = field(default_factory=Options)
    thread_id: int | None = None
    backfill: Backfill | None = None
    destination: str | None = None  # the channel its alerts go to, when not this chat


@dataclass(frozen=True)
class QueryView:
    """One of a chat's queries as /list shows it; `number` is its place in that list;
    `destination` the channel its alerts go to (None: this chat); `paused` why it stopped."""

    number: int
    subscription_id: int
    query: str
    frequency: str
    min_sources: int
    thread_id: int | None
    muted_until: datetime | None
    destination: str | None = None
    paused: str | None = None


def _parse(text: str, settings: Settings) -> tuple[str, Query, Options]:
    """The query as it will be stored (spacing normalized), parsed, and its options."""
    query_text, options = split_options(text)
    limits = settings.limits
    query = parse_query(
        query_text, max_length=limits.max_query_length, max_terms=limits.max_query_terms
    )
    return " ".join(query_text.split()), query, options


def subscribe(
    session: Session,
    caller: Caller,
    text: str,
    now: datetime,
    settings: Settings,
    *,
    backfill: bool = False,
    to: Destination | None = None,
) -> Subscribed:
    """Add a query (with its options) to the chat; the same query again updates its options.
    Sent from a forum topic, its alerts go to that topic; sent `to` a channel (which the
    adapter checked the user administers and the bot may post to), they go there, and the
    owner's queries paused when the channel was lost run again."""
    chat = open_chat(session, caller, now, settings)
    source, query, options = _parse(text, settings)
    target = open_channel(session, chat, to, now, settings) if to is not None else chat
    recent = recent_matches(session, query, now, chat_id=target.id) if backfill else None
    sub = session.scalar(
        select(Subscription).where(Subscription.chat_id == target.id, Subscription.query == source)
    )
    created = sub is None
    if sub is None:
        count = len(_subscriptions(session, chat.id))
        if count >= settings.limits.max_queries_per_chat:
            raise ChatError(
                f"This chat already has {count} queries, the most allowed. "
                "Remove one with /unsubscribe first."
            )
        sub = Subscription(chat_id=target.id, query=source, created_at=now)
        session.add(sub)
    sub.min_sources, sub.frequency = options.min_sources, options.frequency
    sub.thread_id = caller.thread_id if to is None else None
    if to is not None:
        sub.owner_chat_id, sub.paused_reason = chat.id, None
        resume_channel(session, chat.id, target.id)
    session.flush()
    label = to.label if to is not None else None
    return Subscribed(sub.id, query, created, options, sub.thread_id, recent, label)


def try_query(
    text: str, session: Session, now: datetime, settings: Settings, chat_id: int | None = None
) -> Subscribed:
    """/test: how a query is understood and what it would have matched (of what `chat_id` may
    see); nothing is saved."""
    _, query, options = _parse(text, settings)
    recent = recent_matches(session, query, now, chat_id=chat_id)
    return Subscribed(0, query, False, options, None, recent)


def recent_matches(
    session: Session,
    query: Query,
    now: datetime,
    *,
    newest: int = 3,
    chat_id: int | None = None,
) -> Backfill:
    """How many stories of the last days the query matches, and the newest few: for /test and
    the backfill shown on /subscribe, so a user sees what a query does before relying on it.
    Only what `chat_id` may see counts (None: public stories and articles only)."""
    since = now - timedelta(days=BACKFILL_DAYS)
    stories = session.scalars(
        select(Story)
        .where(Story.created_at >= since, story_visible_to(chat_id))
        .order_by(Story.created_at.desc(), Story.id.desc())
        .options(selectinload(Story.articles))
    ).all()
    seen = set(
        session.scalars(
            select(Article.id)
            .join(Feed, Feed.id == Article.feed_id)
            .where(Article.story_id.in_([s.id for s in stories]), feed_visible_to(chat_id))
        )
    )
    found = []
    for story in stories:
        articles = [a for a in story.articles if a.id in seen]
        doc = Document(
            title=story.title,
            text="\n\n".join(a.text for a in articles),
            language=story.language or "en",
            urls=tuple(a.url for a in articles),
        )
        if matches(query, doc) is not None:
            found.append(StoryLine(story.title, story.url, story.created_at))
    return Backfill(len(found), tuple(found[:newest]))


def _subscriptions(session: Session, chat_id: int) -> list[Subscription]:
    """The chat's own queries and those it sent to channels, oldest first."""
    mine = or_(Subscription.chat_id == chat_id, Subscription.owner_chat_id == chat_id)
    return list(session.scalars(select(Subscription).where(mine).order_by(Subscription.id)))


def _yours(sub: Subscription | None, chat_id: int) -> bool:
    return sub is not None and chat_id in (sub.chat_id, sub.owner_chat_id)


def list_queries(session: Session, chat_id: int) -> list[QueryView]:
    channel = aliased(Chat)
    rows = session.execute(
        select(Subscription, channel.title)
        .outerjoin(channel, (channel.id == Subscription.chat_id) & (channel.id != chat_id))
        .where(or_(Subscription.chat_id == chat_id, Subscription.owner_chat_id == chat_id))
        .order_by(Subscription.id)
    ).all()
    return [
        QueryView(
            n,
            s.id,
            s.query,
            s.frequency,
            s.min_sources,
            s.thread_id,
            s.muted_until,
            (title or str(s.chat_id)) if s.chat_id != chat_id else None,
            s.paused_reason,
        )
        for n, (s, title) in enumerate(rows, 1)
    ]


def unsubscribe(
    session: Session, caller: Caller, key: str, now: datetime, settings: Settings
) -> str | None:
    """Remove a query by its text or its number in /list; returns the removed query."""
    subs = _subscriptions(session, open_chat(session, caller, now, settings).id)
    key = " ".join(key.split())
    position = number(key)
    if position is not None and 1 <= position <= len(subs):
        target: Subscription | None = subs[position - 1]
    else:  # as typed first: "peace OR truce" and "peace or truce" are different queries
        target = next((s for s in subs if s.query == key), None) or next(
            (s for s in subs if s.query.casefold() == key.casefold()), None
        )
    if target is None:
        return None
    session.execute(delete(Subscription).where(Subscription.id == target.id))
    return target.query


def remove_subscription(session: Session, chat_id: int, subscription_id: int) -> str | None:
    """The "stop this query" button: only the chat's own query; returns it, or None if gone."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or not _yours(sub, chat_id):
        return None
    session.execute(delete(Subscription).where(Subscription.id == sub.id))
    return sub.query


def mute_query(
    session: Session, chat_id: int, subscription_id: int, days: int, now: datetime
) -> str | None:
    """Silence one of the chat's queries for some days; returns it, or None if gone."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or not _yours(sub, chat_id):
        return None
    sub.muted_until = now + timedelta(days=days)
    return sub.query


def mute_source(
    session: Session, chat_id: int, feed_id: int, days: int, now: datetime
) -> str | None:
    """No stories first reported by this outlet for some days; returns its name, or None
    (an unknown outlet, another chat's private one, or a chat that is gone: the button of an
    old alert after /stop)."""
    feed = session.scalar(select(Feed).where(Feed.id == feed_id, feed_visible_to(chat_id)))
    if feed is None or session.get(Chat, chat_id) is None:
        return None
    mute = session.scalar(
        select(SourceMute).where(SourceMute.chat_id == chat_id, SourceMute.feed_id == feed.id)
    ) or SourceMute(chat_id=chat_id, feed_id=feed.id, until=now)
    mute.until = now + timedelta(days=days)
    session.add(mute)
    return feed.display_name
