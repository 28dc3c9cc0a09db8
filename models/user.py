"""Users and their roles. Bindings of users to roles live here, not in Casbin."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """Lowest to highest; each role may do everything the lower ones may."""

    USER = "USER"
    ADVANCED_USER = "ADVANCED_USER"
    ADMINISTRATOR = "ADMINISTRATOR"
    SUPERADMIN = "SUPERADMIN"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Locale(enum.StrEnum):
    """The languages mails and error messages are written in (ISO 639-1 codes)."""

    EN = "en"
    ES = "es"
    FR = "fr"


def locale_column(name: str) -> Enum:
    """Stored as the code ("en"), checked like the other enums (models.base.str_enum)."""
    return Enum(
        Locale,
        name=name,
        native_enum=False,
        length=5,
        create_constraint=True,
        values_callable=lambda members: [member.value for member in members],
    )


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
        str_enum(Role, "user_role", length=20),
        nullable=False,
    )
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped by a password change or deactivation: access tokens carry the epoch they were
    # issued in, so older tokens stop working on the next request.
    auth_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # What their mails are written in; set at invitation, changed in their profile.
    locale: Mapped[Locale] = mapped_column(
        locale_column("user_locale"), nullable=False, default=Locale.EN
    )

    __table_args__ = (
        Index("uq_users_email", "email", unique=True),
        Index("ix_users_company_id_role", "company_id", "role"),
        # Active users by company: the counts of a page of companies, index-only.
        Index(
            "ix_users_active_company_id",
            "company_id",
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )


class UserRow(NamedTuple):
    """A user as a page of other rows shows it (a ledger entry's actor): the columns, read
    only, without what an ORM object costs to make, and without the secrets (the password
    hash, and the auth epoch only authentication reads). Every field of the User type
    reads it as it reads a `User`."""

    id: int
    company_id: int
    email: str
    name: str
    role: Role
    is_active: bool
    locale: Locale
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


SECRET_COLUMNS = frozenset({"password_hash", "auth_epoch"})


class Invitation(Base):
    """An invitation of an email address into a company with a role; single use."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), nullable=False
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[Role] = mapped_column(
        str_enum(Role, "invitation_role", length=20),
        nullable=False,
    )
    # The invitee's language: the invitation mail's, and the user's once accepted.
    locale: Mapped[Locale] = mapped_column(
        locale_column("invitation_locale"), nullable=False, default=Locale.EN
    )
    # SHA-256 of the random token mailed to the invitee; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    __table_args__ = (
        Index("uq_invitations_token_hash", "token_hash", unique=True),
        Index("ix_invitations_company_id_id", "company_id", "id"),
        # At most one open (neither accepted nor revoked) invitation per address.
        Index(
            "uq_invitations_open_email",
            "email",
            unique=True,
            sqlite_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("uq_password_reset_tokens_token_hash", "token_hash", unique=True),
        Index("ix_password_reset_tokens_user_id", "user_id"),
    )


class LoginThrottle(Base):
    """Failed sign-ins per key ("account:<email>" or "address:<ip>"), shared by all processes."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
