"""The Device type. Its runtime objects are `models.Device` objects (a device reached one
at a time: `node(id:)`, payloads, a ledger entry's device) and `models.device.DeviceRow`
tuples (the rows of a page): every field reads either."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import device as models
from models.account import Account as AccountModel
from models.base import NOT_FETCHED
from models.company import CompanyRead
from models.device import DeviceRead, DeviceRow
from policies.enforcer import Action
from policies.scope import relation_of
from resolvers import audit as audit_resolvers
from resolvers import permissions
from resolvers.paging import Paging
from schema.context import Info
from schema.cost import CONNECTION, Cost
from schema.enums import DeviceStatus
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.types.account import Account
from schema.types.common import After, Before, Connection, First, Last, Node, company_of, connection
from schema.types.company import Company
from schema.types.permissions import DeviceViewerCan
from services.access import can

if TYPE_CHECKING:
    from schema.types.audit import AuditEvent


@strawberry.type(description="A device registered into a company (or, unregistered, history).")
class Device(Node):
    serial_number: str = strawberry.field(
        description=(
            "Its serial number: letters, digits and `._:/-`, up to 100; unique among registered "
            "devices."
        )
    )
    name: str = strawberry.field(description="Its name, 1 to 200 characters.")
    model: str = strawberry.field(description="Its model, as the maker names it.")
    datapoints: int = strawberry.field(
        description="How many datapoints it measures (counted against its account's quota)."
    )
    status: DeviceStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    registered_at: datetime = strawberry.field(description="When it was registered.")
    paid_until: datetime = strawberry.field(description="The end of the period paid for.")
    unregistered_at: datetime | None = strawberry.field(
        description="When it was unregistered; null while registered."
    )
    forfeited_days: int | None = strawberry.field(
        description="Unused paid days lost when it was unregistered."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Device, DeviceRow))

    # Sync fields: a page's rows bring these along (services.device.list_devices), so a
    # row costs no awaitable; a device reached otherwise falls back to batched loads.
    @strawberry.field(description="The company it is registered in.", graphql_type=Company)
    def company(self, info: Info) -> Any:
        device = _device(self)
        if isinstance(device, DeviceRow) and device.company is not NOT_FETCHED:
            return device.company
        return company_of(info, device)

    @strawberry.field(
        graphql_type=Account | None,
        description="The account whose datapoint quota it uses, if any.",
    )
    def account(self, info: Info) -> Any:
        device = _device(self)
        if device.account_id is None:
            return None
        if isinstance(device, DeviceRow) and device.account is not NOT_FETCHED:
            # Fetched with the page, and its company with it: decided on that company.
            assert device.company is not NOT_FETCHED
            return device.account if _may_read_account(info, device.company) else None
        return _account(info, device)

    @strawberry.field(description="What the caller may do with this device.")
    async def viewer_can(self, info: Info) -> DeviceViewerCan:
        return await permissions.device(info, _device(self).company_id)  # type: ignore[return-value]

    @strawberry.field(
        description=("What was done to the device, newest first (ADMINISTRATOR and above)."),
        directives=[CONNECTION, Cost(weight=1000)],
    )
    async def history(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[AuditEvent, strawberry.lazy("schema.types.audit")]]:
        row = _device(self)
        target = ("Device", row.id)
        page = Paging(first, after, last, before)
        return connection(await audit_resolvers.history(info, target, row.company_id, page))


def _may_read_account(info: Info, company: CompanyRead) -> bool:
    """Accounts are ADVANCED_USER business: a USER sees the device, not its account."""
    actor = info.context.require_actor()
    relation = relation_of(actor, company)
    return relation is not None and can(actor, Action.ACCOUNT_READ, relation)


async def _account(info: Info, device: DeviceRead) -> AccountModel | None:
    assert device.account_id is not None
    company = await info.context.loaders.company_by_id.load(device.company_id)
    if company is None or not _may_read_account(info, company):
        return None
    return await info.context.loaders.account_by_id.load(device.account_id)


def _device(obj: object) -> DeviceRead:
    """Strawberry calls field methods with the root object, a models.Device or a
    DeviceRow, as `self`."""
    assert isinstance(obj, (models.Device, DeviceRow))
    return obj


@strawberry.type(description="The device, as it is now.")
class DevicePayload:
    device: Device = strawberry.field(description="The device registered or changed.")


DeviceRegisterResult = Annotated[
    DevicePayload | ValidationError | ConflictError | NotFoundError,
    strawberry.union(
        "DeviceRegisterResult",
        description="The registered device, or why it was refused (nothing charged).",
    ),
]
DeviceRenameResult = Annotated[
    DevicePayload | ValidationError | NotFoundError,
    strawberry.union(
        "DeviceRenameResult", description="The renamed device, or why it was not renamed."
    ),
]
DeviceUnregisterResult = Annotated[
    DevicePayload | ValidationError | NotFoundError,
    strawberry.union(
        "DeviceUnregisterResult", description="The unregistered device, or why it was refused."
    ),
]
