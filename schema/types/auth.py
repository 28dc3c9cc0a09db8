"""Sign-in payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.errors import (
    ConflictError,
    InvalidCredentialsError,
    InvalidTokenError,
    LoginThrottledError,
    ValidationError,
)
from schema.types.user import User
from services.auth import TokenPair


@strawberry.type(description="Send `accessToken` as `Authorization: Bearer <token>`.")
class AuthPayload:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(
        description="Single use: exchange it with tokenRefresh for a new pair."
    )
    refresh_token_expires_at: datetime
    user: User

    @classmethod
    def of(cls, pair: TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access_token,
            access_token_expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
            refresh_token_expires_at=pair.refresh_expires_at,
            user=pair.user,  # type: ignore[arg-type]
        )


@strawberry.type(description="The operation was done; there is nothing more to say.")
class OkPayload:
    ok: bool = True


LoginResult = Annotated[
    AuthPayload | InvalidCredentialsError | LoginThrottledError | ValidationError,
    strawberry.union("LoginResult"),
]
TokenRefreshResult = Annotated[
    AuthPayload | InvalidTokenError, strawberry.union("TokenRefreshResult")
]
LogoutResult = Annotated[OkPayload | InvalidTokenError, strawberry.union("LogoutResult")]
InvitationAcceptResult = Annotated[
    AuthPayload | InvalidTokenError | ValidationError | ConflictError,
    strawberry.union("InvitationAcceptResult"),
]
PasswordChangeResult = Annotated[
    AuthPayload | ValidationError, strawberry.union("PasswordChangeResult")
]
PasswordResetRequestResult = Annotated[
    OkPayload | ValidationError, strawberry.union("PasswordResetRequestResult")
]
PasswordResetResult = Annotated[
    OkPayload | InvalidTokenError | ValidationError, strawberry.union("PasswordResetResult")
]
