"""Alerts: which chats hear of a new story, and queueing what they hear.

An alert is decided and queued in the caller's transaction, together with the `Alert` row whose
unique (chat, story) key is what makes "never the same story twice" hold even across outlets,
restarts and several matching queries. Who matched comes from `bot.subscribers`; what later
articles of the story change in an alert already sent is `bot.followups`.

A burst can match a story against thousands of chats, so the work is set-based: the chats,
their queries and mutes are read in a few queries, each distinct (query, length, outlets shown)
is rendered once, and the alert rows and messages go in with one insert each. Each chat sees
the outlets its `Byline` allows (a private feed's name only by its followers); a channel gets
no buttons, since whoever reads it is not whoever set its queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, insert, select
from sqlalchemy.orm import Session

import summarizer
from bot.audience import Byline
from bot.clock import in_quiet_hours
from bot.match.highlight import Highlighter, Terms
from bot.outbox import Queued, enqueue_all
from bot.render import (
    RenderedMessage,
    alert_body,
    alert_buttons,
    alert_head,
    alert_sources,
    alert_text,
    alert_why,
)
from bot.store import Alert, Article, Chat, OutboxKind, SourceMute, Story, Subscription
from bot.subscribers import ChatMatch

__all__ = ["AlertSummaries", "queue_alerts"]

log = logging.getLogger(__name__)


@dataclass
class AlertSummaries:
    """The summary each alert of one story shows: the story's own, unless none of its
    sentences shows a term the query matched; then the best sentence that does takes the
    place of the weakest, in article order and within the same length (the article is ranked
    once, and each distinct query picks from that ranking)."""

    text: str  # the matched article's text
    language: str
    default: Sequence[str]  # the story's summary
    method: str = "default"
    max_words: int | None = None
    title: str | None = None
    _ranking: summarizer.Ranking | None = field(default=None, repr=False)
    _picked: dict[tuple[tuple[str, ...], int], list[str]] = field(default_factory=dict)
    _read: dict[tuple[str, str], Highlighter] = field(default_factory=dict, repr=False)
    _having: dict[str, set[str]] | None = field(default=None, repr=False)  # stem -> sentences

    def for_match(self, terms: Sequence[str], sentences: int) -> list[str]:
        shown = list(self.default)[:sentences]
        key = (tuple(terms), len(shown))
        if not terms or not shown or key in self._picked:
            return self._picked.get(key, shown)
        picked = shown
        found = Terms(terms, self.language)
        if not any(self._shows(sentence, found) for sentence in shown):
            try:
                picked = self._ranked().pick(
                    len(shown),
                    max_words=self.max_words,
                    focus=self._focus(found),
                )
            except summarizer.SummarizerError as exc:  # a language it cannot read: as it was
                log.warning("no focused summary (%s); the story's own is kept", exc)
        self._picked[key] = picked
        return picked

    def highlights(
        self, sentence: str, terms: Sequence[str], language: str
    ) -> list[tuple[int, int]]:
        """Where the terms are in one of the story's sentences (each sentence is read once a
        story, however many queries it is shown to)."""
        return self._highlighter(sentence, language).spans(terms)

    def _focus(self, terms: Terms) -> Callable[[str], bool]:
        """Whether an article sentence shows one of the terms; for plain words (the usual
        terms) a look-up in the sentences each stem is in, the article read once a story."""
        if terms.phrases:
            return lambda sentence: self._shows(sentence, terms)
        if self._having is None:
            self._having = {}
            for sentence in self._ranked().sentences:
                for stem in self._highlighter(sentence, self.language).stems:
                    self._having.setdefault(stem, set()).add(sentence)
        return set[str]().union(*(self._having.get(w, ()) for w in terms.words)).__contains__

    def _shows(self, sentence: str, terms: Terms) -> bool:
        return self._highlighter(sentence, self.language).shows(terms)

    def _highlighter(self, sentence: str, language: str) -> Highlighter:
        found = self._read.get((sentence, language))
        if found is None:
            found = self._read[sentence, language] = Highlighter(sentence, language)
        return found

    def _ranked(self) -> summarizer.Ranking:
        if self._ranking is None:
            self._ranking = summarizer.rank(
                self.text, self.language, method=self.method, title=self.title
            )
        return self._ranking


_ALERTS = Alert.metadata.tables[Alert.__tablename__]  # inserted with Core: no ORM work per row
_Gate = Row[tuple[int, str | None, datetime | None, int, str, int | None]]  # a Subscription's


def _eligible(
    session: Session,
    story: Story,
    feed_id: int,
    matches: list[ChatMatch],
    now: datetime,
    byline: Byline,
) -> dict[int, tuple[ChatMatch, _Gate]]:
    """The subscription each chat hears through: its oldest one that is not muted or paused,
    whose significance gate the story passes (counting the outlets the chat may see), in a
    chat that has not muted the story's outlet."""
    gates = select(
        Subscription.id,
        Subscription.paused_reason,
        Subscription.muted_until,
        Subscription.min_sources,
        Subscription.frequency,
        Subscription.thread_id,
    ).where(Subscription.id.in_([m.subscription_id for m in matches]))
    subs = {s.id: s for s in session.execute(gates)}  # the columns alone: no ORM objects
    muted_chats = set(
        session.scalars(
            select(SourceMute.chat_id).where(
                SourceMute.feed_id == feed_id,
                SourceMute.until > now,
                SourceMute.chat_id.in_({m.chat_id for m in matches}),
            )
        )
    )
    chosen: dict[int, tuple[ChatMatch, _Gate]] = {}
    for m in sorted(matches, key=lambda m: m.subscription_id):  # the oldest query first
        sub = subs.get(m.subscription_id)
        if sub is None or m.chat_id in chosen or m.chat_id in muted_chats:
            continue
        if sub.paused_reason is not None or (sub.muted_until is not None and sub.muted_until > now):
            continue
        outlets = len(byline.for_chat(m.chat_id)) if byline.private else story.source_count
        if outlets < sub.min_sources:
            continue
        chosen[m.chat_id] = (m, sub)
    return chosen


def queue_alerts(
    session: Session,
    story: Story,
    article: Article,
    sources: Sequence[str] | Byline,
    matches: list[ChatMatch],
    now: datetime,
    summaries: AlertSummaries | None = None,
) -> int:
    """Record and queue one alert per matching chat that has not heard of `story` yet (a chat
    with several matching queries hears once, through its oldest eligible one).

    `sources` is the story's `Byline` (ingest), or plain names every chat may see. Daily and
    weekly queries, digest-only chats and paused chats get the story in their digest instead;
    during a chat's quiet hours the alert is held for the "while you were away" message.
    """
    if not matches:
        return 0
    byline = sources if isinstance(sources, Byline) else Byline.of(sources)
    chosen = _eligible(session, story, article.feed_id, matches, now, byline)
    if not chosen:
        return 0
    told = set(
        session.scalars(
            select(Alert.chat_id).where(Alert.story_id == story.id, Alert.chat_id.in_(chosen))
        )
    )
    chats = session.execute(
        select(
            Chat.id,
            Chat.type,
            Chat.active,
            Chat.alerts_mode,
            Chat.alerts_paused,
            Chat.timezone,
            Chat.quiet_start,
            Chat.quiet_end,
            Chat.summary_sentences,
        ).where(Chat.id.in_(chosen))
    ).all()
    summaries = summaries or AlertSummaries(article.text, story.language or "en", story.summary)
    messages = _Messages(story, article, byline, summaries)
    alerts: list[dict[str, object]] = []
    queued: list[Queued] = []
    for chat in chats:
        if not chat.active or chat.id in told:
            continue
        m, sub = chosen[chat.id]
        instant = (
            sub.frequency == "instant" and chat.alerts_mode == "instant" and not chat.alerts_paused
        )
        held = instant and in_quiet_hours(now, chat.timezone, chat.quiet_start, chat.quiet_end)
        alerts.append(
            {
                "chat_id": chat.id,
                "story_id": story.id,
                "subscription_id": m.subscription_id,
                "terms": list(m.terms),
                "instant": instant,
                "held": held,
                "created_at": now,
                "told_articles": [article.id],
            }
        )
        if instant and not held:
            message = messages.for_chat(m, chat.id, chat.summary_sentences, chat.type)
            queued.append(Queued(chat.id, message, OutboxKind.ALERT, story.id, sub.thread_id))
    if alerts:
        session.execute(insert(_ALERTS), alerts)
    enqueue_all(session, queued, now)
    log.info("story %s: %d alerts recorded, %d queued", story.id, len(alerts), len(queued))
    return len(queued)


@dataclass
class _Messages:
    """Alert messages for one story, in parts (see `bot.render.alert_text`): the head once, the
    highlighted summary once per (matched terms, length), the "reported by" lines once per
    outlets shown; only the why-line and the buttons (which name the chat's own subscription)
    are made chat by chat."""

    story: Story
    article: Article
    byline: Byline
    summaries: AlertSummaries
    _head: str = ""
    _bodies: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = field(default_factory=dict)
    _sources: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._head = alert_head(self.story.title, self.story.url)

    def for_chat(
        self, m: ChatMatch, chat_id: int, sentences: int, chat_type: str = "private"
    ) -> RenderedMessage:
        body = self._bodies.get((m.terms, sentences))
        if body is None:
            body = self._bodies[m.terms, sentences] = self._body(m.terms, sentences)
        names = tuple(self.byline.for_chat(chat_id))
        sources = self._sources.get(names)
        if sources is None:
            sources = self._sources[names] = alert_sources(names)
        text = alert_text(self._head, body, (*sources, alert_why(m.query, m.terms, m.where)))
        if chat_type == "channel":
            return RenderedMessage(text, disable_preview=False)
        buttons = alert_buttons(m.subscription_id, self.article.feed_id)
        return RenderedMessage(text, buttons, disable_preview=False)

    def _body(self, terms: tuple[str, ...], sentences: int) -> tuple[str, ...]:
        summary = self.summaries.for_match(terms, sentences)
        language = self.story.language or "en"
        return alert_body(summary, [self.summaries.highlights(s, terms, language) for s in summary])
