"""subscription change sequence, written by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHANGES_LOCK = 0x73756273  # "subs": orders change ids by commit on PostgreSQL

_POSTGRES = [
    f"""
    CREATE FUNCTION log_subscription_change() RETURNS trigger AS $$
    BEGIN
        -- One writer of changes at a time until commit: ids then follow commit order, and a
        -- reader that saw change n has seen every change before it.
        PERFORM pg_advisory_xact_lock({CHANGES_LOCK});
        INSERT INTO subscription_changes (subscription_id)
        VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER subscription_changed
    AFTER INSERT OR DELETE OR UPDATE OF chat_id, query ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION log_subscription_change()
    """,
]
_SQLITE = [  # one writer at a time already: ids follow commit order
    """
    CREATE TRIGGER subscription_added AFTER INSERT ON subscriptions
    BEGIN INSERT INTO subscription_changes (subscription_id) VALUES (NEW.id); END
    """,
    """
    CREATE TRIGGER subscription_removed AFTER DELETE ON subscriptions
    BEGIN INSERT INTO subscription_changes (subscription_id) VALUES (OLD.id); END
    """,
    """
    CREATE TRIGGER subscription_changed AFTER UPDATE OF chat_id, query ON subscriptions
    BEGIN INSERT INTO subscription_changes (subscription_id) VALUES (NEW.id); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "subscription_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("subscription_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_changes_changed_at"), ["changed_at"], unique=False
        )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER subscription_changed ON subscriptions")
        op.execute("DROP FUNCTION log_subscription_change()")
    else:
        for name in ("subscription_added", "subscription_removed", "subscription_changed"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("subscription_changes")
