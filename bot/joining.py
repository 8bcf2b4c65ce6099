"""The store step of ingest: each new article into its story, and the chats it matches told.

An article joins the story of an article already stored under its URL, or of a near-duplicate
(`bot.group`'s fingerprints, held in a `StoryIndex` between polls); otherwise it starts a new
story, summarized once. Then the subscriptions it matches (`bot.subscribers`) get their alerts
queued (`bot.alerts`), or the alerts already sent an update (`bot.followups`). Everything here
runs inside the caller's transaction (`bot.ingest.Pipeline` holds it, one store step at a time
in a process; on PostgreSQL `write` first takes the advisory lock that orders the workers'), so
that a crash leaves all of a poll's articles and alerts or none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.alerts import queue_alerts
from bot.audience import Byline, public_story, read_bylines
from bot.clock import Clock
from bot.entries import Candidate, summarize_candidate
from bot.followups import update_alerts
from bot.group import Fingerprint, StoryIndex, fingerprint
from bot.match import Document
from bot.settings import Settings
from bot.store import Article, Database, Feed, Story
from bot.store.bulk import batches, insert_row
from bot.subscribers import SubscriptionIndex

__all__ = ["STORE_LOCK", "Counts", "StoryWriter"]

log = logging.getLogger(__name__)

STORE_LOCK = 0x6E657773  # "news": the advisory lock that orders story assignment across workers


@dataclass
class Counts:
    """What one store step did."""

    new_articles: int = 0
    new_stories: int = 0
    joined: int = 0
    alerts: int = 0
    updates: int = 0


class StoryWriter:
    """Articles into stories, alerts queued: the store step's work, with the indexes it keeps
    between polls (the recent stories' fingerprints, the subscriptions)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.stories = StoryIndex()
        self.subscriptions = SubscriptionIndex()
        self._last_article = 0  # the newest article the story index has seen

    def load(self) -> None:
        """Rebuild the story index from the fingerprints of recent articles (after a restart),
        and bring the subscription index up to date (built, the first time)."""
        since = self.clock.now() - timedelta(seconds=self.settings.poll.story_window)
        index = StoryIndex()
        with self.db.session() as session:
            rows = session.execute(
                select(Article.story_id, Article.fingerprint).where(
                    Article.fetched_at >= since, Article.fingerprint.is_not(None)
                )
            )
            for story_id, blob in rows:
                index.add(story_id, Fingerprint.from_bytes(blob))
            self._last_article = session.scalar(select(func.max(Article.id))) or 0
            self.subscriptions.refresh(session)
        self.stories = index
        log.info("story index loaded: %d stories", len(index))

    def write(
        self,
        session: Session,
        feed: Feed,
        candidates: list[Candidate],
        audience: set[int] | None,
        now: datetime,
    ) -> Counts:
        """Store the candidates as articles of `feed`, in order;
        alert the chats they match (among `audience`, a private feed's followers; everyone
        when None)."""
        counts = Counts()
        self._serialize_stories(session)
        self.subscriptions.refresh(session)
        by_url = _stories_by_url(session, candidates)
        for candidate in candidates:
            self._store_one(session, feed, candidate, now, counts, audience, by_url)
        return counts

    def _serialize_stories(self, session: Session) -> None:
        """Deciding which story an article joins must see every article stored before it, also
        by other workers: on PostgreSQL one transaction-scoped advisory lock orders the store
        steps of all workers, and the index first takes in what others stored meanwhile."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORE_LOCK})
        rows = session.execute(
            select(Article.id, Article.story_id, Article.fingerprint)
            .where(Article.id > self._last_article)
            .order_by(Article.id)
        ).all()
        for article_id, story_id, blob in rows:
            if blob is not None:
                self.stories.add(story_id, Fingerprint.from_bytes(blob))
            self._last_article = article_id

    def _store_one(
        self,
        session: Session,
        feed: Feed,
        c: Candidate,
        now: datetime,
        counts: Counts,
        audience: set[int] | None,
        by_url: dict[str, int],
    ) -> None:
        """Store one article in its story; alert the chats it matches (among `audience`, the
        followers of a private feed; everyone when None). `by_url`: the story of each URL
        already stored (`_stories_by_url`), kept up to date."""
        language = c.language
        fp = fingerprint(c.text) if c.text else None
        story_id = by_url.get(c.url) if c.url else None
        if story_id is None and fp is not None:
            story_id = self.stories.find(fp)
        story = session.get(Story, story_id) if story_id is not None else None
        if story is None:
            story = Story(
                title=c.title,
                url=c.url,
                summary=summarize_candidate(c, language, self.settings.summary),
                language=language,
                created_at=now,
                updated_at=now,
                published_at=c.published,
                source_count=0,
            )
            counts.new_stories += 1
        else:
            counts.joined += 1
            story.updated_at = now
            carried = session.scalar(select(public_story()).where(Story.id == story.id))
            if feed.public and not carried:  # by a public feed, before this article
                self._republish(story, c, language)
        joined = story.id is not None
        article = Article(
            feed_id=feed.id,
            guid=c.entry.guid,
            url=c.url or c.entry.guid,
            title=c.title,
            text=c.text,
            language=language,
            source=(c.outlet or feed.display_name)[:200],
            published_at=c.published,
            fetched_at=now,
            fingerprint=fp.to_bytes() if fp is not None else None,
        )
        if not joined:  # known before the insert: the story is written once, not updated after
            byline = Byline.first_report(article.source, feed.id, feed.public, audience)
            story.source_count = len(byline.names)
            insert_row(session, story)
        article.story_id = story.id
        insert_row(session, article)
        if joined:
            byline = read_bylines(session, [story.id])[story.id]
            story.source_count = len(byline.names)
        by_url.setdefault(article.url, story.id)
        self._last_article = max(self._last_article, article.id)
        counts.new_articles += 1
        if fp is not None:
            self.stories.add(story.id, fp)
        if self._too_old(c, now):
            return
        if joined:
            counts.updates += update_alerts(session, story, article, byline, now)
        doc = Document(title=c.title, text=c.text, language=language or "en", urls=(c.url,))
        matches = self.subscriptions.match(doc)
        if audience is not None:
            matches = [m for m in matches if m.chat_id in audience]
        if matches:
            counts.alerts += queue_alerts(session, story, article, byline, matches, now)

    def _too_old(self, c: Candidate, now: datetime) -> bool:
        """An entry from long ago (a feed's backlog on first poll) is news to nobody."""
        max_age = self.settings.poll.alert_max_age
        return c.published is not None and (now - c.published).total_seconds() > max_age

    def _republish(self, story: Story, c: Candidate, language: str | None) -> None:
        """The first public article of a story only private feeds carried: the story shows
        its title, link and summary from now on, so what everyone sees is public."""
        story.title, story.url, story.language = c.title, c.url, language
        story.summary = summarize_candidate(c, language, self.settings.summary)
        story.published_at = c.published or story.published_at


def _stories_by_url(session: Session, candidates: list[Candidate]) -> dict[str, int]:
    """The story each candidate's URL already belongs to (its first article's), read once for
    the whole batch instead of once an article."""
    urls = list({c.url for c in candidates if c.url})
    found: dict[str, int] = {}
    for some in batches(urls):
        rows = session.execute(
            select(Article.url, Article.story_id).where(Article.url.in_(some)).order_by(Article.id)
        )
        for url, story_id in rows:
            found.setdefault(url, story_id)
    return found
