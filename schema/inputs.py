"""Mutation inputs: one input object per mutation."""

from __future__ import annotations

import strawberry

from schema.enums import BillingUnit, CardType, PaymentMethod, Role, Sector


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


@strawberry.input(description="A NEW_ACCOUNT application: the account as it should be.")
class AccountRequestInput:
    company_id: strawberry.ID
    name: str
    customer_name: str
    license_id: strawberry.ID
    sector: Sector  # type: ignore[valid-type]
    payment_method: PaymentMethod  # type: ignore[valid-type]
    card_type: CardType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Required exactly when paying by credit card."
    )
    datapoints: int = strawberry.field(default=0, description="At least 20 (datapoint licenses).")
    meters: int = strawberry.field(default=0, description="At least 1 (meter licenses).")
    pods: int = 0
    realtime_meters: int = 0
    rtc_lines: int = strawberry.field(default=0, description="Companies in Spain only.")
    sms_credits: int = 0
    period_months: int = strawberry.field(default=12, description="1 to 120.")
    email_domain: str | None = None
    comment: str | None = None


@strawberry.input(description="Amounts to add; a negative `datapoints` frees datapoints.")
class AccountExtensionRequestInput:
    account_id: strawberry.ID
    datapoints: int = 0
    meters: int = 0
    pods: int = 0
    realtime_meters: int = 0
    rtc_lines: int = 0
    sms_credits: int = 0


@strawberry.input
class AccountLicenseChangeRequestInput:
    account_id: strawberry.ID
    license_id: strawberry.ID


@strawberry.input
class AccountRenewalRequestInput:
    account_id: strawberry.ID


@strawberry.input(description="Move datapoints from `accountId` to `targetAccountId`.")
class DatapointTransferRequestInput:
    account_id: strawberry.ID
    target_account_id: strawberry.ID
    datapoints: int


@strawberry.input
class ApplicationApproveInput:
    id: strawberry.ID


@strawberry.input
class ApplicationRejectInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class ApplicationCancelInput:
    id: strawberry.ID


@strawberry.input(description="A custom license of the catalog.")
class LicenseCreateInput:
    code: str
    name: str
    billing_unit: BillingUnit  # type: ignore[valid-type]
    rank: int


@strawberry.input(description="Sell credits to a company (platform desk).")
class CreditGrantInput:
    company_id: strawberry.ID
    amount: int = strawberry.field(description="1 to 1,000,000.")
    reason: str = ""
    reference: str | None = strawberry.field(default=None, description="E.g. an invoice number.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key applies once."
    )


@strawberry.input(description="Move credits between a company and one of its children.")
class CreditMoveInput:
    from_company_id: strawberry.ID
    to_company_id: strawberry.ID
    amount: int
    reason: str = ""
    idempotency_key: str | None = None


@strawberry.input(description="Register a device; one credit pays for its first period.")
class DeviceRegisterInput:
    company_id: strawberry.ID
    serial_number: str
    name: str
    model: str
    datapoints: int
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="An account of the same company whose quota it uses."
    )
    idempotency_key: str | None = None


@strawberry.input
class DeviceRenameInput:
    id: strawberry.ID
    name: str


@strawberry.input(description="Unused days of the current credit are lost.")
class DeviceUnregisterInput:
    id: strawberry.ID
