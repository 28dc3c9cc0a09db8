"""Applications: every change of an account is filed, then approved or rejected by the
platform desk. Validation runs when filed and again when approved (the account may have
changed meanwhile); approval applies the whole change in one transaction.

One pending application per account: `Account.pending_application_id` holds it, set under a
row lock when filing and cleared when the application is decided or cancelled, for the
subject account and for the target of a datapoint transfer alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import (
    Account,
    AccountState,
    Application,
    ApplicationKind,
    ApplicationStatus,
    BillingUnit,
    License,
)
from models.base import utcnow
from models.company import Company
from policies.actor import Actor
from policies.enforcer import Action, Relation
from policies.scope import visible_to
from services import application_mail, audit, events
from services.access import Lock, Named, authorize_named, can, company_in_scope, require
from services.account import (
    MAX_AMOUNT,
    MIN_DATAPOINTS,
    RENEWAL_MONTHS,
    AccountTerms,
    add_months,
    authorize_account,
    check_usage_terms,
    clean_terms,
    datapoints_in_use,
    get_license,
    rtc_only_in_spain,
    snapshot,
)
from services.audit import AuditAction as Act
from services.errors import ErrorCode, ForbiddenError, NotFoundError, ValidationError
from services.pagination import Page, PageRequest, keyset

MAX_REASON = 2000


@dataclass(frozen=True)
class Extension:
    """Amounts to add; a negative datapoint amount frees datapoints."""

    datapoints: int = 0
    meters: int = 0
    pods: int = 0
    realtime_meters: int = 0
    rtc_lines: int = 0
    sms_credits: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "datapoints": self.datapoints,
            "meters": self.meters,
            "pods": self.pods,
            "realtimeMeters": self.realtime_meters,
            "rtcLines": self.rtc_lines,
            "smsCredits": self.sms_credits,
        }


def _extension_of(change: dict[str, Any]) -> Extension:
    return Extension(
        datapoints=change["datapoints"],
        meters=change["meters"],
        pods=change["pods"],
        realtime_meters=change["realtimeMeters"],
        rtc_lines=change["rtcLines"],
        sms_credits=change["smsCredits"],
    )


class PendingApplicationError(ValidationError):
    def __init__(self, field: str) -> None:
        super().__init__(
            "The account already has an application under review",
            field=field,
            code=ErrorCode.APPLICATION_PENDING,
        )


# --- the checks, run when filed and again when approved --------------------------------


async def _check_extension(
    session: AsyncSession, account: Account, company: Company, extension: Extension
) -> None:
    license = await get_license(session, account.license_id, field="accountId")
    after = {
        "datapoints": account.datapoints + extension.datapoints,
        "meters": account.meters + extension.meters,
        "pods": account.pods + extension.pods,
        "realtimeMeters": account.realtime_meters + extension.realtime_meters,
        "rtcLines": account.rtc_lines + extension.rtc_lines,
        "smsCredits": account.sms_credits + extension.sms_credits,
    }
    for field, total in after.items():
        if total > MAX_AMOUNT:
            raise ValidationError(
                f"The total would exceed {MAX_AMOUNT}",
                field=field,
                code=ErrorCode.OUT_OF_RANGE,
                maximum=MAX_AMOUNT,
            )
    used = (await datapoints_in_use(session, [account.id])).get(account.id, 0)
    if license.billing_unit is BillingUnit.DATAPOINTS or extension.datapoints:
        check_usage_terms(
            license=license,
            company=company,
            datapoints=after["datapoints"],
            meters=after["meters"],
            pods=after["pods"],
            realtime_meters=after["realtimeMeters"],
            rtc_lines=after["rtcLines"],
            datapoints_in_use=used,
        )
    elif extension.rtc_lines and company.country_code != "ES":
        raise rtc_only_in_spain()


async def _check_license_change(session: AsyncSession, account: Account, license: License) -> None:
    current = await get_license(session, account.license_id, field="accountId")
    if license.id == current.id:
        raise ValidationError(
            "The account already has this license",
            field="licenseId",
            code=ErrorCode.LICENSE_UNCHANGED,
        )
    if license.billing_unit is not current.billing_unit:
        raise ValidationError(
            "Changing between datapoint and meter billing needs a new account",
            field="licenseId",
            code=ErrorCode.BILLING_UNIT_CHANGE,
        )


async def _check_transfer(
    session: AsyncSession, source: Account, target: Account, datapoints: int
) -> None:
    if datapoints < 1:
        raise ValidationError(
            "Must be at least 1", field="datapoints", code=ErrorCode.BELOW_MINIMUM, minimum=1
        )
    if source.id == target.id:
        raise ValidationError(
            "Choose another account", field="targetAccountId", code=ErrorCode.SAME_ACCOUNT
        )
    licenses = {
        account.id: await get_license(session, account.license_id, field="accountId")
        for account in (source, target)
    }
    if any(lic.billing_unit is not BillingUnit.DATAPOINTS for lic in licenses.values()):
        raise ValidationError(
            "Both accounts must have datapoint licenses",
            field="targetAccountId",
            code=ErrorCode.NOT_BILLED_BY_DATAPOINTS,
        )
    used = (await datapoints_in_use(session, [source.id])).get(source.id, 0)
    remaining = source.datapoints - datapoints
    if remaining < MIN_DATAPOINTS or remaining < used:
        keep = max(MIN_DATAPOINTS, used)
        raise ValidationError(
            f"The source account would keep {remaining} datapoints; it needs at least {keep}",
            field="datapoints",
            code=(
                ErrorCode.DATAPOINTS_IN_USE
                if used > MIN_DATAPOINTS
                else ErrorCode.DATAPOINTS_BELOW_MINIMUM
            ),
            minimum=keep,
            in_use=used,
            available=max(0, source.datapoints - keep),
        )
    if target.datapoints + datapoints > MAX_AMOUNT:
        raise ValidationError(
            f"The target would exceed {MAX_AMOUNT}",
            field="datapoints",
            code=ErrorCode.OUT_OF_RANGE,
            maximum=MAX_AMOUNT,
            available=MAX_AMOUNT - target.datapoints,
        )


def _require_open_account(account: Account, field: str) -> None:
    if account.state is not AccountState.ACTIVE:
        raise ValidationError(
            "Only an approved account can be changed", field=field, code=ErrorCode.ACCOUNT_CLOSED
        )
    if account.pending_application_id is not None:
        raise PendingApplicationError(field)


async def _file(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: ApplicationKind,
    account: Account,
    change: dict[str, Any],
    target: Account | None = None,
) -> Application:
    application = Application(
        kind=kind,
        status=ApplicationStatus.PENDING,
        company_id=account.company_id,
        account_id=account.id,
        target_account_id=target.id if target else None,
        change=change,
        before=None if kind is ApplicationKind.NEW_ACCOUNT else snapshot(account),
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
    )
    session.add(application)
    await session.flush()
    for subject in (account, target):
        if subject is not None:
            subject.pending_application_id = application.id
    await session.flush()
    filed = audit.created(kind=kind, status=application.status, change=change)
    audit.record(session, Act.APPLICATION_REQUEST, actor, application, filed)
    await events.application_changed(session, application)
    await application_mail.mail_filed(
        session, application, [held for held in (account, target) if held is not None]
    )
    return application


# --- filing -------------------------------------------------------------------------------


async def request_new_account(
    session: AsyncSession, *, actor: Actor, company_id: int, terms: AccountTerms
) -> Application:
    named_company = Named(Company, company_id, "companyId")
    named_license = Named(License, terms.license_id, "licenseId")
    found = await authorize_named(
        session, actor, Action.APPLICATION_REQUEST, named_company, named_license
    )
    company, license = found[named_company], found[named_license]
    if company.archived_at is not None:
        raise ValidationError(
            "The company is archived", field="companyId", code=ErrorCode.COMPANY_ARCHIVED
        )
    terms = clean_terms(terms, license=license, company=company)
    account = Account(
        company_id=company.id,
        name=terms.name,
        customer_name=terms.customer_name,
        license_id=license.id,
        datapoints=terms.datapoints,
        meters=terms.meters,
        pods=terms.pods,
        realtime_meters=terms.realtime_meters,
        rtc_lines=terms.rtc_lines,
        sms_credits=terms.sms_credits,
        period_months=terms.period_months,
        sector=terms.sector,
        payment_method=terms.payment_method,
        card_type=terms.card_type,
        email_domain=terms.email_domain,
        comment=terms.comment,
        state=AccountState.PENDING,
    )
    session.add(account)
    await session.flush()
    audit.record(session, Act.ACCOUNT_CREATE, actor, account, audit.compare({}, snapshot(account)))
    change = {**terms.as_json(), "sector": terms.sector.value}
    change["paymentMethod"] = change.pop("payment_method").value
    return await _file(
        session, actor, kind=ApplicationKind.NEW_ACCOUNT, account=account, change=_camel(change)
    )


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {
        camel(key): value.value if hasattr(value, "value") else value
        for key, value in values.items()
    }


async def _subject(session: AsyncSession, actor: Actor, account_id: int) -> tuple[Account, Company]:
    account, company = await authorize_account(
        session, actor, Action.APPLICATION_REQUEST, account_id, lock=True
    )
    _require_open_account(account, "accountId")
    return account, company


async def request_extension(
    session: AsyncSession, *, actor: Actor, account_id: int, extension: Extension
) -> Application:
    account, company = await _subject(session, actor, account_id)
    if not any(extension.as_json().values()):
        raise ValidationError(
            "Ask for at least one amount", field="datapoints", code=ErrorCode.EXTENSION_EMPTY
        )
    for field, value in extension.as_json().items():
        if field != "datapoints" and value < 0:
            raise ValidationError(
                "Must not be negative", field=field, code=ErrorCode.BELOW_MINIMUM, minimum=0
            )
    await _check_extension(session, account, company, extension)
    return await _file(
        session,
        actor,
        kind=ApplicationKind.EXTENSION,
        account=account,
        change=extension.as_json(),
    )


async def request_license_change(
    session: AsyncSession, *, actor: Actor, account_id: int, license_id: int
) -> Application:
    # The license is named too: NOT_FOUND when missing, before the role is asked.
    named_account = Named(Account, account_id, "accountId", Lock.UPDATE)
    named_license = Named(License, license_id, "licenseId")
    found = await authorize_named(
        session, actor, Action.APPLICATION_REQUEST, named_account, named_license
    )
    account, license = found[named_account], found[named_license]
    _require_open_account(account, "accountId")
    await _check_license_change(session, account, license)
    return await _file(
        session,
        actor,
        kind=ApplicationKind.LICENSE_CHANGE,
        account=account,
        change={"licenseId": license.id, "licenseCode": license.code},
    )


async def request_renewal(session: AsyncSession, *, actor: Actor, account_id: int) -> Application:
    account, _ = await _subject(session, actor, account_id)
    return await _file(
        session,
        actor,
        kind=ApplicationKind.RENEWAL,
        account=account,
        change={"months": RENEWAL_MONTHS},
    )


async def request_datapoint_transfer(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: int,
    target_account_id: int,
    datapoints: int,
) -> Application:
    # One lookup locks both accounts in id order: two opposite transfers cannot deadlock.
    named_source = Named(Account, account_id, "accountId", Lock.UPDATE)
    named_target = Named(Account, target_account_id, "targetAccountId", Lock.UPDATE)
    found = await authorize_named(
        session, actor, Action.APPLICATION_REQUEST, named_source, named_target
    )
    source, target = found[named_source], found[named_target]
    _require_open_account(source, "accountId")
    _require_open_account(target, "targetAccountId")
    await _check_transfer(session, source, target, datapoints)
    return await _file(
        session,
        actor,
        kind=ApplicationKind.DATAPOINT_TRANSFER,
        account=source,
        target=target,
        change={"datapoints": datapoints, "targetAccountId": target.id},
    )


# --- deciding -------------------------------------------------------------------------------


async def _pending(
    session: AsyncSession, actor: Actor, application_id: int, action: Action
) -> Application:
    application = await session.get(Application, application_id, with_for_update=True)
    found = (
        None
        if application is None
        else await company_in_scope(session, actor, application.company_id)
    )
    if application is None or found is None:
        raise NotFoundError("Application")  # out of scope answers like unknown
    require(actor, action, found[1], on=application)
    if application.status is not ApplicationStatus.PENDING:
        # The loser of two simultaneous decisions ends here, after the winner committed.
        raise ValidationError(
            f"The application is already {application.status.value.lower()}",
            field="id",
            code=ErrorCode.APPLICATION_DECIDED,
        )
    return application


async def _close(
    session: AsyncSession, application: Application, status: ApplicationStatus, actor: Actor
) -> list[Account]:
    """Mark decided and release the accounts it held; returns them, locked."""
    action = _DECISIONS[status]
    audit.record(session, action, actor, application, {"status": (application.status, status)})
    application.status = status
    application.decided_at = utcnow()
    if status is not ApplicationStatus.CANCELLED:
        application.decided_by_id = actor.user_id
    ids = sorted({application.account_id, application.target_account_id or application.account_id})
    accounts = list(
        await session.scalars(
            select(Account).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
        )
    )
    for account in accounts:
        if account.pending_application_id == application.id:
            account.pending_application_id = None
    return accounts


async def approve(session: AsyncSession, *, actor: Actor, application_id: int) -> Application:
    application = await _pending(session, actor, application_id, Action.APPLICATION_DECIDE)
    accounts = {
        account.id: account
        for account in await _close(session, application, ApplicationStatus.APPROVED, actor)
    }
    account = accounts[application.account_id]
    before = {key: snapshot(held) for key, held in accounts.items()}
    company = await session.get(Company, account.company_id)
    assert company is not None
    # The decision's own moment, so the application's `after` says exactly what it gave.
    now = application.decided_at
    assert now is not None  # set by _close
    change = application.change
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        if company.archived_at is not None:
            raise ValidationError(
                "The company was archived meanwhile", field="id", code=ErrorCode.COMPANY_ARCHIVED
            )
        account.state = AccountState.ACTIVE
        account.starts_at = now
        account.expires_at = add_months(now, account.period_months)
    elif application.kind is ApplicationKind.EXTENSION:
        extension = _extension_of(change)
        await _check_extension(session, account, company, extension)
        account.datapoints += extension.datapoints
        account.meters += extension.meters
        account.pods += extension.pods
        account.realtime_meters += extension.realtime_meters
        account.rtc_lines += extension.rtc_lines
        account.sms_credits += extension.sms_credits
    elif application.kind is ApplicationKind.LICENSE_CHANGE:
        license = await get_license(session, change["licenseId"], field="id")
        await _check_license_change(session, account, license)
        account.license_id = license.id
    elif application.kind is ApplicationKind.RENEWAL:
        assert account.expires_at is not None  # only approved accounts are renewed
        account.expires_at = add_months(max(now, account.expires_at), change["months"])
    else:
        target = accounts[change["targetAccountId"]]
        await _check_transfer(session, account, target, change["datapoints"])
        account.datapoints -= change["datapoints"]
        target.datapoints += change["datapoints"]
    _audit_accounts(session, actor, before, accounts.values())
    await session.flush()
    await events.application_changed(session, application)
    await events.accounts_changed(session, _account_event(application), *accounts.values())
    await application_mail.mail_decision(session, application, accounts.values(), before)
    return application


_DECISIONS = {
    ApplicationStatus.APPROVED: Act.APPLICATION_APPROVE,
    ApplicationStatus.REJECTED: Act.APPLICATION_REJECT,
    ApplicationStatus.CANCELLED: Act.APPLICATION_CANCEL,
}


def _audit_accounts(
    session: AsyncSession,
    actor: Actor,
    before: dict[int, dict[str, Any]],
    accounts: Iterable[Account],
) -> None:
    """An entry for each account a decision changed, with its terms before and after."""
    for account in accounts:
        changes = audit.compare(before[account.id], snapshot(account))
        if audit.diff(changes):
            audit.record(session, Act.ACCOUNT_CHANGE, actor, account, changes)


def _account_event(application: Application) -> str:
    """What an approval did to its account(s), as the account subscription says it."""
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        return "ACTIVATED"
    return "RENEWED" if application.kind is ApplicationKind.RENEWAL else "CHANGED"


async def reject(
    session: AsyncSession, *, actor: Actor, application_id: int, reason: str
) -> Application:
    application = await _pending(session, actor, application_id, Action.APPLICATION_DECIDE)
    cleaned = reason.strip()
    if not cleaned:
        raise ValidationError("Say why", field="reason", code=ErrorCode.REQUIRED)
    if len(cleaned) > MAX_REASON:
        raise ValidationError(
            f"Must be at most {MAX_REASON} characters",
            field="reason",
            code=ErrorCode.TOO_LONG,
            maximum=MAX_REASON,
        )
    accounts = await _close(session, application, ApplicationStatus.REJECTED, actor)
    before = {held.id: snapshot(held) for held in accounts}
    application.reason = cleaned
    account = next(a for a in accounts if a.id == application.account_id)
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        account.state = AccountState.REJECTED
    _audit_accounts(session, actor, before, accounts)
    await session.flush()
    await events.application_changed(session, application)
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        await events.accounts_changed(session, "REJECTED", account)
    await application_mail.mail_decision(session, application, accounts, before)
    return application


async def cancel(session: AsyncSession, *, actor: Actor, application_id: int) -> Application:
    application = await _pending(session, actor, application_id, Action.APPLICATION_CANCEL)
    accounts = await _close(session, application, ApplicationStatus.CANCELLED, actor)
    before = {held.id: snapshot(held) for held in accounts}
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        for account in accounts:
            account.state = AccountState.CANCELLED
    _audit_accounts(session, actor, before, accounts)
    await session.flush()
    await events.application_changed(session, application)
    if application.kind is ApplicationKind.NEW_ACCOUNT:
        await events.accounts_changed(session, "CANCELLED", *accounts)
    return application


# --- reads ----------------------------------------------------------------------------------


async def get_application(
    session: AsyncSession, *, actor: Actor, application_id: int
) -> Application | None:
    """For the applicant side (application.read) or the platform desk (application.decide)."""
    application = await session.get(Application, application_id)
    if application is None:
        return None
    found = await company_in_scope(session, actor, application.company_id)
    if found is None:
        return None
    if not may_read_applications(actor, found[1]):
        raise ForbiddenError()
    return application


def may_read_applications(actor: Actor, relation: Relation) -> bool:
    """The applicant side (application.read) and the platform desk (application.decide)."""
    return can(actor, Action.APPLICATION_READ, relation) or can(
        actor, Action.APPLICATION_DECIDE, relation
    )


async def list_applications(
    session: AsyncSession,
    *,
    actor: Actor,
    status: ApplicationStatus | None,
    account_id: int | None,
    desk: bool,
    request: PageRequest,
) -> Page[Application]:
    """`desk`: every company's, oldest first (the platform desk's queue); otherwise the
    actor's subtree's (applicant side), newest first. `account_id`: one account's history."""
    query = select(Application)
    if desk:
        require(actor, Action.APPLICATION_DECIDE, Relation.SELF)
        oldest_first = True
    else:
        require(actor, Action.APPLICATION_READ, Relation.SELF)
        query = query.join(Company, Company.id == Application.company_id).where(visible_to(actor))
        oldest_first = False
    if account_id is not None:
        query = query.where(
            (Application.account_id == account_id) | (Application.target_account_id == account_id)
        )
    if status is not None:
        query = query.where(Application.status == status)
    query = keyset(query, request, [Application.id], int, descending=not oldest_first)
    rows = list(await session.scalars(query))
    return Page.from_rows(rows, request, key=lambda application: (application.id,))


async def applications_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Application]:
    rows = await session.scalars(select(Application).where(Application.id.in_(ids)))
    return {application.id: application for application in rows}
