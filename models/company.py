"""The company tree, stored as a materialized path.

Each company's `path` is its ancestors' ids and its own, each zero-padded to PATH_SEGMENT
digits and followed by "/": the root is "0000000001/", its child 7 "0000000001/0000000007/".
Because segments have one width and the column compares bytes, a subtree is one index range
scan (`path >= P AND path < P + "0"`, "0" being the byte after "/"), the ancestors are the
prefixes of a path, and ordering by path lists a subtree depth-first, ready to render as a tree.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime, binary_string

PATH_SEGMENT = 10
MAX_DEPTH_SUPPORTED = 60  # path column length; far above any real reseller chain
PATH_LENGTH = (PATH_SEGMENT + 1) * MAX_DEPTH_SUPPORTED


def path_segment(company_id: int) -> str:
    return f"{company_id:0{PATH_SEGMENT}d}/"


def subtree_upper_bound(path: str) -> str:
    """The smallest string above every path that starts with `path` (which ends in "/")."""
    return path[:-1] + "0"


def ancestor_paths(path: str) -> list[str]:
    """Every prefix path of `path`, root first, excluding `path` itself."""
    step = PATH_SEGMENT + 1
    return [path[:end] for end in range(step, len(path), step)]


def depth_of(path: str) -> int:
    return len(path) // (PATH_SEGMENT + 1) - 1


class Company(TimestampMixin, Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=True
    )
    path: Mapped[str] = mapped_column(binary_string(PATH_LENGTH), nullable=False)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country_code: Mapped[str] = mapped_column(String(2), nullable=False)
    use_parent_credits: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    parent: Mapped[Company | None] = relationship(remote_side=[id], lazy="raise")

    __table_args__ = (
        Index("ix_companies_path", "path", unique=True),
        Index("ix_companies_parent_id", "parent_id"),
        # Live children by parent in render order: child counts (index-only) and pages.
        Index(
            "ix_companies_live_parent_id_path",
            "parent_id",
            "path",
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        # Only one root: the partial unique index makes a second parentless row impossible.
        Index(
            "uq_companies_single_root",
            "depth",
            unique=True,
            sqlite_where=parent_id.is_(None),
            postgresql_where=parent_id.is_(None),
        ),
        CheckConstraint("depth >= 0", name="depth_non_negative"),
        CheckConstraint(
            "(parent_id IS NULL AND depth = 0) OR (parent_id IS NOT NULL AND depth > 0)",
            name="root_has_no_parent",
        ),
    )


class CompanyCounts(NamedTuple):
    company_id: int
    children: int
    users: int
    devices: int
    descendants: int | None  # None when not asked for: it is the costly one


class CompanyRow(NamedTuple):
    """A company as a list reads it: every column of its row, read-only, without what an
    ORM object costs to make (identity map, change tracking: a third of a 1,000-row page),
    and the counts its page fetched along (None when the page's query did not ask).

    Lists hand these out; a company reached one at a time is a `models.Company`. Both
    answer every read of a company (`CompanyRead`); nothing writes through a row."""

    id: int
    parent_id: int | None
    path: str
    depth: int
    name: str
    country_code: str
    use_parent_credits: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    counts: CompanyCounts | None = None

    def as_model(self) -> Company:
        """A detached `models.Company` with the same columns, for code typed to the model
        that only reads it. Never added to a session."""
        return Company(**{name: getattr(self, name) for name in COMPANY_COLUMNS})


CompanyRead = Company | CompanyRow
COMPANY_COLUMNS = CompanyRow._fields[:-1]  # the table's columns, in the row's order
