"""Who receives a company's account mail (renewal reminders, application decisions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.company import Company, ancestor_paths
from models.user import Role, User


async def superadmin_emails(session: AsyncSession, company: Company) -> list[str]:
    """The company's active SUPERADMINs, or where it has none, those of its nearest
    ancestor that has some (one query over the ancestor chain, nearest kept)."""
    chain = [*ancestor_paths(company.path), company.path]
    rows = await session.execute(
        select(User.email, Company.depth)
        .join(Company, Company.id == User.company_id)
        .where(Company.path.in_(chain), User.role == Role.SUPERADMIN, User.is_active.is_(True))
        .order_by(Company.depth.desc(), User.email)
    )
    found = rows.all()
    if not found:
        return []
    nearest = found[0].depth
    return [row.email for row in found if row.depth == nearest]
