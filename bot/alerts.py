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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Row, bindparam, exists, or_, select
from sqlalchemy.orm import Session

import summarizer
from bot.audience import Byline
from bot.clock import in_quiet_hours
from bot.match.highlight import Highlighter, Passage, merge_spans
from bot.outbox import NO_BUTTONS, ButtonsTemplate, enqueue_texts
from bot.render import (
    alert_body,
    alert_buttons,
    alert_head,
    alert_sources,
    alert_text,
    alert_why,
)
from bot.store import Alert, Article, Chat, OutboxKind, SourceMute, Story, Subscription
from bot.store.bulk import binder, insert_bound
from bot.subscribers import ChatMatch

__all__ = ["AlertSummaries", "queue_alerts"]

log = logging.getLogger(__name__)


@dataclass
class AlertSummaries:
    """The summary each alert of one story shows: the story's own, unless none of its
    sentences shows a term the query matched; then the best sentence that does takes the
    place of the weakest, in article order and within the same length (the article is ranked
    once, and each distinct focus picks from that ranking).

    A burst brings a story dozens of distinct term sets: what a set shows is the union of
    what its terms show, so each term is looked for once a story (`Passage`), and a focused
    pick depends only on which of the article's sentences show any of the terms."""

    text: str  # the matched article's text
    language: str
    default: Sequence[str]  # the story's summary
    method: str = "default"
    max_words: int | None = None
    title: str | None = None
    _ranking: summarizer.Ranking | None = field(default=None, repr=False)
    _summary: Passage | None = field(default=None, repr=False)
    _article: Passage | None = field(default=None, repr=False)
    _picked: dict[tuple[int, frozenset[str]], list[str]] = field(default_factory=dict)
    _read: dict[tuple[str, str], Highlighter] = field(default_factory=dict, repr=False)
    _spans: dict[tuple[str, str, str], list[tuple[int, int]]] = field(default_factory=dict)

    def for_match(self, terms: Sequence[str], sentences: int) -> list[str]:
        shown = list(self.default)[:sentences]
        if not terms or not shown:
            return shown
        if self._summary is None:
            self._summary = Passage(self.default, self.language)
        showing = self._summary.showing
        if any(not showing(term).isdisjoint(shown) for term in terms):
            return shown
        try:
            article = self._passage()
            focus = frozenset[str]().union(*map(article.showing, terms))
            key = (len(shown), focus)
            picked = self._picked.get(key)
            if picked is None:
                picked = self._picked[key] = self._ranked().pick(
                    len(shown), max_words=self.max_words, focus=focus.__contains__
                )
        except summarizer.SummarizerError as exc:  # a language it cannot read: as it was
            log.warning("no focused summary (%s); the story's own is kept", exc)
            return shown
        return picked

    def highlights(
        self, sentence: str, terms: Sequence[str], language: str
    ) -> list[tuple[int, int]]:
        """Where the terms are in one of the story's sentences (each sentence is read once a
        story, each term looked for in it once, however many queries have it)."""
        found: list[tuple[int, int]] = []
        for term in terms:
            spans = self._spans.get((sentence, language, term))
            if spans is None:
                read = self._highlighter(sentence, language)
                spans = read.spans((term,)) if read.has(term) else []
                self._spans[sentence, language, term] = spans
            found += spans
        return found if len(terms) < 2 else merge_spans(found)

    def _highlighter(self, sentence: str, language: str) -> Highlighter:
        """The sentence as read already (the summary's, the article's), or read now."""
        read = None
        if language == self.language:
            for passage in (self._summary, self._article):
                if passage is not None and (read := passage.get(sentence)) is not None:
                    break
        if read is None:
            read = self._read.get((sentence, language))
        if read is None:
            read = self._read[sentence, language] = Highlighter(sentence, language)
        return read

    def _passage(self) -> Passage:
        if self._article is None:
            self._article = Passage(self._ranked().sentences, self.language)
        return self._article

    def _ranked(self) -> summarizer.Ranking:
        if self._ranking is None:
            self._ranking = summarizer.rank(
                self.text, self.language, method=self.method, title=self.title
            )
        return self._ranking


_TextKey = tuple[str, tuple[str, ...], tuple[str, ...], int, tuple[str, ...]]
_TABLES = Alert.metadata.tables  # read and written with Core: no ORM work per row
_SUBS, _CHATS = _TABLES[Subscription.__tablename__], _TABLES[Chat.__tablename__]
_MUTES, _TOLD = _TABLES[SourceMute.__tablename__], _TABLES[Alert.__tablename__]


_CANDIDATES = (  # built once: a burst runs it for every story, with new values only
    select(
        _SUBS.c.id,
        _SUBS.c.chat_id,
        _SUBS.c.min_sources,
        _SUBS.c.frequency,
        _SUBS.c.thread_id,
        _CHATS.c.type,
        _CHATS.c.alerts_mode,
        _CHATS.c.alerts_paused,
        _CHATS.c.timezone,
        _CHATS.c.quiet_start,
        _CHATS.c.quiet_end,
        _CHATS.c.summary_sentences,
    )
    .join_from(_SUBS, _CHATS, _CHATS.c.id == _SUBS.c.chat_id)
    .where(
        _SUBS.c.id.in_(bindparam("ids", expanding=True)),
        _SUBS.c.paused_reason.is_(None),
        or_(
            _SUBS.c.muted_until.is_(None),
            _SUBS.c.muted_until <= bindparam("now", type_=_SUBS.c.muted_until.type),
        ),
        _CHATS.c.active,
        ~exists().where(
            _MUTES.c.chat_id == _SUBS.c.chat_id,
            _MUTES.c.feed_id == bindparam("feed_id"),
            _MUTES.c.until > bindparam("now", type_=_MUTES.c.until.type),
        ),
        ~exists().where(
            _TOLD.c.chat_id == _SUBS.c.chat_id, _TOLD.c.story_id == bindparam("story_id")
        ),
    )
)
# The columns of a candidate row, by position (a burst reads tens of thousands of them).
_SUB_ID, _CHAT_ID, _MIN_SOURCES, _FREQUENCY, _THREAD, _TYPE, _MODE, _PAUSED = range(8)
_TIMEZONE, _QUIET_START, _QUIET_END, _SENTENCES = range(8, 12)


def _candidates(
    session: Session, story_id: int, feed_id: int, sub_ids: list[int], now: datetime
) -> dict[int, Row[Any]]:
    """Each matched subscription that may alert now (not paused, its mute over), of an active
    chat that has not muted the story's outlet nor been told of the story, with its gates and
    its chat's settings: one query, whatever the number of chats."""
    found = session.execute(
        _CANDIDATES, {"ids": sub_ids, "story_id": story_id, "feed_id": feed_id, "now": now}
    )
    return {row[_SUB_ID]: row for row in found}


def _eligible(
    session: Session,
    story: Story,
    feed_id: int,
    matches: list[ChatMatch],
    now: datetime,
    byline: Byline,
) -> list[tuple[ChatMatch, Row[Any]]]:
    """The subscription each chat hears through, by chat: its oldest one that may alert now
    (see `_candidates`) whose significance gate the story passes (counting the outlets the
    chat may see)."""
    subs = _candidates(session, story.id, feed_id, [m.subscription_id for m in matches], now)
    chosen: dict[int, tuple[ChatMatch, Row[Any]]] = {}
    private = byline.private
    for m in sorted(matches, key=_by_subscription):  # the oldest query first
        sub = subs.get(m.subscription_id)
        if sub is None or sub[_CHAT_ID] != m.chat_id or m.chat_id in chosen:
            continue
        outlets = len(byline.for_chat(m.chat_id)) if private else story.source_count
        if outlets >= sub[_MIN_SOURCES]:
            chosen[m.chat_id] = (m, sub)
    return [chosen[chat_id] for chat_id in sorted(chosen)]


_by_subscription = itemgetter(1)  # a ChatMatch's subscription id


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
    summaries = summaries or AlertSummaries(article.text, story.language or "en", story.summary)
    messages = _Messages(story, article, byline, summaries)
    row = _AlertRows(session, story.id, article.id, now)
    feed_id = article.feed_id
    buttons = ButtonsTemplate(session, lambda sid: alert_buttons(sid, feed_id))
    alerts: list[tuple[object, ...]] = []
    queued: list[tuple[int, str, str, bool, int | None]] = []
    for m, chat in chosen:
        instant = chat[_FREQUENCY] == "instant" and chat[_MODE] == "instant" and not chat[_PAUSED]
        held = instant and in_quiet_hours(
            now, chat[_TIMEZONE], chat[_QUIET_START], chat[_QUIET_END]
        )
        alerts.append(row(m, instant, held))
        if instant and not held:
            text = messages.text(m, chat[_SENTENCES])
            shown = NO_BUTTONS if chat[_TYPE] == "channel" else buttons(m.subscription_id)
            queued.append((m.chat_id, text, shown, False, chat[_THREAD]))
    insert_bound(session, _TOLD, _AlertRows.COLUMNS, alerts)
    enqueue_texts(session, OutboxKind.ALERT, story.id, queued, now)
    log.info("story %s: %d alerts recorded, %d queued", story.id, len(alerts), len(queued))
    return len(queued)


class _AlertRows:
    """The `Alert` rows of one story as the driver takes them: what every row of the story
    shares converted once, a term list once for all the chats it matched for."""

    COLUMNS = (
        "chat_id",
        "story_id",
        "subscription_id",
        "terms",
        "instant",
        "held",
        "created_at",
        "told_articles",
    )

    def __init__(self, session: Session, story_id: int, article_id: int, now: datetime) -> None:
        self._story_id = story_id
        self._now = binder(session, _TOLD.c.created_at)(now)
        self._told = binder(session, _TOLD.c.told_articles)([article_id])
        self._as_json = binder(session, _TOLD.c.terms)
        self._terms: dict[tuple[str, ...], object] = {}

    def __call__(self, m: ChatMatch, instant: bool, held: bool) -> tuple[object, ...]:
        terms = self._terms.get(m.terms)
        if terms is None:
            terms = self._terms[m.terms] = self._as_json(list(m.terms))
        sid = m.subscription_id
        return (m.chat_id, self._story_id, sid, terms, instant, held, self._now, self._told)


@dataclass
class _Messages:
    """Alert texts for one story, in parts (see `bot.render.alert_text`): the head once, the
    highlighted summary once per (matched terms, length), the "reported by" lines once per
    outlets shown, the whole text once per query among the chats that share it (what the
    chat sees depends on nothing else)."""

    story: Story
    article: Article
    byline: Byline
    summaries: AlertSummaries
    _head: str = ""
    _everyone: tuple[str, ...] | None = None  # the outlets all may see, when none is private
    _bodies: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = field(default_factory=dict)
    _sources: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    _texts: dict[_TextKey, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._head = alert_head(self.story.title, self.story.url)
        if not self.byline.private:
            self._everyone = tuple(self.byline.names)

    def text(self, m: ChatMatch, sentences: int) -> str:
        """What the match's chat reads, its summary `sentences` long."""
        names = self._everyone
        if names is None:
            names = tuple(self.byline.for_chat(m.chat_id))
        key = (m.query, m.terms, m.where, sentences, names)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._text(m, sentences, names)
        return text

    def _text(self, m: ChatMatch, sentences: int, names: tuple[str, ...]) -> str:
        body = self._bodies.get((m.terms, sentences))
        if body is None:
            body = self._bodies[m.terms, sentences] = self._body(m.terms, sentences)
        sources = self._sources.get(names)
        if sources is None:
            sources = self._sources[names] = alert_sources(names)
        return alert_text(self._head, body, (*sources, alert_why(m.query, m.terms, m.where)))

    def _body(self, terms: tuple[str, ...], sentences: int) -> tuple[str, ...]:
        summary = self.summaries.for_match(terms, sentences)
        language = self.story.language or "en"
        return alert_body(summary, [self.summaries.highlights(s, terms, language) for s in summary])
