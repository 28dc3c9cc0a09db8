"""Alembic environment: async engines, the URL from DATABASE_URL (or the caller)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import models
from config import Settings
from models.db import create_engine
from models.startup import lock_startup

target_metadata = models.Base.metadata


def _url() -> str:
    configured = context.config.attributes.get("database_url")
    return str(configured) if configured else Settings.from_env().database_url


def _run(connection: Connection) -> None:
    # Processes starting together on a new database migrate one after another: the lock is
    # held until the transaction commits (the caller's), and the next finds nothing to apply.
    lock_startup(connection)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
