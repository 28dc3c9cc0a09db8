"""The charging job (SPEC section 5): at the end of each period a registered device costs
another credit; without one it is SUSPENDED until credits arrive.

`services.jobs.run_charging` is driven with a chosen `now` and a short period (an hour), so
no test waits for a month; devices are registered and credits granted through the services,
as the API would. Then the scheduler that runs the jobs in every server process.

    Platform        desk (ADMINISTRATOR: grants)
    `-- Partner     admin (ADMINISTRATOR: registers, moves, sets useParentCredits)
        `-- Customer
            `-- Site
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from config import Settings
from models.company import Company
from models.credit import EntryKind, LedgerEntry
from models.db import begin_write, create_engine, create_sessionmaker
from models.device import Device, DeviceStatus
from models.user import Role, User
from services import company as company_service
from services import credit, jobs
from services import device as device_service
from services.device import ChargeReport, DeviceSpec
from tests.factories import Factory
from tests.helpers import Maker, actor_of, balance_of, get_row

PERIOD = timedelta(hours=1)
_serials = itertools.count(1)


@dataclass
class World:
    sessionmaker: Maker
    platform: Company
    partner: Company
    customer: Company
    site: Company
    desk: User
    admin: User

    async def grant(self, company: Company, amount: int) -> None:
        async with self.sessionmaker() as session:
            await begin_write(session)
            await credit.grant_credits(
                session,
                actor=actor_of(self.desk, self.platform),
                company_id=company.id,
                amount=amount,
                reason="test",
            )
            await session.commit()

    async def register(self, company: Company | None = None) -> Device:
        async with self.sessionmaker() as session:
            await begin_write(session)
            device = await device_service.register_device(
                session,
                actor=actor_of(self.admin, self.partner),
                company_id=(company or self.customer).id,
                spec=DeviceSpec(
                    serial_number=f"CH-{next(_serials):06d}",
                    name="Meter",
                    model="EM-1",
                    datapoints=5,
                ),
                period=PERIOD,
            )
            await session.commit()
            return device

    async def unregister(self, device: Device) -> None:
        async with self.sessionmaker() as session:
            await begin_write(session)
            await device_service.unregister_device(
                session, actor=actor_of(self.admin, self.partner), device_id=device.id
            )
            await session.commit()

    async def use_parent_credits(self, company: Company) -> None:
        async with self.sessionmaker() as session:
            await begin_write(session)
            await company_service.set_use_parent_credits(
                session,
                actor=actor_of(self.admin, self.partner),
                company_id=company.id,
                use_parent_credits=True,
            )
            await session.commit()

    async def device(self, device: Device) -> Device:
        return await get_row(self.sessionmaker, Device, device.id)

    async def balance(self, company: Company) -> int:
        return await balance_of(self.sessionmaker, company)

    async def charges(self, device: Device | None = None) -> list[LedgerEntry]:
        """CHARGE entries made by the job (registrations have an actor, the job none)."""
        async with self.sessionmaker() as session:
            query = select(LedgerEntry).where(
                LedgerEntry.kind == EntryKind.CHARGE, LedgerEntry.actor_id.is_(None)
            )
            if device is not None:
                query = query.where(LedgerEntry.device_id == device.id)
            return list(await session.scalars(query.order_by(LedgerEntry.id)))

    async def problems(self) -> list[str]:
        async with self.sessionmaker() as session:
            return await credit.check_invariants(session)


@pytest.fixture
async def world(factory: Factory, sessionmaker: Maker) -> World:
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    site = await factory.company(customer, name="Site")
    return World(
        sessionmaker=sessionmaker,
        platform=platform,
        partner=partner,
        customer=customer,
        site=site,
        desk=await factory.user(platform, Role.ADMINISTRATOR),
        admin=await factory.user(partner, Role.ADMINISTRATOR),
    )


async def charge(sessionmaker: Maker, now: datetime) -> ChargeReport:
    return await jobs.run_charging(sessionmaker, now=now, period=PERIOD)


async def charge_at_once(settings: Settings, now: datetime, processes: int) -> list[ChargeReport]:
    """The job run by several server processes at once, each with its own engine."""
    engines = [create_engine(settings.database_url) for _ in range(processes)]
    try:
        makers = [create_sessionmaker(engine) for engine in engines]
        return list(await asyncio.gather(*(charge(maker, now) for maker in makers)))
    finally:
        for engine in engines:
            await engine.dispose()


def counts(report: ChargeReport) -> tuple[int, int, int]:
    return report.charged, report.suspended, report.resumed


# --- a running device ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "late",
    [timedelta(0), timedelta(minutes=1), 3 * PERIOD],
    ids=["at-the-end", "a-minute-after", "three-periods-after"],
)
async def test_a_device_whose_period_ended_is_charged_for_the_next(
    world: World, late: timedelta
) -> None:
    # given a device registered with 2 credits left
    await world.grant(world.customer, 3)
    device = await world.register()
    paid_until = device.paid_until
    # when the job runs at (or after) the end of its period
    now = paid_until + late
    report = await charge(world.sessionmaker, now)
    # then it is charged one credit for one more period, without a gap
    assert counts(report) == (1, 0, 0)
    row = await world.device(device)
    assert row.status is DeviceStatus.ACTIVE
    assert row.paid_until == paid_until + PERIOD
    assert await world.balance(world.customer) == 1
    (entry,) = await world.charges(device)
    assert (entry.company_id, entry.amount, entry.balance_after) == (world.customer.id, -1, 1)
    assert entry.created_at == now
    assert await world.problems() == []


async def test_a_device_not_yet_due_is_untouched(world: World) -> None:
    await world.grant(world.customer, 3)
    device = await world.register()
    report = await charge(world.sessionmaker, device.paid_until - timedelta(seconds=1))
    assert counts(report) == (0, 0, 0)
    row = await world.device(device)
    assert (row.status, row.paid_until) == (DeviceStatus.ACTIVE, device.paid_until)
    assert await world.charges() == []
    assert await world.balance(world.customer) == 2


async def test_a_device_is_charged_once_per_period(world: World) -> None:
    # given a device, and the job running every ten minutes for three periods
    await world.grant(world.customer, 10)
    device = await world.register()
    now = device.paid_until - timedelta(minutes=5)
    end = device.paid_until + 3 * PERIOD - timedelta(minutes=1)
    while now < end:
        await charge(world.sessionmaker, now)
        now += timedelta(minutes=10)
    # then it was charged three times, each when a period ended
    assert len(await world.charges(device)) == 3
    assert (await world.device(device)).paid_until == device.paid_until + 3 * PERIOD
    assert await world.balance(world.customer) == 10 - 1 - 3


# --- suspension and resumption ----------------------------------------------------------------


async def test_without_credits_a_device_is_suspended_then_resumed_when_credits_arrive(
    world: World,
) -> None:
    # given a device whose registration spent the last credit
    await world.grant(world.customer, 1)
    device = await world.register()
    # when its period ends
    ended = device.paid_until + timedelta(minutes=1)
    report = await charge(world.sessionmaker, ended)
    # then it is SUSPENDED: no entry, the balance stays 0
    assert counts(report) == (0, 1, 0)
    row = await world.device(device)
    assert (row.status, row.paid_until) == (DeviceStatus.SUSPENDED, device.paid_until)
    assert await world.charges() == []
    assert await world.balance(world.customer) == 0
    # and later runs without credits leave it as it is, reporting nothing new
    later = ended + 2 * PERIOD
    assert counts(await charge(world.sessionmaker, later)) == (0, 0, 0)
    assert (await world.device(device)).status is DeviceStatus.SUSPENDED
    # when credits arrive, the next run resumes it: a fresh period from now
    await world.grant(world.customer, 2)
    resumed_at = later + timedelta(minutes=7)
    report = await charge(world.sessionmaker, resumed_at)
    assert counts(report) == (0, 0, 1)
    row = await world.device(device)
    assert (row.status, row.paid_until) == (DeviceStatus.ACTIVE, resumed_at + PERIOD)
    (entry,) = await world.charges(device)
    assert (entry.amount, entry.balance_after, entry.created_at) == (-1, 1, resumed_at)
    assert await world.balance(world.customer) == 1
    # and a run before that fresh period ends charges nothing more
    assert counts(await charge(world.sessionmaker, resumed_at + PERIOD / 2)) == (0, 0, 0)
    assert await world.problems() == []


async def test_credits_go_as_far_as_they_reach(world: World) -> None:
    # given four devices due, and two credits for them
    await world.grant(world.customer, 4)
    devices = [await world.register() for _ in range(4)]
    await world.grant(world.customer, 2)
    now = max(d.paid_until for d in devices) + timedelta(minutes=1)
    report = await charge(world.sessionmaker, now)
    # then two are charged and two suspended; the balance ends at zero, never below
    assert counts(report) == (2, 2, 0)
    statuses = [(await world.device(d)).status for d in devices]
    assert sorted(statuses) == [DeviceStatus.ACTIVE] * 2 + [DeviceStatus.SUSPENDED] * 2
    assert await world.balance(world.customer) == 0
    assert await world.problems() == []


# --- devices that are never charged ----------------------------------------------------------


async def test_unregistered_devices_are_never_charged(world: World) -> None:
    # given an unregistered device, and one suspended and then unregistered
    await world.grant(world.customer, 2)
    gone = await world.register()
    suspended = await world.register()
    await world.unregister(gone)
    now = suspended.paid_until + timedelta(minutes=1)
    assert counts(await charge(world.sessionmaker, now)) == (0, 1, 0)
    await world.unregister(suspended)
    # when credits arrive and the job runs again, a period later
    await world.grant(world.customer, 5)
    report = await charge(world.sessionmaker, now + 2 * PERIOD)
    # then neither is charged nor resumed
    assert counts(report) == (0, 0, 0)
    assert await world.charges() == []
    assert await world.balance(world.customer) == 5
    for device in (gone, suspended):
        assert (await world.device(device)).status is DeviceStatus.UNREGISTERED


# --- who pays ---------------------------------------------------------------------------------


async def test_devices_using_parent_credits_are_charged_to_the_payer(world: World) -> None:
    # given the site and the customer both using their parent's credits: the partner pays
    await world.grant(world.partner, 5)
    await world.grant(world.customer, 5)
    await world.grant(world.site, 5)
    await world.use_parent_credits(world.site)
    await world.use_parent_credits(world.customer)
    at_site = await world.register(world.site)
    at_customer = await world.register(world.customer)
    assert [await world.balance(c) for c in (world.partner, world.customer, world.site)] == [
        3,
        5,
        5,
    ]
    # when their periods end
    now = max(at_site.paid_until, at_customer.paid_until) + timedelta(minutes=1)
    report = await charge(world.sessionmaker, now)
    # then the partner pays both, and the charges name the devices on its ledger
    assert counts(report) == (2, 0, 0)
    assert [await world.balance(c) for c in (world.partner, world.customer, world.site)] == [
        1,
        5,
        5,
    ]
    entries = await world.charges()
    assert {(e.company_id, e.device_id) for e in entries} == {
        (world.partner.id, at_site.id),
        (world.partner.id, at_customer.id),
    }


async def test_a_device_paid_by_an_empty_parent_is_suspended(world: World) -> None:
    # given a customer with credits of its own, but paying through the partner, now spent
    await world.grant(world.partner, 1)
    await world.grant(world.customer, 5)
    await world.use_parent_credits(world.customer)
    device = await world.register()
    report = await charge(world.sessionmaker, device.paid_until + timedelta(minutes=1))
    assert counts(report) == (0, 1, 0)
    assert await world.balance(world.customer) == 5


# --- several at once ---------------------------------------------------------------------------


async def test_two_concurrent_runs_charge_each_device_once(
    world: World, settings: Settings
) -> None:
    # given six due devices and enough credits for all, and two server processes, each with
    # its own engine (on PostgreSQL they truly run at once; SQLite serializes the writes)
    await world.grant(world.customer, 20)
    devices = [await world.register() for _ in range(6)]
    now = max(d.paid_until for d in devices) + timedelta(minutes=1)
    reports = await charge_at_once(settings, now, processes=2)
    # then between them each device was charged exactly once
    assert sum(r.charged for r in reports) == 6
    entries = await world.charges()
    assert len(entries) == 6
    assert {e.device_id for e in entries} == {d.id for d in devices}
    for device in devices:
        assert (await world.device(device)).paid_until == device.paid_until + PERIOD
    assert await world.balance(world.customer) == 20 - 6 - 6
    assert await world.problems() == []


async def test_concurrent_runs_with_too_few_credits_never_overdraw(
    world: World, settings: Settings
) -> None:
    await world.grant(world.customer, 6)
    devices = [await world.register() for _ in range(6)]
    await world.grant(world.customer, 3)
    now = max(d.paid_until for d in devices) + timedelta(minutes=1)
    reports = await charge_at_once(settings, now, processes=3)
    assert sum(r.charged for r in reports) == 3
    assert sum(r.suspended for r in reports) == 3
    assert len(await world.charges()) == 3
    assert await world.balance(world.customer) == 0
    assert await world.problems() == []


async def test_every_due_device_is_reached_across_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "CHARGE_BATCH", 2)
    await world.grant(world.customer, 10)
    devices = [await world.register() for _ in range(5)]
    now = max(d.paid_until for d in devices) + timedelta(minutes=1)
    report = await charge(world.sessionmaker, now)
    assert counts(report) == (5, 0, 0)
    assert len(await world.charges()) == 5


# --- the scheduler ---------------------------------------------------------------------------


class Runs:
    """A stand-in for `run_all` that records each run, and wakes a test after `wanted`."""

    def __init__(self, wanted: int, body: Callable[[int, Maker, Any], Awaitable[jobs.JobReport]]):
        self.calls: list[datetime] = []
        self.reports: list[jobs.JobReport] = []
        self.wanted = wanted
        self.enough = asyncio.Event()
        self._body = body

    async def __call__(self, sessionmaker: Maker, **kwargs: Any) -> jobs.JobReport:
        self.calls.append(kwargs["now"])
        try:
            report = await self._body(len(self.calls), sessionmaker, kwargs)
        finally:
            if len(self.calls) >= self.wanted:
                self.enough.set()
        self.reports.append(report)
        return report

    async def wait(self) -> None:
        async with asyncio.timeout(10):
            await self.enough.wait()


async def run_scheduler(world: World, runs: Runs, clock: Callable[[], datetime]) -> None:
    """A scheduler running every 5 ms on this clock: started, left to make `runs`, stopped."""
    scheduler = jobs.Scheduler(
        world.sessionmaker,
        period=PERIOD,
        interval=timedelta(milliseconds=5),
        clock=clock,
        run=runs,
    )
    scheduler.start()
    try:
        await runs.wait()
    finally:
        await scheduler.stop()


async def run_all(_: int, sessionmaker: Maker, kwargs: Any) -> jobs.JobReport:
    return await jobs.run_all(sessionmaker, **kwargs)


async def test_the_scheduler_runs_the_jobs_and_stops_cleanly(world: World) -> None:
    # given a due device, and a scheduler every few milliseconds on a fake clock
    await world.grant(world.customer, 5)
    device = await world.register()
    fake_now = device.paid_until + timedelta(minutes=1)
    runs = Runs(3, run_all)
    # when it is started and left to run a few times
    await run_scheduler(world, runs, clock=lambda: fake_now)
    # then every run used the clock's time, and the device was charged once, by the first
    assert set(runs.calls) == {fake_now}
    assert counts(runs.reports[0].charging) == (1, 0, 0)
    assert all(counts(report.charging) == (0, 0, 0) for report in runs.reports[1:])
    assert (await world.device(device)).paid_until == device.paid_until + PERIOD
    assert len(await world.charges(device)) == 1
    # and once stopped it runs no more
    stopped_at = len(runs.calls)
    await asyncio.sleep(0.05)
    assert len(runs.calls) == stopped_at


async def test_the_scheduler_survives_a_failing_run(world: World) -> None:
    ticks = itertools.count()
    start = datetime(2030, 1, 1, tzinfo=UTC)

    async def failing_first(call: int, sessionmaker: Maker, kwargs: Any) -> jobs.JobReport:
        if call == 1:
            raise RuntimeError("the database went away")
        return await jobs.run_all(sessionmaker, **kwargs)

    runs = Runs(3, failing_first)
    await run_scheduler(world, runs, clock=lambda: start + timedelta(minutes=next(ticks)))
    # the runs after the failure happened, and the clock is asked afresh for every run
    assert runs.calls[:3] == [start, start + timedelta(minutes=1), start + timedelta(minutes=2)]
    assert len(runs.reports) >= 2


async def test_stopping_an_idle_scheduler_does_not_wait_for_the_interval(world: World) -> None:
    async def nothing(_: int, sessionmaker: Maker, kwargs: Any) -> jobs.JobReport:
        return jobs.JobReport(reminders=0, charging=ChargeReport(), expired_accounts=0, purged=0)

    runs = Runs(1, nothing)
    scheduler = jobs.Scheduler(
        world.sessionmaker, period=PERIOD, interval=timedelta(hours=1), run=runs
    )
    scheduler.start()
    await runs.wait()
    # when it is stopped while waiting an hour for the next run, it stops at once
    async with asyncio.timeout(5):
        await scheduler.stop()
    assert len(runs.calls) == 1
