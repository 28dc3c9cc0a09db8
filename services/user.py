"""User reads, scoped to the actor's subtree in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.company import Company
from models.user import User
from policies.actor import Actor
from policies.enforcer import Action, Relation
from policies.scope import relation_to
from services.access import require


async def get_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User | None:
    """A user of a company the actor may read, or None (missing and out of scope alike)."""
    row = (
        await session.execute(
            select(User, relation_to(actor).label("relation"))
            .join(Company, Company.id == User.company_id)
            .where(User.id == user_id)
        )
    ).one_or_none()
    if row is None or row.relation is None:
        return None
    require(actor, Action.USER_READ, Relation(row.relation))
    user: User = row.User
    return user
