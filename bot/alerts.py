"""Alerts: which chats hear of a new story, and queueing what they hear.

An alert is decided and queued in the caller's transaction, together with the `Alert` row whose
unique (chat, story) key is what makes "never the same story twice" hold even across outlets,
restarts and several matching queries. Who matched comes from `bot.subscribers`; what later
articles of the story change in an alert already sent is `bot.followups`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import in_quiet_hours
from bot.match import highlight_spans
from bot.outbox import enqueue
from bot.render import AlertView, RenderedMessage, render_alert
from bot.store import Alert, Article, Chat, OutboxKind, SourceMute, Story, Subscription
from bot.subscribers import ChatMatch

__all__ = ["queue_alerts"]

log = logging.getLogger(__name__)


def _eligible(
    session: Session, story: Story, feed_id: int, matches: list[ChatMatch], now: datetime
) -> dict[int, tuple[ChatMatch, Subscription]]:
    """The subscription each chat hears through: its oldest one that is not muted, whose
    significance gate the story passes, in a chat that has not muted the story's outlet."""
    subs = {
        s.id: s
        for s in session.scalars(
            select(Subscription).where(Subscription.id.in_([m.subscription_id for m in matches]))
        )
    }
    muted_chats = set(
        session.scalars(
            select(SourceMute.chat_id).where(
                SourceMute.feed_id == feed_id,
                SourceMute.until > now,
                SourceMute.chat_id.in_([m.chat_id for m in matches]),
            )
        )
    )
    chosen: dict[int, tuple[ChatMatch, Subscription]] = {}
    for m in matches:
        sub = subs.get(m.subscription_id)
        if sub is None or m.chat_id in chosen or m.chat_id in muted_chats:
            continue
        if sub.muted_until is not None and sub.muted_until > now:
            continue
        if story.source_count < sub.min_sources:
            continue
        chosen[m.chat_id] = (m, sub)
    return chosen


def queue_alerts(
    session: Session,
    story: Story,
    article: Article,
    sources: list[str],
    matches: list[ChatMatch],
    now: datetime,
) -> int:
    """Record and queue one alert per matching chat that has not heard of `story` yet (a chat
    with several matching queries hears once, through its oldest eligible one).

    Daily and weekly queries, digest-only chats and paused chats get the story in their digest
    instead; during a chat's quiet hours the alert is held for the "while you were away" message.
    """
    if not matches:
        return 0
    chosen = _eligible(session, story, article.feed_id, matches, now)
    if not chosen:
        return 0
    told = set(
        session.scalars(
            select(Alert.chat_id).where(Alert.story_id == story.id, Alert.chat_id.in_(chosen))
        )
    )
    chats = {c.id: c for c in session.scalars(select(Chat).where(Chat.id.in_(chosen)))}
    queued = 0
    for chat_id, (m, sub) in chosen.items():
        chat = chats.get(chat_id)
        if chat is None or not chat.active or chat_id in told:
            continue
        instant = (
            sub.frequency == "instant" and chat.alerts_mode == "instant" and not chat.alerts_paused
        )
        held = instant and in_quiet_hours(now, chat.timezone, chat.quiet_start, chat.quiet_end)
        session.add(
            Alert(
                chat_id=chat.id,
                story_id=story.id,
                subscription_id=m.subscription_id,
                terms=list(m.terms),
                instant=instant,
                held=held,
                created_at=now,
                told_articles=[article.id],
            )
        )
        if not instant or held:
            continue
        message = _alert_message(story, article, sources, m, chat.summary_sentences)
        enqueue(
            session,
            chat.id,
            message,
            kind=OutboxKind.ALERT,
            now=now,
            story_id=story.id,
            thread_id=sub.thread_id,
        )
        queued += 1
        log.info("alert queued: chat=%s story=%s query=%r", chat.id, story.id, m.query)
    return queued


def _alert_message(
    story: Story, article: Article, sources: list[str], m: ChatMatch, sentences: int
) -> RenderedMessage:
    summary = list(story.summary)[:sentences]
    view = AlertView(
        story_id=story.id,
        title=story.title,
        url=story.url,
        summary=summary,
        sources=sources,
        query=m.query,
        terms=m.terms,
        where=m.where,
        highlights=[highlight_spans(s, m.terms, story.language or "en") for s in summary],
        subscription_id=m.subscription_id,
        feed_id=article.feed_id,
    )
    return render_alert(view)
