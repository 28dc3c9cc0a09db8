"""The change feed behind subscriptions: one row per change, written in the change's own
transaction (services/events.py), so an event exists exactly when its change committed.

Order. A plain sequence is not commit order: a transaction may draw id 5, another id 6 and
commit first; a reader that saw 6 and moved its cursor past it would skip 5 forever. So an
event's place is (xid, id), the writing transaction's id first, and readers read only
below the horizon (services/events.horizon): the oldest transaction still running in this
database, or the next transaction id when none is. Every event below it is final (its
transaction ended, and no transaction that has not ended can write below it), so the
visible events below the horizon are a prefix of the (xid, id) order and a cursor never
skips nor repeats (tests/test_event_feed.py proves it with concurrent writers). Writers
take no lock for it. A transaction that runs long holds delivery back while it runs (the
readers look again as they wait for notified events); only this database's transactions
count, unlike the snapshot's xmin, which is the whole server's (24 s of delay in W7 on a
shared server). SQLite has one writer at a time: its ids are commit order, `xid` is 0.
Rejected: drawing ids under an advisory lock held through the commit (exact, but
event-writing commits then take turns for their WAL flush: 2,600 -> 425 commits/s with 16
writers on the 2-core machine).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, binary_string, str_enum
from models.company import PATH_LENGTH


class Topic(enum.StrEnum):
    """What a subscription streams; each event belongs to one."""

    APPLICATION = "APPLICATION"
    CREDIT = "CREDIT"
    DEVICE = "DEVICE"
    ACCOUNT = "ACCOUNT"
    # A user's access changed (role, deactivation, password): their subscriptions end.
    ACCESS = "ACCESS"


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    topic: Mapped[Topic] = mapped_column(str_enum(Topic, "event_topic", length=20))
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_path: Mapped[str] = mapped_column(binary_string(PATH_LENGTH), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        # The feed's order: readers and resuming subscriptions scan it.
        Index("ix_events_xid_id", "xid", "id", unique=True),
        Index("ix_events_created_at", "created_at"),
        # Ids are never reused, also after a purge emptied the table (readers hold positions).
        {"sqlite_autoincrement": True},
    )


class ApplicationEventKind(enum.StrEnum):
    FILED = "FILED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class DeviceEventKind(enum.StrEnum):
    REGISTERED = "REGISTERED"
    RENAMED = "RENAMED"
    SUSPENDED = "SUSPENDED"
    RESUMED = "RESUMED"
    UNREGISTERED = "UNREGISTERED"


class AccountEventKind(enum.StrEnum):
    ACTIVATED = "ACTIVATED"  # a NEW_ACCOUNT application approved: the account starts
    CHANGED = "CHANGED"  # an extension, license change or datapoint transfer approved
    RENEWED = "RENEWED"
    EXPIRED = "EXPIRED"  # its expiry date passed (written by the scheduler)
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
