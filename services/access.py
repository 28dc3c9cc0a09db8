"""The two authorization questions of every operation.

Where: the relation of the target company to the actor's company, computed in SQL.
What: whether the actor's role may do the action at that relation, asked of the policies.
Out of scope is NOT_FOUND, exactly like a missing row; in scope but not allowed is FORBIDDEN.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
    session: AsyncSession, actor: Actor, company_id: int, *, lock: bool = False
) -> tuple[Company, Relation] | None:
    """The company with its relation to the actor, or None when missing or out of scope."""
    relation = relation_to(actor).label("relation")
    query = select(Company, relation).where(Company.id == company_id)
    if lock:
        query = query.with_for_update(of=Company)
    row = (await session.execute(query)).one_or_none()
    if row is None or row.relation is None:
        return None
    return row.Company, Relation(row.relation)


async def authorize_company(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    company_id: int,
    *,
    field: str = "id",
    lock: bool = False,
) -> Company:
    """Load the target company for `action`, or raise NOT_FOUND / FORBIDDEN."""
    found = await company_in_scope(session, actor, company_id, lock=lock)
    if found is None:
        raise NotFoundError("Company", field=field)
    company, relation = found
    require(actor, action, relation)
    return company
