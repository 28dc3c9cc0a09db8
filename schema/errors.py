"""The error contract, written once.

Expected failures are members of each mutation's result union, all implementing `Error`
(`code`, `field`, `message`). Unauthenticated, forbidden and malformed query arguments are
top-level GraphQL errors with `extensions.code` (see schema/extensions.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from schema.context import Info
from schema.described import described_enum
from services import error_messages, metrics
from services import errors as domain

ErrorCode = described_enum(
    domain.ErrorCode,
    description="Stable, machine-readable error codes: switch on them; they are never renamed.",
    values={
        "NOT_FOUND": "No such object, or one outside your part of the tree (the two look alike).",
        "INVALID_ID": "Not an ID of this API, or an ID of another type than the field takes.",
        "INVALID_VALUE": "A value of the wrong shape that no rule below names.",
        "INVALID_CHARACTER": "Text holding a NUL or an unpaired surrogate, which nothing stores.",
        "REQUIRED": "An empty value where one is needed (`field` names it).",
        "TOO_LONG": "Text over its maximum length (`maximum`, in characters).",
        "OUT_OF_RANGE": "A number above its maximum (`maximum`).",
        "INVALID_COUNTRY_CODE": "Not an ISO 3166-1 alpha-2 country code.",
        "COMPANY_ARCHIVED": "The company is archived: nothing more is created in or moved to it.",
        "ARCHIVE_BLOCKED": "The company still has what `blockers` lists; archive that first.",
        "INVALID_CREDENTIALS": "Wrong email or password (which one is not said).",
        "INVALID_TOKEN": "An invitation, reset or refresh token that is unknown, used or expired.",
        "INVALID_CURSOR": "A cursor that is not one of ours, or one of another list or arguments.",
        "PAGE_SIZE_EXCEEDED": "`first` or `last` above the maximum page (`maximum`).",
        "PAGE_SIZE_NEGATIVE": "`first` or `last` below 0.",
        "FIRST_AND_LAST": "`first` and `last` together: give one.",
        "INVALID_EMAIL": "Not an email address.",
        "EMAIL_TAKEN": "A user with this email exists already.",
        "INVITATION_PENDING": "This email has a pending invitation already; resend or revoke it.",
        "INVITATION_CLOSED": "The invitation was accepted, revoked or has expired.",
        "ROLE_TOO_HIGH": "A role above your own.",
        "CANNOT_ACT_ON_SELF": "Nobody changes their own role or deactivates themselves.",
        "LAST_SUPERADMIN": "The platform's last active SUPERADMIN cannot be demoted or removed.",
        "PASSWORD_TOO_SHORT": "A password under 12 characters (`minimum`).",
        "PASSWORD_TOO_COMMON": "A common or guessable password; a few random words make good ones.",
        "WRONG_PASSWORD": "The current password given to `passwordChange` is not the user's.",
        "LOGIN_THROTTLED": "Too many failed sign-ins: wait `retryAfterSeconds`.",
        "APPLICATION_PENDING": "The account has a pending application already: one at a time.",
        "APPLICATION_DECIDED": "The application was approved, rejected or cancelled already.",
        "ACCOUNT_CLOSED": "The account is not approved (pending, rejected or cancelled).",
        "ACCOUNT_EXPIRED": "The account's period is over; renew it first.",
        "QUOTA_EXCEEDED": "More datapoints than the device's account has left (`available`).",
        "INSUFFICIENT_CREDITS": "More credits than the paying company has (`available`).",
        "NOT_PARENT_AND_CHILD": "Credits move only between a company and one of its children.",
        "IDEMPOTENCY_KEY_REUSED": "This idempotency key was used before with other values.",
        "SERIAL_REGISTERED": "A device with this serial number is registered already.",
        "DEVICE_UNREGISTERED": "The device is unregistered: it can no longer be changed.",
        "INVALID_DATE_RANGE": "`since` after `until`.",
        "CURSOR_EXPIRED": (
            "A subscription's `after` is older than the events kept (EVENT_RETENTION_SECONDS): "
            "reload the data, then subscribe without it."
        ),
        "TOO_MANY_SUBSCRIPTIONS": "One subscription more than a connection may hold.",
        "BELOW_MINIMUM": "A number under its minimum (`minimum`).",
        "INVALID_FORMAT": "A serial number or license code of the wrong shape.",
        "INVALID_EMAIL_DOMAIN": "The account's email domain is not a domain name.",
        "DATAPOINTS_BELOW_MINIMUM": "Fewer datapoints than an account may have (`minimum`: 20).",
        "DATAPOINTS_IN_USE": "Fewer datapoints than the account's devices use (`inUse`).",
        "METERS_BELOW_MINIMUM": "A meter license with fewer than 1 meter (`minimum`).",
        "NOT_BILLED_BY_METERS": "Meters, PODs or real-time meters on a datapoint license.",
        "NOT_BILLED_BY_DATAPOINTS": "Datapoints on a meter license.",
        "RTC_ONLY_IN_SPAIN": "RTC lines for a company outside Spain.",
        "CARD_TYPE_REQUIRED": "CREDIT_CARD payment without a `cardType`.",
        "CARD_TYPE_NOT_APPLICABLE": "A `cardType` with a payment method other than CREDIT_CARD.",
        "EXTENSION_EMPTY": "An extension that asks for nothing more.",
        "LICENSE_UNCHANGED": "A license change to the license the account has.",
        "BILLING_UNIT_CHANGE": "DATAPOINTS to METERS (or back) needs a new account.",
        "SAME_ACCOUNT": "A datapoint transfer to the account itself.",
        "LICENSE_CODE_TAKEN": "A license with this code exists already.",
    },
)
ArchiveBlocker = described_enum(
    domain.ArchiveBlocker,
    description="What keeps a company from being archived.",
    values={
        "ACTIVE_USERS": "It has active users: deactivate them first.",
        "CHILDREN": "It has children that are not archived: archive them first.",
        "DEVICES": "It has registered devices: unregister them first.",
        "CREDITS": "It holds credits: move them out first.",
    },
)


@strawberry.interface(description="An expected failure the client can act on.")
class Error:
    code: ErrorCode = strawberry.field(description="What went wrong, stable: switch on it.")  # type: ignore[valid-type]
    field: str | None = strawberry.field(description="The input field concerned, if any.")
    # The domain error, for `message` to say in the request's language.
    cause: strawberry.Private[domain.DomainError]

    @strawberry.field(
        description=(
            "What went wrong, for a person, in the request's `Accept-Language` (en, es or fr;"
            " English otherwise); do not parse it."
        )
    )
    def message(self, info: Info) -> str:
        return error_messages.domain_message(self.cause, info.context.locale)


@strawberry.type(
    description=(
        "The input breaks a rule: `code` says which, `field` names the culprit, and the"
        " numbers the rule is about are given where it has them."
    )
)
class ValidationError(Error):
    minimum: int | None = strawberry.field(
        default=None, description="The smallest acceptable value, where the rule has one."
    )
    maximum: int | None = strawberry.field(
        default=None, description="The largest acceptable value, where the rule has one."
    )
    in_use: int | None = strawberry.field(
        default=None,
        description=(
            "Datapoints used by the account's devices (`DATAPOINTS_IN_USE`, `QUOTA_EXCEEDED`)."
        ),
    )
    available: int | None = strawberry.field(
        default=None,
        description=(
            "How much is left to use or give: datapoints left on the account"
            " (`QUOTA_EXCEEDED`), datapoints a transfer can take from its source or add to its"
            " target, credits on the balance that pays (`INSUFFICIENT_CREDITS`)."
        ),
    )


@strawberry.type(description="No such object, or none the caller may see.")
class NotFoundError(Error):
    pass


@strawberry.type(description="Email and password do not match an active user.")
class InvalidCredentialsError(Error):
    pass


@strawberry.type(description="The token is invalid, expired, revoked or already used.")
class InvalidTokenError(Error):
    pass


@strawberry.type(description="The request clashes with the current state, e.g. a taken email.")
class ConflictError(Error):
    pass


@strawberry.type(description="Too many failed sign-ins: wait `retryAfterSeconds`.")
class LoginThrottledError(Error):
    retry_after_seconds: int = strawberry.field(
        description="Seconds to wait before the next attempt."
    )


@strawberry.type(description="The company is not empty; `blockers` says what is left.")
class ArchiveBlockedError(Error):
    blockers: list[ArchiveBlocker] = strawberry.field(  # type: ignore[valid-type]
        description="What is left in the company, each to be dealt with first."
    )


_TYPED: dict[type[domain.DomainError], type[Error]] = {
    domain.NotFoundError: NotFoundError,
    domain.InvalidCredentialsError: InvalidCredentialsError,
    domain.InvalidTokenError: InvalidTokenError,
    domain.ArchiveBlockedError: ArchiveBlockedError,
    domain.ConflictError: ConflictError,
    domain.LoginThrottledError: LoginThrottledError,
    domain.ValidationError: ValidationError,
}


def to_graphql_error(exc: domain.DomainError) -> Error:
    for exc_type, gql_type in _TYPED.items():
        if isinstance(exc, exc_type):
            if gql_type is ValidationError:
                return _validation(exc)
            extra: dict[str, Any] = {}
            if isinstance(exc, domain.ArchiveBlockedError):
                extra["blockers"] = exc.blockers
            if isinstance(exc, domain.LoginThrottledError):
                extra["retry_after_seconds"] = exc.retry_after
            return gql_type(code=exc.code, field=exc.field, cause=exc, **extra)
    return _validation(exc)


def _validation(exc: domain.DomainError) -> ValidationError:
    return ValidationError(
        code=exc.code,
        field=exc.field,
        cause=exc,
        minimum=exc.minimum,
        maximum=exc.maximum,
        in_use=exc.in_use,
        available=exc.available,
    )


S = TypeVar("S")
R = TypeVar("R")


async def result_of(operation: Awaitable[R], success: Callable[[R], S]) -> S | Error:
    """Run a mutation's resolver; its value becomes the success payload, a domain error
    the matching typed error. Anything else propagates (and is masked as internal)."""
    try:
        value = await operation
    except domain.DomainError as exc:
        metrics.MUTATION_ERRORS.labels(exc.code.value).inc()
        return to_graphql_error(exc)
    return success(value)
