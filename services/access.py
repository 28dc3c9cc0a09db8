"""The two authorization questions of every operation.

Where: the relation of the target company to the actor's company, computed in SQL.
What: whether the actor's role may do the action at that relation, asked of the policies.
Out of scope is NOT_FOUND, exactly like a missing row; in scope but not allowed is FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import TypeVar, cast

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import Base
from models.company import Company
from policies.actor import Actor
from policies.enforcer import Action, Authorizer, Relation
from policies.scope import RELATION_TO_ACTOR, actor_parameters
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
    query = _company_query(lock=lock, share=share and not lock)
    row = (await session.execute(query, {"id": company_id, **actor_parameters(actor)})).first()
    if row is None or row.relation is None:
        return None
    return row.Company, Relation(row.relation)


@cache
def _company_query(*, lock: bool, share: bool) -> Select[Company, str | None]:
    query = select(Company, RELATION_TO_ACTOR.label("relation")).where(
        Company.id == bindparam("id")
    )
    if not (lock or share):
        return query
    # A locking read answers the row as it is now, also when the session holds it already.
    return query.with_for_update(of=Company, read=share).execution_options(populate_existing=True)


# A model with `id` and `company_id` columns: users, devices, accounts...
Owned = TypeVar("Owned", bound=Base)


async def row_in_scope(
    session: AsyncSession, actor: Actor, model: type[Owned], row_id: int, *, lock: bool = False
) -> tuple[Owned, Relation] | None:
    """A company-owned row with its company's relation to the actor, or None when missing
    or out of scope: one query, the relation computed in SQL."""
    query = _owned_query(model, lock)
    row = (await session.execute(query, {"id": row_id, **actor_parameters(actor)})).first()
    if row is None or row.relation is None:
        return None
    found = cast("Owned", row[0])  # the query selects `model`
    return found, Relation(row.relation)


@cache
def _owned_query(model: type[Base], lock: bool) -> Select[Base, str | None]:
    columns = model.__table__.c
    query = (
        select(model, RELATION_TO_ACTOR.label("relation"))
        .join(Company, Company.id == columns.company_id)
        .where(columns.id == bindparam("id"))
    )
    return query.with_for_update(of=model) if lock else query


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


async def authorize_companies(
    session: AsyncSession, actor: Actor, action: Action, ids_by_field: Mapping[str, int]
) -> list[Company]:
    """Several target companies of one action in one query, in the order given; NOT_FOUND or
    FORBIDDEN for the first that fails, as `authorize_company` one after the other would."""
    ids = list(set(ids_by_field.values()))
    rows = await session.execute(_companies_query(), {"ids": ids, **actor_parameters(actor)})
    found = {row.Company.id: (row.Company, row.relation) for row in rows}
    companies = []
    for field, company_id in ids_by_field.items():
        company, relation = found.get(company_id, (None, None))
        if company is None or relation is None:
            raise NotFoundError("Company", field=field)
        require(actor, action, Relation(relation))
        companies.append(company)
    return companies


@lru_cache(maxsize=1)
def _companies_query() -> Select[Company, str | None]:
    return select(Company, RELATION_TO_ACTOR.label("relation")).where(
        Company.id.in_(bindparam("ids", expanding=True))
    )
