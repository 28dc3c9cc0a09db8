"""Device resolvers."""

from __future__ import annotations

from models.device import Device, DeviceStatus
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import DeviceRegisterInput, DeviceRenameInput, DeviceUnregisterInput
from schema.selection import selected_below
from services import device as service
from services.errors import NotFoundError


async def device(info: Info, id: str) -> Device | None:
    actor = info.context.require_actor()
    try:
        device_id = decode_id(id, "Device")
    except NotFoundError:
        return None
    async with reading(info) as session:
        return await service.get_device(session, actor=actor, device_id=device_id)


async def devices(
    info: Info,
    *,
    company_id: str | None,
    include_descendants: bool,
    status: DeviceStatus | None,
    account_id: str | None,
    paging: Paging,
) -> service.DevicePage:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    company = (
        decode_id(company_id, "Company", field="companyId") if company_id is not None else None
    )
    account = (
        decode_id(account_id, "Account", field="accountId") if account_id is not None else None
    )
    node = selected_below(info.selected_fields, info.field_name, "edges", "node") or set()
    async with reading(info) as session:
        # Each row brings its company and account along when they are asked for.
        return await service.list_devices(
            session,
            actor=actor,
            company_id=company,
            filters=service.DeviceFilter(
                include_descendants=include_descendants, status=status, account_id=account
            ),
            request=request,
            with_related=bool(node & {"company", "account"}),
        )


async def register(info: Info, data: DeviceRegisterInput) -> Device:
    actor = info.context.require_actor()
    company_id = decode_id(data.company_id, "Company", field="companyId")
    account_id = (
        decode_id(data.account_id, "Account", field="accountId")
        if data.account_id is not None
        else None
    )
    spec = service.DeviceSpec(
        serial_number=data.serial_number,
        name=data.name,
        model=data.model,
        datapoints=data.datapoints,
        account_id=account_id,
    )
    async with transaction(info) as session:
        return await service.register_device(
            session,
            actor=actor,
            company_id=company_id,
            spec=spec,
            period=info.context.settings.credit_period,
            idempotency_key=data.idempotency_key,
        )


async def rename(info: Info, data: DeviceRenameInput) -> Device:
    actor = info.context.require_actor()
    device_id = decode_id(data.id, "Device")
    async with transaction(info) as session:
        return await service.rename_device(
            session, actor=actor, device_id=device_id, name=data.name
        )


async def unregister(info: Info, data: DeviceUnregisterInput) -> Device:
    actor = info.context.require_actor()
    device_id = decode_id(data.id, "Device")
    async with transaction(info) as session:
        return await service.unregister_device(session, actor=actor, device_id=device_id)
