"""the newest entry's time on the feed row

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:30:00

`feeds.newest_entry_at` (publication time of the feed's newest entry, else when it was first
seen) was an aggregate over the feed's articles on every poll, 304s included; the schedule
now keeps it on the row. Filled from the articles already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("newest_entry_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE feeds SET newest_entry_at = (SELECT max(coalesce(a.published_at, a.fetched_at))"
        " FROM articles a WHERE a.feed_id = feeds.id)"
    )


def downgrade() -> None:
    op.drop_column("feeds", "newest_entry_at")
