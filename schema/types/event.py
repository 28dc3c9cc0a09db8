"""What subscriptions deliver: one event each, with its cursor (for `after:` on resume).

The event's own fields (kind, status, balance, ...) are read from the event row: no query.
The object it is about (`application`, `entry`, `device`, `account`, `company`) is loaded
when selected, as it is when the event is delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models import event as models
from schema.context import Info
from schema.enums import (
    AccountEventKind,
    ApplicationEventKind,
    ApplicationKind,
    ApplicationStatus,
    DeviceEventKind,
    DeviceStatus,
    EntryKind,
)
from schema.types.account import Account, Application
from schema.types.company import Company
from schema.types.credit import LedgerEntry
from schema.types.device import Device
from services.events import Cursor, position_of

CURSOR = "Pass it as `after` to resume right after this event, within the retention window."


@strawberry.interface(description="An event of a subscription.")
class Event:
    row: strawberry.Private[models.Event]

    @strawberry.field(description=CURSOR)
    def cursor(self) -> str:
        return Cursor(position_of(self.row), self.row.created_at).encode()

    @strawberry.field(description="When the change was made.")
    def occurred_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="The company the changed object belongs to.")
    async def company(self, info: Info) -> Company:
        found = await info.context.loaders.company_by_id.load(self.row.company_id)
        assert found is not None  # companies are never deleted
        return found  # type: ignore[return-value]


def _payload(event: Event, name: str) -> Any:
    return event.row.payload.get(name)


@strawberry.type(description="An application was filed, approved, rejected or cancelled.")
class ApplicationEvent(Event):
    @strawberry.field(description="What happened to the application.")
    def kind(self) -> ApplicationEventKind:  # type: ignore[valid-type]
        return models.ApplicationEventKind(self.row.kind)

    @strawberry.field(description="The application's status after the change.")
    def status(self) -> ApplicationStatus:  # type: ignore[valid-type]
        return _payload(self, "status")  # type: ignore[no-any-return]

    @strawberry.field(description="What the application asks for (a new account, a renewal, ...).")
    def application_kind(self) -> ApplicationKind:  # type: ignore[valid-type]
        return _payload(self, "applicationKind")  # type: ignore[no-any-return]

    @strawberry.field(description="The application as it is now.")
    async def application(self, info: Info) -> Application | None:
        return await info.context.loaders.application_by_id.load(self.row.object_id)  # type: ignore[return-value]

    @strawberry.field(description="The account it concerns, as it is now.")
    async def account(self, info: Info) -> Account | None:
        account_id = _payload(self, "accountId")
        return await info.context.loaders.account_by_id.load(account_id)  # type: ignore[return-value]


@strawberry.type(description="A company's credit balance after one ledger entry.")
class CreditBalanceEvent(Event):
    @strawberry.field(description="What the ledger entry was (grant, move, charge, ...).")
    def kind(self) -> EntryKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field(description="The entry's signed amount.")
    def amount(self) -> int:
        return int(_payload(self, "amount"))

    @strawberry.field(description="The company's balance right after the entry.")
    def balance(self) -> int:
        return int(_payload(self, "balance"))

    @strawberry.field(description="The ledger entry, as its company's ledger shows it.")
    async def entry(self, info: Info) -> LedgerEntry | None:
        return await info.context.loaders.entry_by_id.load(self.row.object_id)  # type: ignore[return-value]


@strawberry.type(
    description="A device was registered, renamed, suspended, resumed or unregistered."
)
class DeviceEvent(Event):
    @strawberry.field(description="What happened to the device.")
    def kind(self) -> DeviceEventKind:  # type: ignore[valid-type]
        return models.DeviceEventKind(self.row.kind)

    @strawberry.field(description="The device's status after the change.")
    def status(self) -> DeviceStatus:  # type: ignore[valid-type]
        return _payload(self, "status")  # type: ignore[no-any-return]

    @strawberry.field(description="The device's name after the change.")
    def name(self) -> str:
        return str(_payload(self, "name"))

    @strawberry.field(description="The device as it is now.")
    async def device(self, info: Info) -> Device | None:
        return await info.context.loaders.device_by_id.load(self.row.object_id)  # type: ignore[return-value]


@strawberry.type(description="An account's status or expiry changed.")
class AccountEvent(Event):
    @strawberry.field(description="What happened to the account.")
    def kind(self) -> AccountEventKind:  # type: ignore[valid-type]
        return models.AccountEventKind(self.row.kind)

    @strawberry.field(description="The account's expiry after the change.")
    def expires_at(self) -> datetime | None:
        value = _payload(self, "expiresAt")
        return None if value is None else datetime.fromisoformat(value)

    @strawberry.field(description="The account as it is now.")
    async def account(self, info: Info) -> Account | None:
        return await info.context.loaders.account_by_id.load(self.row.object_id)  # type: ignore[return-value]
