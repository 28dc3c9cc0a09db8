"""Sign-in throttling, per account and per client address, shared by every server process.

Every attempt is counted before its password is checked, by one statement per key that
both records and decides (`admit`): an upsert that adds the attempt only while the key is
not waiting, and returns nothing when it is. Concurrent attempts queue on the key's row,
so however many arrive at once (parallel requests, aliases, several processes) at most the
free allowance has its password checked.

| key                          | free attempts | then wait after each failure | blocked      |
|------------------------------|---------------|------------------------------|--------------|
| account (the email as typed) | 3             | 1 s, 2 s, 4 s ... (5 min max) | 15 min at 10 |
| client address               | 10            | 1 s, 2 s, 4 s ... (5 min max) | 15 min at 50 |

So the fourth attempt on an account comes at least 1 s after the third, the fifth 2 s
after the fourth, and the tenth failure blocks the account for 15 minutes.

The account key is the email as typed, known or not, so throttling reveals nothing.
Counters forget 15 minutes after the last attempt; a successful sign-in clears the
account's counter and takes back its own attempt from the address's (so a valid account
neither launders an address nor uses up an office's allowance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, bindparam, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import UTCDateTime
from models.user import LoginThrottle
from services.errors import LoginThrottledError


@dataclass(frozen=True)
class Limits:
    free_attempts: int
    block_after: int
    block_for: timedelta
    max_wait: timedelta = timedelta(minutes=5)

    def wait_after(self, failures: int) -> timedelta | None:
        """How long the next attempt must wait after this many counted attempts."""
        if failures >= self.block_after:
            return self.block_for
        if failures >= self.free_attempts:
            return min(timedelta(seconds=2 ** (failures - self.free_attempts)), self.max_wait)
        return None

    def steps(self) -> list[tuple[int, timedelta]]:
        """(from this many attempts, the wait), highest first: the waits as ranges."""
        found: list[tuple[int, timedelta]] = []
        for failures in range(self.block_after, self.free_attempts - 1, -1):
            wait = self.wait_after(failures)
            assert wait is not None
            if found and found[-1][1] == wait and failures < self.block_after:
                found[-1] = (failures, wait)
            else:
                found.append((failures, wait))
        return found


ACCOUNT = Limits(free_attempts=3, block_after=10, block_for=timedelta(minutes=15))
ADDRESS = Limits(free_attempts=10, block_after=50, block_for=timedelta(minutes=15))
FORGET_AFTER = timedelta(minutes=15)


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()[:254]}"


def address_key(address: str | None) -> str | None:
    return f"address:{address}" if address else None


def _keys(email: str, address: str | None) -> list[tuple[str, Limits]]:
    # Always the account first: concurrent attempts lock rows in one order (no deadlock).
    keys = [(account_key(email), ACCOUNT)]
    by_address = address_key(address)
    if by_address:
        keys.append((by_address, ADDRESS))
    return keys


async def admit(session: AsyncSession, *, email: str, address: str | None, now: datetime) -> None:
    """Count this attempt on each key, or refuse it while a key is waiting, saying how long.

    The caller commits before checking the password (so other processes see the attempt)
    and rolls back on refusal (so a refused attempt counts on no key)."""
    for key, limits in _keys(email, address):
        counted = await session.execute(
            _admit_statement(session.get_bind().dialect.name, limits),
            _admit_parameters(key, limits, now),
        )
        if counted.first() is None:
            raise LoginThrottledError(retry_after=await _retry_after(session, key, now))


async def record_success(session: AsyncSession, *, email: str, address: str | None) -> None:
    """The password was right: clear the account, give the address its attempt back."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))
    by_address = address_key(address)
    if by_address is None:
        return
    failures = LoginThrottle.failures - 1
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == by_address, LoginThrottle.failures > 0)
        .values(
            failures=failures,
            blocked_until=case(
                (failures < ADDRESS.free_attempts, None), else_=LoginThrottle.blocked_until
            ),
        )
    )


async def _retry_after(session: AsyncSession, key: str, now: datetime) -> int:
    until = await session.scalar(
        select(LoginThrottle.blocked_until).where(LoginThrottle.key == key)
    )
    seconds = (until - now).total_seconds() if until is not None else 0
    return max(1, math.ceil(seconds))


def _admit_parameters(key: str, limits: Limits, now: datetime) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "key": key,
        "now": now,
        "forgotten": now - FORGET_AFTER,
        "first_wait": _after(now, limits.wait_after(1)),
    }
    for n, (_, wait) in enumerate(limits.steps()):
        parameters[f"until_{n}"] = now + wait
    return parameters


def _after(now: datetime, wait: timedelta | None) -> datetime | None:
    return None if wait is None else now + wait


@cache
def _admit_statement(dialect: str, limits: Limits) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE ... WHERE the key is not waiting ... RETURNING.

    No row comes back when the key is waiting: the attempt is refused and nothing counted.
    The waits are bound as timestamps for each count (`steps`), so neither database needs
    date arithmetic or powers."""
    row = LoginThrottle
    now = bindparam("now", type_=UTCDateTime())
    counted: ColumnElement[int] = case(
        (row.last_failure_at < bindparam("forgotten", type_=UTCDateTime()), literal(1)),
        else_=row.failures + 1,
    )
    until = case(
        *[
            (counted >= threshold, bindparam(f"until_{n}", type_=UTCDateTime()))
            for n, (threshold, _) in enumerate(limits.steps())
        ],
        else_=None,
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LoginThrottle).values(
        key=bindparam("key"),
        failures=1,
        last_failure_at=now,
        blocked_until=bindparam("first_wait", type_=UTCDateTime()),
    )
    return statement.on_conflict_do_update(
        index_elements=[row.key],
        set_={"failures": counted, "last_failure_at": now, "blocked_until": until},
        where=or_(row.blocked_until.is_(None), row.blocked_until <= now),
    ).returning(row.failures)
