"""Mutation inputs: one input object per mutation."""

from __future__ import annotations

import strawberry

from schema.enums import Role


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class TokenRefreshInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.input
class CompanyCreateInput:
    parent_id: strawberry.ID
    name: str
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. ES.")
    use_parent_credits: bool = False


@strawberry.input
class CompanyRenameInput:
    id: strawberry.ID
    name: str


@strawberry.input
class CompanyArchiveInput:
    id: strawberry.ID


@strawberry.input
class CompanySetUseParentCreditsInput:
    id: strawberry.ID
    use_parent_credits: bool


@strawberry.input
class UserInviteInput:
    company_id: strawberry.ID
    email: str
    role: Role  # type: ignore[valid-type]
    name: str = strawberry.field(default="", description="Shown in the mail; optional.")


@strawberry.input
class InvitationResendInput:
    id: strawberry.ID


@strawberry.input
class InvitationRevokeInput:
    id: strawberry.ID


@strawberry.input
class InvitationAcceptInput:
    token: str = strawberry.field(description="From the link in the invitation mail.")
    password: str = strawberry.field(description="At least 12 characters, not a common one.")
    name: str | None = None


@strawberry.input
class UserChangeRoleInput:
    id: strawberry.ID
    role: Role  # type: ignore[valid-type]


@strawberry.input
class UserDeactivateInput:
    id: strawberry.ID


@strawberry.input
class UserReactivateInput:
    id: strawberry.ID


@strawberry.input
class PasswordChangeInput:
    current_password: str
    new_password: str


@strawberry.input
class PasswordResetRequestInput:
    email: str


@strawberry.input
class PasswordResetInput:
    token: str = strawberry.field(description="From the link in the reset mail.")
    new_password: str


@strawberry.input
class ProfileUpdateInput:
    name: str
