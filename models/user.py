"""Users and their roles. Bindings of users to roles live here, not in Casbin."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime


class Role(enum.StrEnum):
    """Lowest to highest; each role may do everything the lower ones may."""

    USER = "USER"
    ADVANCED_USER = "ADVANCED_USER"
    ADMINISTRATOR = "ADMINISTRATOR"
    SUPERADMIN = "SUPERADMIN"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    # Stored lower-cased: one address is one user whatever the capitalisation.
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=20, create_constraint=True),
        nullable=False,
    )
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped by a password change or deactivation: access tokens carry the epoch they were
    # issued in, so older tokens stop working on the next request.
    auth_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("uq_users_email", "email", unique=True),
        Index("ix_users_company_id_role", "company_id", "role"),
    )
