"""Periodic jobs: renewal reminders, device charging, account expiry events, the purge of
old idempotency keys and events, and the audit trail's sealing and retention.

Every server process runs them (`Scheduler`, started by the server's lifespan), and
`cli.py jobs` runs them once for cron. Running them in several processes at once is safe:
reminders are claimed by a unique key, a device is charged under its row lock after
re-checking that it is due, and the purge is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import utcnow
from models.db import begin_write
from services import account, audit_seal, device, events, idempotency, metrics, reminders

log = logging.getLogger("fleet.jobs")

CHARGE_BATCH = 500
DEFAULT_AUDIT_RETENTION = timedelta(days=400)
T = TypeVar("T")


async def run_reminders(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    async with sessionmaker() as session:
        await begin_write(session)
        sent = await reminders.send_due_reminders(session, now=now)
        await session.commit()
    return sent


async def run_charging(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, period: timedelta
) -> device.ChargeReport:
    """Charge (or suspend, or resume) every device due at `now`, one transaction each."""
    report = device.ChargeReport()
    after = 0
    while True:
        async with sessionmaker() as session:
            ids = await device.due_device_ids(session, now=now, after_id=after, limit=CHARGE_BATCH)
        if not ids:
            return report
        for device_id in ids:
            async with sessionmaker() as session:
                await begin_write(session)
                outcome = await device.charge_device(
                    session, device_id=device_id, now=now, period=period
                )
                await session.commit()
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
        after = ids[-1]
        if len(ids) < CHARGE_BATCH:
            return report


async def run_expiries(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """The EXPIRED event of each account whose expiry passed, in batches."""
    announced = 0
    while True:
        async with sessionmaker() as session:
            await begin_write(session)
            batch = await account.announce_expiries(session, now=now)
            await session.commit()
        announced += batch
        if batch < account.EXPIRY_BATCH:
            return announced


async def run_purge(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    event_retention: timedelta = events.DEFAULT_RETENTION,
) -> int:
    async with sessionmaker() as session:
        await begin_write(session)
        purged = await idempotency.purge_expired(session, now=now)
        purged += await events.purge(session, now=now, retention=event_retention)
        await session.commit()
    return purged


@dataclass(frozen=True)
class AuditReport:
    sealed: int
    purged: int


async def run_audit(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    retention: timedelta = DEFAULT_AUDIT_RETENTION,
) -> AuditReport:
    """Seal what committed since the last run (batch by batch, one transaction each), then
    purge the batches sealed before the retention cutoff."""
    sealed = 0
    while True:
        async with sessionmaker() as session:
            await begin_write(session)
            batch = await audit_seal.seal(session, now=now)
            await session.commit()
        sealed += batch
        if batch < audit_seal.SEAL_BATCH:
            break
    async with sessionmaker() as session:
        await begin_write(session)
        purged = await audit_seal.purge(session, cutoff=now - retention)
        await session.commit()
    return AuditReport(sealed=sealed, purged=purged)


@dataclass(frozen=True)
class JobReport:
    reminders: int
    charging: device.ChargeReport
    expired_accounts: int
    purged: int  # idempotency keys and events past their windows
    audit: AuditReport = AuditReport(sealed=0, purged=0)


async def run_all(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    period: timedelta,
    now: datetime | None = None,
    audit_retention: timedelta = DEFAULT_AUDIT_RETENTION,
    event_retention: timedelta = events.DEFAULT_RETENTION,
) -> JobReport:
    now = now or utcnow()
    return JobReport(
        reminders=await _counted("reminders", run_reminders(sessionmaker, now=now)),
        charging=await _counted("charging", run_charging(sessionmaker, now=now, period=period)),
        expired_accounts=await _counted("account_expiry", run_expiries(sessionmaker, now=now)),
        purged=await _counted(
            "purge", run_purge(sessionmaker, now=now, event_retention=event_retention)
        ),
        # Last: it seals what the jobs above wrote.
        audit=await _counted("audit", run_audit(sessionmaker, now=now, retention=audit_retention)),
    )


async def _counted(job: str, run: Awaitable[T]) -> T:
    """Run one job, counting its outcome for /metrics (runs, last success time)."""
    try:
        result = await run
    except Exception:
        metrics.record_job(job, ok=False)
        raise
    metrics.record_job(job, ok=True)
    return result


class Scheduler:
    """Runs `run_all` every `interval` in the background of a server process."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        period: timedelta,
        interval: timedelta,
        event_retention: timedelta = events.DEFAULT_RETENTION,
        clock: Callable[[], datetime] = utcnow,
        run: Callable[..., Awaitable[JobReport]] = run_all,
        audit_retention: timedelta = DEFAULT_AUDIT_RETENTION,
    ) -> None:
        self._audit_retention = audit_retention
        self._sessionmaker = sessionmaker
        self._period = period
        self._event_retention = event_retention
        self._interval = interval.total_seconds()
        self._clock = clock
        self._run = run
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                report = await self._run(
                    self._sessionmaker,
                    period=self._period,
                    now=self._clock(),
                    audit_retention=self._audit_retention,
                    event_retention=self._event_retention,
                )
                log.info("jobs: %s", report)
            except Exception:  # keep the server's scheduler alive through any one failure
                log.exception("scheduled jobs failed; retrying in %.0f s", self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
