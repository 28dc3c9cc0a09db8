"""The per-request context: a sessionmaker (never a shared session), the actor, loaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as _Info

from config import Settings
from models.user import Locale
from policies.actor import Actor
from services.errors import UnauthenticatedError
from services.tokens import TokenConfig

if TYPE_CHECKING:
    from schema.loaders import Loaders
    from services.event_hub import EventHub, Outbox


T = TypeVar("T")
_MISSING = object()


@dataclass
class Context:
    sessionmaker: async_sessionmaker[AsyncSession]  # for writes: resolvers/session.transaction
    settings: Settings
    token_config: TokenConfig
    request_id: str
    read_sessionmaker: async_sessionmaker[AsyncSession]  # for reads and loaders
    actor: Actor | None = None
    # Why the presented token was refused; reported only by fields that need a user, so
    # anonymous requests ({ __typename }, login) still work.
    auth_error: str | None = None
    client_address: str | None = None
    report_cost: bool = False  # answer with `extensions.cost` (schema/cost.py)
    # The language of error messages: the request's Accept-Language (services/locales.py).
    locale: Locale = Locale.EN
    # Reads after this request's first write go to the primary (DATABASE_READ_URL's replica
    # may lag behind it): the request reads its own writes.
    primary_read_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    # Set once the document is valid (schema/extensions.OperationObserver): logs, metrics.
    operation_type: str | None = None
    operation_name: str | None = None
    # Subscriptions (web/graphql_ws.py): the process's event hub and the connection's outbox.
    hub: EventHub | None = None
    outbox: Outbox | None = None
    loaders: Loaders = field(init=False)
    # What a page's own query fetched for a field of its rows (a company's counts, an
    # entry's actor), keyed by (row object, field): keyed by the object, not the id, since
    # another part of the query may load the same row with a different selection.
    prefetched: dict[tuple[object, str], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._new_loaders()

    def _new_loaders(self) -> None:
        from schema.loaders import Loaders

        self.loaders = Loaders(self.read_sessionmaker)

    def prefetched_or(self, row: object, name: str, load: Callable[[], Awaitable[T]]) -> T | Any:
        """The value a page fetched for this row's field, else `load()`'s awaitable."""
        found = self.prefetched.get((row, name), _MISSING)
        return load() if found is _MISSING else found

    def forget_reads(self) -> None:
        """After a write commits, what this request read before may be stale: the rows
        loaded with the token, the loaders' caches, what pages fetched. Mutations run one
        after another, so the next one and every payload read afresh."""
        if self.actor is not None:
            self.actor = replace(self.actor, user=None, company=None)
        if self.primary_read_sessionmaker is not None:
            self.read_sessionmaker = self.primary_read_sessionmaker
        self._new_loaders()
        self.prefetched.clear()

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise UnauthenticatedError(self.auth_error or "Authentication required")
        return self.actor


Info = _Info[Context, None]
