"""Mutation inputs: one input object per mutation."""

from __future__ import annotations

import strawberry

from schema.enums import BillingUnit, CardType, Locale, PaymentMethod, Role, Sector


@strawberry.input(description="The credentials to sign in with.")
class LoginInput:
    email: str = strawberry.field(description="The user's email, any case.")
    password: str = strawberry.field(description="The user's password.")


@strawberry.input(description="The refresh token to exchange.")
class TokenRefreshInput:
    refresh_token: str = strawberry.field(description="The current refresh token (single use).")


@strawberry.input(description="The session to end.")
class LogoutInput:
    refresh_token: str = strawberry.field(description="The session's current refresh token.")


@strawberry.input(description="A new company under a parent of your tree.")
class CompanyCreateInput:
    parent_id: strawberry.ID = strawberry.field(
        description="The company it goes under (ADMINISTRATOR of it or above; not archived)."
    )
    name: str = strawberry.field(description="Its name, 1 to 200 characters.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. ES.")
    use_parent_credits: bool = strawberry.field(
        default=False,
        description=(
            "Whether its device charges are paid from its parent's credits; default: false."
        ),
    )


@strawberry.input(description="A company's new name.")
class CompanyRenameInput:
    id: strawberry.ID = strawberry.field(
        description="The company to rename (ADMINISTRATOR of it or above)."
    )
    name: str = strawberry.field(description="Its new name, 1 to 200 characters.")


@strawberry.input(
    description="Archive an empty company (no active users, children, devices or credits)."
)
class CompanyArchiveInput:
    id: strawberry.ID = strawberry.field(
        description="The company to archive (ADMINISTRATOR above it)."
    )


@strawberry.input(description="Who pays a company's device charges.")
class CompanySetUseParentCreditsInput:
    id: strawberry.ID = strawberry.field(description="The company (ADMINISTRATOR above it).")
    use_parent_credits: bool = strawberry.field(
        description="True: its parent's credits pay (and so on up); false: its own."
    )


@strawberry.input(
    description="Who to invite, where, with which role: a single-use link is mailed to them."
)
class UserInviteInput:
    company_id: strawberry.ID = strawberry.field(
        description="The company they will belong to (ADMINISTRATOR of it or above)."
    )
    email: str = strawberry.field(
        description="Their email: no user may have it yet, nor a pending invitation."
    )
    role: Role = strawberry.field(description="Their role, at most your own.")  # type: ignore[valid-type]
    name: str = strawberry.field(default="", description="Shown in the mail; optional.")
    locale: Locale | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description=(
            "The language of the invitation mail and then of the user's mails;"
            " default: the platform's (DEFAULT_LOCALE)."
        ),
    )


@strawberry.input(
    description="Send a pending invitation again, with a new link (the old one stops working)."
)
class InvitationResendInput:
    id: strawberry.ID = strawberry.field(
        description="The invitation (PENDING or EXPIRED; ADMINISTRATOR)."
    )


@strawberry.input(description="Close a pending invitation.")
class InvitationRevokeInput:
    id: strawberry.ID = strawberry.field(description="The invitation (PENDING; ADMINISTRATOR).")


@strawberry.input(
    description=(
        "Accept an invitation from its link: the token, the password to sign in with, a name."
    )
)
class InvitationAcceptInput:
    token: str = strawberry.field(description="From the link in the invitation mail.")
    password: str = strawberry.field(description="At least 12 characters, not a common one.")
    name: str | None = strawberry.field(
        default=None, description="The name to go by; default: the one the invitation gave."
    )


@strawberry.input(description="A user's new role.")
class UserChangeRoleInput:
    id: strawberry.ID = strawberry.field(
        description="The user (not yourself, not of a role above yours; ADMINISTRATOR)."
    )
    role: Role = strawberry.field(description="The new role, at most your own.")  # type: ignore[valid-type]


@strawberry.input(description="Stop a user from signing in (their sessions end).")
class UserDeactivateInput:
    id: strawberry.ID = strawberry.field(description="The user (not yourself; ADMINISTRATOR).")


@strawberry.input(description="Let a deactivated user sign in again.")
class UserReactivateInput:
    id: strawberry.ID = strawberry.field(description="The user (ADMINISTRATOR).")


@strawberry.input(description="Your current password and the new one.")
class PasswordChangeInput:
    current_password: str = strawberry.field(description="Your password now.")
    new_password: str = strawberry.field(
        description="The new one: 12 to 256 characters, not a common one; every other session ends."
    )


@strawberry.input(description="Ask for a password reset mail.")
class PasswordResetRequestInput:
    email: str = strawberry.field(
        description="The account's email; the answer is the same whether or not it exists."
    )


@strawberry.input(description="A new password set with the token of a reset mail.")
class PasswordResetInput:
    token: str = strawberry.field(description="From the link in the reset mail.")
    new_password: str = strawberry.field(
        description="The new password: 12 to 256 characters, not a common one."
    )


@strawberry.input(description="Your own profile.")
class ProfileUpdateInput:
    name: str | None = strawberry.field(
        default=None, description="Your name, 1 to 200 characters; omitted: unchanged."
    )
    locale: Locale | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The language of your mails; omitted: unchanged."
    )


@strawberry.input(description="A NEW_ACCOUNT application: the account as it should be.")
class AccountRequestInput:
    company_id: strawberry.ID = strawberry.field(
        description="The company the account is for (SUPERADMIN of it or above)."
    )
    name: str = strawberry.field(
        description="The account's name (the project), 1 to 200 characters."
    )
    customer_name: str = strawberry.field(
        description="The customer the project is for, 1 to 200 characters."
    )
    license_id: strawberry.ID = strawberry.field(description="Its license, from `licenses`.")
    sector: Sector = strawberry.field(description="The customer's line of business.")  # type: ignore[valid-type]
    payment_method: PaymentMethod = strawberry.field(  # type: ignore[valid-type]
        description="How the license is paid; CREDIT_CARD needs `cardType`."
    )
    card_type: CardType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Required exactly when paying by credit card."
    )
    datapoints: int = strawberry.field(default=0, description="At least 20 (datapoint licenses).")
    meters: int = strawberry.field(default=0, description="At least 1 (meter licenses).")
    pods: int = strawberry.field(
        default=0, description="PODs / CUPS of bill management (meter licenses only); default: 0."
    )
    realtime_meters: int = strawberry.field(
        default=0, description="Real-time meters (meter licenses only); default: 0."
    )
    rtc_lines: int = strawberry.field(default=0, description="Companies in Spain only.")
    sms_credits: int = strawberry.field(
        default=0, description="SMS alerts the account may send; default: 0."
    )
    period_months: int = strawberry.field(default=12, description="1 to 120.")
    email_domain: str | None = strawberry.field(
        default=None,
        description="The domain its outgoing mail is sent from (a domain name); default: none.",
    )
    comment: str | None = strawberry.field(
        default=None, description="A note for the desk; default: none."
    )


@strawberry.input(description="Amounts to add; a negative `datapoints` frees datapoints.")
class AccountExtensionRequestInput:
    account_id: strawberry.ID = strawberry.field(
        description="The account to extend (ACTIVE; SUPERADMIN of its company or above)."
    )
    datapoints: int = strawberry.field(
        default=0,
        description="Datapoints to add (datapoint licenses); negative to free them; default: 0.",
    )
    meters: int = strawberry.field(
        default=0, description="Meters to add (meter licenses); default: 0."
    )
    pods: int = strawberry.field(
        default=0, description="PODs / CUPS to add (meter licenses); default: 0."
    )
    realtime_meters: int = strawberry.field(
        default=0, description="Real-time meters to add (meter licenses); default: 0."
    )
    rtc_lines: int = strawberry.field(
        default=0, description="RTC lines to add (companies in Spain only); default: 0."
    )
    sms_credits: int = strawberry.field(default=0, description="SMS credits to add; default: 0.")


@strawberry.input(
    description="Ask the desk to move an account to another license of the same billing unit."
)
class AccountLicenseChangeRequestInput:
    account_id: strawberry.ID = strawberry.field(
        description="The account to change (SUPERADMIN of its company or above)."
    )
    license_id: strawberry.ID = strawberry.field(
        description=(
            "The license to move to (from `licenses`), another one of the same billing unit."
        )
    )


@strawberry.input(
    description=(
        "Ask the desk to renew an account: 12 more months from the later of now and its expiry."
    )
)
class AccountRenewalRequestInput:
    account_id: strawberry.ID = strawberry.field(
        description="The account to renew (SUPERADMIN of its company or above)."
    )


@strawberry.input(description="Move datapoints from `accountId` to `targetAccountId`.")
class DatapointTransferRequestInput:
    account_id: strawberry.ID = strawberry.field(
        description="The account giving datapoints (SUPERADMIN of its company or above)."
    )
    target_account_id: strawberry.ID = strawberry.field(
        description="The account receiving them, of a datapoint license; not the same account."
    )
    datapoints: int = strawberry.field(
        description="How many, at least 1; the giver keeps at least 20 and those in use."
    )


@strawberry.input(
    description="Approve a pending application: its change applies to the account at once."
)
class ApplicationApproveInput:
    id: strawberry.ID = strawberry.field(description="The application (PENDING) to approve.")


@strawberry.input(description="Reject a pending application; nothing changes on the account.")
class ApplicationRejectInput:
    id: strawberry.ID = strawberry.field(description="The application (PENDING) to reject.")
    reason: str = strawberry.field(
        description="Why, for the requester (sent in the decision mail); 1 to 2,000 characters."
    )


@strawberry.input(
    description="Withdraw a pending application of your tree before the desk decides it."
)
class ApplicationCancelInput:
    id: strawberry.ID = strawberry.field(description="The application (PENDING) to withdraw.")


@strawberry.input(description="A custom license of the catalog.")
class LicenseCreateInput:
    code: str = strawberry.field(
        description=(
            "Its code: an uppercase letter, then 1 to 49 uppercase letters, digits or `_`; unique."
        )
    )
    name: str = strawberry.field(description="Its name, 1 to 100 characters.")
    billing_unit: BillingUnit = strawberry.field(description="What it counts and charges by.")  # type: ignore[valid-type]
    rank: int = strawberry.field(
        description="Its place among the licenses of its unit (Starter < Professional < ...)."
    )


@strawberry.input(description="Sell credits to a company (platform desk).")
class CreditGrantInput:
    company_id: strawberry.ID = strawberry.field(
        description="The company to receive the credits (platform ADMINISTRATOR)."
    )
    amount: int = strawberry.field(description="1 to 1,000,000.")
    reason: str = strawberry.field(
        default="", description="Why, shown in the ledger (at most 500 characters); default: empty."
    )
    reference: str | None = strawberry.field(default=None, description="E.g. an invoice number.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key applies once."
    )


@strawberry.input(description="Move credits between a company and one of its children.")
class CreditMoveInput:
    from_company_id: strawberry.ID = strawberry.field(
        description="The company the credits leave (ADMINISTRATOR of it or above)."
    )
    to_company_id: strawberry.ID = strawberry.field(
        description="The company they go to: its parent or one of its children."
    )
    amount: int = strawberry.field(
        description="How many credits, 1 to 1,000,000; at most the sender's balance."
    )
    reason: str = strawberry.field(
        default="",
        description="Why, shown in both ledgers (at most 500 characters); default: empty.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "A key of your choice: a retry with the same key and values moves once and answers the"
            " first result."
        ),
    )


@strawberry.input(description="Register a device; one credit pays for its first period.")
class DeviceRegisterInput:
    company_id: strawberry.ID = strawberry.field(
        description=(
            "The company to register it in (ADVANCED_USER of it or above); costs one credit."
        )
    )
    serial_number: str = strawberry.field(
        description="Its serial number: letters, digits and `._:/-`, up to 100 characters."
    )
    name: str = strawberry.field(description="Its name, 1 to 200 characters.")
    model: str = strawberry.field(description="Its model, 1 to 100 characters.")
    datapoints: int = strawberry.field(description="How many datapoints it measures, at least 1.")
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="An account of the same company whose quota it uses."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "A key of your choice: a retry with the same key registers once and answers the first "
            "result."
        ),
    )


@strawberry.input(description="A device's new name.")
class DeviceRenameInput:
    id: strawberry.ID = strawberry.field(
        description="The device to rename (registered; ADVANCED_USER and above)."
    )
    name: str = strawberry.field(description="Its new name, 1 to 200 characters.")


@strawberry.input(description="Unused days of the current credit are lost.")
class DeviceUnregisterInput:
    id: strawberry.ID = strawberry.field(
        description=(
            "The device to unregister (ADVANCED_USER and above); the rest of its period is lost."
        )
    )
