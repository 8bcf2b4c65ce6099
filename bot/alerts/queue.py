"""Who hears of a new story, and queueing what they hear.

An alert is decided and queued in the caller's transaction, together with the `Alert` row whose
unique (chat, story) key is what makes "never the same story twice" hold even across outlets,
restarts and several matching queries. Who matched comes from `bot.subscribers`; what later
articles of the story change in an alert already sent is `bot.followups`.

A burst can match a story against thousands of chats, so the work is set-based: the chats,
their queries and mutes are read in one query, and the alert rows and messages go in with one
insert each, built as the driver takes them. A message is queued as a draft, what its text is
made from, and rendered when the outbox worker claims it (`bot.alerts.drafts`). Each chat
counts the outlets its `Byline` allows (a private feed's name only for its followers); a
channel gets no buttons, since whoever reads it is not whoever set its queries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, Row, any_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from bot.alerts.drafts import draft_of
from bot.audience import Byline
from bot.clock import in_quiet_hours
from bot.outbox import NO_BUTTONS, ButtonsTemplate, enqueue_drafts
from bot.render import alert_buttons
from bot.store import Alert, Article, Chat, SourceMute, Story, Subscription
from bot.store.bulk import batches, binder, insert_bound
from bot.subscribers import ChatMatch

__all__ = ["queue_alerts"]

log = logging.getLogger(__name__)


_TABLES = Alert.metadata.tables  # read and written with Core: no ORM work per row
_SUBS, _CHATS = _TABLES[Subscription.__tablename__], _TABLES[Chat.__tablename__]
_MUTES, _TOLD = _TABLES[SourceMute.__tablename__], _TABLES[Alert.__tablename__]


_ELIGIBLE = (  # built once: a burst runs it for every story, with new values only
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
# The matched subscriptions, by id: an IN list of bound values, or on PostgreSQL one array
# bound as a whole, so that the statement's text is the same whatever the number of matches and
# the driver prepares it once (psycopg does after five runs), not planned again each story.
_CANDIDATES = _ELIGIBLE.where(_SUBS.c.id.in_(bindparam("ids", expanding=True)))
_IDS = bindparam("ids", type_=ARRAY(_SUBS.c.id.type))
_CANDIDATES_ANY = _ELIGIBLE.where(_SUBS.c.id == any_(_IDS))
# The columns of a candidate row, by position (a burst reads tens of thousands of them).
_SUB_ID, _CHAT_ID, _MIN_SOURCES, _FREQUENCY, _THREAD, _TYPE, _MODE, _PAUSED = range(8)
_TIMEZONE, _QUIET_START, _QUIET_END, _SENTENCES = range(8, 12)


def _candidates(
    session: Session, story_id: int, feed_id: int, sub_ids: list[int], now: datetime
) -> dict[int, Row[Any]]:
    """Each matched subscription that may alert now (not paused, its mute over), of an active
    chat that has not muted the story's outlet nor been told of the story, with its gates and
    its chat's settings: one query (on SQLite one per `batches` of ids), whatever the number
    of chats."""
    found: dict[int, Row[Any]] = {}
    postgresql = session.connection().dialect.name == "postgresql"
    statement = _CANDIDATES_ANY if postgresql else _CANDIDATES
    for ids in [sub_ids] if postgresql else batches(sub_ids):  # an array binds as one value
        rows = session.execute(
            statement, {"ids": ids, "story_id": story_id, "feed_id": feed_id, "now": now}
        ).all()  # one fetchall: iterating the result fetches row by row
        found.update((row[_SUB_ID], row) for row in rows)
    return found


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
) -> int:
    """Record and queue one alert per matching chat that has not heard of `story` yet (a chat
    with several matching queries hears once, through its oldest eligible one).

    `sources` is the story's `Byline` (ingest), or plain names every chat may see: what the
    significance gate counts (the text names the outlets of when it is sent). Daily and
    weekly queries, digest-only chats and paused chats get the story in their digest instead;
    during a chat's quiet hours the alert is held for the "while you were away" message.
    """
    if not matches:
        return 0
    byline = sources if isinstance(sources, Byline) else Byline.of(sources)
    chosen = _eligible(session, story, article.feed_id, matches, now, byline)
    if not chosen:
        return 0
    row = _AlertRows(session, story.id, article.id, now)
    feed_id = article.feed_id
    buttons = ButtonsTemplate(session, lambda sid: alert_buttons(sid, feed_id))
    alerts: list[tuple[object, ...]] = []
    queued: list[tuple[int, str, str, int | None]] = []
    for m, chat in chosen:
        instant = chat[_FREQUENCY] == "instant" and chat[_MODE] == "instant" and not chat[_PAUSED]
        held = instant and in_quiet_hours(
            now, chat[_TIMEZONE], chat[_QUIET_START], chat[_QUIET_END]
        )
        alerts.append(row(m, instant, held))
        if instant and not held:
            draft = draft_of(article.id, m, chat[_SENTENCES])
            shown = NO_BUTTONS if chat[_TYPE] == "channel" else buttons(m.subscription_id)
            queued.append((m.chat_id, draft, shown, chat[_THREAD]))
    insert_bound(session, _TOLD, _AlertRows.COLUMNS, alerts)
    enqueue_drafts(session, story.id, queued, now)
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
