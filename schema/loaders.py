"""DataLoaders, created per request; each batch runs in its own short session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import cached_property
from typing import NamedTuple, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from models.account import Account, Application, License
from models.company import Company, CompanyCounts
from models.credit import LedgerEntry
from models.device import Device
from models.user import User
from services import account as account_service
from services import application as application_service
from services import company as company_service
from services import credit as credit_service
from services import device as device_service
from services import user as user_service
from services.company import ChildrenKey, CompanyPage, CountsKey

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")
BatchQuery = Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]]


def _loader(
    sessionmaker: async_sessionmaker[AsyncSession], query: BatchQuery[K, V], default: D
) -> DataLoader[K, V | D]:
    """Keys the query does not return get `default` (no row, or a count of zero)."""

    async def load(keys: list[K]) -> list[V | D]:
        async with sessionmaker() as session:
            found = await query(session, keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load, max_batch_size=None)


class ScopedKey(NamedTuple):
    """A row id seen by a viewer: `within` is the viewer's company path."""

    within: str
    id: int


ScopedQuery = Callable[..., Awaitable[Mapping[int, V]]]


def _scoped_loader(
    sessionmaker: async_sessionmaker[AsyncSession], query: ScopedQuery[V]
) -> DataLoader[ScopedKey, V | None]:
    """Rows outside the viewer's subtree load as None, decided in the query itself."""

    async def load(keys: list[ScopedKey]) -> list[V | None]:
        found: dict[ScopedKey, V] = {}
        async with sessionmaker() as session:
            for within in {key.within for key in keys}:  # one per request: the actor's
                ids = [key.id for key in keys if key.within == within]
                batch = await query(session, ids, within=within)
                found.update((ScopedKey(within, key), row) for key, row in batch.items())
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load, max_batch_size=None)


class AncestorsKey(NamedTuple):
    """The breadcrumb of the company at `path`, cut at the company at `within` (the actor's)."""

    within: str
    path: str


def _ancestors_loader(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> DataLoader[AncestorsKey, list[Company]]:
    async def load(keys: list[AncestorsKey]) -> list[list[Company]]:
        found: dict[AncestorsKey, list[Company]] = {}
        async with sessionmaker() as session:
            for within in {key.within for key in keys}:  # one per request: the actor's
                paths = [key.path for key in keys if key.within == within]
                batch = await company_service.ancestors_by_path(session, paths, within=within)
                found.update((AncestorsKey(within, path), row) for path, row in batch.items())
        return [found[key] for key in keys]

    return DataLoader(load_fn=load, max_batch_size=None)


class Loaders:
    """The request's DataLoaders, each made when first used: most requests use one or two."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    @cached_property
    def company_by_id(self) -> DataLoader[int, Company | None]:
        return _loader(self._sessionmaker, company_service.companies_by_ids, None)

    @cached_property
    def counts(self) -> DataLoader[CountsKey, CompanyCounts | None]:
        return _loader(self._sessionmaker, company_service.counts_by_key, None)

    @cached_property
    def children_page(self) -> DataLoader[ChildrenKey, CompanyPage | None]:
        return _loader(self._sessionmaker, company_service.children_pages, None)

    @cached_property
    def ancestors_by_path(self) -> DataLoader[AncestorsKey, list[Company]]:
        return _ancestors_loader(self._sessionmaker)

    @cached_property
    def account_by_id(self) -> DataLoader[int, Account | None]:
        return _loader(self._sessionmaker, account_service.accounts_by_ids, None)

    @cached_property
    def license_by_id(self) -> DataLoader[int, License | None]:
        return _loader(self._sessionmaker, account_service.licenses_by_ids, None)

    @cached_property
    def datapoints_used_by_account_id(self) -> DataLoader[int, int]:
        return _loader(self._sessionmaker, account_service.datapoints_in_use, 0)

    @cached_property
    def application_by_id(self) -> DataLoader[int, Application | None]:
        return _loader(self._sessionmaker, application_service.applications_by_ids, None)

    @cached_property
    def device_by_id(self) -> DataLoader[int, Device | None]:
        return _loader(self._sessionmaker, device_service.devices_by_ids, None)

    @cached_property
    def credit_balance_by_company_id(self) -> DataLoader[int, int]:
        return _loader(self._sessionmaker, credit_service.balances_by_company, 0)

    @cached_property
    def entry_by_id(self) -> DataLoader[int, LedgerEntry | None]:
        return _loader(self._sessionmaker, credit_service.entries_by_ids, None)

    @cached_property
    def user_within(self) -> DataLoader[ScopedKey, User | None]:
        return _scoped_loader(self._sessionmaker, user_service.users_within)
