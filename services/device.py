"""Devices: registration (one credit per period), renaming, unregistration, charging.

There is no move between companies: a device is unregistered (the unused days of its
current credit are lost, and its row says how many) and registered again elsewhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import Account, AccountRow, AccountState, BillingUnit, License
from models.base import NOT_FETCHED, utcnow
from models.company import COMPANY_COLUMNS, Company, CompanyRow, subtree_upper_bound
from models.credit import EntryKind
from models.device import DEVICE_COLUMNS, Device, DeviceRow, DeviceStatus
from policies.actor import Actor
from policies.enforcer import Action
from policies.scope import in_subtree_between
from services import audit, credit, events, idempotency
from services.access import Lock, Named, authorize_company, authorize_named, require, row_in_scope
from services.audit import AuditAction as Act
from services.credit import InsufficientCreditsError
from services.errors import ConflictError, ErrorCode, NotFoundError, ValidationError
from services.pagination import Page, PageRequest, cursor_keys
from services.validation import clean_name

MAX_DATAPOINTS = 100_000
_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")


@dataclass(frozen=True)
class DeviceSpec:
    serial_number: str
    name: str
    model: str
    datapoints: int
    account_id: int | None = None


def _clean_spec(spec: DeviceSpec) -> DeviceSpec:
    serial = spec.serial_number.strip()
    if not _SERIAL.match(serial):
        raise ValidationError(
            "Use 1 to 100 letters, digits or . _ : / -, starting with a letter or digit",
            field="serialNumber",
            code=ErrorCode.INVALID_FORMAT,
        )
    if spec.datapoints < 0:
        raise ValidationError(
            "Must not be negative", field="datapoints", code=ErrorCode.BELOW_MINIMUM, minimum=0
        )
    if spec.datapoints > MAX_DATAPOINTS:
        raise ValidationError(
            f"Must be at most {MAX_DATAPOINTS}",
            field="datapoints",
            code=ErrorCode.OUT_OF_RANGE,
            maximum=MAX_DATAPOINTS,
        )
    return DeviceSpec(
        serial_number=serial,
        name=clean_name(spec.name),
        model=clean_name(spec.model, field="model", max_length=100),
        datapoints=spec.datapoints,
        account_id=spec.account_id,
    )


async def _check_account(
    session: AsyncSession, company: Company, account: Account, datapoints: int, now: datetime
) -> None:
    """The account (locked) may take the device: same company, running, quota not short."""
    if account.company_id != company.id:
        raise NotFoundError("Account", field="accountId")
    if account.state is not AccountState.ACTIVE:
        # Not approved (pending, rejected, cancelled): the same code as changing it.
        raise ValidationError(
            "The account is not approved: no device can be bound to it",
            field="accountId",
            code=ErrorCode.ACCOUNT_CLOSED,
        )
    if account.expires_at is not None and account.expires_at <= now:
        raise ValidationError(
            "The account has expired: no new device can be bound to it",
            field="accountId",
            code=ErrorCode.ACCOUNT_EXPIRED,
        )
    unit = await session.scalar(
        select(License.billing_unit).where(License.id == account.license_id)
    )
    if unit is not BillingUnit.DATAPOINTS:
        raise ValidationError(
            "Only accounts with a datapoint license take devices",
            field="accountId",
            code=ErrorCode.NOT_BILLED_BY_DATAPOINTS,
        )
    used = await session.scalar(
        select(func.coalesce(func.sum(Device.datapoints), 0)).where(
            Device.account_id == account.id, Device.unregistered_at.is_(None)
        )
    )
    left = account.datapoints - int(used or 0)
    if datapoints > left:
        raise ValidationError(
            f"The account has {left} datapoints left; the device needs {datapoints}",
            field="datapoints",
            code=ErrorCode.QUOTA_EXCEEDED,
            in_use=int(used or 0),
            available=left,
            maximum=account.datapoints,
        )


async def register_device(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int,
    spec: DeviceSpec,
    period: timedelta,
    idempotency_key: str | None = None,
) -> Device:
    # Shared lock: the company cannot be archived while a device enters it. The account,
    # named too, is in scope or NOT_FOUND before the role is asked.
    named_company = Named(Company, company_id, "companyId", Lock.SHARE)
    named_account = (
        None
        if spec.account_id is None
        else Named(Account, spec.account_id, "accountId", Lock.UPDATE)
    )
    found = await authorize_named(
        session,
        actor,
        Action.DEVICE_REGISTER,
        named_company,
        *([named_account] if named_account else []),
    )
    company = found[named_company]
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field="companyId", code=ErrorCode.COMPANY_ARCHIVED
        )
    spec = _clean_spec(spec)
    claim = await idempotency.claim(
        session,
        user_id=actor.user_id,
        key=idempotency_key,
        operation="device.register",
        request={"company": company.id, **spec.__dict__},
    )
    if claim.previous is not None:
        device = await session.get(Device, claim.previous["deviceId"])
        assert device is not None  # devices are never deleted
        return device
    await _check_serial_free(session, spec.serial_number)
    now = utcnow()
    if named_account is not None:
        await _check_account(session, company, found[named_account], spec.datapoints, now)
    payer = await credit.payer_of(session, company)
    balance = (await credit.lock_balances(session, [payer.company.id]))[payer.company.id]
    if balance.balance < 1:
        raise InsufficientCreditsError(field="companyId", available=balance.balance)
    device = Device(
        serial_number=spec.serial_number,
        name=spec.name,
        model=spec.model,
        datapoints=spec.datapoints,
        company_id=company.id,
        account_id=spec.account_id,
        status=DeviceStatus.ACTIVE,
        registered_at=now,
        paid_until=now + period,
        registered_by_id=actor.user_id,
    )
    session.add(device)
    try:
        await session.flush()
    except IntegrityError as exc:  # registered concurrently by someone else
        raise _serial_taken() from exc
    await credit.post(
        session,
        balance,
        kind=EntryKind.CHARGE,
        amount=-1,
        actor_id=actor.user_id,
        now=now,
        reason=f"Registration of {device.serial_number}",
        device_id=device.id,
    )
    await events.device_changed(session, device, "REGISTERED")
    idempotency.record(claim, {"deviceId": device.id})
    audit.record(session, Act.DEVICE_REGISTER, actor, device, _registration(device, payer), now=now)
    return device


def _registration(device: Device, payer: credit.Payer) -> dict[str, tuple[Any, Any]]:
    return audit.created(
        serialNumber=device.serial_number,
        name=device.name,
        model=device.model,
        datapoints=device.datapoints,
        paidBy=payer.company.name,
        paidUntil=device.paid_until,
    )


def _serial_taken() -> ConflictError:
    return ConflictError(
        "This serial number is registered: unregister it there first, then register it here",
        field="serialNumber",
        code=ErrorCode.SERIAL_REGISTERED,
    )


async def _check_serial_free(session: AsyncSession, serial: str) -> None:
    taken = await session.scalar(
        select(Device.id).where(Device.serial_number == serial, Device.unregistered_at.is_(None))
    )
    if taken is not None:
        raise _serial_taken()


async def _registered_device(
    session: AsyncSession, actor: Actor, action: Action, device_id: int
) -> Device:
    found = await row_in_scope(session, actor, Device, device_id, lock=True)
    if found is None:
        raise NotFoundError("Device")
    device, relation = found
    require(actor, action, relation, on=device)
    if device.unregistered_at is not None:
        raise ValidationError(
            "The device is unregistered", field="id", code=ErrorCode.DEVICE_UNREGISTERED
        )
    return device


async def rename_device(
    session: AsyncSession, *, actor: Actor, device_id: int, name: str
) -> Device:
    device = await _registered_device(session, actor, Action.DEVICE_RENAME, device_id)
    name = clean_name(name)
    audit.record(session, Act.DEVICE_RENAME, actor, device, {"name": (device.name, name)})
    device.name = name
    await session.flush()
    await events.device_changed(session, device, "RENAMED")
    return device


async def unregister_device(session: AsyncSession, *, actor: Actor, device_id: int) -> Device:
    """The unused days of the current credit are lost; the row keeps how many."""
    device = await _registered_device(session, actor, Action.DEVICE_UNREGISTER, device_id)
    before = {"status": device.status, "forfeitedDays": None}
    now = utcnow()
    unused = (device.paid_until - now).total_seconds() / 86400
    device.forfeited_days = max(0, math.ceil(unused)) if device.status is DeviceStatus.ACTIVE else 0
    device.unregistered_at = now
    device.status = DeviceStatus.UNREGISTERED
    after = {"status": device.status, "forfeitedDays": device.forfeited_days}
    audit.record(session, Act.DEVICE_UNREGISTER, actor, device, audit.compare(before, after))
    await session.flush()
    await events.device_changed(session, device, "UNREGISTERED")
    return device


async def get_device(session: AsyncSession, *, actor: Actor, device_id: int) -> Device | None:
    found = await row_in_scope(session, actor, Device, device_id)
    if found is None:
        return None
    device, relation = found
    require(actor, Action.DEVICE_READ, relation)
    return device


@dataclass(frozen=True)
class DeviceFilter:
    include_descendants: bool = True
    status: DeviceStatus | None = None
    account_id: int | None = None


DevicePage = Page[DeviceRow]
# Where a device's company's and account's columns are in a page's result row: after its
# own, the company's; the account's last.
_COMPANY, _ACCOUNT = len(DEVICE_COLUMNS), -len(AccountRow._fields)


@cache
def _devices_query(
    *,
    descendants: bool,
    status: bool,
    account: bool,
    after: bool,
    before: bool,
    backward: bool,
    with_related: bool,
) -> Select[Any]:
    """The statement of a page of this shape, built once; the values are its parameters.
    The scope is the authorized company's subtree (or the company alone), in the query.
    With related: each device's company's columns (`CompanyRow`) and its account's
    (`AccountRow`; all null for a device without one)."""

    query = select(*(getattr(Device, name) for name in DEVICE_COLUMNS)).join(
        Company, Company.id == Device.company_id
    )
    if descendants:
        query = query.where(in_subtree_between(bindparam("path"), bindparam("path_end")))
    else:
        query = query.where(Device.company_id == bindparam("company_id"))
    if status:
        query = query.where(Device.status == bindparam("status"))
    else:
        query = query.where(Device.unregistered_at.is_(None))
    if account:
        query = query.where(Device.account_id == bindparam("account_id"))
    if after:
        query = query.where(Device.id > bindparam("after"))
    if before:
        query = query.where(Device.id < bindparam("before"))
    order = Device.id.desc() if backward else Device.id.asc()  # `last` reads from the end
    query = query.order_by(order).limit(bindparam("limit", type_=Integer))
    if not with_related:
        return query
    return query.add_columns(
        *(getattr(Company, name) for name in COMPANY_COLUMNS),
        *(getattr(Account, name) for name in AccountRow._fields),
    ).outerjoin(Account, Account.id == Device.account_id)


async def list_devices(
    session: AsyncSession,
    *,
    actor: Actor,
    company_id: int | None,
    filters: DeviceFilter,
    request: PageRequest,
    with_related: bool = False,
) -> DevicePage:
    """Devices of a company's subtree (default: the actor's), registered ones unless the
    status filter asks for UNREGISTERED (the registration history); with each one's
    company and account fetched by the same query when `with_related`."""

    company = await authorize_company(
        session, actor, Action.DEVICE_READ, company_id or actor.company_id, field="companyId"
    )
    after, before = cursor_keys(request, int)
    query = _devices_query(
        descendants=filters.include_descendants,
        status=filters.status is not None,
        account=filters.account_id is not None,
        after=after is not None,
        before=before is not None,
        backward=request.backward,
        with_related=with_related,
    )
    values: dict[str, Any] = {"limit": request.limit}
    if filters.include_descendants:
        values["path"] = company.path
        values["path_end"] = subtree_upper_bound(company.path)
    else:
        values["company_id"] = company.id
    if filters.status is not None:
        values["status"] = filters.status
    if filters.account_id is not None:
        values["account_id"] = filters.account_id
    if after is not None:
        values["after"] = after[0]
    if before is not None:
        values["before"] = before[0]
    result = await session.execute(query, values)
    if not with_related:
        rows = [DeviceRow._make((*row, NOT_FETCHED, NOT_FETCHED)) for row in result]
    else:
        n, a = _COMPANY, _ACCOUNT
        rows = [
            DeviceRow._make(
                (
                    *row[:n],
                    CompanyRow._make((*row[n:a], None)),
                    None if row[a] is None else AccountRow._make(row[a:]),
                )
            )
            for row in result
        ]
    return Page.from_rows(rows, request, key=_by_id)


def _by_id(device: DeviceRow) -> tuple[Any, ...]:
    return (device.id,)


async def devices_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Device]:
    rows = await session.scalars(select(Device).where(Device.id.in_(ids)))
    return {device.id: device for device in rows}


async def count_registered(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Device.company_id, func.count())
        .where(Device.company_id.in_(ids), Device.unregistered_at.is_(None))
        .group_by(Device.company_id)
    )
    return {company_id: count for company_id, count in rows}


# --- charging -------------------------------------------------------------------------


@dataclass
class ChargeReport:
    charged: int = 0
    suspended: int = 0
    resumed: int = 0


async def due_device_ids(
    session: AsyncSession, *, now: datetime, after_id: int, limit: int
) -> list[int]:
    """Active devices whose paid period ended, and suspended ones waiting for credit."""
    rows = await session.scalars(
        select(Device.id)
        .where(
            or_(
                (Device.status == DeviceStatus.ACTIVE) & (Device.paid_until <= now),
                Device.status == DeviceStatus.SUSPENDED,
            ),
            Device.id > after_id,
        )
        .order_by(Device.id)
        .limit(limit)
    )
    return list(rows)


async def charge_device(
    session: AsyncSession, *, device_id: int, now: datetime, period: timedelta
) -> str | None:
    """Charge one due device one credit for its next period, or suspend it.

    Returns "charged", "resumed", "suspended" or None when it was not due after all.
    One device per transaction: it locks only its payer's balance, so the job cannot
    deadlock with moves, and a failure costs one device's work, not a batch's.
    """
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None or device.unregistered_at is not None:
        return None
    suspended = device.status is DeviceStatus.SUSPENDED
    if not suspended and device.paid_until > now:
        return None
    company = await session.get(Company, device.company_id)
    assert company is not None
    payer = await credit.payer_of(session, company)
    balance = (await credit.lock_balances(session, [payer.company.id]))[payer.company.id]
    if balance.balance < 1:
        if suspended:
            return None
        device.status = DeviceStatus.SUSPENDED
        change = {"status": (DeviceStatus.ACTIVE, device.status)}
        audit.record(session, Act.DEVICE_SUSPEND, audit.SYSTEM, device, change, now=now)
        await session.flush()
        await events.device_changed(session, device, "SUSPENDED")
        return "suspended"
    await credit.post(
        session,
        balance,
        kind=EntryKind.CHARGE,
        amount=-1,
        actor_id=None,
        now=now,
        reason=f"Period of {device.serial_number}",
        device_id=device.id,
    )
    # A resumed device starts a fresh period now; a running one continues without a gap.
    before = {"status": device.status, "paidUntil": device.paid_until, "paidBy": None}
    device.paid_until = (now if suspended else device.paid_until) + period
    device.status = DeviceStatus.ACTIVE
    after = {"status": device.status, "paidUntil": device.paid_until, "paidBy": payer.company.name}
    action = Act.DEVICE_RESUME if suspended else Act.DEVICE_CHARGE
    audit.record(session, action, audit.SYSTEM, device, audit.compare(before, after), now=now)
    await session.flush()
    if suspended:
        await events.device_changed(session, device, "RESUMED")
    return "resumed" if suspended else "charged"
