"""drop the alerts' chat index: the unique (chat_id, story_id) key already serves it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:05:00

`ix_alerts_chat_id` indexed what `uq_alert_chat_story`'s index leads with: every lookup by chat
(the held alerts, /stats, a chat's deletion cascading to its alerts) can use the unique key's
index, and every alert written updated one b-tree more (a burst writes tens of thousands).
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_chat_id"))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_chat_id"), ["chat_id"], unique=False)
