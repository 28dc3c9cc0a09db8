"""Devices registered into companies. Each registration is its own row, so unregistered rows
are the registration history; a serial number is unique among registered devices only."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.account import AccountRow
from models.base import NOT_FETCHED, Base, NotFetched, TimestampMixin, UTCDateTime, str_enum, utcnow
from models.company import CompanyRow


class DeviceStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"  # its period ended and no credit was available
    UNREGISTERED = "UNREGISTERED"


class Device(TimestampMixin, Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    datapoints: Mapped[int] = mapped_column(Integer, nullable=False)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), nullable=True
    )
    status: Mapped[DeviceStatus] = mapped_column(str_enum(DeviceStatus, "device_status", length=20))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # The end of the period the last credit paid for; the charging job looks at it.
    paid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    unregistered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Days of the last paid period left unused when it was unregistered (they are lost).
    forfeited_days: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        Index(
            "uq_devices_registered_serial_number",
            "serial_number",
            unique=True,
            sqlite_where=text("unregistered_at IS NULL"),
            postgresql_where=text("unregistered_at IS NULL"),
        ),
        Index("ix_devices_company_id_status", "company_id", "status"),
        # Registered devices by company: counts (index-only) and subtree pages by id.
        Index(
            "ix_devices_registered_company_id_id",
            "company_id",
            "id",
            sqlite_where=text("unregistered_at IS NULL"),
            postgresql_where=text("unregistered_at IS NULL"),
        ),
        Index("ix_devices_account_id", "account_id"),
        Index("ix_devices_status_paid_until", "status", "paid_until"),
        CheckConstraint("datapoints >= 0", name="datapoints_non_negative"),
    )


class DeviceRow(NamedTuple):
    """A device as a page reads it: every column of its row, read-only, without what an
    ORM object costs to make (see models.company.CompanyRow); and, when the page fetched
    them, its company (a `CompanyRow`) and its account (an `AccountRow`, or None).

    Pages hand these out; a device reached one at a time is a `models.Device`. Both answer
    every read of a device (`DeviceRead`); nothing writes through a row."""

    id: int
    serial_number: str
    name: str
    model: str
    datapoints: int
    company_id: int
    account_id: int | None
    status: DeviceStatus
    registered_at: datetime
    paid_until: datetime
    unregistered_at: datetime | None
    registered_by_id: int | None
    forfeited_days: int | None
    created_at: datetime
    updated_at: datetime
    company: CompanyRow | NotFetched = NOT_FETCHED
    account: AccountRow | NotFetched | None = NOT_FETCHED


DeviceRead = Device | DeviceRow
DEVICE_COLUMNS: tuple[str, ...] = DeviceRow._fields[:-2]  # the table's columns, in the row's order
