"""`viewerCan` of each type: the actor's permissions on one object (services/permissions).

No query of its own: the object's company comes from the request's loaders (one batched load
for a page, usually cached already), or is the object itself."""

from __future__ import annotations

from models.company import CompanyRead
from models.user import Role
from policies.scope import TreePlace
from schema.context import Info
from services import permissions


async def _company(info: Info, company_id: int) -> TreePlace:
    actor = info.context.require_actor()
    if actor.company is not None and actor.company_id == company_id:
        return actor.company
    company = await info.context.loaders.company_by_id.load(company_id)
    assert company is not None  # a non-null foreign key of a row in the caller's scope
    return company


def company(info: Info, row: CompanyRead) -> permissions.CompanyPermissions:
    return permissions.company_permissions(info.context.require_actor(), row)


async def user(
    info: Info, *, user_id: int, role: Role, company_id: int
) -> permissions.UserPermissions:
    place = await _company(info, company_id)
    actor = info.context.require_actor()
    return permissions.user_permissions(actor, user_id=user_id, role=role, company=place)


async def invitation(
    info: Info, *, role: Role, company_id: int
) -> permissions.InvitationPermissions:
    place = await _company(info, company_id)
    actor = info.context.require_actor()
    return permissions.invitation_permissions(actor, role=role, company=place)


async def device(info: Info, company_id: int) -> permissions.DevicePermissions:
    place = await _company(info, company_id)
    return permissions.device_permissions(info.context.require_actor(), place)


async def account(info: Info, company_id: int) -> permissions.AccountPermissions:
    place = await _company(info, company_id)
    return permissions.account_permissions(info.context.require_actor(), place)


async def application(info: Info, company_id: int) -> permissions.ApplicationPermissions:
    place = await _company(info, company_id)
    return permissions.application_permissions(info.context.require_actor(), place)
