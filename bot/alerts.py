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
import re
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import summarizer
from bot.match import (
    Document,
    MatchIndex,
    Query,
    QueryError,
    highlight_spans,
    matches,
    parse_query,
)
from bot.render import AlertView, render_alert, render_follow_up, with_sources
from bot.store import (
    Alert,
    Article,
    Chat,
    Outbox,
    OutboxStatus,
    SourceMute,
    Story,
    Subscription,
)

__all__ = [
    "ChatMatch",
    "SubscriptionIndex",
    "in_quiet_hours",
    "new_sentences",
    "queue_alerts",
    "recent_matches",
    "update_alerts",
]

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
        for m in self._index.match(doc):  # one per distinct query, with all its subscriptions
            where = tuple(sorted(set(m.where)))
            for key in m.keys:
                owner = self._owners.get(cast(int, key))
                if owner is not None:
                    found.append(ChatMatch(owner[0], cast(int, key), owner[1], m.terms, where))
        found.sort(key=lambda match: match.subscription_id)
        return found

    def __len__(self) -> int:
        return len(self._owners)


def in_quiet_hours(chat: Chat, now: datetime) -> bool:
    """Is it the chat's quiet time (a local window that may run past midnight)?"""
    if not chat.quiet_start or not chat.quiet_end:
        return False
    local = now.astimezone(ZoneInfo(chat.timezone)).strftime("%H:%M")
    start, end = chat.quiet_start, chat.quiet_end
    return start <= local < end if start < end else (local >= start or local < end)


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
        held = instant and in_quiet_hours(chat, now)
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
        session.add(_alert_message(story, article, sources, m, chat, sub, now))
        queued += 1
        log.info("alert queued: chat=%s story=%s query=%r", chat.id, story.id, m.query)
    return queued


def _alert_message(
    story: Story,
    article: Article,
    sources: list[str],
    m: ChatMatch,
    chat: Chat,
    sub: Subscription,
    now: datetime,
) -> Outbox:
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
        feed_id=article.feed_id,
    )
    rendered = render_alert(view)
    return Outbox(
        chat_id=chat.id,
        kind="alert",
        story_id=story.id,
        text=rendered.text,
        buttons=[[list(b) for b in row] for row in rendered.buttons],
        disable_preview=rendered.disable_preview,
        thread_id=sub.thread_id,
        not_before=now,
        created_at=now,
    )


_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def new_sentences(text: str, known: list[str], language: str | None = None) -> list[str]:
    """The sentences of `text` that the `known` texts do not already say (most of their word
    trigrams unseen): what a later article adds to a story."""
    seen: set[tuple[str, ...]] = set()
    for other in known:
        seen |= _shingles(other)
    fresh = []
    for sentence in summarizer.split_sentences(text, language):
        grams = _shingles(sentence)
        if len(_WORD.findall(sentence)) >= 6 and len(grams - seen) > 0.5 * len(grams):
            fresh.append(sentence)
    return fresh


def _develops(fresh: list[str], text: str, language: str | None) -> bool:
    """Substantial news: at least two new sentences, 30 words, and a third of the article."""
    total = len(summarizer.split_sentences(text, language)) or 1
    words = sum(len(_WORD.findall(s)) for s in fresh)
    return len(fresh) >= 2 and words >= 30 and len(fresh) / total >= 0.3


def update_alerts(
    session: Session, story: Story, article: Article, sources: list[str], now: datetime
) -> int:
    """A later article joined a story chats were already told of: no new push. Bring each
    alert's "reported by" line up to date (edit), or, when the article develops the story,
    send a short follow-up as a reply to the first alert. Returns messages queued."""
    alerts = session.scalars(
        select(Alert).where(
            Alert.story_id == story.id, Alert.instant.is_(True), Alert.held.is_(False)
        )
    ).all()
    queued = 0
    texts: dict[int, str] = {}
    for alert in alerts:
        original = session.scalar(
            select(Outbox)
            .where(
                Outbox.chat_id == alert.chat_id,
                Outbox.story_id == story.id,
                Outbox.kind == "alert",
            )
            .order_by(Outbox.id)
            .limit(1)
        )
        if original is None or original.status not in (OutboxStatus.PENDING, OutboxStatus.SENT):
            continue
        updated = with_sources(original.text, sources)
        if original.status == OutboxStatus.PENDING:  # not out yet: it leaves up to date
            original.text = updated
            continue
        if original.message_id is None:
            continue
        known_ids = [i for i in alert.told_articles if i != article.id]
        for missing in set(known_ids) - texts.keys():
            told = session.get(Article, missing)
            texts[missing] = told.text if told is not None else ""
        fresh = new_sentences(article.text, [texts[i] for i in known_ids], story.language)
        if _develops(fresh, article.text, story.language):
            picked = summarizer.summarize(" ".join(fresh), sentences=2, language=story.language)
            note = render_follow_up(article.title, article.url, article.source, picked)
            session.add(
                Outbox(
                    chat_id=alert.chat_id,
                    kind="followup",
                    story_id=story.id,
                    text=note.text,
                    reply_to_message_id=original.message_id,
                    thread_id=original.thread_id,
                    not_before=now,
                    created_at=now,
                )
            )
            alert.told_articles = [*alert.told_articles, article.id]
            log.info("follow-up queued: chat=%s story=%s", alert.chat_id, story.id)
        elif updated != original.text:
            session.add(
                Outbox(
                    chat_id=alert.chat_id,
                    kind="edit",
                    story_id=story.id,
                    text=updated,
                    buttons=original.buttons,
                    disable_preview=original.disable_preview,
                    edit_message_id=original.message_id,
                    thread_id=original.thread_id,
                    not_before=now,
                    created_at=now,
                )
            )
        else:
            continue
        original.text = updated
        queued += 1
    return queued


def recent_matches(
    session: Session, query: Query, since: datetime, *, newest: int = 3
) -> tuple[int, list[Story]]:
    """How many stories since `since` the query matches, and the newest few: for /test and the
    backfill shown on /subscribe, so a user sees what a query does before relying on it."""
    stories = session.scalars(
        select(Story)
        .where(Story.created_at >= since)
        .order_by(Story.created_at.desc(), Story.id.desc())
        .options(selectinload(Story.articles))
    ).all()
    found = []
    for story in stories:
        doc = Document(
            title=story.title,
            text="\n\n".join(a.text for a in story.articles),
            language=story.language or "en",
            urls=tuple(a.url for a in story.articles),
        )
        if matches(query, doc) is not None:
            found.append(story)
    return len(found), found[:newest]
