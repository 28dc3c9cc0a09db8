"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

CONNECT_TIMEOUT_SECONDS = 10


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _unicode_lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if not is_sqlite(url):
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        # No ping per checkout: a request opens several short sessions (one per DataLoader
        # batch), and a ping each cost 2-4 ms of a 15-25 ms request. A connection that died
        # (database restart) is detected by the statement that fails on it, which makes
        # SQLAlchemy drop the whole pool: only requests in flight at that moment fail.
        kwargs.setdefault("pool_pre_ping", False)
        kwargs.setdefault("pool_recycle", 1800)
        # asyncpg waits 60 s for a host that does not answer; a server should say so sooner.
        # Custom plans always: asyncpg prepares every statement, and from its sixth execution
        # PostgreSQL may switch to a generic plan, made for no value in particular. Our lists
        # filter on a subtree's path range, from one company to the whole platform: a plan for
        # no particular range was 3-10x slower than the range's own (the W4 dashboard on a
        # platform a tenth the size, bench/sizes.py). Planning again costs far less.
        kwargs.setdefault(
            "connect_args",
            {
                "timeout": CONNECT_TIMEOUT_SECONDS,
                "server_settings": {"plan_cache_mode": "force_custom_plan"},
            },
        )
        return create_async_engine(url, **kwargs)

    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite's
        # implicit BEGIN would otherwise defer locking until the first write).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only; case-insensitive search needs Unicode.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


# Write transactions on SQLite take the write lock up front (BEGIN IMMEDIATE): two writers
# then queue on busy_timeout instead of one failing with "database is locked" when its read
# snapshot is upgraded. Reads stay DEFERRED so they never block writers. Ignored elsewhere.
WRITE_OPTIONS = {"sqlite_begin": "IMMEDIATE"}


async def begin_write(session: AsyncSession) -> None:
    """Start the session's transaction as a write transaction (call before any statement)."""
    await session.connection(execution_options=WRITE_OPTIONS)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that only read. On PostgreSQL they run in autocommit: no BEGIN and ROLLBACK
    round trips around each (0.4 ms of a 0.9 ms authentication). Nothing is lost: at READ
    COMMITTED every statement takes its own snapshot inside a transaction too. SQLite keeps
    its deferred read transactions (models/db.py begins them itself)."""
    if engine.dialect.name != "postgresql":
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
