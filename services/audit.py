"""The audit trail's one call point: every service says what happened here.

`record` adds the entry to the change's own session, so it is flushed and committed with
the change or rolled back with it: never a change without its entry, never an entry for a
change that did not happen. Security events of a failing request (a refused sign-in, a
reused refresh token, a FORBIDDEN mutation) ride on the exception (`refuse`) and are
written by the transaction's owner in a transaction of their own (`record_refusal`), after
the failed one ended.

Each entry carries a MAC (HMAC-SHA256 under the audit key, see `configure`) over its
content, computed here before the insert: a row written or edited with SQL alone cannot
carry a valid one. The chain that catches removals is built after commit by the sealing
job (services/audit_seal.py), so writers never queue on a chain head.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.audit import ActorKind, AuditEntry
from models.base import utcnow
from models.company import Company
from models.db import begin_write
from models.user import User
from policies.actor import Actor
from services import origin
from services.errors import AccessError, DomainError, ForbiddenError

log = logging.getLogger("fleet.audit")


class AuditAction(enum.StrEnum):
    """Stable names: clients filter on them and exports keep them. Add, never rename."""

    # signing in and sessions (security events)
    SIGN_IN = "auth.sign_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    SIGN_IN_THROTTLED = "auth.sign_in_throttled"
    TOKEN_REFRESH = "auth.token_refresh"  # noqa: S105 - a name, not a secret
    REFRESH_REUSE = "auth.refresh_reuse"  # a spent refresh token again: the session revoked
    SIGN_OUT = "auth.sign_out"
    PASSWORD_CHANGE = "auth.password_change"  # noqa: S105 - a name, not a secret
    PASSWORD_RESET_REQUEST = "auth.password_reset_request"  # noqa: S105 - a name, not a secret
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105 - a name, not a secret
    FORBIDDEN = "auth.forbidden"  # a mutation refused to the caller's role
    # companies
    COMPANY_CREATE = "company.create"
    COMPANY_RENAME = "company.rename"
    COMPANY_ARCHIVE = "company.archive"
    COMPANY_SET_USE_PARENT_CREDITS = "company.set_use_parent_credits"
    # users and invitations
    USER_CREATE = "user.create"
    USER_CHANGE_ROLE = "user.change_role"
    USER_DEACTIVATE = "user.deactivate"
    USER_REACTIVATE = "user.reactivate"
    USER_UPDATE_PROFILE = "user.update_profile"
    INVITATION_CREATE = "invitation.create"
    INVITATION_RESEND = "invitation.resend"
    INVITATION_REVOKE = "invitation.revoke"
    INVITATION_ACCEPT = "invitation.accept"
    # accounts, applications, licenses
    APPLICATION_REQUEST = "application.request"
    APPLICATION_APPROVE = "application.approve"
    APPLICATION_REJECT = "application.reject"
    APPLICATION_CANCEL = "application.cancel"
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_CHANGE = "account.change"  # an approved application applied
    LICENSE_CREATE = "license.create"
    REMINDER_SEND = "account.reminder_send"  # job
    ACCOUNT_EXPIRE = "account.expire"  # job: its expiry date passed
    # devices and credits
    DEVICE_REGISTER = "device.register"
    DEVICE_RENAME = "device.rename"
    DEVICE_UNREGISTER = "device.unregister"
    DEVICE_CHARGE = "device.charge"  # job
    DEVICE_SUSPEND = "device.suspend"  # job
    DEVICE_RESUME = "device.resume"  # job
    CREDIT_GRANT = "credit.grant"
    CREDIT_MOVE = "credit.move"
    # operations
    MAIL_GIVE_UP = "mail.give_up"  # job
    AUDIT_PURGE = "audit.purge"  # the retention purge


SYSTEM = ActorKind.SYSTEM
ANONYMOUS = ActorKind.ANONYMOUS

# Never recorded, whatever a caller passes: a changed password shows as "changed".
SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "refresh_token"})
SECRET_MARK = "[changed]"  # noqa: S105 - a name, not a secret


class Place(Protocol):
    """What an entry reads of its company: a `Company`, or a page's row of one."""

    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...


class Target(Protocol):
    @property
    def id(self) -> int: ...


Changes = Mapping[str, tuple[Any, Any]]
Who = Actor | User | ActorKind


# --- the key -------------------------------------------------------------------------------

_key: list[bytes] = [b"fleet audit trail: unconfigured"]


def configure(key: str) -> None:
    """The process's audit key (Settings.audit_key), set by the server and the CLI."""
    _key[0] = key.encode()


def mac_of(entry: AuditEntry) -> str:
    return hmac.new(_key[0], canonical(entry), hashlib.sha256).hexdigest()


def canonical(entry: AuditEntry) -> bytes:
    """The MAC's message: every column a reader relies on, but the id (unknown before the
    insert; the nonce stands for it), `seq` (given later) and the two paths (copies of
    companies.path, which the verifier compares with that table)."""
    return orjson.dumps(
        [
            entry.created_at.isoformat(),
            entry.action,
            entry.actor_kind,
            entry.actor_user_id,
            entry.actor_company_id,
            entry.actor_role,
            entry.company_id,
            entry.target_type,
            entry.target_id,
            entry.changes,
            entry.request_id,
            entry.client_address,
            entry.user_agent,
            entry.operation,
            entry.nonce,
        ],
        option=orjson.OPT_SORT_KEYS,
    )


# --- writing ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON keeps it exactly (the MAC is checked against what is read back)."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def diff(changes: Changes) -> dict[str, list[Any]]:
    """{field: [before, after]} of the fields that changed, secrets masked."""
    out: dict[str, list[Any]] = {}
    for name, (before, after) in changes.items():
        if name in SECRET_FIELDS:
            out[name] = [SECRET_MARK, SECRET_MARK]
        elif plain(before) != plain(after):
            out[name] = [plain(before), plain(after)]
    return out


class Owned(Protocol):
    """A target that belongs to a company: a user, device, account, application..."""

    @property
    def id(self) -> int: ...
    @property
    def company_id(self) -> int: ...


# A company, a row of one, or any object (a license) or (type, id) with `company` given.
AuditTarget = Company | Owned | Target | tuple[str, int] | None


def entry(
    action: AuditAction,
    actor: Who,
    target: AuditTarget,
    changes: Changes | None = None,
    *,
    company: Place | int | None = None,
    now: datetime | None = None,
    operation: str | None = None,
) -> AuditEntry:
    """The entry, MAC included, ready to be added to a session. Its company is `company`,
    else the target's (a company itself, or the one a row belongs to)."""
    here = origin.current()
    row = AuditEntry(
        created_at=now or utcnow(),
        action=action.value,
        changes=diff(changes or {}),
        request_id=here.request_id if here else None,
        client_address=here.client_address if here else None,
        user_agent=((here.user_agent or "")[:300] or None) if here else None,
        operation=operation or (here.operation_name if here else None),
        nonce=secrets.token_hex(16),
    )
    _set_actor(row, actor)
    if isinstance(target, tuple):
        row.target_type, row.target_id = target
    elif target is not None:
        row.target_type, row.target_id = type(target).__name__, target.id
    if company is None:
        assert target is not None, "an entry without a target needs its company"
        assert not isinstance(target, tuple), "a target named by type and id needs its company"
        company = target if isinstance(target, Company) else _company_id(target)
    _set_company(row, company)
    row.mac = mac_of(row)
    return row


def _company_id(target: Owned | Target) -> int:
    company_id = getattr(target, "company_id", None)
    assert isinstance(company_id, int), f"{type(target).__name__} has no company: pass it"
    return company_id


def _set_actor(row: AuditEntry, actor: Who) -> None:
    if isinstance(actor, ActorKind):
        row.actor_kind = actor.value
        return
    row.actor_kind = ActorKind.USER.value
    if isinstance(actor, Actor):
        row.actor_user_id, row.actor_company_id = actor.user_id, actor.company_id
        row.actor_role, row.actor_company_path = actor.role.value, actor.company_path
        return
    row.actor_user_id, row.actor_company_id = actor.id, actor.company_id
    row.actor_role = actor.role.value
    row.actor_company_path = _path_of(actor.company_id)


def _set_company(row: AuditEntry, company: Place | int) -> None:
    if isinstance(company, int):
        row.company_id = company
        row.company_path = _path_of(company)
    else:
        row.company_id, row.company_path = company.id, company.path


def _path_of(company_id: int) -> Any:
    # Read inside the INSERT itself: no round trip for a path the caller did not have.
    return select(Company.path).where(Company.id == company_id).scalar_subquery()


def record(
    session: AsyncSession,
    action: AuditAction,
    actor: Who,
    target: AuditTarget,
    changes: Changes | None = None,
    *,
    company: Place | int | None = None,
    now: datetime | None = None,
    operation: str | None = None,
) -> None:
    """Add the entry of a change to the change's session: the caller's next flush or its
    commit writes it, in the change's transaction."""
    row = entry(action, actor, target, changes, company=company, now=now, operation=operation)
    session.add(row)


async def record_on_platform(
    session: AsyncSession,
    action: AuditAction,
    actor: Who,
    target: AuditTarget,
    changes: Changes | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """`record` for what belongs to no company (an unknown email's sign-in attempt, a mail
    given up): the root's, so the platform's administrators read it. Before the bootstrap
    created a root there is no one to read it, and nothing is recorded."""
    root = await session.scalar(select(Company).where(Company.parent_id.is_(None)))
    if root is None:
        log.warning("audit: no root company yet, %s not recorded", action.value)
        return
    record(session, action, actor, target, changes, company=root, now=now)


# --- security events of failing requests -----------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """An entry to write after the failed transaction ended; `company` None: the platform."""

    action: AuditAction
    actor: Who
    company: int | None = None
    target: tuple[str, int] | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def refuse(exc: DomainError | AccessError, event: Refusal) -> DomainError | AccessError:
    """Attach the security event to the error about to be raised; returns the error."""
    exc.audit_event = event
    return exc


async def record_refusal(
    sessionmaker: async_sessionmaker[AsyncSession],
    exc: DomainError | AccessError,
    *,
    actor: Actor | None,
    mutation: str,
) -> None:
    """After a failed mutation (rolled back, or committed with what must be kept): its
    security event, in a transaction of its own. A FORBIDDEN answer is one too: who tried
    which mutation, with which policy action, on which object."""
    event = exc.audit_event
    if event is None and isinstance(exc, ForbiddenError) and actor is not None:
        company = exc.company_id if exc.company_id is not None else actor.company_id
        event = Refusal(
            AuditAction.FORBIDDEN,
            actor=actor,
            company=company,
            target=exc.target,
            changes={"mutation": (None, mutation), "policyAction": (None, exc.action)},
        )
    if event is None:
        return
    async with sessionmaker() as session:
        await begin_write(session)
        await record_event(session, event)
        await session.commit()


async def record_event(
    session: AsyncSession, event: Refusal, *, now: datetime | None = None
) -> None:
    """Add a security event's entry to `session`: its company's log, else the platform's."""
    if event.company is None:
        await record_on_platform(session, event.action, event.actor, None, event.changes, now=now)
    else:
        args = (event.action, event.actor, event.target, event.changes)
        record(session, *args, company=event.company, now=now)


def is_refusal(exc: BaseException) -> bool:
    return isinstance(exc, DomainError | AccessError)


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Two snapshots of an object as before/after pairs (`diff` keeps the changed ones)."""
    return {name: (before.get(name), after.get(name)) for name in {*before, *after}}


def created(**fields: Any) -> dict[str, tuple[Any, Any]]:
    """The fields of a new object: each from nothing."""
    return {name: (None, value) for name, value in fields.items()}
