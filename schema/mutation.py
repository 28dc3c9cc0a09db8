"""Root Mutation: one input object each, a result union of payload and typed errors."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import account, auth, invitation, user
from resolvers import company as company_resolvers
from resolvers import credit as credit_resolvers
from resolvers import device as device_resolvers
from schema.context import Info
from schema.errors import result_of
from schema.inputs import (
    AccountExtensionRequestInput,
    AccountLicenseChangeRequestInput,
    AccountRenewalRequestInput,
    AccountRequestInput,
    ApplicationApproveInput,
    ApplicationCancelInput,
    ApplicationRejectInput,
    CompanyArchiveInput,
    CompanyCreateInput,
    CompanyRenameInput,
    CompanySetUseParentCreditsInput,
    CreditGrantInput,
    CreditMoveInput,
    DatapointTransferRequestInput,
    DeviceRegisterInput,
    DeviceRenameInput,
    DeviceUnregisterInput,
    InvitationAcceptInput,
    InvitationResendInput,
    InvitationRevokeInput,
    LicenseCreateInput,
    LoginInput,
    LogoutInput,
    PasswordChangeInput,
    PasswordResetInput,
    PasswordResetRequestInput,
    ProfileUpdateInput,
    TokenRefreshInput,
    UserChangeRoleInput,
    UserDeactivateInput,
    UserInviteInput,
    UserReactivateInput,
)
from schema.types.account import (
    ApplicationPayload,
    ApplicationResult,
    LicenseCreateResult,
    LicensePayload,
)
from schema.types.auth import (
    AuthPayload,
    InvitationAcceptResult,
    LoginResult,
    LogoutResult,
    OkPayload,
    PasswordChangeResult,
    PasswordResetRequestResult,
    PasswordResetResult,
    TokenRefreshResult,
)
from schema.types.company import (
    CompanyArchiveResult,
    CompanyCreateResult,
    CompanyPayload,
    CompanyRenameResult,
    CompanySetUseParentCreditsResult,
)
from schema.types.credit import (
    CreditGrantPayload,
    CreditGrantResult,
    CreditMovePayload,
    CreditMoveResult,
)
from schema.types.device import (
    DevicePayload,
    DeviceRegisterResult,
    DeviceRenameResult,
    DeviceUnregisterResult,
)
from schema.types.invitation import (
    InvitationPayload,
    InvitationResendResult,
    InvitationRevokeResult,
    UserInviteResult,
)
from schema.types.user import (
    ProfileUpdateResult,
    UserChangeRoleResult,
    UserDeactivateResult,
    UserPayload,
    UserReactivateResult,
)

# Every mutation takes one `input`; its fields are described on its input type.
INPUT = strawberry.argument(
    description="What the mutation acts on and with (see the input type's fields)."
)

# The payload builders: each wraps what a resolver returns (model rows are the types' roots).


def _company(company: Any) -> CompanyPayload:
    return CompanyPayload(company=company)


def _user(row: Any) -> UserPayload:
    return UserPayload(user=row)


def _invitation(row: Any) -> InvitationPayload:
    return InvitationPayload(invitation=row)


def _ok(_: Any) -> OkPayload:
    return OkPayload()


def _application(row: Any) -> ApplicationPayload:
    return ApplicationPayload(application=row)


def _license(row: Any) -> LicensePayload:
    return LicensePayload(license=row)


def _device(row: Any) -> DevicePayload:
    return DevicePayload(device=row)


def _grant(row: Any) -> CreditGrantPayload:
    return CreditGrantPayload(entry=row)


@strawberry.type(
    description=(
        "Every change. Each takes one `input`, runs in one transaction and answers its payload or "
        "a typed error (see `Error`)."
    )
)
class Mutation:
    # --- signing in ---------------------------------------------------------------------

    @strawberry.mutation(description="Sign in with email and password.")
    async def login(self, info: Info, input: Annotated[LoginInput, INPUT]) -> LoginResult:
        return await result_of(auth.login(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(description="Exchange a refresh token for a new token pair.")
    async def token_refresh(
        self, info: Info, input: Annotated[TokenRefreshInput, INPUT]
    ) -> TokenRefreshResult:
        return await result_of(auth.token_refresh(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(description="Revoke the session the refresh token belongs to.")
    async def logout(self, info: Info, input: Annotated[LogoutInput, INPUT]) -> LogoutResult:
        return await result_of(auth.logout(info, input), _ok)  # type: ignore[return-value]

    # --- companies ----------------------------------------------------------------------

    @strawberry.mutation(description="Create a company under `parentId`.")
    async def company_create(
        self, info: Info, input: Annotated[CompanyCreateInput, INPUT]
    ) -> CompanyCreateResult:
        return await result_of(company_resolvers.create(info, input), _company)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Rename a company (ADMINISTRATOR of it or above it). A name is 1 to 200 characters."
        )
    )
    async def company_rename(
        self, info: Info, input: Annotated[CompanyRenameInput, INPUT]
    ) -> CompanyRenameResult:
        return await result_of(company_resolvers.rename(info, input), _company)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Archive an empty company (no active users, children, devices or credits)."
    )
    async def company_archive(
        self, info: Info, input: Annotated[CompanyArchiveInput, INPUT]
    ) -> CompanyArchiveResult:
        return await result_of(company_resolvers.archive(info, input), _company)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Whether a company's device charges are paid from its parent's credits (true) or"
            " its own (false) (ADMINISTRATOR above it)."
        )
    )
    async def company_set_use_parent_credits(
        self, info: Info, input: Annotated[CompanySetUseParentCreditsInput, INPUT]
    ) -> CompanySetUseParentCreditsResult:
        return await result_of(  # type: ignore[return-value]
            company_resolvers.set_use_parent_credits(info, input), _company
        )

    # --- users and invitations ----------------------------------------------------------

    @strawberry.mutation(description="Invite an email address into a company; mails a link.")
    async def user_invite(
        self, info: Info, input: Annotated[UserInviteInput, INPUT]
    ) -> UserInviteResult:
        return await result_of(invitation.invite(info, input), _invitation)  # type: ignore[return-value]

    @strawberry.mutation(description="Mail the invitation again with a new link; the old dies.")
    async def invitation_resend(
        self, info: Info, input: Annotated[InvitationResendInput, INPUT]
    ) -> InvitationResendResult:
        return await result_of(invitation.resend(info, input), _invitation)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Close a pending invitation: its link stops working (ADMINISTRATOR)."
    )
    async def invitation_revoke(
        self, info: Info, input: Annotated[InvitationRevokeInput, INPUT]
    ) -> InvitationRevokeResult:
        return await result_of(invitation.revoke(info, input), _invitation)  # type: ignore[return-value]

    @strawberry.mutation(description="Set a password and create the user; signs them in.")
    async def invitation_accept(
        self, info: Info, input: Annotated[InvitationAcceptInput, INPUT]
    ) -> InvitationAcceptResult:
        return await result_of(invitation.accept(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Give a user another role, at most your own; not yourself (ADMINISTRATOR)."
    )
    async def user_change_role(
        self, info: Info, input: Annotated[UserChangeRoleInput, INPUT]
    ) -> UserChangeRoleResult:
        return await result_of(user.change_role(info, input), _user)  # type: ignore[return-value]

    @strawberry.mutation(description="Deactivate a user: every token they hold stops working.")
    async def user_deactivate(
        self, info: Info, input: Annotated[UserDeactivateInput, INPUT]
    ) -> UserDeactivateResult:
        return await result_of(user.set_active(info, input, active=False), _user)  # type: ignore[return-value]

    @strawberry.mutation(description="Let a deactivated user sign in again (ADMINISTRATOR).")
    async def user_reactivate(
        self, info: Info, input: Annotated[UserReactivateInput, INPUT]
    ) -> UserReactivateResult:
        return await result_of(user.set_active(info, input, active=True), _user)  # type: ignore[return-value]

    @strawberry.mutation(description="Change your own password; returns a new token pair.")
    async def password_change(
        self, info: Info, input: Annotated[PasswordChangeInput, INPUT]
    ) -> PasswordChangeResult:
        return await result_of(user.change_password(info, input), AuthPayload.of)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Mail a reset link if the address has an account; the answer is the same."
    )
    async def password_reset_request(
        self, info: Info, input: Annotated[PasswordResetRequestInput, INPUT]
    ) -> PasswordResetRequestResult:
        return await result_of(user.request_password_reset(info, input), _ok)  # type: ignore[return-value]

    @strawberry.mutation(description="Set a new password with the token from the reset mail.")
    async def password_reset(
        self, info: Info, input: Annotated[PasswordResetInput, INPUT]
    ) -> PasswordResetResult:
        return await result_of(user.reset_password(info, input), _ok)  # type: ignore[return-value]

    @strawberry.mutation(description="Edit your own name.")
    async def profile_update(
        self, info: Info, input: Annotated[ProfileUpdateInput, INPUT]
    ) -> ProfileUpdateResult:
        return await result_of(user.update_profile(info, input), _user)  # type: ignore[return-value]

    # --- accounts and their applications ------------------------------------------------

    @strawberry.mutation(description="Apply for a new account (NEW_ACCOUNT).")
    async def account_request(
        self, info: Info, input: Annotated[AccountRequestInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.request_account(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="Apply to add datapoints, meters, PODs, RtM, RTC or SMS.")
    async def account_extension_request(
        self, info: Info, input: Annotated[AccountExtensionRequestInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.request_extension(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="Apply to change the account's license.")
    async def account_license_change_request(
        self, info: Info, input: Annotated[AccountLicenseChangeRequestInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.request_license_change(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Apply to renew for 12 months from the later of now and expiry."
    )
    async def account_renewal_request(
        self, info: Info, input: Annotated[AccountRenewalRequestInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.request_renewal(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="Apply to move datapoints to another account.")
    async def datapoint_transfer_request(
        self, info: Info, input: Annotated[DatapointTransferRequestInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.request_transfer(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="The platform desk approves: the change applies at once.")
    async def application_approve(
        self, info: Info, input: Annotated[ApplicationApproveInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.approve(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="The platform desk rejects, saying why.")
    async def application_reject(
        self, info: Info, input: Annotated[ApplicationRejectInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.reject(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="The applicant side withdraws a pending application.")
    async def application_cancel(
        self, info: Info, input: Annotated[ApplicationCancelInput, INPUT]
    ) -> ApplicationResult:
        return await result_of(account.cancel(info, input), _application)  # type: ignore[return-value]

    @strawberry.mutation(description="Add a custom license to the catalog (platform desk).")
    async def license_create(
        self, info: Info, input: Annotated[LicenseCreateInput, INPUT]
    ) -> LicenseCreateResult:
        return await result_of(account.create_license(info, input), _license)  # type: ignore[return-value]

    # --- devices and credits --------------------------------------------------------------

    @strawberry.mutation(description="Register a device; charges one credit to the payer.")
    async def device_register(
        self, info: Info, input: Annotated[DeviceRegisterInput, INPUT]
    ) -> DeviceRegisterResult:
        return await result_of(device_resolvers.register(info, input), _device)  # type: ignore[return-value]

    @strawberry.mutation(description="Rename a device (ADVANCED_USER and above).")
    async def device_rename(
        self, info: Info, input: Annotated[DeviceRenameInput, INPUT]
    ) -> DeviceRenameResult:
        return await result_of(device_resolvers.rename(info, input), _device)  # type: ignore[return-value]

    @strawberry.mutation(description="Unregister a device; the unused days are lost.")
    async def device_unregister(
        self, info: Info, input: Annotated[DeviceUnregisterInput, INPUT]
    ) -> DeviceUnregisterResult:
        return await result_of(device_resolvers.unregister(info, input), _device)  # type: ignore[return-value]

    @strawberry.mutation(description="Sell credits to a company (platform desk).")
    async def credit_grant(
        self, info: Info, input: Annotated[CreditGrantInput, INPUT]
    ) -> CreditGrantResult:
        return await result_of(credit_resolvers.grant(info, input), _grant)  # type: ignore[return-value]

    @strawberry.mutation(description="Move credits between a company and one of its children.")
    async def credit_move(
        self, info: Info, input: Annotated[CreditMoveInput, INPUT]
    ) -> CreditMoveResult:
        return await result_of(credit_resolvers.move(info, input), CreditMovePayload.of)  # type: ignore[return-value]
