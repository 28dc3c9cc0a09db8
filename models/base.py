"""Declarative base, naming convention and column helpers shared by every model."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic autogenerate and hand-written migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The range of an INTEGER column on PostgreSQL (every id and amount column is one): a number
# outside it cannot be stored or even compared with a column there.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.driver == "asyncpg":
            # asyncpg decodes every `timestamp with time zone` (the impl, on PostgreSQL) to
            # a datetime in UTC already, whatever the session's time zone: nothing to do
            # for each value (a 1,000-row page has 3,000 of them).
            return None
        return super().result_processor(dialect, coltype)


def binary_string(length: int) -> String:
    """A string compared byte by byte: PostgreSQL's "C" collation, SQLite's default BINARY.

    The company path relies on it: range scans over a path prefix must follow byte order,
    not a locale's order that ignores punctuation.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def str_enum(cls: type[enum.Enum], name: str, *, length: int = 30) -> Enum:
    """An enum stored as its value in a VARCHAR with a CHECK constraint: portable between
    SQLite and PostgreSQL, and a new value needs no ALTER TYPE."""
    return Enum(cls, name=name, native_enum=False, length=length, create_constraint=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class NotFetched(enum.Enum):
    """What a page row's related row is when its page did not fetch it: an entry's `actor`,
    a device's `company` and `account` (models/device.py)."""

    NOT_FETCHED = "not fetched with the page"


NOT_FETCHED = NotFetched.NOT_FETCHED
