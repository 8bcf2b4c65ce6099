"""An alert's text, rendered when it is about to be sent rather than when it is decided.

A burst decides tens of thousands of alerts inside its write transaction; rendering each one
there (summary focused on the query, terms emphasized, outlets) was about a third of the
burst's work. So `queue_alerts` queues a *draft*: what the text is made from (`draft_of`), and
the outbox worker renders the drafts it claims (`AlertDrafts`), a few dozen at a time, and
stores the texts before sending them. An alert then also names the outlets that carried the
story when it went out, not when it was decided.

The worker claims the queue roughly in the order it was filled, story by story, so the part of
rendering that costs most, the article ranked for focused summaries (`AlertSummaries`), is kept
for the stories rendered last.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.alerts.texts import AlertSummaries, AlertTexts
from bot.audience import read_bylines
from bot.settings import SummarySettings
from bot.store import Article, Outbox, OutboxStatus, Story
from bot.subscribers import ChatMatch

__all__ = ["AlertDrafts", "Draft", "draft_of"]

log = logging.getLogger(__name__)

_OUTBOX = Outbox.metadata.tables[Outbox.__tablename__]
_GONE = "the story or article of this alert no longer exists"

#: Articles whose ranking is kept between claims: a claim takes the head of the queue, which
#: a burst filled story by story, so the alerts claimed next are mostly of the last few stories
#: (each kept ranking holds its article's sentences, read for highlighting).
KEEP_STORIES = 16


class Draft(NamedTuple):
    """A claimed outbox row to render: its id, chat, story and `draft` column."""

    outbox_id: int
    chat_id: int
    story_id: int | None
    draft: str


def draft_of(article_id: int, m: ChatMatch, sentences: int) -> str:
    """What an alert's text is made from, as the outbox stores it."""
    return json.dumps([article_id, sentences, m.query, m.terms, m.where], ensure_ascii=False)


class AlertDrafts:
    """Renders claimed alert drafts (see the module's docstring)."""

    def __init__(self, opts: SummarySettings | None = None, keep: int = KEEP_STORIES) -> None:
        self._opts = opts or SummarySettings()
        self._keep = keep
        self._summaries: OrderedDict[int, AlertSummaries] = OrderedDict()  # by article id

    def write(self, session: Session, drafts: Sequence[Draft]) -> dict[int, str | None]:
        """Render the drafts and store each text in its row, in the claim's transaction, so
        a message is sent as stored; a draft whose story or article no longer exists is
        marked failed, with the reason. Returns what `render` returns."""
        texts = self.render(session, drafts)
        done = [{"row": i, "body": text} for i, text in texts.items() if text is not None]
        if done:  # Core: the ORM's bulk update by id wants the primary key's own name
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id == bindparam("row"))
                .values(text=bindparam("body"), draft=None),
                done,
            )
        gone = [i for i, text in texts.items() if text is None]
        if gone:
            log.warning("outbox %s: %s; not sent", gone, _GONE)
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id.in_(gone))
                .values(status=OutboxStatus.FAILED, last_error=_GONE)
            )
        return texts

    def render(self, session: Session, drafts: Sequence[Draft]) -> dict[int, str | None]:
        """Each draft's text by outbox id; None where its story or article no longer exists
        (nothing deletes them, but a row removed by hand must not stall the queue)."""
        parsed = [(d, json.loads(d.draft)) for d in drafts]
        story_ids = sorted({d.story_id for d in drafts if d.story_id is not None})
        article_ids = sorted({fields[0] for _, fields in parsed})
        stories = {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(story_ids)))}
        articles = {
            a.id: a for a in session.scalars(select(Article).where(Article.id.in_(article_ids)))
        }
        bylines = read_bylines(session, story_ids, {d.chat_id for d in drafts})
        texts: dict[tuple[int, int], AlertTexts] = {}
        rendered: dict[int, str | None] = {}
        for d, (article_id, sentences, query, terms, where) in parsed:
            story = stories.get(d.story_id) if d.story_id is not None else None
            article = articles.get(article_id)
            if story is None or article is None:
                rendered[d.outbox_id] = None
                continue
            key = (story.id, article.id)
            if key not in texts:
                summaries = self._summaries_of(story, article)
                texts[key] = AlertTexts(story, bylines[story.id], summaries)
            match = ChatMatch(d.chat_id, 0, query, tuple(terms), tuple(where))
            rendered[d.outbox_id] = texts[key].text(match, sentences)
        return rendered

    def _summaries_of(self, story: Story, article: Article) -> AlertSummaries:
        """The article's summaries for this story (its ranking kept for the last stories); a
        story whose own summary changed since (republished) is summarized afresh."""
        found = self._summaries.get(article.id)
        if found is not None and list(found.default) == list(story.summary):
            self._summaries.move_to_end(article.id)
            return found
        found = AlertSummaries.of(
            article.text, article.language, story.summary, self._opts, article.title
        )
        self._summaries[article.id] = found
        while len(self._summaries) > self._keep:
            self._summaries.popitem(last=False)
        return found
