"""The User type. Its runtime objects are `models.User` objects and, for a ledger entry's
actor that came with the page, `models.user.UserRow` tuples: every field reads either."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import user as models
from models.company import Company as CompanyModel
from resolvers import audit as audit_resolvers
from resolvers import permissions
from resolvers.paging import Paging
from schema.context import Info
from schema.cost import CONNECTION, Cost
from schema.enums import Locale, Role
from schema.errors import NotFoundError, ValidationError
from schema.types.common import After, Before, Connection, First, Last, Node, connection
from schema.types.company import Company
from schema.types.permissions import UserViewerCan

if TYPE_CHECKING:
    from schema.types.audit import AuditEvent


@strawberry.type(description="A person who signs in, member of one company with one role.")
class User(Node):
    email: str = strawberry.field(description="Their sign-in email, lower case; unique.")
    name: str = strawberry.field(description="Their name.")
    role: Role = strawberry.field(  # type: ignore[valid-type]
        description="Their role in their company (and so in the companies below it)."
    )
    is_active: bool = strawberry.field(description="False when deactivated: they cannot sign in.")
    locale: Locale = strawberry.field(  # type: ignore[valid-type]
        description="The language their mails are written in (set in their profile)."
    )
    created_at: datetime = strawberry.field(
        description="When the user was created (the invitation accepted)."
    )
    last_login_at: datetime | None = strawberry.field(
        description="When they last signed in; null if never."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.User, models.UserRow))

    @strawberry.field(description="The company they belong to.", graphql_type=Company)
    def company(self, info: Info) -> CompanyModel | Awaitable[CompanyModel | None]:
        company_id = _model(self).company_id
        viewer = info.context.actor
        if viewer is not None and viewer.company is not None and viewer.company_id == company_id:
            return viewer.company  # loaded with the viewer on this request
        # users.company_id is a non-null foreign key: the loader always finds it.
        return info.context.loaders.company_by_id.load(company_id)

    @strawberry.field(description="What the caller may do with this user.")
    async def viewer_can(self, info: Info) -> UserViewerCan:
        row = _model(self)
        return await permissions.user(  # type: ignore[return-value]
            info, user_id=row.id, role=row.role, company_id=row.company_id
        )

    @strawberry.field(
        description=(
            "What was done to the user, and their sign-ins, newest first (ADMINISTRATOR and above)."
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
        row = _model(self)
        target = ("User", row.id)
        page = Paging(first, after, last, before)
        return connection(await audit_resolvers.history(info, target, row.company_id, page))


def _model(obj: object) -> models.User | models.UserRow:
    assert isinstance(obj, (models.User, models.UserRow))
    return obj


@strawberry.type(description="The user, as they are now.")
class UserPayload:
    user: User = strawberry.field(description="The user changed.")


UserChangeRoleResult = Annotated[
    UserPayload | ValidationError | NotFoundError,
    strawberry.union(
        "UserChangeRoleResult", description="The user with the new role, or why it was refused."
    ),
]
UserDeactivateResult = Annotated[
    UserPayload | ValidationError | NotFoundError,
    strawberry.union(
        "UserDeactivateResult", description="The deactivated user, or why it was refused."
    ),
]
UserReactivateResult = Annotated[
    UserPayload | ValidationError | NotFoundError,
    strawberry.union(
        "UserReactivateResult", description="The reactivated user, or why it was refused."
    ),
]
ProfileUpdateResult = Annotated[
    UserPayload | ValidationError,
    strawberry.union(
        "ProfileUpdateResult", description="The updated user, or why it was not updated."
    ),
]
