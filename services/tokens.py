"""JSON Web Tokens: one pinned algorithm, every registered claim required and checked.

Access and refresh tokens carry a `typ` claim, so neither can stand in for the other. An
access token names its session (`sid`: the refresh-token family it was issued with), so it
dies with that session (services/auth.authenticate).
"""

from __future__ import annotations

import enum
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "typ"]


class TokenType(enum.StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


class TokenError(Exception):
    """The token is malformed, forged, expired or of the wrong type."""


@dataclass(frozen=True)
class TokenConfig:
    key: str
    issuer: str
    audience: str
    access_ttl: timedelta
    refresh_ttl: timedelta


@dataclass(frozen=True)
class Claims:
    user_id: int
    jti: str
    auth_epoch: int
    expires_at: datetime
    session_id: str | None = None  # access tokens: the refresh-token family


def new_jti() -> str:
    return secrets.token_hex(16)


def encode(
    config: TokenConfig,
    *,
    kind: TokenType,
    user_id: int,
    auth_epoch: int,
    now: datetime,
    session_id: str | None = None,
    jti: str | None = None,
) -> tuple[str, str, datetime]:
    """A signed token, its jti and its expiry."""
    ttl = config.access_ttl if kind is TokenType.ACCESS else config.refresh_ttl
    expires_at = now + ttl
    jti = jti or new_jti()
    payload: dict[str, Any] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": jti,
        "typ": kind.value,
        "ep": auth_epoch,
    }
    if kind is TokenType.ACCESS:
        if session_id is None:
            raise ValueError("an access token belongs to a session")
        payload["sid"] = session_id
    return jwt.encode(payload, config.key, algorithm=ALGORITHM), jti, expires_at


def decode(config: TokenConfig, token: str, *, kind: TokenType) -> Claims:
    """The claims of a token signed with our key, unexpired, of this type; TokenError else.

    A token verified once is remembered (its signature and claims cannot change), so a
    client's every request does not parse and verify it again; its expiry is checked on
    every use. Whether its user may still act is the caller's question, asked each time."""
    claims = _verified(config, token, kind)
    if claims.expires_at.timestamp() <= _now():
        raise TokenError("Token expired")
    return claims


def _now() -> float:
    return time.time()


@lru_cache(maxsize=4096)
def _verified(config: TokenConfig, token: str, kind: TokenType) -> Claims:
    """The full check: signature, algorithm, issuer, audience, every required claim, expiry
    and type. Only tokens that pass it are cached (lru_cache keeps no exceptions)."""
    try:
        payload = jwt.decode(
            token,
            config.key,
            algorithms=[ALGORITHM],
            audience=config.audience,
            issuer=config.issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("Token expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("Invalid token") from exc
    if payload.get("typ") != kind.value:
        raise TokenError("Wrong token type")
    session_id = payload.get("sid")
    if kind is TokenType.ACCESS and not isinstance(session_id, str):
        raise TokenError("Invalid token")  # issued before sessions were named: refresh it
    try:
        return Claims(
            user_id=int(payload["sub"]),
            jti=str(payload["jti"]),
            auth_epoch=int(payload.get("ep", -1)),
            expires_at=datetime.fromtimestamp(int(payload["exp"])).astimezone(),
            session_id=session_id if isinstance(session_id, str) else None,
        )
    except (TypeError, ValueError) as exc:
        raise TokenError("Invalid token") from exc
