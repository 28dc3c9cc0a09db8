"""Credit resolvers: balances, the ledger, who pays, grants and moves."""

from __future__ import annotations

from datetime import UTC, datetime

from models.company import Company
from models.credit import EntryKind, LedgerEntry
from resolvers.paging import Paging, page_request
from resolvers.session import reading, transaction
from schema.context import Info
from schema.ids import decode_id
from schema.inputs import CreditGrantInput, CreditMoveInput
from schema.loaders import AncestorsKey
from schema.selection import selected_below
from services import credit as service


async def balance(info: Info, company: Company) -> int:
    service.require_credit_read(info.context.require_actor(), company)
    return await info.context.loaders.credit_balance_by_company_id.load(company.id)


async def payer(info: Info, company: Company) -> service.Payer:
    service.require_credit_read(info.context.require_actor(), company)
    if not company.use_parent_credits:
        return service.Payer(company, 0)
    # Batched: the whole chain above (not cut at the caller: the payer may be above it),
    # for every row of a list in one statement.
    chain = await info.context.loaders.ancestors_by_path.load(
        AncestorsKey(within="", path=company.path)
    )
    return service.payer_in_chain(company, chain)


async def entries(
    info: Info,
    *,
    company_id: str,
    kinds: list[EntryKind] | None,
    since: datetime | None,
    until: datetime | None,
    paging: Paging,
) -> service.EntryPage:
    actor = info.context.require_actor()
    request = page_request(info, paging)
    company = decode_id(company_id, "Company", field="companyId")
    with_actors = "actor" in (
        selected_below(info.selected_fields, info.field_name, "edges", "node") or ()
    )
    async with reading(info) as session:
        # With actors, each row carries its actor: the rows' `actor` fields load nothing.
        return await service.list_entries(
            session,
            actor=actor,
            company_id=company,
            filters=service.EntryFilter(
                kinds=kinds or (), since=as_utc(since), until=as_utc(until)
            ),
            request=request,
            with_actors=with_actors,
        )


def as_utc(moment: datetime | None) -> datetime | None:
    """A date-time without an offset is read as UTC, the API's time zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


async def grant(info: Info, data: CreditGrantInput) -> LedgerEntry:
    actor = info.context.require_actor()
    company_id = decode_id(data.company_id, "Company", field="companyId")
    async with transaction(info) as session:
        return await service.grant_credits(
            session,
            actor=actor,
            company_id=company_id,
            amount=data.amount,
            reason=data.reason,
            reference=data.reference,
            idempotency_key=data.idempotency_key,
        )


async def move(info: Info, data: CreditMoveInput) -> service.Transfer:
    actor = info.context.require_actor()
    source = decode_id(data.from_company_id, "Company", field="fromCompanyId")
    target = decode_id(data.to_company_id, "Company", field="toCompanyId")
    async with transaction(info) as session:
        return await service.move_credits(
            session,
            actor=actor,
            source_id=source,
            target_id=target,
            amount=data.amount,
            reason=data.reason,
            idempotency_key=data.idempotency_key,
        )
