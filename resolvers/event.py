"""Subscriptions: authorize the target once, then stream its events (services/event_hub)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import TypeVar

from models.base import utcnow
from models.event import Event, Topic
from policies.enforcer import Action
from resolvers.session import reading
from schema.context import Info
from schema.ids import decode_id
from services.event_hub import authorize_target
from services.events import decode_cursor

T = TypeVar("T")

# What each topic needs the subscriber to be allowed to read (SPEC section 3). The platform
# desk reads applications through application.decide.
ACTIONS: dict[Topic, tuple[Action, ...]] = {
    Topic.APPLICATION: (Action.APPLICATION_READ, Action.APPLICATION_DECIDE),
    Topic.CREDIT: (Action.CREDIT_READ,),
    Topic.DEVICE: (Action.DEVICE_READ,),
    Topic.ACCOUNT: (Action.ACCOUNT_READ,),
}


async def subscribe(
    info: Info,
    topic: Topic,
    wrap: Callable[[Event], T],
    *,
    company_id: str | None,
    include_descendants: bool,
    after: str | None,
    account_id: str | None = None,
) -> AsyncIterator[T]:
    context = info.context
    actor = context.require_actor()
    # Both set by web/graphql_ws.py for every subscription.
    assert context.hub is not None
    assert context.outbox is not None
    company_pk = (
        actor.company_id
        if company_id is None
        else decode_id(company_id, "Company", field="companyId")
    )
    account_pk = None if account_id is None else decode_id(account_id, "Account", field="accountId")
    cursor = (
        None
        if after is None
        else decode_cursor(after, now=utcnow(), retention=context.settings.event_retention)
    )
    async with reading(info) as session:
        target = await authorize_target(
            session,
            actor,
            ACTIONS[topic],
            company_id=company_pk,
            subtree=include_descendants,
            account_id=account_pk,
        )
    stream = context.hub.stream(
        actor=actor,
        topic=topic,
        actions=ACTIONS[topic],
        target=target,
        after=cursor,
        outbox=context.outbox,
    )
    return _delivered(info, stream, wrap)


async def _delivered(
    info: Info, stream: AsyncIterator[Event], wrap: Callable[[Event], T]
) -> AsyncIterator[T]:
    async with aclosing(stream):  # type: ignore[type-var]
        async for row in stream:
            # Each event reads its objects afresh: the loaders' caches are per delivery.
            info.context.forget_reads()
            yield wrap(row)
