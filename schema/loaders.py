"""DataLoaders, created per request; each batch runs in its own short session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from models.company import Company
from services import company as company_service

V = TypeVar("V")
BatchQuery = Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, V]]]


def _loader(
    sessionmaker: async_sessionmaker[AsyncSession], query: BatchQuery[V], default: V
) -> DataLoader[int, V]:
    async def load(keys: list[int]) -> list[V]:
        async with sessionmaker() as session:
            found = await query(session, keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load, max_batch_size=1000)


class Loaders:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.company_by_id: DataLoader[int, Company | None] = _loader(
            sessionmaker, company_service.companies_by_ids, None
        )
        self.child_count_by_company_id = _loader(sessionmaker, company_service.count_children, 0)
        self.descendant_count_by_company_id = _loader(
            sessionmaker, company_service.count_descendants, 0
        )
        self.active_user_count_by_company_id = _loader(
            sessionmaker, company_service.count_active_users, 0
        )
