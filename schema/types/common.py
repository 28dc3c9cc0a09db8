"""Relay building blocks: the Node interface and page info."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Protocol, TypeVar

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


_PAGE = (
    " Default: {default} when neither `first` nor `last` is given; at most `{setting}`"
    " ({maximum} unless set)."
    " Not together with `{other}`."
)
_FIRST = "How many rows from the start of the list, or right after `after`." + _PAGE
_LAST = "How many rows from the end of the list, or right before `before`." + _PAGE
_AFTER = (
    "The `cursor` (or `pageInfo.endCursor`) of a row of this same list with the same"
    " arguments: the page starts right after it."
)
_BEFORE = (
    "The `cursor` (or `pageInfo.startCursor`) of a row of this same list with the same"
    " arguments: the page ends right before it."
)

# The paging arguments of every connection field (Cursor Connections spec, both ways).
First = Annotated[
    int | None,
    strawberry.argument(
        description=_FIRST.format(default=50, maximum=100, setting="MAX_PAGE_SIZE", other="last")
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=_LAST.format(default=50, maximum=100, setting="MAX_PAGE_SIZE", other="first")
    ),
]
TreeFirst = Annotated[
    int | None,
    strawberry.argument(
        description=_FIRST.format(
            default=1000, maximum=5000, setting="MAX_TREE_PAGE_SIZE", other="last"
        )
    ),
]
TreeLast = Annotated[
    int | None,
    strawberry.argument(
        description=_LAST.format(
            default=1000, maximum=5000, setting="MAX_TREE_PAGE_SIZE", other="first"
        )
    ),
]
After = Annotated[str | None, strawberry.argument(description=_AFTER)]
Before = Annotated[str | None, strawberry.argument(description=_BEFORE)]


@strawberry.type(description="Where a page sits in its list (Relay's Cursor Connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More rows follow this page (with `before`: true, the rows from the cursor on)."
    )
    has_previous_page: bool = strawberry.field(
        description="More rows precede this page (with `after`: true, the rows up to the cursor)."
    )
    start_cursor: str | None = strawberry.field(
        description="The first row's cursor: pass it as `before` for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last row's cursor: pass it as `after` for the next page."
    )


@strawberry.type(description="One row of a page and its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The row.")
    key: strawberry.Private[tuple[Any, ...]]
    scope: strawberry.Private[str]

    @strawberry.field(
        description="Pass it as `after` (or `before`) to continue after (or before) this row."
    )
    def cursor(self) -> str:
        # Encoded on demand: a tree view of thousands of rows rarely asks for each cursor.
        return encode_cursor(self.key, self.scope)


@strawberry.type(
    description=(
        "A page of a list: `pageInfo.endCursor` fetches the next page, `startCursor` the"
        " previous one."
    )
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The rows of this page, in list order.")
    page_info: PageInfo = strawberry.field(description="Whether there are more rows either way.")


def connection(page: Page[Any]) -> Connection[Any]:
    """The Relay connection of a page of model rows (the rows are the nodes' roots)."""
    scope = page.scope
    return Connection(
        edges=[
            Edge(node=node, key=key, scope=scope)
            for key, node in zip(page.keys, page.items, strict=True)
        ],
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
