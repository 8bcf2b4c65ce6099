"""an alert is queued as a draft, rendered when the outbox worker claims it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:20:00

`outbox.draft` holds what an alert's text is made from (the article, the query, the terms and
where they were, the summary's length) until the worker claims the message and writes its text
(`bot.alerts.drafts`): a burst no longer renders tens of thousands of texts inside its write
transaction, and an alert says who reported the story as of when it is sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("draft")
