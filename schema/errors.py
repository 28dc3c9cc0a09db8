"""The error contract, written once.

Expected failures are members of each mutation's result union, all implementing `Error`
(`code`, `field`, `message`). Unauthenticated, forbidden and malformed query arguments are
top-level GraphQL errors with `extensions.code` (see schema/extensions.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from services import errors as domain
from services import metrics

ErrorCode = strawberry.enum(domain.ErrorCode, description="Stable, machine-readable error codes.")
ArchiveBlocker = strawberry.enum(
    domain.ArchiveBlocker, description="What keeps a company from being archived."
)


@strawberry.interface(description="An expected failure the client can act on.")
class Error:
    code: ErrorCode  # type: ignore[valid-type]
    field: str | None = strawberry.field(description="The input field concerned, if any.")
    message: str


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
    retry_after_seconds: int


@strawberry.type(description="The company is not empty; `blockers` says what is left.")
class ArchiveBlockedError(Error):
    blockers: list[ArchiveBlocker]  # type: ignore[valid-type]


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
            return gql_type(code=exc.code, field=exc.field, message=exc.message, **extra)
    return _validation(exc)


def _validation(exc: domain.DomainError) -> ValidationError:
    return ValidationError(
        code=exc.code,
        field=exc.field,
        message=exc.message,
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
