"""The match stage: which chats want a new story, and queueing their alerts.

Subscriptions live in the database as the user typed them; here they are parsed once into an
in-memory `MatchIndex`, reloaded only when the set changes (a cheap signature query), so matching
a story costs the same with ten subscriptions as with a hundred thousand.

An alert is decided and queued in the caller's transaction, together with the `Alert` row whose
unique (chat, story) key is what makes "never the same story twice" hold even across outlets,
restarts and several matching queries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.match import Document, MatchIndex, QueryError, highlight_spans, parse_query
from bot.render import AlertView, render_alert
from bot.store import Alert, Chat, Outbox, Story, Subscription

__all__ = ["ChatMatch", "SubscriptionIndex", "queue_alerts"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatMatch:
    chat_id: int
    subscription_id: int
    query: str
    terms: tuple[str, ...]
    where: tuple[str, ...]


class SubscriptionIndex:
    """Every subscription's parsed query, keyed by subscription id."""

    def __init__(self) -> None:
        self._index = MatchIndex()
        self._owners: dict[int, tuple[int, str]] = {}
        self._signature: tuple[int, int] | None = None

    def refresh(self, session: Session) -> None:
        count, top = session.execute(
            select(func.count(Subscription.id), func.coalesce(func.max(Subscription.id), 0))
        ).one()
        signature = (int(count), int(top))
        if signature == self._signature:
            return
        index = MatchIndex()
        owners: dict[int, tuple[int, str]] = {}
        for sub_id, chat_id, text in session.execute(
            select(Subscription.id, Subscription.chat_id, Subscription.query)
        ):
            try:
                index.add(sub_id, parse_query(text, max_length=10_000, max_terms=1_000))
            except QueryError as exc:  # stored before a rule tightened: skip, keep the row
                log.warning("subscription %s of chat %s no longer parses: %s", sub_id, chat_id, exc)
                continue
            owners[sub_id] = (chat_id, text)
        self._index, self._owners, self._signature = index, owners, signature
        log.info("subscription index rebuilt: %d queries", len(owners))

    def match(self, doc: Document) -> list[ChatMatch]:
        """Every matching subscription; `queue_alerts` picks one per chat among the unmuted."""
        found: list[ChatMatch] = []
        for m in sorted(self._index.match(doc), key=lambda m: m.key):
            owner = self._owners.get(m.key)
            if owner is None:
                continue
            where = tuple(sorted(set(_where_values(m.where))))
            found.append(ChatMatch(owner[0], m.key, owner[1], tuple(m.terms), where))
        return found

    def __len__(self) -> int:
        return len(self._owners)


def _where_values(where: object) -> list[str]:
    if isinstance(where, dict):
        values: list[str] = []
        for v in where.values():
            values.extend([v] if isinstance(v, str) else list(v))
        return values
    return [w for w in where if isinstance(w, str)] if isinstance(where, (tuple, list)) else []


def queue_alerts(
    session: Session,
    story: Story,
    sources: list[str],
    matches: list[ChatMatch],
    now: datetime,
) -> int:
    """Record and queue one alert per matching chat that has not heard of `story` yet (a chat
    with several matching queries hears once, through its oldest unmuted one)."""
    if not matches:
        return 0
    muted = set(
        session.scalars(
            select(Subscription.id).where(
                Subscription.id.in_([m.subscription_id for m in matches]),
                Subscription.muted_until > now,
            )
        )
    )
    first: dict[int, ChatMatch] = {}
    for m in matches:
        if m.subscription_id not in muted:
            first.setdefault(m.chat_id, m)
    matches = list(first.values())
    chat_ids = list(first)
    told = set(
        session.scalars(
            select(Alert.chat_id).where(Alert.story_id == story.id, Alert.chat_id.in_(chat_ids))
        )
    )
    chats = {c.id: c for c in session.scalars(select(Chat).where(Chat.id.in_(chat_ids)))}
    queued = 0
    for m in matches:
        chat = chats.get(m.chat_id)
        if chat is None or not chat.active or m.chat_id in told:
            continue
        instant = chat.alerts_mode == "instant" and not chat.alerts_paused
        session.add(
            Alert(
                chat_id=chat.id,
                story_id=story.id,
                subscription_id=m.subscription_id,
                terms=list(m.terms),
                instant=instant,
                created_at=now,
            )
        )
        if not instant:
            continue
        summary = list(story.summary)[: chat.summary_sentences]
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
        )
        rendered = render_alert(view)
        session.add(
            Outbox(
                chat_id=chat.id,
                kind="alert",
                story_id=story.id,
                text=rendered.text,
                buttons=[[list(b) for b in row] for row in rendered.buttons],
                disable_preview=rendered.disable_preview,
                not_before=now,
                created_at=now,
            )
        )
        queued += 1
        log.info("alert queued: chat=%s story=%s query=%r", chat.id, story.id, m.query)
    return queued
