"""Audit trail resolvers: a company's log (and its subtree's), an object's history."""

from __future__ import annotations

from datetime import datetime

from models.audit import AuditRow
from resolvers.credit import as_utc
from resolvers.paging import Paging, page_request
from resolvers.session import reading
from schema.context import Info
from schema.ids import decode_id, parse_id
from services import audit_log as service
from services.audit import AuditAction
from services.pagination import Page


async def events(
    info: Info,
    *,
    company_id: str | int,
    include_descendants: bool = True,
    actor_id: str | None = None,
    actions: list[AuditAction] | None = None,
    target: str | tuple[str, int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    paging: Paging,
    owner: int | None = None,
) -> Page[AuditRow]:
    actor = info.context.require_actor()
    request = page_request(info, paging, owner=owner)
    company = (
        company_id
        if isinstance(company_id, int)
        else decode_id(company_id, "Company", field="companyId")
    )
    filters = service.AuditFilter(
        include_descendants=include_descendants,
        actor_id=None if actor_id is None else decode_id(actor_id, "User", field="actorId"),
        actions=actions or (),
        target=parse_id(target, field="targetId") if isinstance(target, str) else target,
        since=as_utc(since),
        until=as_utc(until),
    )
    async with reading(info) as session:
        return await service.list_audit_entries(
            session, actor=actor, company_id=company, filters=filters, request=request
        )


async def history(
    info: Info,
    target: tuple[str, int],
    company_id: int,
    paging: Paging,
) -> Page[AuditRow]:
    """One object's entries (its company's log, filtered on it), newest first; its
    cursors belong to this object's history only."""
    return await events(
        info,
        company_id=company_id,
        include_descendants=False,
        target=target,
        paging=paging,
        owner=target[1],
    )
