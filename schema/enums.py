"""GraphQL enums over the domain's enums (kept apart so inputs can use them without cycles)."""

from __future__ import annotations

import strawberry

from models import account as account_models
from models import credit as credit_models
from models import device as device_models
from models import event as event_models
from models.audit import ActorKind as AuditActorKindModel
from models.user import Role as RoleModel
from services import account as account_service
from services import audit as audit_service
from services.invitation import InvitationStatus as InvitationStatusModel

Role = strawberry.enum(RoleModel, description="Lowest to highest: USER < ... < SUPERADMIN.")
InvitationStatus = strawberry.enum(InvitationStatusModel)
BillingUnit = strawberry.enum(account_models.BillingUnit)
Sector = strawberry.enum(account_models.Sector)
PaymentMethod = strawberry.enum(account_models.PaymentMethod)
CardType = strawberry.enum(account_models.CardType)
ApplicationKind = strawberry.enum(account_models.ApplicationKind)
ApplicationStatus = strawberry.enum(account_models.ApplicationStatus)
AccountStatus = strawberry.enum(
    account_service.AccountStatus, description="EXPIRED follows from the expiry date."
)
DeviceStatus = strawberry.enum(device_models.DeviceStatus)
EntryKind = strawberry.enum(credit_models.EntryKind)
AuditAction = strawberry.enum(
    audit_service.AuditAction,
    name="AuditAction",
    description="What an audit event records; `actionName` gives the stable dotted name.",
)
AuditActorKind = strawberry.enum(
    AuditActorKindModel,
    name="AuditActorKind",
    description="USER: a signed-in user; SYSTEM: a job or the CLI; ANONYMOUS: nobody signed in.",
)
ApplicationEventKind = strawberry.enum(
    event_models.ApplicationEventKind, description="What happened to an application."
)
DeviceEventKind = strawberry.enum(
    event_models.DeviceEventKind, description="What happened to a device."
)
AccountEventKind = strawberry.enum(
    event_models.AccountEventKind, description="What happened to an account's status or expiry."
)
