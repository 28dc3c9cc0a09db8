"""Root Query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import account, auth, invitation, node, user
from resolvers import audit as audit_resolvers
from resolvers import company as company_resolvers
from resolvers import credit as credit_resolvers
from resolvers import device as device_resolvers
from resolvers.paging import Paging
from schema.context import Info
from schema.cost import CONNECTION, TREE_CONNECTION, ListSize
from schema.enums import (
    AccountStatus,
    ApplicationStatus,
    AuditAction,
    DeviceStatus,
    EntryKind,
    InvitationStatus,
    Role,
)
from schema.types.account import Account, Application, License
from schema.types.audit import AuditEvent
from schema.types.common import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    TreeFirst,
    TreeLast,
    connection,
)
from schema.types.company import Company
from schema.types.credit import LedgerEntry
from schema.types.device import Device
from schema.types.invitation import Invitation
from schema.types.user import User


@strawberry.type(
    description=(
        "Everything there is to read. Lists show only what your role may read in your part of the "
        "tree."
    )
)
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User:
        return await auth.me(info)  # type: ignore[return-value]

    @strawberry.field(description="Any object by global ID; null when missing or out of scope.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global ID of any type (as every `id` field gives)."),
        ],
    ) -> Node | None:
        return await node.node(info, id)  # type: ignore[return-value]

    @strawberry.field(description="A company of the caller's tree; null when out of scope.")
    async def company(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The company's global ID.")],
    ) -> Company | None:
        return await company_resolvers.company(info, id)  # type: ignore[return-value]

    @strawberry.field(
        directives=[TREE_CONNECTION],
        description=(
            "The visible tree under `rootId` (default: the caller's company), root included, "
            "depth-first: each company comes right after its parent, so a client renders it "
            "in one pass using `depth`."
        ),
    )
    async def company_tree(
        self,
        info: Info,
        root_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "The company to start from, which must be in your tree; default: your own "
                    "company."
                )
            ),
        ] = None,
        max_depth: Annotated[
            int | None,
            strawberry.argument(
                description="Levels below the root to include (0: the root alone); default: all."
            ),
        ] = None,
        first: TreeFirst = None,
        after: After = None,
        last: TreeLast = None,
        before: Before = None,
        include_archived: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "Include archived companies (and what hangs below them); default: false."
                )
            ),
        ] = False,
    ) -> Connection[Company]:
        page = await company_resolvers.company_tree(
            info,
            root_id=root_id,
            max_depth=max_depth,
            paging=Paging(first, after, last, before),
            include_archived=include_archived,
        )
        return connection(page)

    @strawberry.field(
        directives=[CONNECTION],
        description="Companies of the caller's tree whose name contains `search`.",
    )
    async def companies(
        self,
        info: Info,
        search: Annotated[
            str,
            strawberry.argument(
                description=(
                    "Part of the name, any case; empty (the default): every company of your tree."
                )
            ),
        ] = "",
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Include archived companies; default: false.")
        ] = False,
    ) -> Connection[Company]:
        page = await company_resolvers.search(
            info,
            term=search,
            paging=Paging(first, after, last, before),
            include_archived=include_archived,
        )
        return connection(page)

    @strawberry.field(description="A user of the caller's tree; null when out of scope.")
    async def user(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The user's global ID.")],
    ) -> User | None:
        return await user.user(info, id)  # type: ignore[return-value]

    @strawberry.field(
        directives=[CONNECTION],
        description=(
            "Users of a company (default: the caller's), by email; with "
            "`includeDescendants`, of its whole subtree."
        ),
    )
    async def users(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this company's users; default: your own company."
            ),
        ] = None,
        include_descendants: Annotated[
            bool,
            strawberry.argument(
                description="Also the users of the companies below it; default: false."
            ),
        ] = False,
        role: Annotated[
            Role | None, strawberry.argument(description="Only users with this role; default: any.")  # type: ignore[valid-type]
        ] = None,
        active: Annotated[
            bool | None,
            strawberry.argument(
                description="Only active (true) or deactivated (false) users; default: both."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        page = await user.users(
            info,
            company_id=company_id,
            include_descendants=include_descendants,
            role=role,
            active=active,
            paging=Paging(first, after, last, before),
        )
        return connection(page)

    @strawberry.field(
        directives=[CONNECTION],
        description="A company's invitations, newest first (default: pending).",
    )
    async def invitations(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID, strawberry.argument(description="The company the invitations are to.")
        ],
        status: Annotated[
            InvitationStatus | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only invitations in this state; default: PENDING; null: all."
            ),
        ] = InvitationStatus.PENDING,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Invitation]:
        page = await invitation.invitations(
            info, company_id=company_id, status=status, paging=Paging(first, after, last, before)
        )
        return connection(page)

    @strawberry.field(description="An account of the caller's tree; null when out of scope.")
    async def account(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The account's global ID.")],
    ) -> Account | None:
        return await account.account(info, id)  # type: ignore[return-value]

    @strawberry.field(
        directives=[CONNECTION],
        description="Accounts of the caller's tree (or one company), newest first.",
    )
    async def accounts(
        self,
        info: Info,
        status: Annotated[
            AccountStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only accounts in this state; default: any."),
        ] = None,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only this company's accounts (not those below it); default: your whole tree."
                )
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Account]:
        page = await account.accounts(
            info, status=status, company_id=company_id, paging=Paging(first, after, last, before)
        )
        return connection(page)

    @strawberry.field(description="The license catalog.", directives=[ListSize(assumed_size=20)])
    async def licenses(self, info: Info) -> list[License]:
        return await account.licenses(info)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "An application of the caller's tree (SUPERADMIN; the desk: any); null when out of "
            "scope."
        )
    )
    async def application(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The application's global ID.")
        ],
    ) -> Application | None:
        return await account.application(info, id)  # type: ignore[return-value]

    @strawberry.field(
        directives=[CONNECTION],
        description=(
            "Applications of the caller's tree, newest first; with `accountId`, that "
            "account's history."
        ),
    )
    async def applications(
        self,
        info: Info,
        status: Annotated[
            ApplicationStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only applications in this state; default: any."),
        ] = None,
        account_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only this account's applications (its history); default: all of your tree."
                )
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Application]:
        page = await account.application_list(
            info,
            status=status,
            account_id=account_id,
            desk=False,
            paging=Paging(first, after, last, before),
        )
        return connection(page)

    @strawberry.field(
        directives=[CONNECTION],
        description="The platform desk's queue: every company's, oldest first.",
    )
    async def application_queue(
        self,
        info: Info,
        status: Annotated[
            ApplicationStatus | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only applications in this state; default: PENDING; null: all."
            ),
        ] = ApplicationStatus.PENDING,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Application]:
        page = await account.application_list(
            info,
            status=status,
            account_id=None,
            desk=True,
            paging=Paging(first, after, last, before),
        )
        return connection(page)

    @strawberry.field(description="A device of the caller's tree; null when out of scope.")
    async def device(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The device's global ID.")],
    ) -> Device | None:
        return await device_resolvers.device(info, id)  # type: ignore[return-value]

    @strawberry.field(
        directives=[CONNECTION],
        description=(
            "Registered devices of a company's subtree (default: the caller's), by id; "
            "`status: UNREGISTERED` lists the registration history."
        ),
    )
    async def devices(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The company whose devices to list; default: your own company."
            ),
        ] = None,
        include_descendants: Annotated[
            bool,
            strawberry.argument(
                description="Also the devices of the companies below it; default: true."
            ),
        ] = True,
        status: Annotated[
            DeviceStatus | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only devices in this state; default: any (UNREGISTERED ones included)."
            ),
        ] = None,
        account_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only devices bound to this account; default: any."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Device]:
        page = await device_resolvers.devices(
            info,
            company_id=company_id,
            include_descendants=include_descendants,
            status=status,
            account_id=account_id,
            paging=Paging(first, after, last, before),
        )
        return connection(page)

    @strawberry.field(
        directives=[CONNECTION], description="A company's ledger, newest first (`since` inclusive)."
    )
    async def ledger_entries(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The company whose ledger to read (ADMINISTRATOR of it or above)."
            ),
        ],
        kinds: Annotated[
            list[EntryKind] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only entries of these kinds; default: all."),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "Only entries created at or after this instant (inclusive); default: from the "
                    "start."
                )
            ),
        ] = None,
        until: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "Only entries created before this instant (exclusive); default: up to now."
                )
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LedgerEntry]:
        page = await credit_resolvers.entries(
            info,
            company_id=company_id,
            kinds=kinds,
            since=since,
            until=until,
            paging=Paging(first, after, last, before),
        )
        return connection(page)

    @strawberry.field(
        description=(
            "The audit trail of a company and (by default) its descendants, newest first "
            "(ADMINISTRATOR and above). Page forward with `first`/`after` or back with "
            "`last`/`before`; `since` inclusive, `until` exclusive."
        ),
        directives=[CONNECTION],
    )
    async def audit_events(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The company whose trail to read (ADMINISTRATOR of it or above)."
            ),
        ],
        include_descendants: Annotated[
            bool,
            strawberry.argument(
                description="Also the entries of the companies below it; default: true."
            ),
        ] = True,
        actor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only what this user did (a user of your tree); default: anyone."
            ),
        ] = None,
        actions: Annotated[
            list[AuditAction] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only these actions; default: all."),
        ] = None,
        target_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only entries about this object (any global ID of your tree); default: all."
                )
            ),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "Only entries at or after this instant (inclusive); default: from the start."
                )
            ),
        ] = None,
        until: Annotated[
            datetime | None,
            strawberry.argument(
                description="Only entries before this instant (exclusive); default: up to now."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEvent]:
        page = await audit_resolvers.events(
            info,
            company_id=company_id,
            include_descendants=include_descendants,
            actor_id=actor_id,
            actions=actions,
            target=target_id,
            since=since,
            until=until,
            paging=Paging(first, after, last, before),
        )
        return connection(page)
