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


@strawberry.type(
    description="Send `accessToken` as `Authorization: Bearer <token>`.",
)
class AuthPayload:
    access_token: str = strawberry.field(
        description=(
            "A JWT for the `Authorization: Bearer` header; short-lived (JWT_ACCESS_TTL_SECONDS)."
        )
    )
    access_token_expires_at: datetime = strawberry.field(
        description="When `accessToken` stops working: refresh before."
    )
    refresh_token: str = strawberry.field(
        description="Single use: exchange it with tokenRefresh for a new pair."
    )
    refresh_token_expires_at: datetime = strawberry.field(
        description=(
            "When `refreshToken` stops working (JWT_REFRESH_TTL_SECONDS): sign in again after."
        )
    )
    user: User = strawberry.field(description="The signed-in user.")

    @classmethod
    def of(cls, pair: TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access_token,
            access_token_expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
            refresh_token_expires_at=pair.refresh_expires_at,
            user=pair.user,  # type: ignore[arg-type]
        )


@strawberry.type(
    description="The operation was done; there is nothing more to say.",
)
class OkPayload:
    ok: bool = strawberry.field(default=True, description="Always true.")


LoginResult = Annotated[
    AuthPayload | InvalidCredentialsError | LoginThrottledError | ValidationError,
    strawberry.union(
        "LoginResult", description="A signed-in session, or why signing in was refused."
    ),
]
TokenRefreshResult = Annotated[
    AuthPayload | InvalidTokenError,
    strawberry.union(
        "TokenRefreshResult",
        description=(
            "A new token pair, or why the token was refused (a reused one ends its session)."
        ),
    ),
]
LogoutResult = Annotated[
    OkPayload | InvalidTokenError,
    strawberry.union("LogoutResult", description="Done, or the token was not a live session's."),
]
InvitationAcceptResult = Annotated[
    AuthPayload | InvalidTokenError | ValidationError | ConflictError,
    strawberry.union(
        "InvitationAcceptResult",
        description="The new user signed in, or why the invitation could not be accepted.",
    ),
]
PasswordChangeResult = Annotated[
    AuthPayload | ValidationError,
    strawberry.union(
        "PasswordChangeResult",
        description="Done (a new session for this client), or why it was refused.",
    ),
]
PasswordResetRequestResult = Annotated[
    OkPayload | ValidationError,
    strawberry.union(
        "PasswordResetRequestResult",
        description="Always done (whether the email exists is not said), or bad input.",
    ),
]
PasswordResetResult = Annotated[
    OkPayload | InvalidTokenError | ValidationError,
    strawberry.union(
        "PasswordResetResult",
        description="Done (every session ended; sign in again), or why the token was refused.",
    ),
]
