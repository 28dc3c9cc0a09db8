"""Sign-in, rotating refresh tokens, sign-out, and the per-request identity check."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.auth import RefreshToken
from models.base import utcnow
from models.company import Company
from models.db import begin_write
from models.user import User
from policies.actor import Actor
from services import audit, events, passwords, throttle, tokens
from services.audit import AuditAction as Act
from services.errors import (
    InvalidCredentialsError,
    InvalidTokenError,
    LoginThrottledError,
    UnauthenticatedError,
    ValidationError,
)
from services.tokens import TokenConfig, TokenError, TokenType

MAX_PASSWORD_LENGTH = 1024  # argon2 accepts more, but nobody needs it and hashing costs time


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue(
    session: AsyncSession, config: TokenConfig, user: User, *, family_id: str, now: datetime
) -> TokenPair:
    access, _, access_exp = tokens.encode(
        config,
        kind=TokenType.ACCESS,
        user_id=user.id,
        auth_epoch=user.auth_epoch,
        now=now,
        session_id=family_id,
    )
    refresh, jti, refresh_exp = tokens.encode(
        config, kind=TokenType.REFRESH, user_id=user.id, auth_epoch=user.auth_epoch, now=now
    )
    session.add(
        RefreshToken(
            id=jti,
            user_id=user.id,
            family_id=family_id,
            token_hash=_hash_token(refresh),
            issued_at=now,
            expires_at=refresh_exp,
            auth_epoch=user.auth_epoch,
        )
    )
    await session.flush()
    return TokenPair(access, access_exp, refresh, refresh_exp, user)


async def login(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    config: TokenConfig,
    email: str,
    password: str,
    client_address: str | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """Same answer, in about the same time, whether or not the email exists.

    Three steps, two short transactions of its own (it commits, unlike other services):
    the attempt is counted by the throttle (services/throttle.py) and committed before the
    password is checked, so parallel attempts, in any process, see it; the password is
    checked holding no lock and no connection; a success then clears the throttle and
    opens the session, if the user has not changed meanwhile. The audit entry of a success
    is written with the session; a refusal's (failed, throttled, unknown email) in a short
    transaction of its own once the others are over.
    """
    now = now or utcnow()
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("Password too long", field="password")
    async with sessionmaker() as session:
        await begin_write(session)
        try:
            await throttle.admit(session, email=email, address=client_address, now=now)
        except LoginThrottledError:
            await session.rollback()  # a refused attempt counts on no key
            await _record_attempt(sessionmaker, Act.SIGN_IN_THROTTLED, email, now=now)
            raise
        user = await session.scalar(select(User).where(User.email == normalize_email(email)))
        await session.commit()
    ok = await passwords.verify_password_async(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        await _record_attempt(sessionmaker, Act.SIGN_IN_FAILED, email, user, now=now)
        raise InvalidCredentialsError()
    async with sessionmaker() as session:
        await begin_write(session)
        current = await session.scalar(select(User).where(User.id == user.id).with_for_update())
        # Deactivated or given a new password meanwhile: refused like a wrong password.
        if (
            current is not None
            and current.is_active
            and current.password_hash == user.password_hash
        ):
            await throttle.record_success(session, email=email, address=client_address)
            if passwords.needs_rehash(current.password_hash):
                current.password_hash = await passwords.hash_password_async(password)
            current.last_login_at = now
            audit.record(session, Act.SIGN_IN, current, current, now=now)
            pair = await start_session(session, config=config, user=current, now=now)
            await session.commit()
            return pair
    await _record_attempt(sessionmaker, Act.SIGN_IN_FAILED, email, user, now=now)
    raise InvalidCredentialsError()


async def _record_attempt(
    sessionmaker: async_sessionmaker[AsyncSession],
    action: Act,
    email: str,
    user: User | None = None,
    *,
    now: datetime,
) -> None:
    """A refused sign-in's security event, in a transaction of its own: the attempt's
    (committed before the password check) and the refused one are already over."""
    async with sessionmaker() as session:
        await begin_write(session)
        if user is None:
            user = await session.scalar(select(User).where(User.email == normalize_email(email)))
        await audit.record_event(session, _attempt(action, email, user), now=now)
        await session.commit()


def _attempt(action: Act, email: str, user: User | None) -> audit.Refusal:
    """A refused sign-in, for the audit: the email as typed, and the user it names if any
    (their company's administrators see attempts on their users; the platform the rest)."""
    typed = {"email": (None, email.strip()[:254]), "known": (None, user is not None)}
    if user is None:
        return audit.Refusal(action, audit.ANONYMOUS, changes=typed)
    return audit.Refusal(action, audit.ANONYMOUS, user.company_id, ("User", user.id), typed)


async def start_session(
    session: AsyncSession, *, config: TokenConfig, user: User, now: datetime | None = None
) -> TokenPair:
    """A new token pair in a new refresh-token family (sign-in, accepted invitation)."""
    return await _issue(session, config, user, family_id=tokens.new_jti(), now=now or utcnow())


async def _revoke_family(
    session: AsyncSession, family_id: str, now: datetime, *, user_id: int
) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # The session's access tokens now fail: so do the WebSockets opened with them.
    await events.session_ended(session, user_id=user_id, session_id=family_id)


async def _load_refresh_token(
    session: AsyncSession, config: TokenConfig, token: str
) -> RefreshToken:
    try:
        claims = tokens.decode(config, token, kind=TokenType.REFRESH)
    except TokenError as exc:
        raise InvalidTokenError() from exc
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.id == claims.jti).with_for_update()
    )
    if row is None or not hmac.compare_digest(row.token_hash, _hash_token(token)):
        raise InvalidTokenError()
    return row


async def refresh(session: AsyncSession, *, config: TokenConfig, refresh_token: str) -> TokenPair:
    """Rotate: the presented token is spent and a new pair issued in the same family.

    Presenting a spent token means it was copied: the whole family is revoked, so both the
    thief and the victim must sign in again.
    """
    now = utcnow()
    row = await _load_refresh_token(session, config, refresh_token)
    if row.revoked_at is not None:
        raise InvalidTokenError()
    if row.used_at is not None:
        await _revoke_family(session, row.family_id, now, user_id=row.user_id)
        reused = InvalidTokenError(
            "Refresh token reuse detected: the session is revoked", persist=True
        )
        raise audit.refuse(reused, await _reuse(session, row))
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active or user.auth_epoch != row.auth_epoch:
        await _revoke_family(session, row.family_id, now, user_id=row.user_id)
        raise InvalidTokenError(persist=True)
    row.used_at = now
    audit.record(session, Act.TOKEN_REFRESH, user, user, now=now)
    return await _issue(session, config, user, family_id=row.family_id, now=now)


async def _reuse(session: AsyncSession, row: RefreshToken) -> audit.Refusal:
    """Whoever presented it is not known to be the user: the event is anonymous, on them."""
    owner = await session.get(User, row.user_id)
    company = owner.company_id if owner else None
    revoked = {"sessionRevoked": (False, True)}
    return audit.Refusal(
        Act.REFRESH_REUSE, audit.ANONYMOUS, company, ("User", row.user_id), revoked
    )


async def logout(session: AsyncSession, *, config: TokenConfig, refresh_token: str) -> None:
    """Revoke the session the refresh token belongs to; saying it twice is harmless."""
    row = await _load_refresh_token(session, config, refresh_token)
    await _revoke_family(session, row.family_id, utcnow(), user_id=row.user_id)
    owner = await session.get(User, row.user_id)
    if owner is not None:
        audit.record(session, Act.SIGN_OUT, owner, owner)


async def revoke_all_sessions(session: AsyncSession, *, user: User) -> None:
    """Every token the user holds stops working: bump the epoch, revoke refresh tokens."""
    user.auth_epoch += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await events.access_changed(session, user)


# Built once: composing it on every request cost a fifth of the token check. The session
# check rides along in the same statement: a session (refresh-token family) is revoked as a
# whole (logout, reuse, a refused rotation), so one revoked token of the family kills it.
_SESSION_REVOKED = (
    exists()
    .where(
        RefreshToken.family_id == bindparam("session_id"),
        RefreshToken.revoked_at.is_not(None),
    )
    .label("session_revoked")
)
_ACTOR_ROWS = (
    select(User, Company, _SESSION_REVOKED)
    .join(Company, Company.id == User.company_id)
    .where(User.id == bindparam("user_id"))
)


async def authenticate(session: AsyncSession, *, config: TokenConfig, access_token: str) -> Actor:
    """The acting user, loaded fresh on every request so that role changes, deactivations
    and password changes apply to the very next request, whatever tokens are still held."""
    try:
        claims = tokens.decode(config, access_token, kind=TokenType.ACCESS)
    except TokenError as exc:
        raise UnauthenticatedError(str(exc)) from exc
    row = (
        await session.execute(
            _ACTOR_ROWS, {"user_id": claims.user_id, "session_id": claims.session_id}
        )
    ).one_or_none()
    if (
        row is None
        or not row.User.is_active
        or row.User.auth_epoch != claims.auth_epoch
        or row.session_revoked
    ):
        raise UnauthenticatedError("Token revoked")
    user, company = row.User, row.Company
    return Actor(
        user_id=user.id,
        company_id=user.company_id,
        company_path=company.path,
        role=user.role,
        is_platform=company.parent_id is None,
        user=user,
        company=company,
    )
