"""The Invitation type; runtime objects are `models.Invitation` rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import user as models
from models.base import utcnow
from schema.context import Info
from schema.enums import InvitationStatus, Role
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.types.common import Node
from schema.types.company import Company
from services import invitation as service


@strawberry.type(description="An email address invited into a company with a role.")
class Invitation(Node):
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    created_at: datetime
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, models.Invitation))

    @strawberry.field
    def status(self) -> InvitationStatus:  # type: ignore[valid-type]
        return service.status_of(_model(self), utcnow())

    @strawberry.field
    async def company(self, info: Info) -> Company:
        company = await info.context.loaders.company_by_id.load(_model(self).company_id)
        assert company is not None  # a non-null foreign key
        return company  # type: ignore[return-value]


def _model(obj: object) -> models.Invitation:
    assert isinstance(obj, models.Invitation)
    return obj


@strawberry.type
class InvitationPayload:
    invitation: Invitation


UserInviteResult = Annotated[
    InvitationPayload | ValidationError | ConflictError | NotFoundError,
    strawberry.union("UserInviteResult"),
]
InvitationResendResult = Annotated[
    InvitationPayload | ValidationError | NotFoundError,
    strawberry.union("InvitationResendResult"),
]
InvitationRevokeResult = Annotated[
    InvitationPayload | ValidationError | NotFoundError,
    strawberry.union("InvitationRevokeResult"),
]
