"""Relay building blocks: the Node interface and page info."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

import strawberry

from models.account import Account, AccountRow
from models.audit import AuditEntry, AuditRow
from models.company import Company, CompanyRow
from models.credit import EntryRow, LedgerEntry
from models.device import Device, DeviceRow
from models.user import User, UserRow
from schema.context import Info
from schema.ids import encode_id
from services.pagination import Page, encode_cursor

T = TypeVar("T")


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    @strawberry.field(description="Opaque and global: use it with `node(id:)`.")
    def id(self) -> strawberry.ID:
        # Named after the root's model: the root itself, or the model a page's row is of.
        row: Any = self
        model = _MODEL_OF.get(type(row), type(row))
        return strawberry.ID(encode_id(model.__name__, row.id))


# The row tuples pages hand out, and the models they are rows of.
_MODEL_OF: dict[type, type] = {
    CompanyRow: Company,
    UserRow: User,
    AccountRow: Account,
    DeviceRow: Device,
    EntryRow: LedgerEntry,
    AuditRow: AuditEntry,
}


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    key: strawberry.Private[tuple[Any, ...]]

    @strawberry.field(description="Pass it as `after` to continue after this row.")
    def cursor(self) -> str:
        # Encoded on demand: a tree view of thousands of rows rarely asks for each cursor.
        return encode_cursor(self.key)


@strawberry.type(description="A page of a list; `pageInfo.endCursor` fetches the next one.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(page: Page[Any]) -> Connection[Any]:
    """The Relay connection of a page of model rows (the rows are the nodes' roots)."""
    return Connection(
        edges=[Edge(node=node, key=key) for key, node in zip(page.keys, page.items, strict=True)],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
    )


class CompanyOwned(Protocol):
    @property
    def company_id(self) -> int: ...


def company_of(info: Info, row: CompanyOwned) -> Any:
    """The company of an account, a device...: brought along by the row's page, else a
    batched load (an awaitable)."""
    loaders = info.context.loaders
    return info.context.prefetched_or(
        row, "company", lambda: loaders.company_by_id.load(row.company_id)
    )
