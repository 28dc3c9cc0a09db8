"""Locales: users' and invitations' language, and the HTML part of outgoing mail.

Existing users and invitations get the platform default (DEFAULT_LOCALE, else en) as the
server starting on this revision would give a new invitation.

Revision ID: locale_0001
Revises: realtime_0001
Create Date: 2026-12-06 21:45:00
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "locale_0001"
down_revision: str | None = "realtime_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCALES = ("en", "es", "fr")


def _default() -> str:
    value = (os.environ.get("DEFAULT_LOCALE") or "en").strip().lower()
    if value not in LOCALES:
        raise RuntimeError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, got {value!r}")
    return value


def _locale(name: str) -> sa.Column[str]:
    return sa.Column(
        "locale",
        sa.Enum(*LOCALES, name=name, native_enum=False, length=5, create_constraint=True),
        nullable=False,
        server_default=_default(),
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(_locale("user_locale"))
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(_locale("invitation_locale"))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=True))
    # The models set the locale on every insert: the server default only filled old rows.
    for table in ("users", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("locale", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("body_html")
    # The CHECK first: SQLite's table copy would otherwise keep it without its column.
    for table, name in (("invitations", "invitation_locale"), ("users", "user_locale")):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
            batch.drop_column("locale")
