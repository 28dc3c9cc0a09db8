"""Root Query."""

from __future__ import annotations

import strawberry

from resolvers import auth, invitation, node, user
from resolvers import company as company_resolvers
from schema.context import Info
from schema.types.common import Connection, Node, connection
from schema.types.company import Company
from schema.enums import InvitationStatus, Role
from schema.types.invitation import Invitation
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
    ) -> Connection[Company]:
        page = await company_resolvers.company_tree(
            info,
            root_id=root_id,
            max_depth=max_depth,
            first=first,
            after=after,
            include_archived=include_archived,
        )
        return connection(page)

    @strawberry.field(description="Companies of the caller's tree whose name contains `search`.")
    async def companies(
        self,
        info: Info,
        search: str = "",
        first: int = 50,
        after: str | None = None,
        include_archived: bool = False,
    ) -> Connection[Company]:
        page = await company_resolvers.search(
            info, term=search, first=first, after=after, include_archived=include_archived
        )
        return connection(page)

    @strawberry.field(description="A user of the caller's tree; null when out of scope.")
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        return await user.user(info, id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Users of a company (default: the caller's), by email; with "
            "`includeDescendants`, of its whole subtree."
        )
    )
    async def users(
        self,
        info: Info,
        company_id: strawberry.ID | None = None,
        include_descendants: bool = False,
        role: Role | None = None,  # type: ignore[valid-type]
        active: bool | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[User]:
        page = await user.users(
            info,
            company_id=company_id,
            include_descendants=include_descendants,
            role=role,
            active=active,
            first=first,
            after=after,
        )
        return connection(page)

    @strawberry.field(description="A company's invitations, newest first (default: pending).")
    async def invitations(
        self,
        info: Info,
        company_id: strawberry.ID,
        status: InvitationStatus | None = InvitationStatus.PENDING,  # type: ignore[valid-type]
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Invitation]:
        page = await invitation.invitations(
            info, company_id=company_id, status=status, first=first, after=after
        )
        return connection(page)
