"""Invitations: an administrator invites an email address into a company with a role.

The token is 256 random bits, mailed once and stored only as its SHA-256; it works once and
expires. Resending issues a new token (the old one stops working); revoking closes it.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.company import Company
from models.user import Invitation, Locale, Role, User
from policies.actor import Actor
from policies.enforcer import Action
from services import audit, mail
from services import mail_templates as templates
from services.access import authorize_company
from services.audit import AuditAction as Act
from services.auth import TokenPair, start_session
from services.errors import (
    ConflictError,
    ErrorCode,
    InvalidTokenError,
    NotFoundError,
    ValidationError,
)
from services.pagination import Page, PageRequest, keyset
from services.passwords import check_password_policy, hash_password_async
from services.tokens import TokenConfig
from services.validation import clean_email, clean_name


class InvitationStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


def status_of(invitation: Invitation, now: datetime) -> InvitationStatus:
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def _status_filter(status: InvitationStatus, now: datetime) -> ColumnElement[bool]:
    open_ = and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    return {
        InvitationStatus.PENDING: and_(open_, Invitation.expires_at > now),
        InvitationStatus.EXPIRED: and_(open_, Invitation.expires_at <= now),
        InvitationStatus.ACCEPTED: Invitation.accepted_at.is_not(None),
        InvitationStatus.REVOKED: Invitation.revoked_at.is_not(None),
    }[status]


@dataclass(frozen=True)
class InvitationMail:
    """What the invitation mail needs to know about the deployment."""

    app_base_url: str
    ttl: timedelta
    default_locale: Locale = Locale.EN  # DEFAULT_LOCALE: an invitation's that names none


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, hash_token(token)


def check_role_grant(actor: Actor, role: Role, *, field: str = "role") -> None:
    """Nobody grants a role above their own."""
    if role.rank > actor.role.rank:
        raise ValidationError(
            "You cannot grant a role above your own", field=field, code=ErrorCode.ROLE_TOO_HIGH
        )


async def _send(
    session: AsyncSession,
    invitation: Invitation,
    token: str,
    company: Company,
    config: InvitationMail,
) -> None:
    link = f"{config.app_base_url}/accept-invitation?{urlencode({'token': token})}"
    written = templates.invitation(
        invitation.locale,
        name=invitation.name,
        company=company.name,
        role=invitation.role,
        link=link,
        expires_at=invitation.expires_at,
    )
    await mail.send(session, kind="invitation", to=invitation.email, mail=written)


async def invite_user(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    email: str,
    role: Role,
    name: str = "",
    locale: Locale | None = None,
    config: InvitationMail,
) -> Invitation:
    company = await authorize_company(
        session, actor, Action.USER_INVITE, company_id, field="companyId"
    )
    check_role_grant(actor, role)
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field="companyId", code=ErrorCode.COMPANY_ARCHIVED
        )
    address = clean_email(email)
    display_name = clean_name(name, field="name") if name.strip() else ""
    if await session.scalar(select(User.id).where(User.email == address)):
        raise ConflictError(
            "This email address already belongs to a user",
            field="email",
            code=ErrorCode.EMAIL_TAKEN,
        )
    now = utcnow()
    open_invitation = await session.scalar(
        select(Invitation)
        .where(Invitation.email == address, _status_filter(InvitationStatus.PENDING, now))
        .with_for_update()
    )
    if open_invitation is not None:
        raise ConflictError(
            "This address already has a pending invitation: resend or revoke it",
            field="email",
            code=ErrorCode.INVITATION_PENDING,
        )
    # An expired, never-closed invitation would hold the address: close it.
    expired = await session.scalars(
        select(Invitation).where(
            Invitation.email == address, _status_filter(InvitationStatus.EXPIRED, now)
        )
    )
    for stale in expired:
        stale.revoked_at = now
    await session.flush()
    token, token_hash = _new_token()
    invitation = Invitation(
        company_id=company.id,
        email=address,
        name=display_name,
        role=role,
        locale=locale or config.default_locale,
        token_hash=token_hash,
        invited_by_id=actor.user_id,
        created_at=now,
        sent_at=now,
        expires_at=now + config.ttl,
    )
    try:
        # A savepoint: the unique index settles a race with a concurrent invitation.
        async with session.begin_nested():
            session.add(invitation)
    except IntegrityError as exc:
        raise ConflictError(
            "This address already has a pending invitation: resend or revoke it",
            field="email",
            code=ErrorCode.INVITATION_PENDING,
        ) from exc
    invited = audit.created(
        email=address, role=role, locale=invitation.locale, expiresAt=invitation.expires_at
    )
    audit.record(session, Act.INVITATION_CREATE, actor, invitation, invited, now=now)
    await _send(session, invitation, token, company, config)
    return invitation


async def _open_invitation(
    session: AsyncSession, actor: Actor, invitation_id: int
) -> tuple[Invitation, Company]:
    invitation = await session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        raise NotFoundError("Invitation")
    try:
        company = await authorize_company(session, actor, Action.USER_INVITE, invitation.company_id)
    except NotFoundError:
        raise NotFoundError("Invitation") from None  # out of scope answers like unknown
    check_role_grant(actor, invitation.role, field="id")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(
            "The invitation was already accepted or revoked",
            field="id",
            code=ErrorCode.INVITATION_CLOSED,
        )
    return invitation, company


async def resend_invitation(
    session: AsyncSession, *, actor: Actor, invitation_id: int, config: InvitationMail
) -> Invitation:
    """A new token and a new expiry, mailed again; the previous link stops working."""
    invitation, company = await _open_invitation(session, actor, invitation_id)
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field="id", code=ErrorCode.COMPANY_ARCHIVED
        )
    now = utcnow()
    resent = {"expiresAt": (invitation.expires_at, now + config.ttl), "token": (None, None)}
    audit.record(session, Act.INVITATION_RESEND, actor, invitation, resent, now=now)
    token, invitation.token_hash = _new_token()
    invitation.sent_at = now
    invitation.expires_at = now + config.ttl
    await session.flush()
    await _send(session, invitation, token, company, config)
    return invitation


async def revoke_invitation(
    session: AsyncSession, *, actor: Actor, invitation_id: int
) -> Invitation:
    invitation, _ = await _open_invitation(session, actor, invitation_id)
    invitation.revoked_at = utcnow()
    revoked = {"revokedAt": (None, invitation.revoked_at)}
    audit.record(session, Act.INVITATION_REVOKE, actor, invitation, revoked)
    await session.flush()
    return invitation


async def accept_invitation(
    session: AsyncSession,
    *,
    token: str,
    password: str,
    name: str | None = None,
    config: TokenConfig,
) -> TokenPair:
    """Create the invited user with the chosen password and sign them in; the token is
    spent."""
    invalid = InvalidTokenError("This invitation link is invalid or has expired", field="token")
    if not token or len(token) > 200:
        raise invalid
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token)).with_for_update()
    )
    now = utcnow()
    if invitation is None or status_of(invitation, now) is not InvitationStatus.PENDING:
        raise invalid
    company = await session.get(Company, invitation.company_id)
    if company is None or company.archived_at is not None:
        raise invalid
    display_name = clean_name(name, field="name") if name and name.strip() else invitation.name
    check_password_policy(
        password, field="password", user_inputs=[invitation.email, display_name, company.name]
    )
    if await session.scalar(select(User.id).where(User.email == invitation.email)):
        raise ConflictError(
            "This email address already belongs to a user",
            field="token",
            code=ErrorCode.EMAIL_TAKEN,
        )
    user = User(
        company_id=invitation.company_id,
        email=invitation.email,
        name=display_name,
        role=invitation.role,
        locale=invitation.locale,
        password_hash=await hash_password_async(password),
    )
    try:
        async with session.begin_nested():  # a user created meanwhile with this address
            session.add(user)
    except IntegrityError as exc:
        raise ConflictError(
            "This email address already belongs to a user",
            field="token",
            code=ErrorCode.EMAIL_TAKEN,
        ) from exc
    invitation.accepted_at = now
    invitation.user_id = user.id
    await session.flush()
    joined = audit.created(email=user.email, name=user.name, role=user.role)
    audit.record(session, Act.USER_CREATE, user, user, joined, now=now)
    accepted = {"acceptedAt": (None, now)}
    audit.record(session, Act.INVITATION_ACCEPT, user, invitation, accepted, now=now)
    return await start_session(session, config=config, user=user)


async def get_invitation(
    session: AsyncSession, *, actor: Actor, invitation_id: int
) -> Invitation | None:
    """An invitation of a company where the actor may invite, or None."""
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None:
        return None
    try:
        await authorize_company(session, actor, Action.USER_INVITE, invitation.company_id)
    except NotFoundError:
        return None
    return invitation


async def list_invitations(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    status: InvitationStatus | None,
    request: PageRequest,
) -> Page[Invitation]:
    """A company's invitations, newest first."""
    await authorize_company(session, actor, Action.USER_INVITE, company_id, field="companyId")
    query = select(Invitation).where(Invitation.company_id == company_id)
    if status is not None:
        query = query.where(_status_filter(status, utcnow()))
    query = keyset(query, request, [Invitation.id], int, descending=True)
    rows = list(await session.scalars(query))
    return Page.from_rows(rows, request, key=lambda invitation: (invitation.id,))
