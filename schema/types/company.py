"""The Company type. Its runtime objects are `models.Company` objects (a company reached
one at a time) and `models.company.CompanyRow` tuples (the rows of a list): no copy per
row, and every field reads either."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import company as models
from models.company import CompanyCounts as CountValues
from models.company import CompanyRead, CompanyRow
from resolvers import audit as audit_resolvers
from resolvers import company as resolve
from resolvers import credit as credit_resolvers
from resolvers import permissions
from resolvers.paging import Paging
from schema.context import Info
from schema.cost import CONNECTION, Cost
from schema.enums import AuditAction
from schema.errors import ArchiveBlockedError, NotFoundError, ValidationError
from schema.types.common import After, Before, Connection, First, Last, Node, connection
from schema.types.permissions import CompanyViewerCan

if TYPE_CHECKING:
    from schema.types.audit import AuditEvent


@strawberry.type(description="How many of each hang below a company.")
class CompanyCounts:
    """Its runtime objects are `models.company.CompanyCounts` values: a list of companies
    fetches them for the whole page at once (resolvers/company.py), so these fields are
    plain attributes, not one awaited load per row and field."""

    children: int = strawberry.field(description="Children that are not archived.")
    users: int = strawberry.field(description="Active users of this company itself.")
    devices: int = strawberry.field(description="Registered devices of this company itself.")

    @strawberry.field(
        graphql_type=int,
        description="All companies below, at any depth, that are not archived.",
    )
    def descendants(self, info: Info) -> int | Awaitable[int]:
        values = _count_values(self)
        if values.descendants is not None:
            return values.descendants
        return resolve.descendant_count(info, values.company_id)


def _count_values(obj: object) -> CountValues:
    assert isinstance(obj, CountValues)
    return obj


@strawberry.type(description="A company of the tree: the platform, a partner, a customer, a site.")
class Company(Node):
    name: str = strawberry.field(description="The company's name, 1 to 200 characters.")
    country_code: str = strawberry.field(description="Its country, ISO 3166-1 alpha-2 (e.g. `ES`).")
    use_parent_credits: bool = strawberry.field(
        description="Charges are paid from the parent's balance (and up, while set)."
    )
    archived_at: datetime | None = strawberry.field(
        description="When it was archived; null while it is not."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Company, CompanyRow))

    @strawberry.field(
        description="What the caller may do with this company (decided as the mutations decide)."
    )
    def viewer_can(self, info: Info) -> CompanyViewerCan:
        return permissions.company(info, _row(self))  # type: ignore[return-value]

    @strawberry.field(description="Levels below the caller's own company (which is 0).")
    def depth(self, info: Info) -> int:
        return _row(self).depth - info.context.require_actor().company_depth

    @strawberry.field(description="Null for the caller's own company: its parent is out of scope.")
    async def parent(self, info: Info) -> Company | None:
        return await resolve.parent(info, _row(self))  # type: ignore[return-value]

    @strawberry.field(
        description="The breadcrumb from the caller's own company down to the parent."
    )
    async def ancestors(self, info: Info) -> list[Company]:
        return await resolve.ancestors(info, _row(self))  # type: ignore[return-value]

    @strawberry.field(
        description="The companies right below it, in tree order.", directives=[CONNECTION]
    )
    async def children(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Include archived children; default: false.")
        ] = False,
    ) -> Connection[Company]:
        page = await resolve.children(
            info,
            _row(self),
            paging=Paging(first, after, last, before),
            include_archived=include_archived,
        )
        return connection(page)

    # A subtree per row is a statement per row (not batched): priced so that a list's rows
    # cannot each ask for theirs (50 at most within the default budget).
    @strawberry.field(
        description="Depth-first, to `maxDepth` levels below (all when omitted).",
        directives=[CONNECTION, Cost(weight=1000)],
    )
    async def descendants(
        self,
        info: Info,
        max_depth: Annotated[
            int | None,
            strawberry.argument(
                description="Levels below this company to include (1: its children); default: all."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        include_archived: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "Include archived companies (and what hangs below them); default: false."
                )
            ),
        ] = False,
    ) -> Connection[Company]:
        page = await resolve.descendants(
            info,
            _row(self),
            max_depth=max_depth,
            paging=Paging(first, after, last, before),
            include_archived=include_archived,
        )
        return connection(page)

    # Nullable: a caller whose role may not read credits gets null and a FORBIDDEN error
    # for this field, not a hole in the list that holds the company.
    @strawberry.field(description="Credits available (ADMINISTRATOR and above).")
    async def credit_balance(self, info: Info) -> int | None:
        return await credit_resolvers.balance(info, _model(self))

    @strawberry.field(description="Where its device charges are paid from.")
    async def credit_payer(self, info: Info) -> CreditPayer | None:
        payer = await credit_resolvers.payer(info, _model(self))
        return CreditPayer(levels_up=payer.levels_up, payer=payer.company)

    @strawberry.field(
        description="How many children, users and devices hang below it.",
        graphql_type=CompanyCounts,
    )
    def counts(self, info: Info) -> CountValues | Awaitable[CountValues]:
        company = _row(self)
        # Fetched with the page when this company came in a list; else batched loads.
        if isinstance(company, CompanyRow) and company.counts is not None:
            return company.counts
        return resolve.counts(info, company)

    @strawberry.field(
        description="Its own audit trail: what was done to the company itself (ADMINISTRATOR).",
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
        row = _row(self)
        target = ("Company", row.id)
        page = Paging(first, after, last, before)
        return connection(await audit_resolvers.history(info, target, row.id, page))

    @strawberry.field(
        description=(
            "The audit trail of this company and (by default) its descendants, newest first "
            "(ADMINISTRATOR and above); as `Query.auditEvents`."
        ),
        directives=[CONNECTION, Cost(weight=1000)],
    )
    async def audit_events(
        self,
        info: Info,
        include_descendants: Annotated[
            bool,
            strawberry.argument(
                description="Also the entries of the companies below it; default: true."
            ),
        ] = True,
        actor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only what this user did (a user of your tree); default: anyone."
            ),
        ] = None,
        actions: Annotated[
            list[AuditAction] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only these actions; default: all."),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description=(
                    "Only entries at or after this instant (inclusive); default: from the start."
                )
            ),
        ] = None,
        until: Annotated[
            datetime | None,
            strawberry.argument(
                description="Only entries before this instant (exclusive); default: up to now."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[AuditEvent, strawberry.lazy("schema.types.audit")]]:
        page = await audit_resolvers.events(
            info,
            company_id=_row(self).id,
            include_descendants=include_descendants,
            actor_id=actor_id,
            actions=actions,
            since=since,
            until=until,
            paging=Paging(first, after, last, before),
            owner=_row(self).id,
        )
        return connection(page)


def _row(obj: object) -> CompanyRead:
    """Strawberry calls field methods with the root object, a models.Company or a
    CompanyRow, as `self`."""
    assert isinstance(obj, (models.Company, CompanyRow))
    return obj


def _model(obj: object) -> models.Company:
    """The root as a `models.Company`, for code typed to the model (it only reads it)."""
    row = _row(obj)
    return row.as_model() if isinstance(row, CompanyRow) else row


@strawberry.type(description="Who pays this company's device charges.")
class CreditPayer:
    levels_up: int = strawberry.field(
        description="0: the company itself; 1: its parent (useParentCredits); and so on."
    )
    payer: strawberry.Private[models.Company]

    @strawberry.field(description="The paying company; null when above the caller's tree.")
    def company(self, info: Info) -> Company | None:
        actor = info.context.require_actor()
        if not self.payer.path.startswith(actor.company_path):
            return None
        return self.payer  # type: ignore[return-value]


@strawberry.type(description="The company, as it is now.")
class CompanyPayload:
    company: Company = strawberry.field(description="The company created or changed.")


CompanyCreateResult = Annotated[
    CompanyPayload | ValidationError | NotFoundError,
    strawberry.union(
        "CompanyCreateResult", description="The new company, or why it was not created."
    ),
]
CompanyRenameResult = Annotated[
    CompanyPayload | ValidationError | NotFoundError,
    strawberry.union(
        "CompanyRenameResult", description="The renamed company, or why it was not renamed."
    ),
]
CompanyArchiveResult = Annotated[
    CompanyPayload | ArchiveBlockedError | ValidationError | NotFoundError,
    strawberry.union(
        "CompanyArchiveResult", description="The archived company, or why it was not archived."
    ),
]
CompanySetUseParentCreditsResult = Annotated[
    CompanyPayload | ValidationError | NotFoundError,
    strawberry.union(
        "CompanySetUseParentCreditsResult", description="The company, or why it was not changed."
    ),
]
