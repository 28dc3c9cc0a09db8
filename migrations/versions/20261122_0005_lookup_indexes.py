"""Partial indexes for the counts and pages of the company tree.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    (
        "ix_devices_registered_company_id_id",
        "devices",
        ["company_id", "id"],
        "unregistered_at IS NULL",
    ),
    ("ix_users_active_company_id", "users", ["company_id"], "is_active"),
    ("ix_companies_live_parent_id_path", "companies", ["parent_id", "path"], "archived_at IS NULL"),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
