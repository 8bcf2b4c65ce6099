"""The queue as the outbox worker sees it once it has claimed everything: alert drafts rendered."""

from __future__ import annotations

from sqlalchemy import select

from bot.alerts.drafts import AlertDrafts, Draft
from bot.store import Database, Outbox


def render_drafts(db: Database) -> None:
    """Render every queued alert draft and store its text, as a claim does (`AlertDrafts`)."""
    with db.session() as session:
        rows = session.execute(
            select(Outbox.id, Outbox.chat_id, Outbox.story_id, Outbox.draft).where(
                Outbox.draft.is_not(None)
            )
        ).all()
        AlertDrafts().write(session, [Draft(*row) for row in rows])
