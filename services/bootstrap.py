"""First start: the root company (the platform operator) and its first SUPERADMIN."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.company import Company
from models.user import Role, User
from services import audit
from services import company as company_service
from services.audit import AuditAction as Act
from services.auth import normalize_email
from services.passwords import hash_password_async


@dataclass(frozen=True)
class BootstrapResult:
    created: bool
    company_name: str
    admin_email: str
    generated_password: str | None = None  # shown once; never stored in clear


async def bootstrap(
    session: AsyncSession,
    *,
    company_name: str,
    country_code: str,
    admin_email: str,
    admin_password: str | None,
) -> BootstrapResult:
    """Create the root and its SUPERADMIN when the database has no root; else do nothing."""
    root = await session.scalar(select(Company).where(Company.parent_id.is_(None)))
    if root is not None:
        return BootstrapResult(created=False, company_name=root.name, admin_email="")
    generated = None if admin_password else secrets.token_urlsafe(18)
    root = await company_service.create_root_company(
        session, name=company_name, country_code=country_code
    )
    admin = User(
        company_id=root.id,
        email=normalize_email(admin_email),
        name="Platform administrator",
        role=Role.SUPERADMIN,
        password_hash=await hash_password_async(admin_password or generated or ""),
    )
    session.add(admin)
    await session.flush()
    founded = audit.created(name=root.name, countryCode=root.country_code)
    audit.record(session, Act.COMPANY_CREATE, audit.SYSTEM, root, founded, operation="bootstrap")
    joined = audit.created(email=admin.email, role=admin.role)
    audit.record(session, Act.USER_CREATE, audit.SYSTEM, admin, joined, operation="bootstrap")
    return BootstrapResult(
        created=True,
        company_name=root.name,
        admin_email=normalize_email(admin_email),
        generated_password=generated,
    )
