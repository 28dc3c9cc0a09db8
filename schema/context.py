"""The per-request context: a sessionmaker (never a shared session), the actor, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as _Info

from config import Settings
from policies.actor import Actor
from services.errors import UnauthenticatedError
from services.tokens import TokenConfig

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class Context:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    token_config: TokenConfig
    request_id: str
    actor: Actor | None = None
    # Why the presented token was refused; reported only by fields that need a user, so
    # anonymous requests ({ __typename }, login) still work.
    auth_error: str | None = None
    client_address: str | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        from schema.loaders import Loaders

        self.loaders = Loaders(self.sessionmaker)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise UnauthenticatedError(self.auth_error or "Authentication required")
        return self.actor


Info = _Info[Context, None]
