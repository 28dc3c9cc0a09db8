"""The audit trail: entries, their seals; on PostgreSQL append-only by trigger.

Revision ID: audit_0001
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "audit_0001"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = 660  # models.company.PATH_LENGTH

# Entries refuse UPDATE and DELETE, with two exceptions: the sealer giving an entry its
# place in the chain (seq, from NULL, nothing else changed), and the retention purge, which
# runs through audit_purge() and deletes whole sealed batches. Seals likewise: only the
# purge marks them purged. Everything else is refused, also to the application's own role.
# asyncpg runs one statement per execute: one string each.
GUARDS: tuple[str, ...] = (
    """
CREATE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('fleet.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(OLD) - 'seq') = (to_jsonb(NEW) - 'seq') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
""",
    """
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_guard();
""",
    """
CREATE FUNCTION audit_seals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('fleet.audit_purge', true) = 'on'
       AND OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL
       AND (to_jsonb(OLD) - 'purged_at') = (to_jsonb(NEW) - 'purged_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit seals are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
""",
    """
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_seals_guard();
""",
    """
-- The retention purge: the entries of every batch sealed before `cutoff` (so each of
-- them is older), the batch's seal kept and marked purged. Returns the entries deleted.
CREATE FUNCTION audit_purge(cutoff timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    deleted bigint;
BEGIN
    PERFORM set_config('fleet.audit_purge', 'on', true);
    WITH gone AS (
        UPDATE audit_seals SET purged_at = now()
        WHERE purged_at IS NULL AND sealed_at < cutoff
        RETURNING first_seq, last_seq
    )
    DELETE FROM audit_entries AS e USING gone
    WHERE e.seq BETWEEN gone.first_seq AND gone.last_seq;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('fleet.audit_purge', 'off', true);
    RETURN deleted;
END $$;
""",
)

DROP_GUARDS: tuple[str, ...] = (
    """
DROP FUNCTION IF EXISTS audit_purge(timestamptz);
""",
    """
DROP TRIGGER IF EXISTS audit_seals_append_only ON audit_seals;
""",
    """
DROP FUNCTION IF EXISTS audit_seals_guard();
""",
    """
DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries;
""",
    """
DROP FUNCTION IF EXISTS audit_entries_guard();
""",
)


def _path() -> sa.String:
    return sa.String(PATH).with_variant(sa.String(PATH, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_company_id", sa.Integer(), nullable=True),
        sa.Column("actor_company_path", _path(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("company_path", _path(), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("client_address", sa.String(length=100), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("operation", sa.String(length=100), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("nonce", name=op.f("uq_audit_entries_nonce")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_entries_seq")),
    )
    for name, columns in [
        ("ix_audit_entries_company_id_id", ["company_id", "id"]),
        ("ix_audit_entries_company_path_id", ["company_path", "id"]),
        ("ix_audit_entries_actor_user_id_id", ["actor_user_id", "id"]),
        ("ix_audit_entries_target_type_target_id_id", ["target_type", "target_id", "id"]),
        ("ix_audit_entries_created_at", ["created_at"]),
    ]:
        op.create_index(name, "audit_entries", columns, unique=False)
    op.create_index(
        "ix_audit_entries_unsealed_id",
        "audit_entries",
        ["id"],
        unique=False,
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    )
    op.create_table(
        "audit_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entries_digest", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_seals_hash")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP_GUARDS:
            op.execute(statement)
    op.drop_table("audit_seals")
    op.drop_index("ix_audit_entries_unsealed_id", table_name="audit_entries")
    op.drop_table("audit_entries")
