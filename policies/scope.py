"""SQL predicates over the company tree: the scope filter of every list, and the relation.

Both are expressions on `companies.path`, so they run inside the query that loads the rows:
a list never returns a row the caller may not see, and no tree is walked row by row.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, bindparam, case, literal

from models.company import Company, subtree_upper_bound
from policies.actor import Actor
from policies.enforcer import Relation


def in_subtree(path: str, column: Any = Company.path) -> ColumnElement[bool]:
    """Rows whose path lies in the subtree rooted at `path` (the root included)."""
    return in_subtree_between(path, subtree_upper_bound(path), column)


def in_subtree_between(path: Any, end: Any, column: Any = Company.path) -> ColumnElement[bool]:
    """`in_subtree` with the bounds given (values or bound parameters)."""
    return and_(column >= path, column < end)


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """Companies the actor may see at all: its own company and everything below it."""
    return in_subtree(actor.company_path)


def relation_to(actor: Actor) -> ColumnElement[str | None]:
    """The relation of each company row to the actor's company; NULL outside its scope."""
    return case(
        (Company.id == actor.company_id, literal(Relation.SELF.value)),
        (Company.parent_id == actor.company_id, literal(Relation.CHILD.value)),
        (visible_to(actor), literal(Relation.DESCENDANT.value)),
        else_=None,
    )


# The same relation with the actor as bound parameters, for statements built once and run
# with `actor_parameters(actor)`: building a statement costs more than running one.
_ACTOR_COMPANY = bindparam("actor_company_id", type_=Company.id.type)
RELATION_TO_ACTOR: ColumnElement[str | None] = case(
    (Company.id == _ACTOR_COMPANY, literal(Relation.SELF.value)),
    (Company.parent_id == _ACTOR_COMPANY, literal(Relation.CHILD.value)),
    (
        in_subtree_between(bindparam("actor_path"), bindparam("actor_path_end")),
        literal(Relation.DESCENDANT.value),
    ),
    else_=None,
)


def actor_parameters(actor: Actor) -> dict[str, object]:
    """The values of RELATION_TO_ACTOR's parameters."""
    return {
        "actor_company_id": actor.company_id,
        "actor_path": actor.company_path,
        "actor_path_end": subtree_upper_bound(actor.company_path),
    }


class TreePlace(Protocol):
    """What the relation reads of a company: a `models.Company`, or a list's row of one."""

    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def path(self) -> str: ...


def relation_of(actor: Actor, company: TreePlace) -> Relation | None:
    """The same relation for a row already loaded (by a scoped query or a loader)."""
    if company.id == actor.company_id:
        return Relation.SELF
    if company.parent_id == actor.company_id:
        return Relation.CHILD
    if company.path.startswith(actor.company_path):
        return Relation.DESCENDANT
    return None
