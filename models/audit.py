"""The audit trail: one append-only entry per change and per security event, sealed later.

An entry is written in the transaction of the change it records (services/audit.py), with
a MAC over its content keyed by the server's audit key: a row inserted or edited behind the
application's back cannot carry a valid one. Entries get their place in the chain (`seq`)
afterwards, when the sealing job hashes them in batches (`AuditSeal`): writers never wait
on one chain head.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, binary_string, utcnow
from models.company import PATH_LENGTH, CompanyRow
from models.user import UserRow


class ActorKind(enum.StrEnum):
    USER = "USER"  # a signed-in user
    SYSTEM = "SYSTEM"  # a job (charging, reminders, mail delivery) or the CLI
    ANONYMOUS = "ANONYMOUS"  # nobody signed in: a sign-in attempt, a reset request


class AuditEntry(Base):
    """Never updated (but for `seq`, once, by the sealer) and never deleted (but by the
    retention purge): on PostgreSQL a trigger refuses anything else."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    actor_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # The actor as they were at that moment; their company's path decides, when the log is
    # read, whether the reader may see who it was.
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_company_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_company_path: Mapped[str | None] = mapped_column(
        binary_string(PATH_LENGTH), nullable=True
    )
    actor_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The company the target belongs to, with its path: the hierarchy filter is a range
    # over this column, without a join (companies never move in the tree).
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_path: Mapped[str] = mapped_column(binary_string(PATH_LENGTH), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # {field: [before, after]}: never a password, hash or token.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    client_address: Mapped[str | None] = mapped_column(String(100), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    operation: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Random and unique: two entries never have the same content, so a copied row shows.
    nonce: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)

    __table_args__ = (
        # The log of one company, of a subtree, of an actor, of an object; newest first.
        Index("ix_audit_entries_company_id_id", "company_id", "id"),
        Index("ix_audit_entries_company_path_id", "company_path", "id"),
        Index("ix_audit_entries_actor_user_id_id", "actor_user_id", "id"),
        Index("ix_audit_entries_target_type_target_id_id", "target_type", "target_id", "id"),
        Index("ix_audit_entries_created_at", "created_at"),
        # What the sealing job has still to do.
        Index(
            "ix_audit_entries_unsealed_id",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )


class AuditSeal(Base):
    """A batch of sealed entries: `hash` = sha256(previous seal's hash, this batch's range,
    count and digest), so the seals form one chain and each commits to its entries."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False)
    entries_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Set by the retention purge, which deleted the batch's entries: the seal stays, so
    # the chain of the rest still verifies.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditRow(NamedTuple):
    """An entry as a page reads it, with its actor's user when the reader may see them
    (`actor`: the user's columns, None when not shown) and its company's columns, both
    fetched with the page: no statement per row."""

    id: int
    created_at: datetime
    action: str
    actor_kind: str
    actor_user_id: int | None
    actor_role: str | None
    actor_visible: bool
    company_id: int
    target_type: str | None
    target_id: int | None
    changes: dict[str, Any]
    request_id: str | None
    client_address: str | None
    user_agent: str | None
    operation: str | None
    actor: UserRow | None
    company: CompanyRow
