"""Licensed accounts, the license catalog, and the applications that change accounts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow


class BillingUnit(enum.StrEnum):
    DATAPOINTS = "DATAPOINTS"
    METERS = "METERS"


class Sector(enum.StrEnum):
    INDUSTRY = "INDUSTRY"
    RETAIL = "RETAIL"
    OFFICES = "OFFICES"
    HOSPITALITY = "HOSPITALITY"
    HEALTHCARE = "HEALTHCARE"
    EDUCATION = "EDUCATION"
    PUBLIC_ADMINISTRATION = "PUBLIC_ADMINISTRATION"
    RESIDENTIAL = "RESIDENTIAL"
    AGRICULTURE = "AGRICULTURE"
    LOGISTICS = "LOGISTICS"
    UTILITIES = "UTILITIES"
    OTHER = "OTHER"


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CREDIT_CARD = "CREDIT_CARD"


class CardType(enum.StrEnum):
    VISA = "VISA"
    MASTERCARD = "MASTERCARD"
    AMERICAN_EXPRESS = "AMERICAN_EXPRESS"


class AccountState(enum.StrEnum):
    """Stored state; EXPIRED is not stored, it follows from `expires_at` (see status)."""

    PENDING = "PENDING"  # its NEW_ACCOUNT application awaits a decision
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"  # its NEW_ACCOUNT application was rejected
    CANCELLED = "CANCELLED"  # its NEW_ACCOUNT application was cancelled


class ApplicationKind(enum.StrEnum):
    NEW_ACCOUNT = "NEW_ACCOUNT"
    EXTENSION = "EXTENSION"
    LICENSE_CHANGE = "LICENSE_CHANGE"
    RENEWAL = "RENEWAL"
    DATAPOINT_TRANSFER = "DATAPOINT_TRANSFER"


class ApplicationStatus(enum.StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class License(Base):
    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    billing_unit: Mapped[BillingUnit] = mapped_column(str_enum(BillingUnit, "billing_unit"))
    # Starter < Professional < ...: higher is more capable, within a billing unit.
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    is_custom: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Account(TimestampMixin, Base):
    """A licensed subscription of a company. Changed only by approved applications."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    license_id: Mapped[int] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=False
    )
    datapoints: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    meters: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pods: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    realtime_meters: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rtc_lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sms_credits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    period_months: Mapped[int] = mapped_column(Integer, nullable=False)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"))
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    card_type: Mapped[CardType | None] = mapped_column(
        str_enum(CardType, "card_type"), nullable=True
    )
    email_domain: Mapped[str | None] = mapped_column(String(253), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[AccountState] = mapped_column(str_enum(AccountState, "account_state"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The expiry the "expired" event was written for (services/events.py, by the job): once
    # per account and expiry date, also with several schedulers.
    expiry_announced_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The one application under review that concerns this account (as subject or target).
    pending_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL", use_alter=True), nullable=True
    )

    __table_args__ = (
        Index("ix_accounts_company_id_state", "company_id", "state"),
        Index("ix_accounts_expires_at", "expires_at"),
        CheckConstraint(
            "datapoints >= 0 AND meters >= 0 AND pods >= 0 AND realtime_meters >= 0 "
            "AND rtc_lines >= 0 AND sms_credits >= 0",
            name="amounts_non_negative",
        ),
    )


class AccountRow(NamedTuple):
    """An account as a page of other rows shows it (a device's account): every column of
    its row, read only, without what an ORM object costs to make. Every field of the
    Account type reads it as it reads an `Account`; nothing writes through a row."""

    id: int
    company_id: int
    name: str
    customer_name: str
    license_id: int
    datapoints: int
    meters: int
    pods: int
    realtime_meters: int
    rtc_lines: int
    sms_credits: int
    period_months: int
    sector: Sector
    payment_method: PaymentMethod
    card_type: CardType | None
    email_domain: str | None
    comment: str | None
    state: AccountState
    starts_at: datetime | None
    expires_at: datetime | None
    expiry_announced_for: datetime | None
    pending_application_id: int | None
    created_at: datetime
    updated_at: datetime

    def as_model(self) -> Account:
        """A detached `Account` with the same columns, for code typed to the model that
        only reads it. Never added to a session."""
        return Account(**self._asdict())


AccountRead = Account | AccountRow


class Application(Base):
    """A requested change of an account, decided by the platform desk."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ApplicationKind] = mapped_column(str_enum(ApplicationKind, "application_kind"))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status")
    )
    # The account's company, copied here so scoped lists need no join through accounts.
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), nullable=False
    )
    target_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), nullable=True
    )
    # What was asked for (kind-specific) and the account as it was when it was filed.
    change: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_applications_status_id", "status", "id"),
        Index("ix_applications_company_id_status", "company_id", "status"),
        Index("ix_applications_account_id_id", "account_id", "id"),
    )


class ReminderKind(enum.StrEnum):
    MONTH_BEFORE = "MONTH_BEFORE"
    WEEK_BEFORE = "WEEK_BEFORE"
    ON_THE_DAY = "ON_THE_DAY"


class AccountReminder(Base):
    """A renewal reminder sent: the unique key makes each one happen once per expiry date,
    whatever the number of schedulers and restarts."""

    __tablename__ = "account_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "expires_at", "kind"),)
