"""What the actor may do with an object: the answers behind the API's `viewerCan` fields.

A client (the portal) shows a button only where the mutation behind it would not refuse the
actor as such. Each answer here asks what that mutation asks, in the same order: the policies
at the object's relation (services/access.can), then the role rules of SPEC section 2 (nobody
acts on a user of a higher role, on themselves, or grants a role above their own). True means
the mutation would answer neither FORBIDDEN nor one of those refusals; whether it succeeds
still depends on the state at that moment (an archived company, a balance, a decided
application), which its typed error then tells.

Everything is computed from rows already loaded (the relation from the company's path), so a
page of objects costs no query: the company of a user, device or account comes from the
request's loaders, batched for the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.user import Role
from policies.actor import Actor
from policies.enforcer import Action, Relation
from policies.scope import TreePlace, relation_of
from services.access import can
from services.application import may_read_applications

# Lowest rank first, so a list of roles reads in the order a picker shows them.
ROLES_LOWEST_FIRST: tuple[Role, ...] = tuple(sorted(Role, key=lambda role: role.rank))


def _allows(actor: Actor, action: Action, relation: Relation | None) -> bool:
    return relation is not None and can(actor, action, relation)


def grantable_roles(actor: Actor) -> list[Role]:
    """The roles the actor may give (invite with, change to): none above its own."""
    return [role for role in ROLES_LOWEST_FIRST if role.rank <= actor.role.rank]


@dataclass(frozen=True, slots=True)
class CompanyPermissions:
    read_accounts: bool
    read_applications: bool
    read_credits: bool
    read_audit_trail: bool
    rename: bool
    archive: bool
    create_child: bool
    set_use_parent_credits: bool
    invite_users: bool
    invitable_roles: list[Role]
    register_devices: bool
    request_accounts: bool
    move_credits: bool
    grant_credits: bool


@dataclass(frozen=True, slots=True)
class _ParentPlace:
    """A company's parent, placed in the tree from the company's own path (no query)."""

    id: int
    parent_id: int | None
    path: str


def _parent_of(company: TreePlace) -> TreePlace | None:
    if company.parent_id is None:
        return None
    segments = company.path.rstrip("/").split("/")[:-1]
    grandparent = int(segments[-2]) if len(segments) >= 2 else None
    return _ParentPlace(company.parent_id, grandparent, "/".join(segments) + "/")


def company_permissions(actor: Actor, company: TreePlace) -> CompanyPermissions:
    relation = relation_of(actor, company)
    parent = _parent_of(company)
    parent_relation = relation_of(actor, parent) if parent is not None else None
    invite = _allows(actor, Action.USER_INVITE, relation)

    def allows(action: Action) -> bool:
        return _allows(actor, action, relation)

    return CompanyPermissions(
        read_accounts=allows(Action.ACCOUNT_READ),
        read_applications=relation is not None and may_read_applications(actor, relation),
        read_credits=allows(Action.CREDIT_READ),
        read_audit_trail=allows(Action.AUDIT_READ),
        rename=allows(Action.COMPANY_RENAME),
        archive=allows(Action.COMPANY_ARCHIVE),
        create_child=allows(Action.COMPANY_CREATE_CHILD),
        set_use_parent_credits=allows(Action.COMPANY_SET_USE_PARENT_CREDITS),
        invite_users=invite,
        invitable_roles=grantable_roles(actor) if invite else [],
        register_devices=allows(Action.DEVICE_REGISTER),
        request_accounts=allows(Action.APPLICATION_REQUEST),
        # creditMove names both companies and asks the policy at each one's relation.
        move_credits=allows(Action.CREDIT_MOVE)
        and _allows(actor, Action.CREDIT_MOVE, parent_relation),
        grant_credits=allows(Action.CREDIT_GRANT),
    )


@dataclass(frozen=True, slots=True)
class UserPermissions:
    change_role: bool
    assignable_roles: list[Role]
    deactivate: bool
    reactivate: bool


def user_permissions(
    actor: Actor, *, user_id: int, role: Role, company: TreePlace
) -> UserPermissions:
    relation = relation_of(actor, company)
    # services/user._managed_user: the policy, then not oneself, then not a higher role.
    manageable = user_id != actor.user_id and role.rank <= actor.role.rank
    change_role = manageable and _allows(actor, Action.USER_CHANGE_ROLE, relation)
    toggle = manageable and _allows(actor, Action.USER_DEACTIVATE, relation)
    return UserPermissions(
        change_role=change_role,
        assignable_roles=grantable_roles(actor) if change_role else [],
        deactivate=toggle,
        reactivate=toggle,
    )


@dataclass(frozen=True, slots=True)
class InvitationPermissions:
    resend: bool
    revoke: bool


def invitation_permissions(
    actor: Actor, *, role: Role, company: TreePlace
) -> InvitationPermissions:
    # services/invitation._open_invitation: the policy, then the invited role not above one's own.
    allowed = _allows(actor, Action.USER_INVITE, relation_of(actor, company))
    allowed = allowed and role.rank <= actor.role.rank
    return InvitationPermissions(resend=allowed, revoke=allowed)


@dataclass(frozen=True, slots=True)
class DevicePermissions:
    rename: bool
    unregister: bool


def device_permissions(actor: Actor, company: TreePlace) -> DevicePermissions:
    relation = relation_of(actor, company)
    return DevicePermissions(
        rename=_allows(actor, Action.DEVICE_RENAME, relation),
        unregister=_allows(actor, Action.DEVICE_UNREGISTER, relation),
    )


@dataclass(frozen=True, slots=True)
class AccountPermissions:
    request_changes: bool  # extension, license change, renewal, datapoint transfer


def account_permissions(actor: Actor, company: TreePlace) -> AccountPermissions:
    return AccountPermissions(
        request_changes=_allows(actor, Action.APPLICATION_REQUEST, relation_of(actor, company))
    )


@dataclass(frozen=True, slots=True)
class ApplicationPermissions:
    approve: bool
    reject: bool
    cancel: bool


def application_permissions(actor: Actor, company: TreePlace) -> ApplicationPermissions:
    relation = relation_of(actor, company)
    decide = _allows(actor, Action.APPLICATION_DECIDE, relation)
    return ApplicationPermissions(
        approve=decide,
        reject=decide,
        cancel=_allows(actor, Action.APPLICATION_CANCEL, relation),
    )
