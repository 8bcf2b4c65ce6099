"""adaptive polling and WebSub subscriptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:30:00

Self-contained like 0005: columns added in place, one new table. `feeds.current_interval` is
the interval the schedule chose last (None: the configured `interval`), `feeds.median_gap` the
recent median gap between new entries, `feeds.publisher_hint` the feed's own `ttl` or
`sy:updatePeriod` in seconds. `websub_subscriptions` holds one row per feed that has a hub:
the callback's unguessable token, the per-subscription `hub.secret`, the state of the
subscription and its lease.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("current_interval", sa.Integer(), nullable=True))
    op.add_column("feeds", sa.Column("median_gap", sa.Float(), nullable=True))
    op.add_column("feeds", sa.Column("publisher_hint", sa.Integer(), nullable=True))
    op.create_table(
        "websub_subscriptions",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("hub_url", sa.String(length=2048), nullable=False),
        sa.Column("topic_url", sa.String(length=2048), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("feed_id"),
        sa.UniqueConstraint("token", name="uq_websub_token"),
    )
    op.create_index(
        "ix_websub_subscriptions_state", "websub_subscriptions", ["state"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_websub_subscriptions_state", table_name="websub_subscriptions")
    op.drop_table("websub_subscriptions")
    op.drop_column("feeds", "publisher_hint")
    op.drop_column("feeds", "median_gap")
    op.drop_column("feeds", "current_interval")
