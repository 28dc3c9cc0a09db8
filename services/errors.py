"""Domain errors. Services raise them; the API maps them, in one place, to typed errors.

Codes are part of the public contract: clients switch on them, so never rename one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any


class ErrorCode(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_ID = "INVALID_ID"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_CHARACTER = "INVALID_CHARACTER"  # NUL or an unpaired surrogate: never storable
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"  # a number above its maximum
    INVALID_COUNTRY_CODE = "INVALID_COUNTRY_CODE"
    COMPANY_ARCHIVED = "COMPANY_ARCHIVED"
    ARCHIVE_BLOCKED = "ARCHIVE_BLOCKED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_CURSOR = "INVALID_CURSOR"  # not one of ours, or taken from another list
    PAGE_SIZE_EXCEEDED = "PAGE_SIZE_EXCEEDED"  # `first`/`last` above the maximum
    PAGE_SIZE_NEGATIVE = "PAGE_SIZE_NEGATIVE"
    FIRST_AND_LAST = "FIRST_AND_LAST"  # both directions asked at once
    INVALID_EMAIL = "INVALID_EMAIL"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVITATION_PENDING = "INVITATION_PENDING"
    INVITATION_CLOSED = "INVITATION_CLOSED"
    ROLE_TOO_HIGH = "ROLE_TOO_HIGH"
    CANNOT_ACT_ON_SELF = "CANNOT_ACT_ON_SELF"
    LAST_SUPERADMIN = "LAST_SUPERADMIN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_COMMON = "PASSWORD_TOO_COMMON"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
    APPLICATION_PENDING = "APPLICATION_PENDING"
    APPLICATION_DECIDED = "APPLICATION_DECIDED"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    ACCOUNT_EXPIRED = "ACCOUNT_EXPIRED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS"
    NOT_PARENT_AND_CHILD = "NOT_PARENT_AND_CHILD"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    SERIAL_REGISTERED = "SERIAL_REGISTERED"
    DEVICE_UNREGISTERED = "DEVICE_UNREGISTERED"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE"  # `since` after `until`
    CURSOR_EXPIRED = "CURSOR_EXPIRED"  # a subscription's `after` is older than the events kept
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
    # One code per validation rule of SPEC sections 2-5 (INVALID_VALUE stays the code of
    # shape errors that are no rule of the domain: control characters, an idempotency key
    # of the wrong length, a password over the length a hash accepts at sign-in).
    BELOW_MINIMUM = "BELOW_MINIMUM"  # a number under its minimum (`minimum`)
    INVALID_FORMAT = "INVALID_FORMAT"  # a serial number or license code of the wrong shape
    INVALID_EMAIL_DOMAIN = "INVALID_EMAIL_DOMAIN"
    DATAPOINTS_BELOW_MINIMUM = "DATAPOINTS_BELOW_MINIMUM"  # under 20 (`minimum`)
    DATAPOINTS_IN_USE = "DATAPOINTS_IN_USE"  # under the devices' datapoints (`inUse`)
    METERS_BELOW_MINIMUM = "METERS_BELOW_MINIMUM"  # a meter license under 1 meter
    NOT_BILLED_BY_METERS = "NOT_BILLED_BY_METERS"  # meters, PODs, RtM on a datapoint license
    NOT_BILLED_BY_DATAPOINTS = "NOT_BILLED_BY_DATAPOINTS"  # datapoints on a meter license
    RTC_ONLY_IN_SPAIN = "RTC_ONLY_IN_SPAIN"
    CARD_TYPE_REQUIRED = "CARD_TYPE_REQUIRED"  # paying by credit card without a card type
    CARD_TYPE_NOT_APPLICABLE = "CARD_TYPE_NOT_APPLICABLE"  # a card type, another method
    EXTENSION_EMPTY = "EXTENSION_EMPTY"  # an extension asking for nothing
    LICENSE_UNCHANGED = "LICENSE_UNCHANGED"  # a license change to the current license
    BILLING_UNIT_CHANGE = "BILLING_UNIT_CHANGE"  # DATAPOINTS <-> METERS needs a new account
    SAME_ACCOUNT = "SAME_ACCOUNT"  # a datapoint transfer to the account itself
    LICENSE_CODE_TAKEN = "LICENSE_CODE_TAKEN"


class ArchiveBlocker(enum.StrEnum):
    """What keeps a company from being archived; SPEC section 1."""

    ACTIVE_USERS = "ACTIVE_USERS"
    CHILDREN = "CHILDREN"
    DEVICES = "DEVICES"
    CREDITS = "CREDITS"


class DomainError(Exception):
    """An expected failure a client can act on. Nothing the operation did is kept."""

    code: ErrorCode = ErrorCode.INVALID_VALUE
    # True where the failure itself must be recorded (a refresh token reuse revokes the
    # family): the transaction commits what was flushed before the error was raised.
    persist: bool = False
    # A security event to record although the request fails (services.audit.refuse).
    audit_event: Any = None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: ErrorCode | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        in_use: int | None = None,
        available: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        # The numbers a client needs to explain the rule in its own words.
        self.minimum = minimum
        self.maximum = maximum
        self.in_use = in_use
        self.available = available


class ValidationError(DomainError):
    code = ErrorCode.INVALID_VALUE


class NotFoundError(DomainError):
    """Missing, or outside the caller's scope: the two are indistinguishable on purpose."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, what: str = "Object", *, field: str | None = "id") -> None:
        super().__init__(f"{what} not found", field=field)


class InvalidCredentialsError(DomainError):
    code = ErrorCode.INVALID_CREDENTIALS

    def __init__(self) -> None:
        # The attempt was counted for throttling before the password was checked.
        super().__init__("Invalid email or password")


class InvalidTokenError(DomainError):
    code = ErrorCode.INVALID_TOKEN

    def __init__(
        self,
        message: str = "Invalid or expired token",
        *,
        field: str = "refreshToken",
        persist: bool = False,
    ) -> None:
        super().__init__(message, field=field)
        self.persist = persist


class LoginThrottledError(DomainError):
    """Too many failed sign-ins for this account or address; `retry_after` in seconds."""

    code = ErrorCode.LOGIN_THROTTLED

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-in attempts: try again in {retry_after} seconds", field="email"
        )
        self.retry_after = retry_after


class ConflictError(DomainError):
    """The request clashes with the current state (a taken email, a pending invitation)."""


class ArchiveBlockedError(DomainError):
    code = ErrorCode.ARCHIVE_BLOCKED

    def __init__(self, blockers: Sequence[ArchiveBlocker]) -> None:
        names = ", ".join(b.value.lower().replace("_", " ") for b in blockers)
        super().__init__(f"The company is not empty: {names}", field="id")
        self.blockers = list(blockers)


class AccessError(Exception):
    """Not a typed error: answered as a top-level GraphQL error with `extensions.code`."""

    extension_code = "FORBIDDEN"
    audit_event: Any = None  # as DomainError's

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnauthenticatedError(AccessError):
    extension_code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(message)


class ForbiddenError(AccessError):
    """In scope, but not allowed. Says what was refused on which object, for the audit."""

    extension_code = "FORBIDDEN"

    def __init__(
        self,
        message: str = "Your role does not allow this action",
        *,
        action: str | None = None,
        company_id: int | None = None,
        target: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.action = action
        self.company_id = company_id
        self.target = target


class BadInputError(AccessError):
    """Malformed arguments to a query (cursor, page size, id): a top-level client error.

    `extensions.code` stays `BAD_USER_INPUT`; `reason` (an ErrorCode), `field` and the
    numbers in `details` (e.g. `maximum`) say which rule and why."""

    extension_code = "BAD_USER_INPUT"

    def __init__(
        self,
        message: str,
        *,
        reason: ErrorCode | None = None,
        field: str | None = None,
        **details: int | str,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.details = details

    @property
    def extensions(self) -> dict[str, object]:
        found: dict[str, object] = {"code": self.extension_code}
        if self.reason is not None:
            found["reason"] = self.reason.value
        if self.field is not None:
            found["field"] = self.field
        return {**found, **self.details}


class AccessChangedError(AccessError):
    """The subscriber's role, activity or password changed: the subscription ends."""

    extension_code = "ACCESS_CHANGED"

    def __init__(self, message: str = "Your access changed: subscribe again") -> None:
        super().__init__(message)
