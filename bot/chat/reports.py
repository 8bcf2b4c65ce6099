"""What users ask the bot to show: their setup, where their alerts come from, the latest
stories, a digest now, the summary of any page.

Functions take a session (or the page fetcher) and plain values and return plain values; the
replies module turns them into messages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import summarizer
from bot.audience import feed_visible_to, read_bylines, story_visible_to
from bot.chat import prefs
from bot.chat.prefs import Caller, ChatSettings, open_chat, settings_of
from bot.chat.subscriptions import QueryView, list_queries
from bot.digest import queue_digest
from bot.fetch import Fetcher
from bot.pages import fetch_page
from bot.render import DigestItem
from bot.settings import Settings
from bot.store import Alert, Article, Feed, Outbox, OutboxKind, Story, WebSubSubscription

__all__ = [
    "LinkSummary",
    "Overview",
    "SourceStatus",
    "apply_setting",
    "digest_now",
    "latest",
    "overview",
    "source_status",
    "summarize_link",
]

STATUS_DAYS = 7  # /status looks at the sources of this many days of alerts


@dataclass(frozen=True)
class Overview:
    """/list and /settings: the chat's queries and preferences."""

    settings: ChatSettings
    queries: list[QueryView]


@dataclass(frozen=True)
class SourceStatus:
    """One source of a chat's recent alerts: its health, how fast its news reached them, and
    how it comes: `pushed` by a WebSub hub (then `interval_s` is the safety poll) or polled
    every `interval_s` seconds (the schedule's current choice)."""

    name: str
    failures: int
    last_polled_at: datetime | None
    median_delay_s: float | None  # publication to alert sent
    interval_s: int
    pushed: bool = False


@dataclass(frozen=True)
class LinkSummary:
    url: str
    title: str | None
    sentences: list[str]


def overview(session: Session, caller: Caller, now: datetime, settings: Settings) -> Overview:
    chat = open_chat(session, caller, now, settings)
    return Overview(settings_of(chat), list_queries(session, chat.id))


def apply_setting(session: Session, chat_id: int, field: str, value: str) -> Overview | None:
    """A /settings button pressed: the setting changed, and the overview to show again."""
    changed = prefs.apply_setting(session, chat_id, field, value)
    if changed is None:
        return None
    return Overview(changed, list_queries(session, chat_id))


def source_status(session: Session, chat_id: int, now: datetime) -> list[SourceStatus]:
    """Each source of this chat's alerts of the last days: last fetch, health, and the median
    delay from publication to the alert being sent (another chat's private feed never shows)."""
    since = now - timedelta(days=STATUS_DAYS)
    rows = session.execute(
        select(Feed, Article.published_at, Outbox.sent_at)
        .join(Article, Article.feed_id == Feed.id)
        .join(Alert, Alert.story_id == Article.story_id)
        .outerjoin(
            Outbox,
            (Outbox.story_id == Alert.story_id)
            & (Outbox.chat_id == Alert.chat_id)
            & (Outbox.kind == OutboxKind.ALERT),
        )
        .where(Alert.chat_id == chat_id, Alert.created_at >= since, feed_visible_to(chat_id))
    ).all()
    delays: dict[int, list[float]] = {}
    feeds: dict[int, Feed] = {}
    for feed, published, sent in rows:
        feeds[feed.id] = feed
        if published is not None and sent is not None and sent >= published:
            delays.setdefault(feed.id, []).append((sent - published).total_seconds())
    pushed = set(
        session.scalars(
            select(WebSubSubscription.feed_id).where(
                WebSubSubscription.feed_id.in_(feeds), WebSubSubscription.state == "active"
            )
        )
    )
    statuses = []
    for feed_id, feed in sorted(feeds.items()):
        waits = sorted(delays.get(feed_id, []))
        statuses.append(
            SourceStatus(
                feed.display_name,
                feed.failures,
                feed.last_polled_at,
                waits[len(waits) // 2] if waits else None,
                feed.current_interval or feed.interval,
                feed_id in pushed,
            )
        )
    return statuses


def latest(session: Session, count: int, chat_id: int | None = None) -> list[DigestItem]:
    """The newest stories the chat may see, summarized, with the outlets that carry each (of
    those it may see). `chat_id` None: public stories only."""
    stories = session.scalars(
        select(Story)
        .where(story_visible_to(chat_id))
        .order_by(Story.created_at.desc(), Story.id.desc())
        .limit(count)
    ).all()
    viewer = [chat_id] if chat_id is not None else []
    bylines = read_bylines(session, [story.id for story in stories], viewer)
    return [
        DigestItem(story.title, story.url, story.summary, bylines[story.id].for_chat(chat_id or 0))
        for story in stories
    ]


def digest_now(session: Session, caller: Caller, now: datetime, settings: Settings) -> int:
    """/digest: queue the chat's digest of everything since its last one; messages queued."""
    chat = open_chat(session, caller, now, settings)
    return queue_digest(session, chat, now, settings.digest)


async def summarize_link(pages: Fetcher, url: str, settings: Settings) -> LinkSummary:
    """/summary: fetch any public page, find its article, summarize it (as `newsbot summarize`
    and ingest read pages: `bot.pages`).

    Raises FetchError (the page could not be fetched or is not public) or ExtractionError.
    """
    page = await fetch_page(pages, url, allow_private=settings.telegram.allow_private_urls)
    sentences = await asyncio.to_thread(
        summarizer.summarize,
        page.text,
        settings.summary.sentences,
        page.language,
        method=settings.summary.method,
        title=page.title,
    )
    return LinkSummary(page.url or url, page.title, sentences)
