"""Renewal reminders (SPEC section 4): one month before expiry, one week before, on the day.

`send_due_reminders` runs with a clock the test controls (`now`). The expiry used throughout,
31 March 10:00 UTC, also exercises the month clamp: "one month before" is 28 February.

    T-1 month          T-7 days           T's day 00:00   T 10:00     next day 00:00
    |--- MONTH_BEFORE ---|--- WEEK_BEFORE ---|------- ON_THE_DAY -------|

Each reminder goes out exactly once per expiry date, across restarts and concurrent
schedulers, to the owning company's active SUPERADMINs (the nearest ancestor's where it has
none). A scheduler that was down through a whole window skips that reminder.

    Platform            (SUPERADMIN root@platform)
    `-- Partner         (SUPERADMIN boss@partner)
        |-- Customer    (SUPERADMIN ana@customer, SUPERADMIN bea@customer,
        |   |            inactive SUPERADMIN old@customer, ADMINISTRATOR adm@customer)
        |   `-- Site    (no SUPERADMIN)
        |       `-- Plant (no SUPERADMIN)
        `-- Lonely      (ADMINISTRATOR only)
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.account import (
    Account,
    AccountReminder,
    AccountState,
    License,
    PaymentMethod,
    ReminderKind,
    Sector,
)
from models.company import Company
from models.db import begin_write, create_engine, create_sessionmaker
from models.mail import OutboxMessage
from models.user import Role, User
from policies.actor import Actor
from services import application as applications
from services.reminders import send_due_reminders
from tests.factories import Factory

Maker = async_sessionmaker[AsyncSession]

T = datetime(2027, 3, 31, 10, 0, tzinfo=UTC)
MONTH = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)  # one month before T, clamped to February
WEEK = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)
DAY = datetime(2027, 3, 31, 0, 0, tzinfo=UTC)
END = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)

CUSTOMER_BOSSES = ["ana@customer.es", "bea@customer.es"]


@dataclass
class World:
    platform: Company
    partner: Company
    customer: Company
    site: Company
    plant: Company
    lonely: Company
    desk: User  # the platform's ADMINISTRATOR
    boss: User  # a SUPERADMIN of the customer


@pytest.fixture
async def world(factory: Factory) -> World:
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    site = await factory.company(customer, name="Site")
    plant = await factory.company(site, name="Plant")
    lonely = await factory.company(partner, name="Lonely")
    await factory.user(platform, Role.SUPERADMIN, email="root@platform.es")
    desk = await factory.user(platform, Role.ADMINISTRATOR, email="desk@platform.es")
    await factory.user(partner, Role.SUPERADMIN, email="boss@partner.es")
    boss = await factory.user(customer, Role.SUPERADMIN, email="ana@customer.es")
    await factory.user(customer, Role.SUPERADMIN, email="bea@customer.es")
    await factory.user(customer, Role.SUPERADMIN, email="old@customer.es", active=False)
    await factory.user(customer, Role.ADMINISTRATOR, email="adm@customer.es")
    await factory.user(lonely, Role.ADMINISTRATOR, email="adm@lonely.es")
    return World(platform, partner, customer, site, plant, lonely, desk, boss)


_names = itertools.count(1)


async def add_account(
    sessionmaker: Maker,
    company: Company,
    *,
    expires_at: datetime,
    state: AccountState = AccountState.ACTIVE,
) -> int:
    """An account as an approved NEW_ACCOUNT leaves it (state and dates), written directly."""
    async with sessionmaker() as session, session.begin():
        license_id = await session.scalar(select(License.id).where(License.code == "STARTER_DP"))
        assert license_id is not None
        account = Account(
            company_id=company.id,
            name=f"Account {next(_names)}",
            customer_name="Hotel Sol S.L.",
            license_id=license_id,
            datapoints=100,
            period_months=12,
            sector=Sector.HOSPITALITY,
            payment_method=PaymentMethod.DIRECT_DEBIT,
            state=state,
            starts_at=expires_at - timedelta(days=365),
            expires_at=expires_at,
        )
        session.add(account)
        await session.flush()
        return account.id


async def run(sessionmaker: Maker, now: datetime) -> int:
    """One scheduler pass, in its own write transaction, committed as a scheduler would."""
    async with sessionmaker() as session:
        await begin_write(session)
        sent = await send_due_reminders(session, now=now)
        await session.commit()
    return sent


async def reminders(sessionmaker: Maker) -> list[tuple[int, datetime, ReminderKind]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                AccountReminder.account_id, AccountReminder.expires_at, AccountReminder.kind
            ).order_by(AccountReminder.id)
        )
        return [(row.account_id, row.expires_at, row.kind) for row in rows]


async def sent_at(sessionmaker: Maker) -> dict[ReminderKind, datetime]:
    async with sessionmaker() as session:
        rows = await session.execute(select(AccountReminder.kind, AccountReminder.sent_at))
        return {row.kind: row.sent_at for row in rows}


async def mails(sessionmaker: Maker) -> list[tuple[str, str]]:
    """(recipient, subject) of every renewal reminder mail, in the order written."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.to_address, OutboxMessage.subject)
            .where(OutboxMessage.kind == "renewal_reminder")
            .order_by(OutboxMessage.id)
        )
        return [(row.to_address, row.subject) for row in rows]


def actor_of(user: User, company: Company) -> Actor:
    return Actor(
        user_id=user.id,
        company_id=company.id,
        company_path=company.path,
        role=user.role,
        is_platform=company.parent_id is None,
    )


# --- which reminder is due when -----------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(MONTH - TICK, None, id="just-before-a-month"),
        pytest.param(MONTH, ReminderKind.MONTH_BEFORE, id="a-month-before-clamped-to-feb-28"),
        pytest.param(
            MONTH + timedelta(hours=13), ReminderKind.MONTH_BEFORE, id="evening-of-feb-28"
        ),
        pytest.param(datetime(2027, 3, 1, tzinfo=UTC), ReminderKind.MONTH_BEFORE, id="mar-1"),
        pytest.param(WEEK - TICK, ReminderKind.MONTH_BEFORE, id="just-before-a-week"),
        pytest.param(WEEK, ReminderKind.WEEK_BEFORE, id="a-week-before"),
        pytest.param(DAY - TICK, ReminderKind.WEEK_BEFORE, id="just-before-the-day"),
        pytest.param(DAY, ReminderKind.ON_THE_DAY, id="the-days-first-moment"),
        pytest.param(T, ReminderKind.ON_THE_DAY, id="the-moment-of-expiry"),
        pytest.param(END - TICK, ReminderKind.ON_THE_DAY, id="the-days-last-moment"),
        pytest.param(END, None, id="the-day-after"),
        pytest.param(T + timedelta(days=30), None, id="long-expired"),
        pytest.param(T - timedelta(days=60), None, id="two-months-before"),
    ],
)
async def test_the_reminder_due_at_each_moment(
    sessionmaker: Maker, world: World, now: datetime, expected: ReminderKind | None
) -> None:
    # given an active account of the customer expiring at T
    account_id = await add_account(sessionmaker, world.customer, expires_at=T)
    # when the scheduler runs at `now`
    sent = await run(sessionmaker, now)
    # then exactly the reminder of that window is recorded, and mailed to each SUPERADMIN
    if expected is None:
        assert sent == 0
        assert await reminders(sessionmaker) == []
        assert await mails(sessionmaker) == []
        return
    assert sent == 1
    assert await reminders(sessionmaker) == [(account_id, T, expected)]
    assert sorted(to for to, _ in await mails(sessionmaker)) == CUSTOMER_BOSSES


@pytest.mark.parametrize(
    ("start", "later", "kind"),
    [
        pytest.param(MONTH + timedelta(days=1), WEEK - TICK, ReminderKind.MONTH_BEFORE, id="month"),
        pytest.param(WEEK, DAY - TICK, ReminderKind.WEEK_BEFORE, id="week"),
        pytest.param(DAY, END - TICK, ReminderKind.ON_THE_DAY, id="day"),
    ],
)
async def test_each_reminder_goes_out_once_in_its_window(
    sessionmaker: Maker, world: World, start: datetime, later: datetime, kind: ReminderKind
) -> None:
    account_id = await add_account(sessionmaker, world.customer, expires_at=T)
    # when the scheduler runs at the window's start, again at the same moment, and later in it
    counts = [
        await run(sessionmaker, start),
        await run(sessionmaker, start),
        await run(sessionmaker, start + (later - start) / 2),
        await run(sessionmaker, later),
    ]
    # then only the first run sends it
    assert counts == [1, 0, 0, 0]
    assert await reminders(sessionmaker) == [(account_id, T, kind)]
    assert len(await mails(sessionmaker)) == len(CUSTOMER_BOSSES)


async def test_a_scheduler_every_six_hours_sends_the_three_reminders_once_each(
    sessionmaker: Maker, world: World
) -> None:
    # given an active account expiring at T, and a scheduler running every six hours from
    # well before the month window to after the day
    account_id = await add_account(sessionmaker, world.customer, expires_at=T)
    now = datetime(2027, 2, 20, tzinfo=UTC)
    total = 0
    while now < END + timedelta(days=2):
        total += await run(sessionmaker, now)
        now += timedelta(hours=6)
    # then three reminders went out, in order, each inside its own window
    assert total == 3
    assert await reminders(sessionmaker) == [
        (account_id, T, ReminderKind.MONTH_BEFORE),
        (account_id, T, ReminderKind.WEEK_BEFORE),
        (account_id, T, ReminderKind.ON_THE_DAY),
    ]
    when = await sent_at(sessionmaker)
    assert MONTH <= when[ReminderKind.MONTH_BEFORE] < WEEK
    assert WEEK <= when[ReminderKind.WEEK_BEFORE] < WEEK + timedelta(hours=6)
    assert when[ReminderKind.ON_THE_DAY] == DAY
    # and each SUPERADMIN of the customer received one mail per reminder, saying which
    sent = await mails(sessionmaker)
    assert sorted((to, subject.split(" expires ")[1]) for to, subject in sent) == sorted(
        (to, when) for to in CUSTOMER_BOSSES for when in ("in one month", "in one week", "today")
    )


# --- who receives them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "recipients"),
    [
        pytest.param("customer", CUSTOMER_BOSSES, id="own-superadmins"),
        pytest.param("site", CUSTOMER_BOSSES, id="parents-superadmins"),
        pytest.param("plant", CUSTOMER_BOSSES, id="grandparents-superadmins"),
        pytest.param("lonely", ["boss@partner.es"], id="administrators-do-not-count"),
        pytest.param("partner", ["boss@partner.es"], id="partner"),
    ],
)
async def test_mails_go_to_the_nearest_superadmins(
    sessionmaker: Maker, world: World, owner: str, recipients: list[str]
) -> None:
    # given an active account of `owner` expiring at T
    await add_account(sessionmaker, getattr(world, owner), expires_at=T)
    # when the week reminder goes out
    assert await run(sessionmaker, WEEK) == 1
    # then the nearest company with active SUPERADMINs (the owner's own first) receives it,
    # one mail each, and nobody else: not inactive SUPERADMINs, not higher ancestors
    sent = await mails(sessionmaker)
    assert sorted(to for to, _ in sent) == recipients
    assert all(subject.endswith("expires in one week") for _, subject in sent)


async def test_several_accounts_in_one_pass(sessionmaker: Maker, world: World) -> None:
    # given accounts of different companies, expiring at different moments
    due_week = await add_account(sessionmaker, world.customer, expires_at=T)
    due_month = await add_account(sessionmaker, world.partner, expires_at=T + timedelta(days=20))
    due_day = await add_account(sessionmaker, world.site, expires_at=WEEK + timedelta(hours=5))
    await add_account(sessionmaker, world.customer, expires_at=T + timedelta(days=90))
    # when the scheduler runs once
    sent = await run(sessionmaker, WEEK + timedelta(hours=1))
    # then each account due gets its own reminder
    assert sent == 3
    assert sorted(await reminders(sessionmaker)) == sorted(
        [
            (due_week, T, ReminderKind.WEEK_BEFORE),
            (due_month, T + timedelta(days=20), ReminderKind.MONTH_BEFORE),
            (due_day, WEEK + timedelta(hours=5), ReminderKind.ON_THE_DAY),
        ]
    )
    assert len(await mails(sessionmaker)) == 2 + 1 + 2


@pytest.mark.parametrize(
    "state", [AccountState.PENDING, AccountState.REJECTED, AccountState.CANCELLED]
)
async def test_accounts_that_are_not_active_get_nothing(
    sessionmaker: Maker, world: World, state: AccountState
) -> None:
    # given an account that never became active, though it carries an expiry date
    await add_account(sessionmaker, world.customer, expires_at=T, state=state)
    # when the scheduler runs in every window
    counts = [await run(sessionmaker, now) for now in (MONTH + timedelta(days=2), WEEK, DAY, T)]
    # then nothing is recorded or mailed
    assert counts == [0, 0, 0, 0]
    assert await reminders(sessionmaker) == []
    assert await mails(sessionmaker) == []


# --- once, whatever happens -----------------------------------------------------------------


async def test_a_restarted_scheduler_sends_nothing_twice(
    sessionmaker: Maker, world: World, settings: Settings
) -> None:
    # given reminders sent by a scheduler that then stops
    account_id = await add_account(sessionmaker, world.customer, expires_at=T)
    assert await run(sessionmaker, WEEK + timedelta(hours=1)) == 1
    before = (await reminders(sessionmaker), await mails(sessionmaker))
    # when a new process (its own engine and sessions, the same database) runs in the window
    engine = create_engine(settings.database_url)
    try:
        restarted = create_sessionmaker(engine)
        counts = [
            await run(restarted, WEEK + timedelta(hours=1)),
            await run(restarted, DAY - timedelta(hours=1)),
        ]
        # then it sends nothing again; the next reminder still goes out once
        assert counts == [0, 0]
        assert (await reminders(sessionmaker), await mails(sessionmaker)) == before
        assert await run(restarted, DAY) == 1
    finally:
        await engine.dispose()
    assert await reminders(sessionmaker) == [
        (account_id, T, ReminderKind.WEEK_BEFORE),
        (account_id, T, ReminderKind.ON_THE_DAY),
    ]


async def test_two_schedulers_at_once_send_each_reminder_once(
    sessionmaker: Maker, world: World, settings: Settings
) -> None:
    # given five accounts expiring at T, and two server processes, each with its own engine
    accounts = [
        await add_account(sessionmaker, company, expires_at=T)
        for company in (world.customer, world.customer, world.site, world.plant, world.partner)
    ]
    engines = [create_engine(settings.database_url) for _ in range(2)]
    try:
        makers = [create_sessionmaker(engine) for engine in engines]
        for now in (MONTH + timedelta(days=3), WEEK + timedelta(minutes=1), DAY):
            # when both run at the same moment, each in its own transaction
            counts = await asyncio.gather(*(run(maker, now) for maker in makers))
            # then between them each account's reminder is written once
            assert sum(counts) == len(accounts), now
    finally:
        for engine in engines:
            await engine.dispose()
    rows = await reminders(sessionmaker)
    assert sorted(rows) == sorted(
        (account_id, T, kind) for account_id in accounts for kind in ReminderKind
    )
    # and mailed once: two customer SUPERADMINs for four accounts, the partner's for one
    assert len(await mails(sessionmaker)) == 3 * (4 * 2 + 1)


# --- a changing expiry ----------------------------------------------------------------------


async def test_a_renewal_moves_the_reminders_to_the_new_expiry(
    sessionmaker: Maker, world: World
) -> None:
    # given an account expiring on 31 March far ahead (so the renewal, which counts from the
    # later of now and the expiry, counts from the expiry whatever today's date)
    old = datetime(2127, 3, 31, 10, 0, tzinfo=UTC)
    new = datetime(2128, 3, 31, 10, 0, tzinfo=UTC)
    account_id = await add_account(sessionmaker, world.customer, expires_at=old)
    # and its month reminder already sent
    assert await run(sessionmaker, datetime(2127, 3, 10, tzinfo=UTC)) == 1
    # when a renewal is filed and approved before the week reminder
    async with sessionmaker() as session:
        await begin_write(session)
        filed = await applications.request_renewal(
            session, actor=actor_of(world.boss, world.customer), account_id=account_id
        )
        await applications.approve(
            session, actor=actor_of(world.desk, world.platform), application_id=filed.id
        )
        await session.commit()
    async with sessionmaker() as session:
        account = await session.get(Account, account_id)
        assert account is not None
        assert account.expires_at == new
    # then the old date's remaining reminders never go out
    old_times = [
        datetime(2127, 3, 24, 11, tzinfo=UTC),
        datetime(2127, 3, 30, 23, tzinfo=UTC),
        datetime(2127, 3, 31, 0, tzinfo=UTC),
        datetime(2127, 3, 31, 10, tzinfo=UTC),
        datetime(2127, 3, 31, 23, 59, tzinfo=UTC),
    ]
    assert [await run(sessionmaker, now) for now in old_times] == [0] * len(old_times)
    # nor is anything due between the two dates
    assert await run(sessionmaker, datetime(2127, 9, 1, tzinfo=UTC)) == 0
    # and the new date's go out in their windows (a month before: 29 February, a leap day)
    new_times = [
        datetime(2128, 2, 29, 9, tzinfo=UTC),
        datetime(2128, 3, 10, tzinfo=UTC),
        datetime(2128, 3, 11, tzinfo=UTC),
        datetime(2128, 3, 25, tzinfo=UTC),
        datetime(2128, 3, 31, 1, tzinfo=UTC),
        datetime(2128, 4, 1, 1, tzinfo=UTC),
    ]
    assert [await run(sessionmaker, now) for now in new_times] == [0, 1, 0, 1, 1, 0]
    assert await reminders(sessionmaker) == [
        (account_id, old, ReminderKind.MONTH_BEFORE),
        (account_id, new, ReminderKind.MONTH_BEFORE),
        (account_id, new, ReminderKind.WEEK_BEFORE),
        (account_id, new, ReminderKind.ON_THE_DAY),
    ]
    assert len(await mails(sessionmaker)) == 4 * len(CUSTOMER_BOSSES)


@pytest.mark.parametrize(
    ("first_run", "expected"),
    [
        pytest.param(
            T - timedelta(days=3),
            [ReminderKind.WEEK_BEFORE, ReminderKind.ON_THE_DAY],
            id="down-through-the-month-window",
        ),
        pytest.param(DAY + timedelta(hours=2), [ReminderKind.ON_THE_DAY], id="down-until-the-day"),
        pytest.param(END + timedelta(hours=1), [], id="down-until-after-the-day"),
    ],
)
async def test_a_scheduler_that_was_down_skips_the_missed_windows(
    sessionmaker: Maker, world: World, first_run: datetime, expected: list[ReminderKind]
) -> None:
    # given an account expiring at T and a scheduler that first runs at `first_run`
    account_id = await add_account(sessionmaker, world.customer, expires_at=T)
    # when it runs then, and every twelve hours until two days after T
    now = first_run
    while now < END + timedelta(days=2):
        await run(sessionmaker, now)
        now += timedelta(hours=12)
    # then the missed reminders are never sent late; the ones still due are sent once
    assert await reminders(sessionmaker) == [(account_id, T, kind) for kind in expected]
    assert len(await mails(sessionmaker)) == len(expected) * len(CUSTOMER_BOSSES)
