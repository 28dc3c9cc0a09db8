"""The Device type; runtime objects are `models.Device` rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import device as models
from models.account import Account as AccountModel
from models.company import Company as CompanyModel
from policies.enforcer import Action
from policies.scope import relation_of
from schema.context import Info
from schema.enums import DeviceStatus
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.types.account import Account
from schema.types.common import Node, company_of
from schema.types.company import Company
from services.access import can


@strawberry.type(description="A device registered into a company (or, unregistered, history).")
class Device(Node):
    serial_number: str
    name: str
    model: str
    datapoints: int
    status: DeviceStatus  # type: ignore[valid-type]
    registered_at: datetime
    paid_until: datetime = strawberry.field(description="The end of the period paid for.")
    unregistered_at: datetime | None
    forfeited_days: int | None = strawberry.field(
        description="Unused paid days lost when it was unregistered."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Device))

    # Sync fields: a page of devices brings these along (resolvers/device.py), so a row
    # costs no awaitable; a device reached otherwise falls back to batched loads.
    @strawberry.field(graphql_type=Company)
    def company(self, info: Info) -> Any:
        return company_of(info, _device(self))

    @strawberry.field(
        graphql_type=Account | None,
        description="The account whose datapoint quota it uses, if any.",
    )
    def account(self, info: Info) -> Any:
        device = _device(self)
        if device.account_id is None:
            return None
        company = info.context.prefetched.get((device, "company"))
        if company is None or (device, "account") not in info.context.prefetched:
            return _account(info, device)
        return (
            info.context.prefetched[device, "account"] if _may_read_account(info, company) else None
        )


def _may_read_account(info: Info, company: CompanyModel) -> bool:
    """Accounts are ADVANCED_USER business: a USER sees the device, not its account."""
    actor = info.context.require_actor()
    relation = relation_of(actor, company)
    return relation is not None and can(actor, Action.ACCOUNT_READ, relation)


async def _account(info: Info, device: models.Device) -> AccountModel | None:
    assert device.account_id is not None
    company = await info.context.loaders.company_by_id.load(device.company_id)
    if company is None or not _may_read_account(info, company):
        return None
    return await info.context.loaders.account_by_id.load(device.account_id)


def _device(obj: object) -> models.Device:
    assert isinstance(obj, models.Device)
    return obj


@strawberry.type
class DevicePayload:
    device: Device


DeviceRegisterResult = Annotated[
    DevicePayload | ValidationError | ConflictError | NotFoundError,
    strawberry.union("DeviceRegisterResult"),
]
DeviceRenameResult = Annotated[
    DevicePayload | ValidationError | NotFoundError, strawberry.union("DeviceRenameResult")
]
DeviceUnregisterResult = Annotated[
    DevicePayload | ValidationError | NotFoundError, strawberry.union("DeviceUnregisterResult")
]
