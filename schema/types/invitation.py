"""The Invitation type; runtime objects are `models.Invitation` rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import user as models
from models.base import utcnow
from resolvers import permissions
from schema.context import Info
from schema.enums import InvitationStatus, Locale, Role
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.types.common import Node
from schema.types.company import Company
from schema.types.permissions import InvitationViewerCan
from services import invitation as service


@strawberry.type(description="An email address invited into a company with a role.")
class Invitation(Node):
    email: str = strawberry.field(description="The address invited (the new user's sign-in email).")
    name: str = strawberry.field(
        description="The name the user will have unless they give another on accepting."
    )
    role: Role = strawberry.field(description="The role the user will have.")  # type: ignore[valid-type]
    locale: Locale = strawberry.field(  # type: ignore[valid-type]
        description="The language of the invitation mail, and the user's once accepted."
    )
    created_at: datetime = strawberry.field(description="When it was first sent.")
    sent_at: datetime = strawberry.field(
        description="When its current link was sent (changed by `invitationResend`)."
    )
    expires_at: datetime = strawberry.field(
        description="When its link stops working (INVITATION_TTL_SECONDS after `sentAt`)."
    )
    accepted_at: datetime | None = strawberry.field(
        description="When it was accepted; null until then."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null unless it was."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Invitation))

    @strawberry.field(description="Where it stands.")
    def status(self) -> InvitationStatus:  # type: ignore[valid-type]
        return service.status_of(_model(self), utcnow())

    @strawberry.field(description="What the caller may do with this invitation.")
    async def viewer_can(self, info: Info) -> InvitationViewerCan:
        row = _model(self)
        return await permissions.invitation(  # type: ignore[return-value]
            info, role=row.role, company_id=row.company_id
        )

    @strawberry.field(description="The company the user will belong to.")
    async def company(self, info: Info) -> Company:
        company = await info.context.loaders.company_by_id.load(_model(self).company_id)
        assert company is not None  # a non-null foreign key
        return company  # type: ignore[return-value]


def _model(obj: object) -> models.Invitation:
    assert isinstance(obj, models.Invitation)
    return obj


@strawberry.type(description="The invitation, as it is now.")
class InvitationPayload:
    invitation: Invitation = strawberry.field(description="The invitation sent or changed.")


UserInviteResult = Annotated[
    InvitationPayload | ValidationError | ConflictError | NotFoundError,
    strawberry.union("UserInviteResult", description="The invitation sent, or why it was refused."),
]
InvitationResendResult = Annotated[
    InvitationPayload | ValidationError | NotFoundError,
    strawberry.union(
        "InvitationResendResult",
        description="The invitation with its new link's dates, or why it was not resent.",
    ),
]
InvitationRevokeResult = Annotated[
    InvitationPayload | ValidationError | NotFoundError,
    strawberry.union(
        "InvitationRevokeResult", description="The revoked invitation, or why it was not revoked."
    ),
]
