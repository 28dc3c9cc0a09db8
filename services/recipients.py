"""Who receives a company's account mail (renewal reminders, application decisions), and
the platform desk's (applications filed); each with the language their mail is written in."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.company import Company, ancestor_paths
from models.user import Locale, Role, User


class Recipient(NamedTuple):
    email: str
    locale: Locale


async def superadmins(session: AsyncSession, company: Company) -> list[Recipient]:
    """The company's active SUPERADMINs, or where it has none, those of its nearest
    ancestor that has some (one query over the ancestor chain, nearest kept)."""
    chain = [*ancestor_paths(company.path), company.path]
    rows = await session.execute(
        select(User.email, User.locale, Company.depth)
        .join(Company, Company.id == User.company_id)
        .where(Company.path.in_(chain), User.role == Role.SUPERADMIN, User.is_active.is_(True))
        .order_by(Company.depth.desc(), User.email)
    )
    found = rows.all()
    if not found:
        return []
    nearest = found[0].depth
    return [Recipient(row.email, row.locale) for row in found if row.depth == nearest]


async def platform_desk(session: AsyncSession) -> list[Recipient]:
    """Who decides applications: the root company's active ADMINISTRATORs and SUPERADMINs."""
    rows = await session.execute(
        select(User.email, User.locale)
        .join(Company, Company.id == User.company_id)
        .where(
            Company.parent_id.is_(None),
            User.role.in_([Role.ADMINISTRATOR, Role.SUPERADMIN]),
            User.is_active.is_(True),
        )
        .order_by(User.email)
    )
    return [Recipient(row.email, row.locale) for row in rows]
