"""Start-up against a shared database: one clear line when it cannot be reached, migrations
and bootstrap serialized across processes, and servers that wait for the migration head.

Several server processes may start together on a new PostgreSQL database. Each runs its
migrations and the bootstrap under one advisory lock (`STARTUP_LOCK`), so one applies them
and the others, once they get the lock, find nothing left to do. Or the operator runs
`cli.py migrate` once and starts the servers with MIGRATE_ON_START=false: they wait until
the database is at the head revision (`wait_for_head`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.db import create_engine

ROOT = Path(__file__).resolve().parent.parent
# pg_advisory_lock key shared by every process that migrates or bootstraps ("fleet" + 1).
STARTUP_LOCK = 0x666C656574_01


class DatabaseUnreachableError(RuntimeError):
    """The database could not be reached; the message is one line an operator can act on."""


def masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def describe(exc: BaseException) -> str:
    """The innermost cause of a connection failure, as `Type: message` on one line."""
    while True:
        inner = getattr(exc, "orig", None) or exc.__cause__
        if inner is None or inner is exc:
            break
        exc = inner
    text_ = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {text_}"


async def check_connection(url: str, *, seconds: float = 10.0) -> None:
    """Connect and run `SELECT 1`, or raise DatabaseUnreachableError saying what failed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Directly, not through aiosqlite: its worker thread may answer a failed connect after
        # the event loop has closed and print a traceback of its own.
        try:
            sqlite3.connect(parsed.database or ":memory:").close()
        except sqlite3.Error as exc:
            raise DatabaseUnreachableError(
                f"Cannot reach the database at {masked(url)}: {describe(exc)}"
            ) from exc
        return
    engine = create_engine(url)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        timed_out = isinstance(exc, TimeoutError)
        reason = f"no answer within {seconds:g} s" if timed_out else describe(exc)
        raise DatabaseUnreachableError(
            f"Cannot reach the database at {masked(url)}: {reason}"
        ) from exc
    finally:
        await engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the code expects (read from the migration scripts once)."""
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    return frozenset(script.get_heads())


def _current(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def current_revisions(connection: AsyncConnection) -> frozenset[str]:
    return await connection.run_sync(_current)


def lock_startup(connection: Connection) -> None:
    """Hold the start-up lock until the connection's transaction ends (PostgreSQL only;
    SQLite serializes writers on its own)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK})


async def wait_for_head(url: str, *, seconds: float, poll: float = 1.0) -> None:
    """Return once the database is at the head revision; raise after `seconds`."""
    engine: AsyncEngine = create_engine(url)
    deadline = time.monotonic() + seconds
    current: frozenset[str] = frozenset()
    try:
        while True:
            async with engine.connect() as connection:
                current = await current_revisions(connection)
            if current == head_revisions():
                return
            if time.monotonic() >= deadline:
                raise DatabaseUnreachableError(
                    f"The database at {masked(url)} is at revision "
                    f"{', '.join(sorted(current)) or 'none'}, not at the head "
                    f"{', '.join(sorted(head_revisions()))}, after waiting {seconds:g} s: "
                    "run `cli.py migrate`"
                )
            await asyncio.sleep(poll)
    finally:
        await engine.dispose()
