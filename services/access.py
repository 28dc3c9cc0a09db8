"""The two authorization questions of every operation.

Where: the relation of the target company to the actor's company, computed in SQL.
What: whether the actor's role may do the action at that relation, asked of the policies.
Out of scope is NOT_FOUND, exactly like a missing row; in scope but not allowed is FORBIDDEN.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import Base
from models.company import Company
from policies.actor import Actor
from policies.enforcer import Action, Authorizer, Relation
from policies.scope import relation_to
from services.errors import ForbiddenError, NotFoundError


@lru_cache(maxsize=1)
def authorizer() -> Authorizer:
    """The process-wide enforcer: the policy files are read once, at start-up."""
    return Authorizer()


def can(actor: Actor, action: Action, relation: Relation) -> bool:
    return authorizer().allows(actor.subject, action, relation)


def require(actor: Actor, action: Action, relation: Relation) -> None:
    if not can(actor, action, relation):
        raise ForbiddenError()


async def company_in_scope(
    session: AsyncSession,
    actor: Actor,
    company_id: int,
    *,
    lock: bool = False,
    share: bool = False,
) -> tuple[Company, Relation] | None:
    """The company with its relation to the actor, or None when missing or out of scope.

    `lock` takes the row for update (to change the company); `share` keeps it from being
    changed (archived) until the transaction ends, without blocking other sharers.
    """
    if company_id == actor.company_id and actor.company is not None and not (lock or share):
        # One's own company was loaded with the actor on this request: no second query.
        return await session.merge(actor.company, load=False), Relation.SELF
    relation = relation_to(actor).label("relation")
    query = select(Company, relation).where(Company.id == company_id)
    if lock or share:
        query = query.with_for_update(of=Company, read=not lock)
    row = (await session.execute(query)).one_or_none()
    if row is None or row.relation is None:
        return None
    return row.Company, Relation(row.relation)


# A model with `id` and `company_id` columns: users, devices, accounts...
Owned = TypeVar("Owned", bound=Base)


async def row_in_scope(
    session: AsyncSession, actor: Actor, model: type[Owned], row_id: int, *, lock: bool = False
) -> tuple[Owned, Relation] | None:
    """A company-owned row with its company's relation to the actor, or None when missing
    or out of scope: one query, the relation computed in SQL."""
    columns = model.__table__.c
    query = (
        select(model, relation_to(actor).label("relation"))
        .join(Company, Company.id == columns.company_id)
        .where(columns.id == row_id)
    )
    if lock:
        query = query.with_for_update(of=model)
    row = (await session.execute(query)).one_or_none()
    if row is None or row.relation is None:
        return None
    found: Owned = row[0]
    return found, Relation(row.relation)


async def authorize_company(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    company_id: int,
    *,
    field: str = "id",
    lock: bool = False,
    share: bool = False,
) -> Company:
    """Load the target company for `action`, or raise NOT_FOUND / FORBIDDEN."""
    found = await company_in_scope(session, actor, company_id, lock=lock, share=share)
    if found is None:
        raise NotFoundError("Company", field=field)
    company, relation = found
    require(actor, action, relation)
    return company
