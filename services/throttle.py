"""Sign-in throttling, per account and per client address, shared by every server process.

Each failed attempt counts, however it arrives (one request each, aliases, batches): the
counters live in the database and every login reads them before checking the password.

| key                          | free failures | then wait between tries | blocked after |
|------------------------------|---------------|-------------------------|---------------|
| account (the email as typed) | 3             | 1 s, 2 s, 4 s ...       | 10, 15 min    |
| client address               | 10            | 1 s, 2 s, 4 s ...       | 50, 15 min    |

The account key is the email as typed, known or not, so throttling reveals nothing.

Counters forget failures 15 minutes after the last one; a successful sign-in clears the
account's counter (not the address's, so one valid account cannot launder an address).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.user import LoginThrottle
from services.errors import LoginThrottledError


@dataclass(frozen=True)
class Limits:
    free_failures: int
    block_after: int
    block_for: timedelta
    max_wait: timedelta = timedelta(minutes=5)


ACCOUNT = Limits(free_failures=3, block_after=10, block_for=timedelta(minutes=15))
ADDRESS = Limits(free_failures=10, block_after=50, block_for=timedelta(minutes=15))
FORGET_AFTER = timedelta(minutes=15)


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()[:254]}"


def address_key(address: str | None) -> str | None:
    return f"address:{address}" if address else None


def _blocked_until(failures: int, limits: Limits, now: datetime) -> datetime | None:
    if failures >= limits.block_after:
        return now + limits.block_for
    if failures > limits.free_failures:
        wait = timedelta(seconds=2 ** (failures - limits.free_failures - 1))
        return now + min(wait, limits.max_wait)
    return None


def _keys(email: str, address: str | None) -> list[tuple[str, Limits]]:
    keys = [(account_key(email), ACCOUNT)]
    by_address = address_key(address)
    if by_address:
        keys.append((by_address, ADDRESS))
    return keys


async def check(session: AsyncSession, *, email: str, address: str | None, now: datetime) -> None:
    """Refuse the attempt while either key is blocked, saying for how long."""
    keys = [key for key, _ in _keys(email, address)]
    rows = await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    waits = [
        (row.blocked_until - now).total_seconds()
        for row in rows
        if row.blocked_until is not None and row.blocked_until > now
    ]
    if waits:
        raise LoginThrottledError(retry_after=max(1, math.ceil(max(waits))))


async def record_failure(
    session: AsyncSession, *, email: str, address: str | None, now: datetime
) -> None:
    for key, limits in _keys(email, address):
        row = await _locked_row(session, key, now)
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        row.blocked_until = _blocked_until(row.failures, limits, now)
    await session.flush()


async def record_success(session: AsyncSession, *, email: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))


async def _locked_row(session: AsyncSession, key: str, now: datetime) -> LoginThrottle:
    """The key's row, created if missing, locked against concurrent logins (PostgreSQL);
    on SQLite the write transaction already serializes them."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = await session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted above or by a concurrent login
    return row
