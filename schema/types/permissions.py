"""The `viewerCan` types: what the signed-in user may do with an object.

Their runtime objects are the dataclasses of services/permissions.py (read by attribute).
A field is true when the mutation it names would not refuse the caller as such (FORBIDDEN,
or a rule about who they are: acting on themselves, a higher role); the mutation may still
answer a typed error that depends on the state at that moment (archived, balance, decided)."""

from __future__ import annotations

import strawberry

from schema.enums import Role

_STATE = " The mutation may still answer a typed error about the state at that moment."


@strawberry.type(description="What the caller may do with a company." + _STATE)
class CompanyViewerCan:
    read_accounts: bool = strawberry.field(description="Read its accounts (`Company.accounts`).")
    read_applications: bool = strawberry.field(
        description="Read its applications (`applications` with this company in scope)."
    )
    read_credits: bool = strawberry.field(
        description="Read its balance and ledger (`Company.credits`, `ledgerEntries`)."
    )
    read_audit_trail: bool = strawberry.field(
        description="Read its audit trail (`auditEvents`, `history`)."
    )
    rename: bool = strawberry.field(description="Rename it (`companyRename`).")
    archive: bool = strawberry.field(
        description="Archive it (`companyArchive`; never one's own company)."
    )
    create_child: bool = strawberry.field(
        description="Create a company under it (`companyCreate` with it as `parentId`)."
    )
    set_use_parent_credits: bool = strawberry.field(
        description="Turn its use of the parent's credits on or off (`companySetUseParentCredits`)."
    )
    invite_users: bool = strawberry.field(
        description="Invite users into it, and resend or revoke its invitations (`userInvite`)."
    )
    invitable_roles: list[Role] = strawberry.field(  # type: ignore[valid-type]
        description="The roles an invitation into it may give, lowest first; empty when none."
    )
    register_devices: bool = strawberry.field(
        description="Register devices into it (`deviceRegister`)."
    )
    request_accounts: bool = strawberry.field(
        description="Request a new account for it (`accountRequest`)."
    )
    move_credits: bool = strawberry.field(
        description=(
            "Move credits between it and its parent, either way (`creditMove`): both must be"
            " in the caller's scope, so never for the caller's own company."
        )
    )
    grant_credits: bool = strawberry.field(
        description="Grant (sell) credits to it (`creditGrant`; the platform's administrators)."
    )


@strawberry.type(description="What the caller may do with a user." + _STATE)
class UserViewerCan:
    change_role: bool = strawberry.field(
        description="Change their role (`userChangeRole`): never oneself nor a higher role."
    )
    assignable_roles: list[Role] = strawberry.field(  # type: ignore[valid-type]
        description="The roles `userChangeRole` may give them, lowest first; empty when none."
    )
    deactivate: bool = strawberry.field(description="Deactivate them (`userDeactivate`).")
    reactivate: bool = strawberry.field(description="Reactivate them (`userReactivate`).")


@strawberry.type(description="What the caller may do with an invitation." + _STATE)
class InvitationViewerCan:
    resend: bool = strawberry.field(
        description="Send it again with a new link (`invitationResend`)."
    )
    revoke: bool = strawberry.field(description="Close it (`invitationRevoke`).")


@strawberry.type(description="What the caller may do with a device." + _STATE)
class DeviceViewerCan:
    rename: bool = strawberry.field(description="Rename it (`deviceRename`).")
    unregister: bool = strawberry.field(description="Unregister it (`deviceUnregister`).")


@strawberry.type(description="What the caller may do with an account." + _STATE)
class AccountViewerCan:
    request_changes: bool = strawberry.field(
        description=(
            "File applications about it: an extension, a license change, a renewal or a"
            " datapoint transfer (`accountExtensionRequest` and the others)."
        )
    )


@strawberry.type(description="What the caller may do with an application." + _STATE)
class ApplicationViewerCan:
    approve: bool = strawberry.field(
        description="Approve it (`applicationApprove`; the platform desk)."
    )
    reject: bool = strawberry.field(
        description="Reject it (`applicationReject`; the platform desk)."
    )
    cancel: bool = strawberry.field(
        description="Cancel it while pending (`applicationCancel`; the applicant side)."
    )
