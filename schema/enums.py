"""GraphQL enums over the domain's enums (kept apart so inputs can use them without cycles)."""

from __future__ import annotations

import strawberry

from models.user import Role as RoleModel
from services.invitation import InvitationStatus as InvitationStatusModel

Role = strawberry.enum(RoleModel, description="Lowest to highest: USER < ... < SUPERADMIN.")
InvitationStatus = strawberry.enum(InvitationStatusModel)
