"""Accounts, the license catalog (seeded), applications, renewal reminders, devices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:29:28.641267
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

SEED_LICENSES = [
    ("STARTER_DP", "Starter DP", "DATAPOINTS", 10),
    ("PROFESSIONAL_DP", "Professional DP", "DATAPOINTS", 20),
    ("STARTER_MTR", "Starter Mtr", "METERS", 10),
    ("PROFESSIONAL_MTR", "Professional Mtr", "METERS", 20),
]


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "licenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "billing_unit",
            sa.Enum(
                "DATAPOINTS",
                "METERS",
                name="billing_unit",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("is_custom", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licenses")),
        sa.UniqueConstraint("code", name=op.f("uq_licenses_code")),
    )
    licenses = sa.table(
        "licenses",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("billing_unit", sa.String),
        sa.column("rank", sa.Integer),
        sa.column("is_custom", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    seeded_at = datetime.now(UTC)
    op.bulk_insert(
        licenses,
        [
            {
                "code": code,
                "name": name,
                "billing_unit": unit,
                "rank": rank,
                "is_custom": False,
                "created_at": seeded_at,
            }
            for code, name, unit, rank in SEED_LICENSES
        ],
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("license_id", sa.Integer(), nullable=False),
        sa.Column("datapoints", sa.Integer(), nullable=False),
        sa.Column("meters", sa.Integer(), nullable=False),
        sa.Column("pods", sa.Integer(), nullable=False),
        sa.Column("realtime_meters", sa.Integer(), nullable=False),
        sa.Column("rtc_lines", sa.Integer(), nullable=False),
        sa.Column("sms_credits", sa.Integer(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column(
            "sector",
            sa.Enum(
                "INDUSTRY",
                "RETAIL",
                "OFFICES",
                "HOSPITALITY",
                "HEALTHCARE",
                "EDUCATION",
                "PUBLIC_ADMINISTRATION",
                "RESIDENTIAL",
                "AGRICULTURE",
                "LOGISTICS",
                "UTILITIES",
                "OTHER",
                name="sector",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "payment_method",
            sa.Enum(
                "BANK_TRANSFER",
                "DIRECT_DEBIT",
                "CREDIT_CARD",
                name="payment_method",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "card_type",
            sa.Enum(
                "VISA",
                "MASTERCARD",
                "AMERICAN_EXPRESS",
                name="card_type",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("email_domain", sa.String(length=253), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "PENDING",
                "ACTIVE",
                "REJECTED",
                "CANCELLED",
                name="account_state",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_application_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "datapoints >= 0 AND meters >= 0 AND pods >= 0 AND realtime_meters >= 0 AND rtc_lines >= 0 AND sms_credits >= 0",
            name=op.f("ck_accounts_amounts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_accounts_company_id_companies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_accounts_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_company_id_state", ["company_id", "state"], unique=False)
        batch_op.create_index("ix_accounts_expires_at", ["expires_at"], unique=False)

    op.create_table(
        "account_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "MONTH_BEFORE",
                "WEEK_BEFORE",
                "ON_THE_DAY",
                name="reminder_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_reminders_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_reminders")),
        sa.UniqueConstraint(
            "account_id",
            "expires_at",
            "kind",
            name=op.f("uq_account_reminders_account_id_expires_at_kind"),
        ),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "NEW_ACCOUNT",
                "EXTENSION",
                "LICENSE_CHANGE",
                "RENEWAL",
                "DATAPOINT_TRANSFER",
                name="application_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                "CANCELLED",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("target_account_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_applications_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_applications_company_id_companies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_applications_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_applications_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_applications_target_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(
            "ix_applications_company_id_status", ["company_id", "status"], unique=False
        )
        batch_op.create_index("ix_applications_status_id", ["status", "id"], unique=False)

    # accounts <-> applications reference each other: this key comes once both exist.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_accounts_pending_application_id_applications"),
            "applications",
            ["pending_application_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("datapoints", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "SUSPENDED",
                "UNREGISTERED",
                name="device_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unregistered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("datapoints >= 0", name=op.f("ck_devices_datapoints_non_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_devices_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_devices_company_id_companies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_devices_registered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index("ix_devices_account_id", ["account_id"], unique=False)
        batch_op.create_index(
            "ix_devices_company_id_status", ["company_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_devices_status_paid_until", ["status", "paid_until"], unique=False
        )
        batch_op.create_index(
            "uq_devices_registered_serial_number",
            ["serial_number"],
            unique=True,
            sqlite_where=sa.text("unregistered_at IS NULL"),
            postgresql_where=sa.text("unregistered_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_devices_registered_serial_number",
            sqlite_where=sa.text("unregistered_at IS NULL"),
            postgresql_where=sa.text("unregistered_at IS NULL"),
        )
        batch_op.drop_index("ix_devices_status_paid_until")
        batch_op.drop_index("ix_devices_company_id_status")
        batch_op.drop_index("ix_devices_account_id")

    op.drop_table("devices")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_id")
        batch_op.drop_index("ix_applications_company_id_status")
        batch_op.drop_index("ix_applications_account_id_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_accounts_pending_application_id_applications"), type_="foreignkey"
        )
    op.drop_table("applications")
    op.drop_table("account_reminders")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_expires_at")
        batch_op.drop_index("ix_accounts_company_id_state")

    op.drop_table("accounts")
    op.drop_table("licenses")
