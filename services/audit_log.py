"""Reading the audit trail by the hierarchy (SPEC sections 3 and 7).

A reader with `audit.read` on a company (ADMINISTRATOR, SELF or DESCENDANT) sees its
entries, and with `include_descendants` those of its whole subtree: one range over the
path copied on each entry, inside the page's query, so nothing above or beside the reader
is ever read. Who acted is shown only when their company lies in the reader's subtree; an
actor from above (the platform's staff, a partner's administrator) shows without identity:
no user, no role, no client address or user agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import Account, Application, License
from models.audit import ActorKind, AuditEntry, AuditRow
from models.base import Base
from models.company import COMPANY_COLUMNS, Company, CompanyRow, subtree_upper_bound
from models.credit import LedgerEntry
from models.device import Device
from models.user import Invitation, User, UserRow
from policies.actor import Actor
from policies.enforcer import Action
from services.access import authorize_company, company_in_scope, row_in_scope
from services.audit import AuditAction
from services.errors import ErrorCode, NotFoundError, ValidationError
from services.pagination import Page, PageRequest, cursor_keys

# Targets a filter may name, each checked against the reader's scope like any lookup.
_OWNED: dict[str, type[Base]] = {
    "User": User,
    "Device": Device,
    "Account": Account,
    "Application": Application,
    "Invitation": Invitation,
    "LedgerEntry": LedgerEntry,
}


@dataclass(frozen=True)
class AuditFilter:
    include_descendants: bool = True
    actor_id: int | None = None
    actions: Sequence[AuditAction] = ()
    target: tuple[str, int] | None = None  # (type, id)
    since: datetime | None = None
    until: datetime | None = None


_COLUMNS = (
    AuditEntry.id,
    AuditEntry.created_at,
    AuditEntry.action,
    AuditEntry.actor_kind,
    AuditEntry.actor_user_id,
    AuditEntry.actor_role,
    AuditEntry.actor_company_path,
    AuditEntry.company_id,
    AuditEntry.target_type,
    AuditEntry.target_id,
    AuditEntry.changes,
    AuditEntry.request_id,
    AuditEntry.client_address,
    AuditEntry.user_agent,
    AuditEntry.operation,
)
# Where the entry's company's columns, then its actor's user's, start in a result row.
_COMPANY = len(_COLUMNS)
_USER = _COMPANY + len(COMPANY_COLUMNS)


@cache
def _query(
    *,
    subtree: bool,
    actor: bool,
    actions: bool,
    target: bool,
    since: bool,
    until: bool,
    after: bool,
    before: bool,
    backward: bool,
) -> Select[Any]:
    """The statement of a page of this shape, built once; values are its parameters.
    Each entry's company and, when it lies in the reader's subtree, its actor's user come
    along (joined, not loaded row by row)."""
    visible = and_(
        User.id == AuditEntry.actor_user_id,
        AuditEntry.actor_company_path >= bindparam("reader_path"),
        AuditEntry.actor_company_path < bindparam("reader_path_end"),
    )
    query = (
        select(
            *_COLUMNS,
            *(getattr(Company, name) for name in COMPANY_COLUMNS),
            *(getattr(User, name) for name in UserRow._fields),
        )
        .select_from(AuditEntry)
        .join(Company, Company.id == AuditEntry.company_id)
        .outerjoin(User, visible)
    )
    if subtree:
        query = query.where(
            AuditEntry.company_path >= bindparam("path"),
            AuditEntry.company_path < bindparam("path_end"),
        )
    else:
        query = query.where(AuditEntry.company_id == bindparam("company_id"))
    if actor:
        query = query.where(AuditEntry.actor_user_id == bindparam("actor_id"))
    if actions:
        query = query.where(AuditEntry.action.in_(bindparam("actions", expanding=True)))
    if target:
        query = query.where(
            AuditEntry.target_type == bindparam("target_type"),
            AuditEntry.target_id == bindparam("target_id"),
        )
    if since:
        query = query.where(AuditEntry.created_at >= bindparam("since"))
    if until:
        query = query.where(AuditEntry.created_at < bindparam("until"))
    # Newest first: `after` is older, `before` newer; `last` reads from the oldest up
    # (`Page.from_rows` turns the rows back).
    if after:
        query = query.where(AuditEntry.id < bindparam("after", type_=Integer))
    if before:
        query = query.where(AuditEntry.id > bindparam("before", type_=Integer))
    order = AuditEntry.id.asc() if backward else AuditEntry.id.desc()
    return query.order_by(order).limit(bindparam("limit", type_=Integer))


async def list_audit_entries(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    filters: AuditFilter,
    request: PageRequest,
) -> Page[AuditRow]:
    """A company's log (and its subtree's), newest first, keyset on the id both ways."""
    company = await authorize_company(
        session, actor, Action.AUDIT_READ, company_id, field="companyId"
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationError(
            "`since` must not be after `until`", field="since", code=ErrorCode.INVALID_DATE_RANGE
        )
    if (
        filters.actor_id is not None
        and await row_in_scope(session, actor, User, filters.actor_id) is None
    ):
        raise NotFoundError("User", field="actorId")
    if filters.target is not None:
        await _check_target(session, actor, filters.target)
    after, before = cursor_keys(request, int)
    query = _query(
        subtree=filters.include_descendants,
        actor=filters.actor_id is not None,
        actions=bool(filters.actions),
        target=filters.target is not None,
        since=filters.since is not None,
        until=filters.until is not None,
        after=after is not None,
        before=before is not None,
        backward=request.backward,
    )
    values: dict[str, Any] = {
        "limit": request.limit,
        "reader_path": actor.company_path,
        "reader_path_end": subtree_upper_bound(actor.company_path),
    }
    if filters.include_descendants:
        values["path"], values["path_end"] = company.path, subtree_upper_bound(company.path)
    else:
        values["company_id"] = company.id
    if filters.actor_id is not None:
        values["actor_id"] = filters.actor_id
    if filters.actions:
        values["actions"] = [action.value for action in filters.actions]
    if filters.target is not None:
        values["target_type"], values["target_id"] = filters.target
    if filters.since is not None:
        values["since"] = filters.since
    if filters.until is not None:
        values["until"] = filters.until
    if after is not None:
        values["after"] = after[0]
    if before is not None:
        values["before"] = before[0]
    rows = [_row(row, actor.company_path) for row in await session.execute(query, values)]
    return Page.from_rows(rows, request, key=lambda row: (row.id,))


def _row(row: Any, reader_path: str) -> AuditRow:
    (id_, created_at, action, kind, user_id, role, actor_path, *rest) = row[:_COMPANY]
    visible = actor_path is not None and actor_path.startswith(reader_path)
    (company_id, target_type, target_id, changes, request_id, address, agent, operation) = rest
    user = None if row[_USER] is None else UserRow._make(row[_USER:])
    if kind == ActorKind.USER and not visible:
        # A user from above: where they connected from would name them as well as their id.
        # An anonymous attempt keeps its address, which is what its reader needs.
        address = agent = None
    return AuditRow(
        id_,
        created_at,
        action,
        kind,
        user_id if visible else None,
        role if visible else None,
        visible,
        company_id,
        target_type,
        target_id,
        changes,
        request_id,
        address,
        agent,
        operation,
        user if visible else None,
        CompanyRow._make((*row[_COMPANY:_USER], None)),  # no counts
    )


async def _check_target(session: AsyncSession, actor: Actor, target: tuple[str, int]) -> None:
    """A target filter outside the reader's scope is NOT_FOUND, like a missing object."""
    kind, pk = target
    if kind == "Company":
        found: object = await company_in_scope(session, actor, pk)
    elif kind == "License":  # the catalog is everyone's
        found = await session.get(License, pk)
    elif kind in _OWNED:
        found = await row_in_scope(session, actor, _OWNED[kind], pk)
    else:
        found = None
    if found is None:
        raise NotFoundError(kind, field="targetId")
