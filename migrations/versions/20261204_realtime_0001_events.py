"""The change feed of subscriptions (events) and the accounts' announced expiry.

Revision ID: realtime_0001
Revises: audit_0001
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "realtime_0001"
down_revision: str | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPICS = ("APPLICATION", "CREDIT", "DEVICE", "ACCOUNT", "ACCESS")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(
                *TOPICS, name="event_topic", native_enum=False, length=20, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "company_path",
            sa.String(length=660).with_variant(sa.String(length=660, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_xid_id", "events", ["xid", "id"], unique=True)
    op.create_index("ix_events_created_at", "events", ["created_at"], unique=False)
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("expiry_announced_for", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("expiry_announced_for")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_index("ix_events_xid_id", table_name="events")
    op.drop_table("events")
