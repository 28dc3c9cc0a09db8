"""Accounts, licenses and applications; runtime objects are the model rows, and for an
account, also `models.account.AccountRow` tuples (a device's account that came with its
page): every field of Account reads either."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import account as models
from models.base import utcnow
from policies.scope import relation_of
from resolvers import audit as audit_resolvers
from resolvers import permissions
from resolvers.paging import Paging
from schema.context import Info
from schema.cost import CONNECTION, Cost
from schema.enums import (
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    BillingUnit,
    CardType,
    PaymentMethod,
    Sector,
)
from schema.errors import NotFoundError, ValidationError
from schema.types.common import After, Before, Connection, First, Last, Node, company_of, connection
from schema.types.company import Company
from schema.types.permissions import AccountViewerCan, ApplicationViewerCan
from schema.types.terms import AccountTerms, ApplicationRequest, visible_account
from services import account as service
from services import application_terms as terms
from services.application import may_read_applications

if TYPE_CHECKING:
    from schema.types.audit import AuditEvent


@strawberry.type(description="A license of the catalog.")
class License(Node):
    code: str = strawberry.field(description="Its stable code, e.g. `STARTER_DP`.")
    name: str = strawberry.field(description="Its name, for people.")
    billing_unit: BillingUnit = strawberry.field(description="What it counts and charges by.")  # type: ignore[valid-type]
    rank: int = strawberry.field(description="Starter < Professional < ... within a unit.")
    is_custom: bool = strawberry.field(
        description=(
            "Added by the platform's staff (`licenseCreate`), not one of the seeded licenses."
        )
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.License))


@strawberry.type(description="A licensed subscription of a company.")
class Account(Node):
    name: str = strawberry.field(
        description="The account's name (the project), as the company calls it."
    )
    customer_name: str = strawberry.field(description="The customer the project is for.")
    datapoints: int = strawberry.field(description="Contracted (datapoint licenses).")
    meters: int = strawberry.field(
        description="Meters contracted (meter licenses; 0 on datapoint licenses)."
    )
    pods: int = strawberry.field(description="Bill management: PODs / CUPS.")
    realtime_meters: int = strawberry.field(
        description="Real-time meters (RtM) of bill management (meter licenses)."
    )
    rtc_lines: int = strawberry.field(description="Meters read through the utility's modem.")
    sms_credits: int = strawberry.field(description="SMS alerts the account may send.")
    period_months: int = strawberry.field(
        description="How long the account runs from its start, in months (12 unless asked)."
    )
    sector: Sector = strawberry.field(description="The customer's line of business.")  # type: ignore[valid-type]
    payment_method: PaymentMethod = strawberry.field(description="How the license is paid.")  # type: ignore[valid-type]
    card_type: CardType | None = strawberry.field(  # type: ignore[valid-type]
        description="The card, when paid by CREDIT_CARD; else null."
    )
    email_domain: str | None = strawberry.field(
        description="The domain the account's outgoing mail is sent from; null: the platform's."
    )
    comment: str | None = strawberry.field(
        description="A free note from the requester; null when none."
    )
    starts_at: datetime | None = strawberry.field(
        description="When the account started (its approval); null while pending."
    )
    expires_at: datetime | None = strawberry.field(
        description="When its period ends (EXPIRED after it); null while pending."
    )
    created_at: datetime = strawberry.field(description="When it was requested.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Account, models.AccountRow))

    @strawberry.field(description="What the caller may do with this account.")
    async def viewer_can(self, info: Info) -> AccountViewerCan:
        return await permissions.account(info, _account(self).company_id)  # type: ignore[return-value]

    @strawberry.field(description="Where the account stands (EXPIRED follows from `expiresAt`).")
    def status(self) -> AccountStatus:  # type: ignore[valid-type]
        return service.status_of(_model(self), utcnow())

    # Sync fields: a page of accounts brings these along (resolvers/account.py), so a row
    # costs no awaitable; an account reached otherwise falls back to batched loads.
    @strawberry.field(
        description="The license of the catalog it is billed by.", graphql_type=License
    )
    def license(self, info: Info) -> Any:
        account = _account(self)
        loaders = info.context.loaders
        return info.context.prefetched_or(
            account, "license", lambda: loaders.license_by_id.load(account.license_id)
        )

    @strawberry.field(description="The company whose account it is.", graphql_type=Company)
    def company(self, info: Info) -> Any:
        return company_of(info, _account(self))

    @strawberry.field(
        graphql_type=int, description="Datapoints of the registered devices bound to the account."
    )
    def datapoints_used(self, info: Info) -> Any:
        account = _account(self)
        loaders = info.context.loaders
        return info.context.prefetched_or(
            account, "usage", lambda: loaders.datapoints_used_by_account_id.load(account.id)
        )

    @strawberry.field(graphql_type=int, description="Contracted minus used.")
    def datapoints_left(self, info: Info) -> Any:
        account = _account(self)
        used = info.context.prefetched.get((account, "usage"))
        if used is not None:
            return account.datapoints - used
        return _datapoints_left(info, account)

    @strawberry.field(description="The application under review, if any.")
    async def pending_application(self, info: Info) -> Application | None:
        account = _account(self)
        if account.pending_application_id is None:
            return None
        # Reading applications is SUPERADMIN (or desk) business; reading accounts is not.
        actor = info.context.require_actor()
        company = await info.context.loaders.company_by_id.load(account.company_id)
        relation = relation_of(actor, company) if company else None
        if relation is None or not may_read_applications(actor, relation):
            return None
        return await info.context.loaders.application_by_id.load(account.pending_application_id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "What was done to the account (requests, decisions applied, reminders), "
            "newest first (ADMINISTRATOR and above)."
        ),
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
        row = _account(self)
        target = ("Account", row.id)
        page = Paging(first, after, last, before)
        return connection(await audit_resolvers.history(info, target, row.company_id, page))


@strawberry.type(description="A requested change of an account, decided by the platform desk.")
class Application(Node):
    kind: ApplicationKind = strawberry.field(description="What it asks for.")  # type: ignore[valid-type]
    status: ApplicationStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    requested_at: datetime = strawberry.field(description="When it was filed.")
    decided_at: datetime | None = strawberry.field(
        description="When it was approved, rejected or cancelled; null while pending."
    )
    reason: str | None = strawberry.field(description="Why it was rejected.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Application))

    @strawberry.field(
        description="The account it is about (for NEW_ACCOUNT, the account it would create)."
    )
    async def account(self, info: Info) -> Account:
        found = await info.context.loaders.account_by_id.load(_application(self).account_id)
        assert found is not None
        return found  # type: ignore[return-value]

    @strawberry.field(description="The receiving account of a datapoint transfer, if visible.")
    async def target_account(self, info: Info) -> Account | None:
        target_id = _application(self).target_account_id
        if target_id is None:
            return None
        return await visible_account(info, target_id)  # type: ignore[no-any-return]

    @strawberry.field(description="What it asks for, typed by `kind`.")
    def request(self) -> ApplicationRequest:
        return terms.request_of(_application(self))  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The account's terms when it was filed; null for NEW_ACCOUNT (no account before)."
        )
    )
    async def before(self, info: Info) -> AccountTerms | None:
        application = _application(self)
        if application.kind is models.ApplicationKind.NEW_ACCOUNT:
            return None
        account = await info.context.loaders.account_by_id.load(application.account_id)
        assert account is not None
        return terms.before(application, account)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The terms approval gives the account: once APPROVED, what it gave; otherwise "
            "what approving it at its decision (or now, while PENDING) would give."
        )
    )
    async def after(self, info: Info) -> AccountTerms:
        application = _application(self)
        account = await info.context.loaders.account_by_id.load(application.account_id)
        assert account is not None
        return terms.after(application, account, utcnow())  # type: ignore[return-value]

    @strawberry.field(description="What the caller may do with this application.")
    async def viewer_can(self, info: Info) -> ApplicationViewerCan:
        company_id = _application(self).company_id
        return await permissions.application(info, company_id)  # type: ignore[return-value]

    @strawberry.field(description="The company of the account.")
    async def company(self, info: Info) -> Company:
        found = await info.context.loaders.company_by_id.load(_application(self).company_id)
        assert found is not None
        return found  # type: ignore[return-value]


async def _datapoints_left(info: Info, account: models.AccountRead) -> int:
    used = await info.context.loaders.datapoints_used_by_account_id.load(account.id)
    return account.datapoints - used


def _account(obj: object) -> models.AccountRead:
    """Strawberry calls field methods with the root object, a models.Account or an
    AccountRow, as `self`."""
    assert isinstance(obj, (models.Account, models.AccountRow))
    return obj


def _model(obj: object) -> models.Account:
    """The root as a `models.Account`, for code typed to the model (it only reads it)."""
    account = _account(obj)
    return account.as_model() if isinstance(account, models.AccountRow) else account


def _application(obj: object) -> models.Application:
    assert isinstance(obj, models.Application)
    return obj


@strawberry.type(description="The application, as it is now.")
class ApplicationPayload:
    application: Application = strawberry.field(description="The application filed or decided.")


@strawberry.type(description="The license, as it is now.")
class LicensePayload:
    license: License = strawberry.field(description="The license created.")


ApplicationResult = Annotated[
    ApplicationPayload | ValidationError | NotFoundError,
    strawberry.union(
        "ApplicationResult", description="The application, or why the request was refused."
    ),
]
LicenseCreateResult = Annotated[
    LicensePayload | ValidationError,
    strawberry.union(
        "LicenseCreateResult", description="The new license, or why it was not created."
    ),
]
