"""Root Query."""

from __future__ import annotations

import strawberry

from resolvers import auth, node
from resolvers import company as company_resolvers
from schema.context import Info
from schema.types.common import Node
from schema.types.company import Company, CompanyConnection
from schema.types.user import User


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User:
        return await auth.me(info)  # type: ignore[return-value]

    @strawberry.field(description="Any object by global ID; null when missing or out of scope.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await node.node(info, id)  # type: ignore[return-value]

    @strawberry.field(description="A company of the caller's tree; null when out of scope.")
    async def company(self, info: Info, id: strawberry.ID) -> Company | None:
        return await company_resolvers.company(info, id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The visible tree under `rootId` (default: the caller's company), root included, "
            "depth-first: each company comes right after its parent, so a client renders it "
            "in one pass using `depth`."
        )
    )
    async def company_tree(
        self,
        info: Info,
        root_id: strawberry.ID | None = None,
        max_depth: int | None = None,
        first: int = 1000,
        after: str | None = None,
        include_archived: bool = False,
    ) -> CompanyConnection:
        page = await company_resolvers.company_tree(
            info,
            root_id=root_id,
            max_depth=max_depth,
            first=first,
            after=after,
            include_archived=include_archived,
        )
        return CompanyConnection.of(page)

    @strawberry.field(description="Companies of the caller's tree whose name contains `search`.")
    async def companies(
        self,
        info: Info,
        search: str = "",
        first: int = 50,
        after: str | None = None,
        include_archived: bool = False,
    ) -> CompanyConnection:
        page = await company_resolvers.search(
            info, term=search, first=first, after=after, include_archived=include_archived
        )
        return CompanyConnection.of(page)
