"""chat sources, private feeds, channel destinations, search feeds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:00:00

Self-contained: it adds one table and columns, and touches nothing another migration adds.
Every table is altered in place (ALTER TABLE ... ADD COLUMN), never copied: on SQLite a copied
subscriptions table would lose the change triggers of 0004 and null `alerts.subscription_id`,
which is also why `subscriptions.owner_chat_id` has no foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], onupdate="CASCADE", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "feed_id", name="uq_chat_source_chat_feed"),
    )
    op.create_index("ix_chat_sources_chat_id", "chat_sources", ["chat_id"], unique=False)
    op.create_index("ix_chat_sources_feed_id", "chat_sources", ["feed_id"], unique=False)

    op.add_column(
        "feeds", sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("feeds", sa.Column("search_source", sa.String(length=100), nullable=True))
    op.add_column("feeds", sa.Column("search_query", sa.String(length=512), nullable=True))
    op.create_index("ix_feeds_search_source", "feeds", ["search_source"], unique=False)

    op.add_column("subscriptions", sa.Column("owner_chat_id", sa.BigInteger(), nullable=True))
    op.add_column("subscriptions", sa.Column("paused_reason", sa.Text(), nullable=True))
    op.create_index(
        "ix_subscriptions_owner_chat_id", "subscriptions", ["owner_chat_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_owner_chat_id", table_name="subscriptions")
    # SQLite (3.35+) drops a column in place when nothing else refers to it.
    op.drop_column("subscriptions", "paused_reason")
    op.drop_column("subscriptions", "owner_chat_id")
    op.drop_index("ix_feeds_search_source", table_name="feeds")
    op.drop_column("feeds", "search_query")
    op.drop_column("feeds", "search_source")
    op.drop_column("feeds", "public")
    op.drop_index("ix_chat_sources_feed_id", table_name="chat_sources")
    op.drop_index("ix_chat_sources_chat_id", table_name="chat_sources")
    op.drop_table("chat_sources")
