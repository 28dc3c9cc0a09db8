"""Account, license and application resolvers."""

from __future__ import annotations

from models.account import Account, Application, ApplicationStatus, License
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import (
    AccountExtensionRequestInput,
    AccountLicenseChangeRequestInput,
    AccountRenewalRequestInput,
    AccountRequestInput,
    ApplicationApproveInput,
    ApplicationCancelInput,
    ApplicationRejectInput,
    DatapointTransferRequestInput,
    LicenseCreateInput,
)
from schema.selection import selected_below
from services import account as service
from services import application as applications
from services.errors import NotFoundError
from services.pagination import Page


def _optional_id(value: str, type_name: str) -> int | None:
    """For `x(id:)` queries: an ID of another type is simply not found."""
    try:
        return decode_id(value, type_name)
    except NotFoundError:
        return None


async def account(info: Info, id: str) -> Account | None:
    actor = info.context.require_actor()
    account_id = _optional_id(id, "Account")
    if account_id is None:
        return None
    async with reading(info) as session:
        return await service.get_account(session, actor=actor, account_id=account_id)


async def accounts(
    info: Info,
    *,
    status: service.AccountStatus | None,
    company_id: str | None,
    paging: Paging,
) -> Page[Account]:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    company = (
        decode_id(company_id, "Company", field="companyId") if company_id is not None else None
    )
    node = selected_below(info.selected_fields, info.field_name, "edges", "node") or set()
    with_usage = bool(node & {"datapointsUsed", "datapointsLeft"})
    async with reading(info) as session:
        page = await service.list_accounts(
            session,
            actor=actor,
            status=status,
            company_id=company,
            request=request,
            with_related=bool(node & {"company", "license"}),
            with_usage=with_usage,
        )
    # What the page's query brought along: the rows' fields need no further loads.
    prefetched = info.context.prefetched
    for account in page.items:
        if account.id in page.companies:
            prefetched[account, "company"] = page.companies[account.id]
            prefetched[account, "license"] = page.licenses[account.id]
        if with_usage:
            prefetched[account, "usage"] = page.usage[account.id]
    return page


async def licenses(info: Info) -> list[License]:
    info.context.require_actor()
    async with reading(info) as session:
        return await service.list_licenses(session)


async def application(info: Info, id: str) -> Application | None:
    actor = info.context.require_actor()
    application_id = _optional_id(id, "Application")
    if application_id is None:
        return None
    async with reading(info) as session:
        return await applications.get_application(
            session, actor=actor, application_id=application_id
        )


async def application_list(
    info: Info,
    *,
    status: ApplicationStatus | None,
    account_id: str | None,
    desk: bool,
    paging: Paging,
) -> Page[Application]:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    account_pk = (
        decode_id(account_id, "Account", field="accountId") if account_id is not None else None
    )
    async with reading(info) as session:
        return await applications.list_applications(
            session,
            actor=actor,
            status=status,
            account_id=account_pk,
            desk=desk,
            request=request,
        )


async def request_account(info: Info, data: AccountRequestInput) -> Application:
    actor = info.context.require_actor()
    company_id = decode_id(data.company_id, "Company", field="companyId")
    license_id = decode_id(data.license_id, "License", field="licenseId")
    terms = service.AccountTerms(
        name=data.name,
        customer_name=data.customer_name,
        license_id=license_id,
        sector=data.sector,
        payment_method=data.payment_method,
        card_type=data.card_type,
        datapoints=data.datapoints,
        meters=data.meters,
        pods=data.pods,
        realtime_meters=data.realtime_meters,
        rtc_lines=data.rtc_lines,
        sms_credits=data.sms_credits,
        period_months=data.period_months,
        email_domain=data.email_domain,
        comment=data.comment,
    )
    async with transaction(info) as session:
        return await applications.request_new_account(
            session, actor=actor, company_id=company_id, terms=terms
        )


async def request_extension(info: Info, data: AccountExtensionRequestInput) -> Application:
    actor = info.context.require_actor()
    account_id = decode_id(data.account_id, "Account", field="accountId")
    extension = applications.Extension(
        datapoints=data.datapoints,
        meters=data.meters,
        pods=data.pods,
        realtime_meters=data.realtime_meters,
        rtc_lines=data.rtc_lines,
        sms_credits=data.sms_credits,
    )
    async with transaction(info) as session:
        return await applications.request_extension(
            session, actor=actor, account_id=account_id, extension=extension
        )


async def request_license_change(info: Info, data: AccountLicenseChangeRequestInput) -> Application:
    actor = info.context.require_actor()
    account_id = decode_id(data.account_id, "Account", field="accountId")
    license_id = decode_id(data.license_id, "License", field="licenseId")
    async with transaction(info) as session:
        return await applications.request_license_change(
            session, actor=actor, account_id=account_id, license_id=license_id
        )


async def request_renewal(info: Info, data: AccountRenewalRequestInput) -> Application:
    actor = info.context.require_actor()
    account_id = decode_id(data.account_id, "Account", field="accountId")
    async with transaction(info) as session:
        return await applications.request_renewal(session, actor=actor, account_id=account_id)


async def request_transfer(info: Info, data: DatapointTransferRequestInput) -> Application:
    actor = info.context.require_actor()
    account_id = decode_id(data.account_id, "Account", field="accountId")
    target_id = decode_id(data.target_account_id, "Account", field="targetAccountId")
    async with transaction(info) as session:
        return await applications.request_datapoint_transfer(
            session,
            actor=actor,
            account_id=account_id,
            target_account_id=target_id,
            datapoints=data.datapoints,
        )


async def approve(info: Info, data: ApplicationApproveInput) -> Application:
    actor = info.context.require_actor()
    application_id = decode_id(data.id, "Application")
    async with transaction(info) as session:
        return await applications.approve(session, actor=actor, application_id=application_id)


async def reject(info: Info, data: ApplicationRejectInput) -> Application:
    actor = info.context.require_actor()
    application_id = decode_id(data.id, "Application")
    async with transaction(info) as session:
        return await applications.reject(
            session, actor=actor, application_id=application_id, reason=data.reason
        )


async def cancel(info: Info, data: ApplicationCancelInput) -> Application:
    actor = info.context.require_actor()
    application_id = decode_id(data.id, "Application")
    async with transaction(info) as session:
        return await applications.cancel(session, actor=actor, application_id=application_id)


async def create_license(info: Info, data: LicenseCreateInput) -> License:
    actor = info.context.require_actor()
    async with transaction(info) as session:
        return await service.create_license(
            session,
            actor=actor,
            code=data.code,
            name=data.name,
            billing_unit=data.billing_unit,
            rank=data.rank,
        )
