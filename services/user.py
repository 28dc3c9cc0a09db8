"""Users: reads scoped to the actor's subtree in SQL, and the rules of SPEC section 2.

- nobody changes their own role (nor deactivates themselves);
- nobody acts on a user of a higher role (FORBIDDEN), nor grants a role above their own;
- the last active SUPERADMIN of the root company can be neither demoted nor deactivated;
- deactivation and password changes revoke every token the user holds.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.company import Company
from models.user import Locale, PasswordResetToken, Role, User
from policies.actor import Actor
from policies.enforcer import Action
from policies.scope import in_subtree
from services import audit, events, mail
from services import mail_templates as templates
from services.access import authorize_company, require, row_in_scope
from services.audit import AuditAction as Act
from services.auth import TokenPair, normalize_email, revoke_all_sessions, start_session
from services.errors import (
    ErrorCode,
    ForbiddenError,
    InvalidTokenError,
    NotFoundError,
    ValidationError,
)
from services.invitation import check_role_grant
from services.pagination import Page, PageRequest, keyset
from services.passwords import (
    check_password_policy,
    hash_password_async,
    verify_password_async,
)
from services.tokens import TokenConfig
from services.validation import clean_name

# One reset mail per user per this interval, however often it is asked for.
RESET_MAIL_INTERVAL = timedelta(minutes=1)


async def get_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User | None:
    """A user of a company the actor may read, or None (missing and out of scope alike)."""
    found = await row_in_scope(session, actor, User, user_id)
    if found is None:
        return None
    user, relation = found
    require(actor, Action.USER_READ, relation)
    return user


async def users_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    rows = await session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user for user in rows}


async def users_within(
    session: AsyncSession, ids: Sequence[int], *, within: str
) -> dict[int, User]:
    """Batch load of the users among `ids` whose company lies in the subtree at `within`
    (a viewer's company path): the others are simply absent, like unknown ids."""
    rows = await session.scalars(
        select(User)
        .join(Company, Company.id == User.company_id)
        .where(User.id.in_(ids), in_subtree(within))
    )
    return {user.id: user for user in rows}


@dataclass(frozen=True)
class UserFilter:
    include_descendants: bool = False
    role: Role | None = None
    active: bool | None = None


async def list_users(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int | None,
    filters: UserFilter,
    request: PageRequest,
) -> Page[User]:
    """Users of a company (and, on request, of its whole subtree), by email."""
    company = await authorize_company(
        session, actor, Action.USER_READ, company_id or actor.company_id, field="companyId"
    )
    query = select(User)
    if filters.include_descendants:
        query = query.join(Company, Company.id == User.company_id).where(in_subtree(company.path))
    else:
        query = query.where(User.company_id == company.id)
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.is_active.is_(filters.active))
    rows = list(await session.scalars(keyset(query, request, [User.email], str)))
    return Page.from_rows(rows, request, key=lambda user: (user.email,))


async def _managed_user(session: AsyncSession, actor: Actor, action: Action, user_id: int) -> User:
    """The target of a management action, locked, after the scope, policy and role rules."""
    found = await row_in_scope(session, actor, User, user_id)
    if found is None:
        raise NotFoundError("User")
    user, relation = found
    require(actor, action, relation, on=user)
    await _lock(session, user)
    if user.id == actor.user_id:
        raise ValidationError(
            "You cannot do this to your own account", field="id", code=ErrorCode.CANNOT_ACT_ON_SELF
        )
    if user.role.rank > actor.role.rank:
        raise ForbiddenError(
            "You cannot act on a user of a higher role",
            action=action.value,
            company_id=user.company_id,
            target=("User", user.id),
        )
    return user


async def _root_id(session: AsyncSession) -> int | None:
    return await session.scalar(select(Company.id).where(Company.parent_id.is_(None)))


def _platform_superadmins(root_id: int | None) -> Select[int]:
    return (
        select(User.id)
        .where(User.company_id == root_id, User.role == Role.SUPERADMIN, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )


async def _lock(session: AsyncSession, user: User) -> None:
    """Lock the target, re-reading it. Where it is one of the platform's SUPERADMINs, all of
    them are locked first, in id order: two of them demoting each other at once then queue
    instead of deadlocking, and the second sees the first's change (on SQLite the write
    transaction already serializes them)."""
    if user.role is Role.SUPERADMIN and user.company_id == await _root_id(session):
        await session.execute(_platform_superadmins(user.company_id))
    await session.refresh(user, with_for_update=True)


async def _keep_a_platform_superadmin(session: AsyncSession, user: User) -> None:
    """Refuse to remove the last active SUPERADMIN of the root company (rows locked by
    `_lock`, so the count is stable)."""
    if user.role is not Role.SUPERADMIN or not user.is_active:
        return
    root_id = await _root_id(session)
    if user.company_id != root_id:
        return
    ids = await session.scalars(_platform_superadmins(root_id))
    if len(list(ids)) <= 1:
        raise ValidationError(
            "The platform needs at least one active SUPERADMIN",
            field="id",
            code=ErrorCode.LAST_SUPERADMIN,
        )


async def change_role(session: AsyncSession, *, actor: Actor, user_id: int, role: Role) -> User:
    user = await _managed_user(session, actor, Action.USER_CHANGE_ROLE, user_id)
    check_role_grant(actor, role)
    if role is not Role.SUPERADMIN:
        await _keep_a_platform_superadmin(session, user)
    audit.record(session, Act.USER_CHANGE_ROLE, actor, user, {"role": (user.role, role)})
    user.role = role
    await session.flush()
    await events.access_changed(session, user)
    return user


async def set_active(session: AsyncSession, *, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (every token dies with the next request) or reactivate a user."""
    user = await _managed_user(session, actor, Action.USER_DEACTIVATE, user_id)
    if active == user.is_active:
        return user
    if active:
        company = await session.get(Company, user.company_id)
        if company is not None and company.archived_at is not None:
            raise ValidationError(
                "The user's company is archived", field="id", code=ErrorCode.COMPANY_ARCHIVED
            )
    else:
        await _keep_a_platform_superadmin(session, user)
        await revoke_all_sessions(session, user=user)
    action = Act.USER_REACTIVATE if active else Act.USER_DEACTIVATE
    audit.record(session, action, actor, user, {"isActive": (user.is_active, active)})
    user.is_active = active
    await session.flush()
    return user


async def _own_user(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id, with_for_update=True)
    assert user is not None  # the actor was loaded from this row on this request
    return user


async def _user_inputs(session: AsyncSession, user: User) -> list[str]:
    company_name = await session.scalar(select(Company.name).where(Company.id == user.company_id))
    return [user.email, user.name, company_name or ""]


async def change_own_password(
    session: AsyncSession,
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    config: TokenConfig,
) -> TokenPair:
    """Every token issued before stops working; this session goes on with the new pair."""
    user = await _own_user(session, actor)
    if len(current_password) > 1024 or not await verify_password_async(
        user.password_hash, current_password
    ):
        raise ValidationError(
            "The current password is wrong", field="currentPassword", code=ErrorCode.WRONG_PASSWORD
        )
    check_password_policy(
        new_password, field="newPassword", user_inputs=await _user_inputs(session, user)
    )
    user.password_hash = await hash_password_async(new_password)
    await revoke_all_sessions(session, user=user)
    audit.record(session, Act.PASSWORD_CHANGE, actor, user, {"password": (None, None)})
    await session.flush()
    return await start_session(session, config=config, user=user)


async def update_own_profile(
    session: AsyncSession, *, actor: Actor, name: str | None = None, locale: Locale | None = None
) -> User:
    """Their name and/or the language of their mails; what is omitted stays."""
    user = await _own_user(session, actor)
    changes: dict[str, tuple[object, object]] = {}
    if name is not None:
        cleaned = clean_name(name)
        changes["name"] = (user.name, cleaned)
        user.name = cleaned
    if locale is not None:
        changes["locale"] = (user.locale, locale)
        user.locale = locale
    if changes:
        audit.record(session, Act.USER_UPDATE_PROFILE, actor, user, changes)
    await session.flush()
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def request_password_reset(
    session: AsyncSession, *, email: str, app_base_url: str, ttl: timedelta
) -> None:
    """Mail a reset link if the address belongs to an active user. The caller sees the same
    answer either way, so the form cannot be used to find out who has an account."""
    if len(email) > 254:
        return
    # Locked, so concurrent requests for one user see each other's token (one mail a minute).
    user = await session.scalar(
        select(User)
        .where(User.email == normalize_email(email), User.is_active.is_(True))
        .with_for_update()
    )
    # Recorded for known and unknown addresses alike: someone asked.
    asked = {"email": (None, normalize_email(email)), "known": (None, user is not None)}
    if user is None:
        await audit.record_on_platform(
            session, Act.PASSWORD_RESET_REQUEST, audit.ANONYMOUS, None, asked
        )
        return
    audit.record(session, Act.PASSWORD_RESET_REQUEST, audit.ANONYMOUS, user, asked)
    now = utcnow()
    recent = await session.scalar(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.created_at > now - RESET_MAIL_INTERVAL,
        )
    )
    if recent:
        return  # one mail a minute: the form must not become a way to flood a mailbox
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=_hash(token), created_at=now, expires_at=now + ttl
        )
    )
    link = f"{app_base_url}/reset-password?{urlencode({'token': token})}"
    minutes = int(ttl.total_seconds() // 60)
    written = templates.password_reset(user.locale, link=link, minutes=minutes)
    await mail.send(session, kind="password_reset", to=user.email, mail=written)
    await session.flush()


async def reset_password(session: AsyncSession, *, token: str, new_password: str) -> User:
    invalid = InvalidTokenError("This reset link is invalid or has expired", field="token")
    if not token or len(token) > 200:
        raise invalid
    reset = await session.scalar(
        select(PasswordResetToken)
        .where(PasswordResetToken.token_hash == _hash(token))
        .with_for_update()
    )
    now = utcnow()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise invalid
    user = await session.get(User, reset.user_id, with_for_update=True)
    if user is None or not user.is_active:
        raise invalid
    check_password_policy(
        new_password, field="newPassword", user_inputs=await _user_inputs(session, user)
    )
    user.password_hash = await hash_password_async(new_password)
    # This link and any other outstanding one are spent; every session ends.
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    await revoke_all_sessions(session, user=user)
    audit.record(session, Act.PASSWORD_RESET, audit.ANONYMOUS, user, {"password": (None, None)})
    await session.flush()
    return user
