"""GraphQL enums over the domain's enums (kept apart so inputs can use them without cycles)."""

from __future__ import annotations

from models import account as account_models
from models import credit as credit_models
from models import device as device_models
from models import event as event_models
from models.audit import ActorKind as AuditActorKindModel
from models.user import Locale as LocaleModel
from models.user import Role as RoleModel
from schema.described import described_enum
from services import account as account_service
from services import audit as audit_service
from services.invitation import InvitationStatus as InvitationStatusModel

Role = described_enum(
    RoleModel,
    description=(
        "A user's role, lowest to highest: USER < ADVANCED_USER < ADMINISTRATOR < SUPERADMIN;"
        " each may do what the roles below it may."
    ),
    values={
        "USER": ("Reads its company and those below (companies, users, devices); changes nothing."),
        "ADVANCED_USER": (
            "A USER who also registers, renames and unregisters devices and reads accounts."
        ),
        "ADMINISTRATOR": (
            "An ADVANCED_USER who also manages companies and users (up to their own role), moves"
            " and reads credits and reads the audit trail; in the platform company also decides"
            " applications, grants credits and manages licenses."
        ),
        "SUPERADMIN": (
            "An ADMINISTRATOR who also requests accounts and changes to them (applications)"
            " and may grant SUPERADMIN."
        ),
    },
)
Locale = described_enum(
    LocaleModel,
    description=(
        "A language of the platform: the one a user's mails are written in (error messages"
        " follow each request's `Accept-Language`)."
    ),
    values={
        "EN": "English (`en`).",
        "ES": "Spanish (`es`).",
        "FR": "French (`fr`).",
    },
)
InvitationStatus = described_enum(
    InvitationStatusModel,
    description="Where an invitation stands.",
    values={
        "PENDING": "Sent, not yet accepted; its link works until `expiresAt`.",
        "ACCEPTED": "Accepted: the user exists.",
        "REVOKED": "Closed by `invitationRevoke` (or replaced): its link no longer works.",
        "EXPIRED": "Not accepted before `expiresAt` (INVITATION_TTL_SECONDS); resend it.",
    },
)
BillingUnit = described_enum(
    account_models.BillingUnit,
    description="What a license counts and charges by.",
    values={
        "DATAPOINTS": (
            "Datapoints (the readings devices report); the account has a datapoint quota."
        ),
        "METERS": "Meters (with PODs and real-time meters); the account has a meter count.",
    },
)
Sector = described_enum(
    account_models.Sector,
    description="The customer's line of business, as declared on the account.",
    values={
        "INDUSTRY": "Manufacturing and industrial plants.",
        "RETAIL": "Shops and retail chains.",
        "OFFICES": "Office buildings.",
        "HOSPITALITY": "Hotels, restaurants, tourism.",
        "HEALTHCARE": "Hospitals, clinics, care homes.",
        "EDUCATION": "Schools and universities.",
        "PUBLIC_ADMINISTRATION": "Public bodies and their buildings.",
        "RESIDENTIAL": "Homes and residential buildings.",
        "AGRICULTURE": "Farms and irrigation.",
        "LOGISTICS": "Warehouses and transport.",
        "UTILITIES": "Energy, water and other utilities.",
        "OTHER": "None of the above.",
    },
)
PaymentMethod = described_enum(
    account_models.PaymentMethod,
    description="How the account's license is paid.",
    values={
        "BANK_TRANSFER": "By bank transfer.",
        "DIRECT_DEBIT": "By direct debit from the customer's bank account.",
        "CREDIT_CARD": "By credit card; `cardType` is then required.",
    },
)
CardType = described_enum(
    account_models.CardType,
    description="The card of a CREDIT_CARD payment (only with that method).",
    values={
        "VISA": "Visa.",
        "MASTERCARD": "Mastercard.",
        "AMERICAN_EXPRESS": "American Express.",
    },
)
ApplicationKind = described_enum(
    account_models.ApplicationKind,
    description="What an application asks the platform's desk to approve.",
    values={
        "NEW_ACCOUNT": "A new account (`accountRequest`).",
        "EXTENSION": "More datapoints, meters, PODs, real-time meters, RTC lines or SMS credits.",
        "LICENSE_CHANGE": "Another license of the same billing unit.",
        "RENEWAL": "Another period from the account's expiry.",
        "DATAPOINT_TRANSFER": "Datapoints moved from this account to another.",
    },
)
ApplicationStatus = described_enum(
    account_models.ApplicationStatus,
    description="Where an application stands; only PENDING ones can be decided or cancelled.",
    values={
        "PENDING": "Waiting for the desk (the platform company's ADMINISTRATORs).",
        "APPROVED": "Approved: its change was applied to the account.",
        "REJECTED": "Rejected, with a reason; nothing changed.",
        "CANCELLED": "Withdrawn by its company before a decision; nothing changed.",
    },
)
AccountStatus = described_enum(
    account_service.AccountStatus,
    description="Where an account stands; EXPIRED follows from the expiry date.",
    values={
        "PENDING": "Requested, its NEW_ACCOUNT application not decided yet.",
        "ACTIVE": "Approved and within its period.",
        "EXPIRED": "Approved, but `expiresAt` has passed; a renewal makes it ACTIVE again.",
        "REJECTED": "Its NEW_ACCOUNT application was rejected.",
        "CANCELLED": "Its NEW_ACCOUNT application was withdrawn.",
    },
)
DeviceStatus = described_enum(
    device_models.DeviceStatus,
    description="Where a device stands.",
    values={
        "ACTIVE": "Registered and paid for: monitored.",
        "SUSPENDED": "Registered, but its charge could not be paid; resumed once credits allow.",
        "UNREGISTERED": "No longer registered; kept for its history.",
    },
)
EntryKind = described_enum(
    credit_models.EntryKind,
    description="What moved credits in a ledger entry.",
    values={
        "GRANT": "Credits created for a company by the platform (`creditGrant`).",
        "MOVE_OUT": "Credits moved to another company (`creditMove`, the sending side).",
        "MOVE_IN": "Credits received from another company (`creditMove`, the receiving side).",
        "CHARGE": "A device's charge for one period (CREDIT_PERIOD_DAYS), paid by this company.",
    },
)
AuditAction = described_enum(
    audit_service.AuditAction,
    name="AuditAction",
    description="What an audit event records; `actionName` gives the stable dotted name.",
    values={
        "SIGN_IN": "A successful `login`.",
        "SIGN_IN_FAILED": "A refused `login` (wrong password, unknown or inactive user).",
        "SIGN_IN_THROTTLED": "A `login` refused by the throttle (LOGIN_THROTTLED).",
        "TOKEN_REFRESH": "A refresh token exchanged for a new pair.",
        "REFRESH_REUSE": "A spent refresh token presented again: its whole session was revoked.",
        "SIGN_OUT": "A `logout`.",
        "PASSWORD_CHANGE": "A `passwordChange`.",
        "PASSWORD_RESET_REQUEST": "A `passwordResetRequest` for an existing user.",
        "PASSWORD_RESET": "A password set from a reset link.",
        "FORBIDDEN": "A mutation refused to the caller's role.",
        "COMPANY_CREATE": "A company created.",
        "COMPANY_RENAME": "A company renamed.",
        "COMPANY_ARCHIVE": "A company archived.",
        "COMPANY_SET_USE_PARENT_CREDITS": "A company's `useParentCredits` changed.",
        "USER_CREATE": "A user created (an invitation accepted, or the bootstrap).",
        "USER_CHANGE_ROLE": "A user's role changed.",
        "USER_DEACTIVATE": "A user deactivated.",
        "USER_REACTIVATE": "A user reactivated.",
        "USER_UPDATE_PROFILE": "A user's profile (name, locale) changed.",
        "INVITATION_CREATE": "An invitation sent.",
        "INVITATION_RESEND": "An invitation sent again with a new link.",
        "INVITATION_REVOKE": "An invitation revoked.",
        "INVITATION_ACCEPT": "An invitation accepted.",
        "APPLICATION_REQUEST": "An application filed (new account, extension, change, ...).",
        "APPLICATION_APPROVE": "An application approved.",
        "APPLICATION_REJECT": "An application rejected.",
        "APPLICATION_CANCEL": "An application withdrawn.",
        "ACCOUNT_CREATE": "An account created (its NEW_ACCOUNT application approved).",
        "ACCOUNT_CHANGE": "An approved application applied to an account.",
        "ACCOUNT_EXPIRE": "An account's expiry date passed: it stopped running (a job).",
        "LICENSE_CREATE": "A custom license added to the catalog.",
        "REMINDER_SEND": "An expiry reminder mailed for an account (a job).",
        "DEVICE_REGISTER": "A device registered.",
        "DEVICE_RENAME": "A device renamed.",
        "DEVICE_UNREGISTER": "A device unregistered.",
        "DEVICE_CHARGE": "A device's periodic charge paid (a job).",
        "DEVICE_SUSPEND": "A device suspended for want of credits (a job).",
        "DEVICE_RESUME": "A suspended device resumed once credits allowed (a job).",
        "CREDIT_GRANT": "Credits granted to a company.",
        "CREDIT_MOVE": "Credits moved between a parent and a child.",
        "MAIL_GIVE_UP": "A mail given up after its last failed attempt (a job).",
        "AUDIT_PURGE": "Entries older than AUDIT_RETENTION_DAYS purged (a job).",
    },
)
AuditActorKind = described_enum(
    AuditActorKindModel,
    name="AuditActorKind",
    description="Who acted in an audit event.",
    values={
        "USER": "A signed-in user (`actor`, when their company is in the reader's tree).",
        "SYSTEM": "A job or the command line.",
        "ANONYMOUS": "Nobody signed in (a failed sign-in, a password reset request).",
    },
)
ApplicationEventKind = described_enum(
    event_models.ApplicationEventKind,
    description="What happened to an application (applicationEvents).",
    values={
        "FILED": "Filed by a SUPERADMIN of the company or above it: waiting for the desk.",
        "APPROVED": "Approved by the platform's desk: its change applied to the account(s).",
        "REJECTED": "Rejected by the platform's desk, with a reason; nothing changed.",
        "CANCELLED": "Withdrawn by its company before a decision; nothing changed.",
    },
)
DeviceEventKind = described_enum(
    event_models.DeviceEventKind,
    description="What happened to a device (deviceEvents).",
    values={
        "REGISTERED": "Registered into a company, paying its first credit.",
        "RENAMED": "Given a new name.",
        "SUSPENDED": "Suspended by the charging job: its company could not pay the period.",
        "RESUMED": "Resumed by the charging job once credits allowed.",
        "UNREGISTERED": "Removed from its company; its datapoints are free again.",
    },
)
AccountEventKind = described_enum(
    event_models.AccountEventKind,
    description="What happened to an account's status or expiry (accountEvents).",
    values={
        "ACTIVATED": "A new account's application was approved: the account starts.",
        "CHANGED": "An extension, license change or datapoint transfer was approved.",
        "RENEWED": "A renewal was approved: the expiry moved on.",
        "EXPIRED": "Its expiry date passed (written by the scheduler).",
        "REJECTED": "An application about it was rejected.",
        "CANCELLED": "An application about it was cancelled.",
    },
)
