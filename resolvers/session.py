"""Sessions for resolvers: a short read session, or one transaction per mutation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from models.db import begin_write
from schema.context import Info
from services import audit
from services.errors import AccessError, DomainError


@asynccontextmanager
async def reading(info: Info) -> AsyncIterator[AsyncSession]:
    async with info.context.read_sessionmaker() as session:
        yield session


@asynccontextmanager
async def transaction(info: Info) -> AsyncIterator[AsyncSession]:
    """All or nothing: commit on success, roll back on any error, except a domain error
    that must itself be recorded (`persist`), whose flushed changes are committed. A
    refusal's security event (a failed sign-in, a FORBIDDEN mutation) is then written in
    a transaction of its own, once this one has ended."""
    try:
        async with info.context.sessionmaker() as session:
            await begin_write(session)
            try:
                yield session
            except DomainError as exc:
                if exc.persist:
                    await session.commit()
                    info.context.forget_reads()
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            info.context.forget_reads()
    except (DomainError, AccessError) as exc:
        await audit.record_refusal(
            info.context.sessionmaker, exc, actor=info.context.actor, mutation=info.field_name
        )
        raise
