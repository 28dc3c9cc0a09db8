"""An application's terms and request, typed. Runtime objects are the dataclasses of
services/application_terms.py; licenses and accounts they name resolve through the
request's loaders, so a page of applications costs one batched query per relation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from schema.context import Info
from schema.enums import CardType, PaymentMethod, Sector
from services import application_terms as service

if TYPE_CHECKING:
    from schema.types.account import Account, License

T = TypeVar("T")
_License = Annotated["License", strawberry.lazy("schema.types.account")]
_Account = Annotated["Account", strawberry.lazy("schema.types.account")]


async def license_of(info: Info, license_id: int) -> Any:
    found = await info.context.loaders.license_by_id.load(license_id)
    assert found is not None  # licenses are never deleted (RESTRICT)
    return found


async def visible_account(info: Info, account_id: int) -> Any:
    """The account, or None when it is outside the caller's tree (a transfer's target,
    filed by someone higher up): such an account is not shown, not even by its ID."""
    loaders = info.context.loaders
    account = await loaders.account_by_id.load(account_id)
    company = await loaders.company_by_id.load(account.company_id) if account else None
    actor = info.context.require_actor()
    if company is None or not company.path.startswith(actor.company_path):
        return None
    return account


@strawberry.type(description="What an account is contracted for, and when it runs.")
class AccountTerms:
    name: str = strawberry.field(description="The account's name (the project).")
    customer_name: str = strawberry.field(description="The customer the project is for.")
    datapoints: int = strawberry.field(description="Datapoints contracted.")
    meters: int = strawberry.field(description="Meters contracted (meter licenses).")
    pods: int = strawberry.field(description="Bill management: PODs / CUPS.")
    realtime_meters: int = strawberry.field(description="Real-time meters (RtM).")
    rtc_lines: int = strawberry.field(description="Meters read through the utility's modem.")
    sms_credits: int = strawberry.field(description="SMS alerts the account may send.")
    period_months: int = strawberry.field(
        description="How long the account runs from its start, in months."
    )
    sector: Sector = strawberry.field(description="The customer's line of business.")  # type: ignore[valid-type]
    payment_method: PaymentMethod = strawberry.field(description="How the license is paid.")  # type: ignore[valid-type]
    card_type: CardType | None = strawberry.field(  # type: ignore[valid-type]
        description="The card, when paid by CREDIT_CARD; else null."
    )
    email_domain: str | None = strawberry.field(
        description="The domain its outgoing mail is sent from; null: the platform's."
    )
    comment: str | None = strawberry.field(description="The requester's note; null when none.")
    starts_at: datetime | None = strawberry.field(
        description="When the account starts (its approval); null before it is approved."
    )
    expires_at: datetime | None = strawberry.field(
        description="When its period ends; null before it is approved."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.Terms))

    @strawberry.field(description="The license it is billed by.")
    async def license(self, info: Info) -> _License:
        return await license_of(info, _of(self, service.Terms).license_id)  # type: ignore[no-any-return]


@strawberry.type(description="A NEW_ACCOUNT application: the terms asked for.")
class NewAccountRequest:
    terms: AccountTerms = strawberry.field(
        description="The account's terms as asked (no dates: it starts when approved)."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.NewAccountRequest))


@strawberry.type(description="An EXTENSION application: the amounts to add.")
class ExtensionRequest:
    datapoints: int = strawberry.field(description="Datapoints added; negative: freed.")
    meters: int = strawberry.field(description="Meters added.")
    pods: int = strawberry.field(description="PODs / CUPS added.")
    realtime_meters: int = strawberry.field(description="Real-time meters (RtM) added.")
    rtc_lines: int = strawberry.field(description="RTC lines added.")
    sms_credits: int = strawberry.field(description="SMS credits added.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.ExtensionRequest))


@strawberry.type(description="A LICENSE_CHANGE application: the license asked for.")
class LicenseChangeRequest:
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.LicenseChangeRequest))

    @strawberry.field(description="The license the account would be billed by.")
    async def license(self, info: Info) -> _License:
        request = _of(self, service.LicenseChangeRequest)
        return await license_of(info, request.license_id)  # type: ignore[no-any-return]


@strawberry.type(description="A RENEWAL application: the months to add.")
class RenewalRequest:
    months: int = strawberry.field(
        description="Months added from the later of the approval and the expiry."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.RenewalRequest))


@strawberry.type(description="A DATAPOINT_TRANSFER application: datapoints to another account.")
class DatapointTransferRequest:
    datapoints: int = strawberry.field(description="Datapoints moved to the target account.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, service.DatapointTransferRequest))

    @strawberry.field(description="The account receiving them; null when it is outside your tree.")
    async def target_account(self, info: Info) -> _Account | None:
        request = _of(self, service.DatapointTransferRequest)
        return await visible_account(info, request.target_account_id)  # type: ignore[no-any-return]


ApplicationRequest = Annotated[
    NewAccountRequest
    | ExtensionRequest
    | LicenseChangeRequest
    | RenewalRequest
    | DatapointTransferRequest,
    strawberry.union(
        "ApplicationRequest", description="What an application asks for, by its `kind`."
    ),
]


def _of(obj: object, kind: type[T]) -> T:
    """Strawberry calls field methods with the root (a service dataclass) as `self`."""
    assert isinstance(obj, kind)
    return obj
