"""Root Subscription (served over WebSocket by web/graphql_ws.py, graphql-transport-ws)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import strawberry

from models.event import Topic
from resolvers import event as resolvers
from schema.context import Info
from schema.types.event import AccountEvent, ApplicationEvent, CreditBalanceEvent, DeviceEvent

COMPANY = "The company watched; default: the caller's. Out of scope answers NOT_FOUND."
DESCENDANTS = "Also the events of every company below it."
AFTER = (
    "Resume after this event's `cursor`: the events missed since are sent first, then the "
    "live ones, none twice. CURSOR_EXPIRED when older than the retention window."
)
CompanyArg = Annotated[strawberry.ID | None, strawberry.argument(description=COMPANY)]
AfterArg = Annotated[str | None, strawberry.argument(description=AFTER)]
AccountArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only this account's events (in the company's scope)."),
]


def _descendants(default: bool) -> object:
    return strawberry.argument(description=f"{DESCENDANTS} Default: {str(default).lower()}.")


TreeWide = Annotated[bool, _descendants(True)]
OwnOnly = Annotated[bool, _descendants(False)]


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws at /graphql).")
class Subscription:
    @strawberry.subscription(
        description="Applications filed, approved, rejected or cancelled (application.read, "
        "or the platform desk's application.decide)."
    )
    async def application_events(
        self,
        info: Info,
        company_id: CompanyArg = None,
        include_descendants: TreeWide = True,
        after: AfterArg = None,
    ) -> AsyncIterator[ApplicationEvent]:
        return await resolvers.subscribe(
            info,
            Topic.APPLICATION,
            lambda row: ApplicationEvent(row=row),
            company_id=company_id,
            include_descendants=include_descendants,
            after=after,
        )

    @strawberry.subscription(
        description="The company's credit balance after each ledger entry (credit.read)."
    )
    async def credit_balance_events(
        self,
        info: Info,
        company_id: CompanyArg = None,
        include_descendants: OwnOnly = False,
        after: AfterArg = None,
    ) -> AsyncIterator[CreditBalanceEvent]:
        return await resolvers.subscribe(
            info,
            Topic.CREDIT,
            lambda row: CreditBalanceEvent(row=row),
            company_id=company_id,
            include_descendants=include_descendants,
            after=after,
        )

    @strawberry.subscription(
        description="Devices registered, renamed, suspended, resumed or unregistered (device.read)."
    )
    async def device_events(
        self,
        info: Info,
        company_id: CompanyArg = None,
        include_descendants: TreeWide = True,
        after: AfterArg = None,
    ) -> AsyncIterator[DeviceEvent]:
        return await resolvers.subscribe(
            info,
            Topic.DEVICE,
            lambda row: DeviceEvent(row=row),
            company_id=company_id,
            include_descendants=include_descendants,
            after=after,
        )

    @strawberry.subscription(
        description="Accounts activated, changed, renewed, expired, rejected or cancelled "
        "(account.read). With `accountId`, that account only."
    )
    async def account_events(
        self,
        info: Info,
        company_id: CompanyArg = None,
        include_descendants: TreeWide = True,
        account_id: AccountArg = None,
        after: AfterArg = None,
    ) -> AsyncIterator[AccountEvent]:
        return await resolvers.subscribe(
            info,
            Topic.ACCOUNT,
            lambda row: AccountEvent(row=row),
            company_id=company_id,
            include_descendants=include_descendants,
            account_id=account_id,
            after=after,
        )
