"""A later article joins a story chats were already told of: no new push, but the alert stays
true. Each alert's "reported by" line is brought up to date (an edit), or, when the article
develops the story (substantial new sentences), a short follow-up goes as a reply to the alert.
An article from a private feed changes only the alerts of the chats that follow that feed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import summarizer
from bot.audience import Byline
from bot.outbox import enqueue
from bot.render import RenderedMessage, render_follow_up, with_sources
from bot.store import Alert, Article, Outbox, OutboxKind, OutboxStatus, Story
from bot.store.bulk import batches

__all__ = ["new_sentences", "update_alerts"]

log = logging.getLogger(__name__)

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


def _first_alerts(session: Session, story_id: int, chat_ids: list[int]) -> dict[int, Outbox]:
    """Each chat's first alert message of the story, read for all the chats at once (a story
    joined by a later article may have been told to thousands)."""
    first: dict[int, Outbox] = {}
    for some in batches(chat_ids):
        rows = session.scalars(
            select(Outbox)
            .where(
                Outbox.chat_id.in_(some),
                Outbox.story_id == story_id,
                Outbox.kind == OutboxKind.ALERT,
            )
            .order_by(Outbox.id)
        )
        for row in rows:
            first.setdefault(row.chat_id, row)
    return first


def update_alerts(
    session: Session,
    story: Story,
    article: Article,
    sources: Sequence[str] | Byline,
    now: datetime,
) -> int:
    """Bring every alert of `story` up to date with `article`; returns messages queued.
    `sources` is the story's `Byline` (ingest), or plain names every chat may see."""
    byline = sources if isinstance(sources, Byline) else Byline.of(sources)
    alerts = session.scalars(
        select(Alert).where(
            Alert.story_id == story.id, Alert.instant.is_(True), Alert.held.is_(False)
        )
    ).all()
    queued = 0
    texts: dict[int, str] = {}
    alerts = [a for a in alerts if byline.sees(a.chat_id, article.feed_id)]  # private: theirs
    first = _first_alerts(session, story.id, [a.chat_id for a in alerts])
    for alert in alerts:
        original = first.get(alert.chat_id)
        if original is None or original.status not in (OutboxStatus.PENDING, OutboxStatus.SENT):
            continue
        updated = with_sources(original.text, byline.for_chat(alert.chat_id))
        if original.status == OutboxStatus.PENDING:  # not out yet: it leaves up to date
            original.text = updated  # (a draft has no text yet: rendered when claimed)
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
            enqueue(
                session,
                alert.chat_id,
                note,
                kind=OutboxKind.FOLLOWUP,
                now=now,
                story_id=story.id,
                thread_id=original.thread_id,
                reply_to=original.message_id,
            )
            alert.told_articles = [*alert.told_articles, article.id]
            log.info("follow-up queued: chat=%s story=%s", alert.chat_id, story.id)
            queued += 1
            continue  # the alert as shown is unchanged: a later edit brings its sources line up
        if updated == original.text:
            continue
        edit = RenderedMessage(
            updated,
            buttons=tuple(tuple((b[0], b[1]) for b in row) for row in original.buttons),
            disable_preview=original.disable_preview,
        )
        enqueue(
            session,
            alert.chat_id,
            edit,
            kind=OutboxKind.EDIT,
            now=now,
            story_id=story.id,
            thread_id=original.thread_id,
            edit_of=original.message_id,
        )
        original.text = updated
        queued += 1
    return queued
