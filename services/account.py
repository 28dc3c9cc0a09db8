"""Accounts: their terms and validation, scoped reads, and datapoints in use.

An account's terms change only through approved applications (services/application.py).
"""

from __future__ import annotations

import calendar
import dataclasses
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import (
    Account,
    AccountState,
    BillingUnit,
    CardType,
    License,
    PaymentMethod,
    Sector,
)
from models.base import utcnow
from models.company import Company
from models.device import Device
from policies.actor import Actor
from policies.enforcer import Action, Relation
from policies.scope import relation_to, visible_to
from services import audit, events
from services.access import require
from services.audit import AuditAction as Act
from services.errors import ErrorCode, NotFoundError, ValidationError
from services.pagination import Page, PageRequest, keyset
from services.validation import clean_name

MIN_DATAPOINTS = 20
MAX_AMOUNT = 10_000_000  # far above any real contract; keeps integers and typos in check
MAX_PERIOD_MONTHS = 120
MAX_COMMENT = 2000
RENEWAL_MONTHS = 12
DEFAULT_PERIOD_MONTHS = 12
SPAIN = "ES"
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class AccountStatus(enum.StrEnum):
    """What a client sees: the stored state, with EXPIRED following from the expiry date."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


def status_of(account: Account, now: datetime) -> AccountStatus:
    if account.state is AccountState.ACTIVE and account.expires_at is not None:
        return AccountStatus.EXPIRED if account.expires_at <= now else AccountStatus.ACTIVE
    return AccountStatus(account.state.value)


def status_filter(status: AccountStatus, now: datetime) -> ColumnElement[bool]:
    active = Account.state == AccountState.ACTIVE
    if status is AccountStatus.ACTIVE:
        return and_(active, Account.expires_at > now)
    if status is AccountStatus.EXPIRED:
        return and_(active, Account.expires_at <= now)
    return Account.state == AccountState(status.value)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (clamped to the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class AccountTerms:
    """Everything a NEW_ACCOUNT application asks for; field names follow the GraphQL input."""

    name: str
    customer_name: str
    license_id: int
    sector: Sector
    payment_method: PaymentMethod
    card_type: CardType | None = None
    datapoints: int = 0
    meters: int = 0
    pods: int = 0
    realtime_meters: int = 0
    rtc_lines: int = 0
    sms_credits: int = 0
    period_months: int = DEFAULT_PERIOD_MONTHS
    email_domain: str | None = None
    comment: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def _amount(value: int, field: str, *, minimum: int = 0) -> int:
    if value < minimum:
        raise ValidationError(
            f"Must be at least {minimum}",
            field=field,
            code=ErrorCode.BELOW_MINIMUM,
            minimum=minimum,
        )
    if value > MAX_AMOUNT:
        raise ValidationError(
            f"Must be at most {MAX_AMOUNT}",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
            maximum=MAX_AMOUNT,
        )
    return value


def clean_domain(value: str | None, *, field: str = "emailDomain") -> str | None:
    if value is None or not value.strip():
        return None
    domain = value.strip().lower().rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(
            "Not a valid domain name", field=field, code=ErrorCode.INVALID_EMAIL_DOMAIN
        ) from exc
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            "Not a valid domain name, e.g. mail.example.com",
            field=field,
            code=ErrorCode.INVALID_EMAIL_DOMAIN,
        )
    return domain


def clean_comment(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_COMMENT:
        raise ValidationError(
            f"Must be at most {MAX_COMMENT} characters",
            field="comment",
            code=ErrorCode.TOO_LONG,
            maximum=MAX_COMMENT,
        )
    return value.strip()


def check_usage_terms(
    *,
    license: License,
    company: Company,
    datapoints: int,
    meters: int,
    pods: int,
    realtime_meters: int,
    rtc_lines: int,
    datapoints_in_use: int = 0,
) -> None:
    """The amounts an account may hold under its license and company (new or changed)."""
    if license.billing_unit is BillingUnit.DATAPOINTS:
        if datapoints < MIN_DATAPOINTS:
            raise ValidationError(
                f"A datapoint license needs at least {MIN_DATAPOINTS} datapoints",
                field="datapoints",
                code=ErrorCode.DATAPOINTS_BELOW_MINIMUM,
                minimum=MIN_DATAPOINTS,
            )
        if datapoints < datapoints_in_use:
            raise ValidationError(
                f"{datapoints_in_use} datapoints are in use by the account's devices",
                field="datapoints",
                code=ErrorCode.DATAPOINTS_IN_USE,
                minimum=datapoints_in_use,
                in_use=datapoints_in_use,
            )
        for field, value in (
            ("meters", meters),
            ("pods", pods),
            ("realtimeMeters", realtime_meters),
        ):
            if value:
                raise ValidationError(
                    "Only licenses billed by meters have meters",
                    field=field,
                    code=ErrorCode.NOT_BILLED_BY_METERS,
                )
    else:
        if meters < 1:
            raise ValidationError(
                "A meter license needs at least 1 meter",
                field="meters",
                code=ErrorCode.METERS_BELOW_MINIMUM,
                minimum=1,
            )
        if datapoints:
            raise ValidationError(
                "Licenses billed by meters have no datapoint quota",
                field="datapoints",
                code=ErrorCode.NOT_BILLED_BY_DATAPOINTS,
            )
    if rtc_lines and company.country_code != SPAIN:
        raise rtc_only_in_spain()


def rtc_only_in_spain() -> ValidationError:
    return ValidationError(
        "RTC lines are only available in Spain", field="rtcLines", code=ErrorCode.RTC_ONLY_IN_SPAIN
    )


def clean_terms(terms: AccountTerms, *, license: License, company: Company) -> AccountTerms:
    """Validated and normalised terms of a new account; each failure names its field."""
    for field, value in (
        ("datapoints", terms.datapoints),
        ("meters", terms.meters),
        ("pods", terms.pods),
        ("realtimeMeters", terms.realtime_meters),
        ("rtcLines", terms.rtc_lines),
        ("smsCredits", terms.sms_credits),
    ):
        _amount(value, field)
    if not 1 <= terms.period_months <= MAX_PERIOD_MONTHS:
        raise ValidationError(
            f"Must be between 1 and {MAX_PERIOD_MONTHS} months",
            field="periodMonths",
            code=ErrorCode.OUT_OF_RANGE,
            minimum=1,
            maximum=MAX_PERIOD_MONTHS,
        )
    by_card = terms.payment_method is PaymentMethod.CREDIT_CARD
    if by_card and terms.card_type is None:
        raise ValidationError(
            "Paying by credit card needs a card type",
            field="cardType",
            code=ErrorCode.CARD_TYPE_REQUIRED,
        )
    if not by_card and terms.card_type is not None:
        raise ValidationError(
            "A card type is only for paying by credit card",
            field="cardType",
            code=ErrorCode.CARD_TYPE_NOT_APPLICABLE,
        )
    check_usage_terms(
        license=license,
        company=company,
        datapoints=terms.datapoints,
        meters=terms.meters,
        pods=terms.pods,
        realtime_meters=terms.realtime_meters,
        rtc_lines=terms.rtc_lines,
    )
    return AccountTerms(
        name=clean_name(terms.name),
        customer_name=clean_name(terms.customer_name, field="customerName"),
        license_id=license.id,
        sector=terms.sector,
        payment_method=terms.payment_method,
        card_type=terms.card_type,
        datapoints=terms.datapoints,
        meters=terms.meters,
        pods=terms.pods,
        realtime_meters=terms.realtime_meters,
        rtc_lines=terms.rtc_lines,
        sms_credits=terms.sms_credits,
        period_months=terms.period_months,
        email_domain=clean_domain(terms.email_domain),
        comment=clean_comment(terms.comment),
    )


def snapshot(account: Account) -> dict[str, Any]:
    """The account's terms as they are, kept with an application as its "before"."""
    return {
        "name": account.name,
        "customerName": account.customer_name,
        "licenseId": account.license_id,
        "datapoints": account.datapoints,
        "meters": account.meters,
        "pods": account.pods,
        "realtimeMeters": account.realtime_meters,
        "rtcLines": account.rtc_lines,
        "smsCredits": account.sms_credits,
        "periodMonths": account.period_months,
        "state": account.state.value,
        "startsAt": account.starts_at.isoformat() if account.starts_at else None,
        "expiresAt": account.expires_at.isoformat() if account.expires_at else None,
    }


# --- reads ----------------------------------------------------------------------------


async def account_in_scope(
    session: AsyncSession, actor: Actor, account_id: int, *, lock: bool = False
) -> tuple[Account, Company, Relation] | None:
    query = (
        select(Account, Company, relation_to(actor).label("relation"))
        .join(Company, Company.id == Account.company_id)
        .where(Account.id == account_id)
    )
    if lock:
        query = query.with_for_update(of=Account)
    row = (await session.execute(query)).one_or_none()
    if row is None or row.relation is None:
        return None
    return row.Account, row.Company, Relation(row.relation)


async def authorize_account(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    account_id: int,
    *,
    field: str = "accountId",
    lock: bool = False,
) -> tuple[Account, Company]:
    found = await account_in_scope(session, actor, account_id, lock=lock)
    if found is None:
        raise NotFoundError("Account", field=field)
    account, company, relation = found
    require(actor, action, relation, on=account)
    return account, company


async def get_account(session: AsyncSession, *, actor: Actor, account_id: int) -> Account | None:
    found = await account_in_scope(session, actor, account_id)
    if found is None:
        return None
    account, _, relation = found
    require(actor, Action.ACCOUNT_READ, relation)
    return account


@dataclass(frozen=True)
class AccountPage(Page[Account]):
    """A page of accounts with, when asked for, what each row shows beside its own columns."""

    companies: Mapping[int, Company] = dataclasses.field(default_factory=dict)
    licenses: Mapping[int, License] = dataclasses.field(default_factory=dict)
    usage: Mapping[int, int] = dataclasses.field(default_factory=dict)  # datapoints in use


def _usage_column() -> ColumnElement[int]:
    """Datapoints of the registered devices bound to the outer query's account."""
    return (
        select(func.coalesce(func.sum(Device.datapoints), 0))
        .where(Device.account_id == Account.id, Device.unregistered_at.is_(None))
        .scalar_subquery()
    )


async def list_accounts(
    session: AsyncSession,
    *,
    actor: Actor,
    status: AccountStatus | None,
    company_id: int | None,
    request: PageRequest,
    with_related: bool = False,
    with_usage: bool = False,
) -> AccountPage:
    """Accounts of the actor's subtree (or of one company of it), newest first; with their
    company and license (`with_related`) and datapoints in use (`with_usage`) fetched by
    the same query."""
    require(actor, Action.ACCOUNT_READ, Relation.SELF)  # the role question, for every row
    query = select(Account).join(Company, Company.id == Account.company_id).where(visible_to(actor))
    if company_id is not None:
        query = query.where(Account.company_id == company_id)
    if status is not None:
        query = query.where(status_filter(status, utcnow()))
    query = keyset(query, request, [Account.id], int, descending=True)
    if with_related:
        query = query.add_columns(Company, License).join(License, License.id == Account.license_id)
    if with_usage:
        query = query.add_columns(_usage_column())
    rows: list[Any] = list((await session.execute(query)).all())
    page = AccountPage.from_rows([row[0] for row in rows], request, key=lambda a: (a.id,))
    if with_related:
        page = replace(
            page,
            companies={row[0].id: row[1] for row in rows},
            licenses={row[0].id: row[2] for row in rows},
        )
    if with_usage:
        page = replace(page, usage={row[0].id: int(row[-1]) for row in rows})
    return page


async def datapoints_in_use(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """Datapoints of the registered devices bound to each account (one grouped query)."""
    rows = await session.execute(
        select(Device.account_id, func.coalesce(func.sum(Device.datapoints), 0))
        .where(Device.account_id.in_(ids), Device.unregistered_at.is_(None))
        .group_by(Device.account_id)
    )
    return {account_id: int(total) for account_id, total in rows if account_id is not None}


async def accounts_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Account]:
    rows = await session.scalars(select(Account).where(Account.id.in_(ids)))
    return {account.id: account for account in rows}


# --- the license catalog ----------------------------------------------------------------


async def list_licenses(session: AsyncSession) -> list[License]:
    rows = await session.scalars(select(License).order_by(License.billing_unit, License.rank))
    return list(rows)


async def find_license(session: AsyncSession, license_id: int) -> License | None:
    """A license of the catalog; every signed-in user reads the catalog."""
    return await session.get(License, license_id)


async def licenses_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, License]:
    rows = await session.scalars(select(License).where(License.id.in_(ids)))
    return {license.id: license for license in rows}


_LICENSE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,49}$")


async def create_license(
    session: AsyncSession,
    *,
    actor: Actor,
    code: str,
    name: str,
    billing_unit: BillingUnit,
    rank: int,
) -> License:
    """A custom license, added by the platform desk."""
    # The catalog belongs to the platform: only platform staff hold license.manage at all.
    require(actor, Action.LICENSE_MANAGE, Relation.SELF)
    code = code.strip().upper()
    if not _LICENSE_CODE.match(code):
        raise ValidationError(
            "Use 2 to 50 capital letters, digits or underscores, starting with a letter",
            field="code",
            code=ErrorCode.INVALID_FORMAT,
        )
    if not 0 <= rank <= 1000:
        raise ValidationError(
            "Must be between 0 and 1000",
            field="rank",
            code=ErrorCode.OUT_OF_RANGE,
            minimum=0,
            maximum=1000,
        )
    if await session.scalar(select(License.id).where(License.code == code)):
        raise ValidationError(
            "A license with this code exists", field="code", code=ErrorCode.LICENSE_CODE_TAKEN
        )
    license = License(
        code=code,
        name=clean_name(name, max_length=100),
        billing_unit=billing_unit,
        rank=rank,
        is_custom=True,
    )
    session.add(license)
    await session.flush()
    added = audit.created(code=code, name=license.name, billingUnit=billing_unit, rank=rank)
    audit.record(session, Act.LICENSE_CREATE, actor, license, added, company=actor.company_id)
    return license


async def get_license(session: AsyncSession, license_id: int, *, field: str) -> License:
    license = await session.get(License, license_id)
    if license is None:
        raise NotFoundError("License", field=field)
    return license


EXPIRY_BATCH = 500


async def announce_expiries(session: AsyncSession, *, now: datetime) -> int:
    """Write the EXPIRED event of every active account whose expiry has passed, once per
    account and expiry date (a renewal's new date is announced again when it passes).
    Rows are claimed under lock, skipping those another scheduler holds (PostgreSQL)."""
    query = (
        select(Account)
        .where(
            Account.state == AccountState.ACTIVE,
            Account.expires_at <= now,
            or_(
                Account.expiry_announced_for.is_(None),
                Account.expiry_announced_for != Account.expires_at,
            ),
        )
        .order_by(Account.id)
        .limit(EXPIRY_BATCH)
        .with_for_update(skip_locked=True)
    )
    accounts = list(await session.scalars(query))
    for account in accounts:
        account.expiry_announced_for = account.expires_at
        expired = {"status": ("ACTIVE", "EXPIRED")}
        audit.record(session, Act.ACCOUNT_EXPIRE, audit.SYSTEM, account, expired, now=now)
    await session.flush()
    if accounts:
        await events.accounts_changed(session, "EXPIRED", *accounts)
    return len(accounts)
