"""The two authorization questions of every operation.

Where: the relation of the target company to the actor's company, computed in SQL.
What: whether the actor's role may do the action at that relation, asked of the policies.
Out of scope is NOT_FOUND, exactly like a missing row; in scope but not allowed is FORBIDDEN.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import Select, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import License
from models.base import Base
from models.company import Company
from policies.actor import Actor
from policies.enforcer import Action, Authorizer, Relation
from policies.scope import RELATION_TO_ACTOR, actor_parameters, in_subtree_between
from services.errors import ForbiddenError, NotFoundError


@lru_cache(maxsize=1)
def authorizer() -> Authorizer:
    """The process-wide enforcer: the policy files are read once, at start-up."""
    return Authorizer()


def can(actor: Actor, action: Action, relation: Relation) -> bool:
    return authorizer().allows(actor.subject, action, relation)


class Identified(Protocol):
    @property
    def id(self) -> int: ...


def require(
    actor: Actor, action: Action, relation: Relation, *, on: Identified | None = None
) -> None:
    """FORBIDDEN unless allowed; `on` names the object refused (a company, or a row with a
    `company_id`) for the audit trail."""
    if not can(actor, action, relation):
        if on is None:
            raise ForbiddenError(action=action.value)
        company_id = on.id if isinstance(on, Company) else getattr(on, "company_id", None)
        raise ForbiddenError(
            action=action.value, company_id=company_id, target=(type(on).__name__, on.id)
        )


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
Found = TypeVar("Found", bound=Base)


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
    require(actor, action, relation, on=company)
    return company


class Lock(enum.Enum):
    """How `authorize_named` holds a row until the transaction ends."""

    NONE = "none"
    SHARE = "share"  # companies: not archived meanwhile, without blocking other sharers
    UPDATE = "update"  # to change the row


@dataclass(frozen=True)
class Named(Generic[Found]):
    """One object a mutation names: its model, the id given and the input field that gave it.

    A company is placed in the tree by itself, a company-owned row (`company_id`) by its
    company; a row of a global catalog (GLOBAL_MODELS) is in everyone's scope."""

    model: type[Found]
    id: int
    field: str
    lock: Lock = Lock.NONE


class Resolved:
    """The rows `authorize_named` loaded, by the `Named` that asked for them."""

    def __init__(self, rows: Mapping[Named[Any], Base]) -> None:
        self._rows = rows

    def __getitem__(self, named: Named[Found]) -> Found:
        return cast("Found", self._rows[named])


# Rows no company owns, readable by every signed-in user: they exist or not.
GLOBAL_MODELS: frozenset[type[Base]] = frozenset({License})


async def authorize_named(
    session: AsyncSession, actor: Actor, action: Action, *named: Named[Any]
) -> Resolved:
    """Every object a mutation names, or NOT_FOUND / FORBIDDEN, scope first and role second.

    The rule, whatever the order of the ids and of the fields:
    1. Every object is looked up first, in one query per model (and lock): a missing one and
       one outside the actor's scope both answer NOT_FOUND, on the first such field in the
       order given here.
    2. Only when every object named was found is the role asked, at each object's relation:
       FORBIDDEN if the role may not do `action` at any one of them.
    So FORBIDDEN tells a caller that every object named exists in its scope, and nothing
    else; NOT_FOUND never depends on the role. Rules between the objects (an account of that
    company, a parent and its child) are the service's, checked after this.

    Locks are taken by the lookup, in ascending id within a model (two transactions naming
    the same rows cannot deadlock) and only on rows in scope; the models are locked in the
    order their first object is named.
    """
    if all(item.model in GLOBAL_MODELS for item in named):
        raise ValueError("Name an object placed in the tree: the role is asked at its relation")
    groups: dict[tuple[type[Base], Lock], set[int]] = {}
    for item in named:
        groups.setdefault((item.model, item.lock), set()).add(item.id)
    found: dict[tuple[type[Base], int], tuple[Base, Relation | None]] = {}
    for (model, lock), ids in groups.items():
        query = _named_query(model, lock)
        rows = await session.execute(query, {"ids": sorted(ids), **actor_parameters(actor)})
        for row in rows:
            relation = None if model in GLOBAL_MODELS else Relation(row.relation)
            found[model, row.key] = (row[0], relation)
    for item in named:
        if (item.model, item.id) not in found:
            raise NotFoundError(item.model.__name__, field=item.field)
    for item in named:
        target, relation = found[item.model, item.id]
        if relation is not None:
            require(actor, action, relation, on=cast("Identified", target))
    return Resolved({item: found[item.model, item.id][0] for item in named})


@cache
def _named_query(model: type[Base], lock: Lock) -> Select[Base, int, str | None]:
    """The rows of `model` with these ids that are in the actor's scope, in id order."""
    columns = model.__table__.c
    if model in GLOBAL_MODELS:
        if lock is not Lock.NONE:
            raise ValueError(f"{model.__name__} rows are never locked here")
        return select(model, columns.id.label("key"), literal(None).label("relation")).where(
            columns.id.in_(bindparam("ids", expanding=True))
        )
    query = select(model, columns.id.label("key"), RELATION_TO_ACTOR.label("relation"))
    if model is not Company:
        query = query.join(Company, Company.id == columns.company_id)
    # Out of scope is filtered in SQL: such rows are neither answered nor locked.
    query = query.where(
        columns.id.in_(bindparam("ids", expanding=True)),
        in_subtree_between(bindparam("actor_path"), bindparam("actor_path_end")),
    ).order_by(columns.id)
    if lock is Lock.NONE:
        return query
    if lock is Lock.SHARE and model is not Company:
        raise ValueError("Only companies are share-locked here")
    # A locking read answers the row as it is now, also when the session holds it already.
    return query.with_for_update(of=model, read=lock is Lock.SHARE).execution_options(
        populate_existing=True
    )
