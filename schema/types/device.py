"""The Device type; runtime objects are `models.Device` rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import device as models
from policies.enforcer import Action
from policies.scope import relation_of
from schema.context import Info
from schema.enums import DeviceStatus
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.types.account import Account
from schema.types.common import Node
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
        return isinstance(obj, cls | models.Device)

    @strawberry.field
    async def company(self, info: Info) -> Company:
        found = await info.context.loaders.company_by_id.load(_device(self).company_id)
        assert found is not None  # a non-null foreign key
        return found  # type: ignore[return-value]

    @strawberry.field(description="The account whose datapoint quota it uses, if any.")
    async def account(self, info: Info) -> Account | None:
        device = _device(self)
        if device.account_id is None:
            return None
        # Accounts are ADVANCED_USER business: a USER sees the device, not its account.
        actor = info.context.require_actor()
        company = await info.context.loaders.company_by_id.load(device.company_id)
        relation = relation_of(actor, company) if company else None
        if relation is None or not can(actor, Action.ACCOUNT_READ, relation):
            return None
        return await info.context.loaders.account_by_id.load(device.account_id)  # type: ignore[return-value]


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
