"""The credit ledger: a balance per company and the immutable entries that explain it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import NOT_FETCHED, Base, NotFetched, UTCDateTime, str_enum, utcnow
from models.user import UserRow


class EntryKind(enum.StrEnum):
    GRANT = "GRANT"  # from the platform's issuing account: credits enter the system
    MOVE_OUT = "MOVE_OUT"
    MOVE_IN = "MOVE_IN"
    CHARGE = "CHARGE"  # a device's period paid: credits leave the system


class CreditBalance(Base):
    """The database itself keeps every balance non-negative."""

    __tablename__ = "credit_balances"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (CheckConstraint("balance >= 0", name="balance_non_negative"),)


class LedgerEntry(Base):
    """Append-only. A move is two entries (MOVE_OUT, MOVE_IN) sharing one transfer id."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind", length=20))
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # signed: + in, - out
    balance_after: Mapped[int] = mapped_column(Integer, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), nullable=True
    )
    transfer_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        # A company's ledger, newest first, keyset-paginated by id.
        Index("ix_ledger_entries_company_id_id", "company_id", "id"),
        Index("ix_ledger_entries_transfer_id", "transfer_id"),
        Index("ix_ledger_entries_device_id", "device_id"),
        CheckConstraint("amount <> 0", name="amount_non_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_non_negative"),
        CheckConstraint(
            "(kind IN ('GRANT', 'MOVE_IN') AND amount > 0) "
            "OR (kind IN ('MOVE_OUT', 'CHARGE') AND amount < 0)",
            name="amount_sign_matches_kind",
        ),
    )


class IdempotencyKey(Base):
    """A money-like mutation already applied under this key, and what it answered."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    operation: Mapped[str] = mapped_column(String(50), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )


class EntryRow(NamedTuple):
    """A ledger entry as a page reads it: every column of its row, read-only, without what
    an ORM object costs to make (see models.company.CompanyRow); and its actor, when the
    page fetched it: the user, or None for the job and for staff above the viewer.

    Pages hand these out; an entry reached one at a time is a `models.LedgerEntry`. Both
    answer every read of an entry (`EntryRead`)."""

    id: int
    company_id: int
    kind: EntryKind
    amount: int
    balance_after: int
    actor_id: int | None
    created_at: datetime
    reason: str
    reference: str | None
    device_id: int | None
    transfer_id: str | None
    actor: UserRow | NotFetched | None = NOT_FETCHED


EntryRead = LedgerEntry | EntryRow
ENTRY_COLUMNS = EntryRow._fields[:-1]  # the table's columns, in the row's order
