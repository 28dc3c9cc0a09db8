"""Helpers the database-backed tests share: reading rows back, and building inputs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.account import Account, AccountState, License, PaymentMethod, Sector
from models.base import Base, utcnow
from models.company import Company
from models.credit import CreditBalance, LedgerEntry
from models.user import User
from policies.actor import Actor
from tests.graphql import cid, gid

Maker = async_sessionmaker[AsyncSession]
Snapshot = list[tuple[Any, ...]]
M = TypeVar("M", bound=Base)


def snapshot_of(*models: type[Base]) -> Callable[[Maker], Awaitable[Snapshot]]:
    """A function reading every row, every column, of these models' tables (in primary-key
    order): equal snapshots mean nothing was written to them."""

    async def snapshot(sessionmaker: Maker) -> Snapshot:
        rows: Snapshot = []
        async with sessionmaker() as session:
            for model in models:
                table = model.__table__
                result = await session.execute(select(table).order_by(*table.primary_key))
                rows.extend((model.__tablename__, *row) for row in result)
        return rows

    return snapshot


async def get_row(sessionmaker: Maker, model: type[M], key: int) -> M:
    """The row of `model` with this primary key, which must exist."""
    async with sessionmaker() as session:
        found = await session.get(model, key)
        assert found is not None, (model.__name__, key)
        return found


async def balance_of(sessionmaker: Maker, company: Company) -> int:
    async with sessionmaker() as session:
        value = await session.scalar(
            select(CreditBalance.balance).where(CreditBalance.company_id == company.id)
        )
    return value or 0


async def ledger(sessionmaker: Maker, company: Company) -> list[LedgerEntry]:
    """The company's ledger entries, oldest first."""
    async with sessionmaker() as session:
        query = select(LedgerEntry).where(LedgerEntry.company_id == company.id)
        return list(await session.scalars(query.order_by(LedgerEntry.id)))


async def license_ids(sessionmaker: Maker) -> dict[str, str]:
    """The license catalog: code -> global id."""
    async with sessionmaker() as session:
        return {lic.code: gid("License", lic.id) for lic in await session.scalars(select(License))}


async def add_account(
    maker: Maker, company: Company, *, license_code: str = "STARTER_DP"
) -> Account:
    """An active account of 100 datapoints, written directly, for tests not about filing."""
    async with maker() as session, session.begin():
        license_id = await session.scalar(select(License.id).where(License.code == license_code))
        assert license_id is not None, license_code
        account = Account(
            company_id=company.id,
            name="Energy savings",
            customer_name="Hotel Sol S.L.",
            license_id=license_id,
            datapoints=100,
            period_months=12,
            sector=Sector.HOSPITALITY,
            payment_method=PaymentMethod.DIRECT_DEBIT,
            state=AccountState.ACTIVE,
            starts_at=utcnow(),
            expires_at=utcnow() + timedelta(days=365),
        )
        session.add(account)
    return account


def account_request(company: Company, license_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid accountRequest input."""
    return {
        "companyId": cid(company),
        "name": "Hotel Sol energy savings",
        "customerName": "Hotel Sol S.L.",
        "licenseId": license_id,
        "datapoints": 100,
        "sector": "HOSPITALITY",
        "paymentMethod": "DIRECT_DEBIT",
        **overrides,
    }


def actor_of(user: User, company: Company) -> Actor:
    """The actor a request of `user` (of `company`) would carry, for service-level calls."""
    return Actor(
        user_id=user.id,
        company_id=company.id,
        company_path=company.path,
        role=user.role,
        is_platform=company.parent_id is None,
    )
