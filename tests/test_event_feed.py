"""The change feed below GraphQL: commit-visible order under concurrent writers, the hub's
fan-out and its bounded queues, who receives what (from the policies), the expiry job and
the purge. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.account import Account, AccountState, License, PaymentMethod, Sector
from models.company import Company
from models.db import begin_write
from models.event import Event, Topic
from models.user import Role
from policies.enforcer import Relation
from resolvers.event import ACTIONS
from services import access, events, jobs
from services.errors import ForbiddenError, NotFoundError
from services.event_hub import EventHub, Outbox, Subscriber, Target, authorize_target
from tests.factories import Factory
from tests.helpers import actor_of

Maker = async_sessionmaker[AsyncSession]


async def _write_event(session: AsyncSession, company: Company, amount: int) -> None:
    from models.credit import EntryKind, LedgerEntry

    entry = LedgerEntry(id=amount, company_id=company.id, kind=EntryKind.GRANT, amount=amount)
    entry.balance_after = amount
    await events.ledger_posted(session, entry)


async def _read_all(sessionmaker: Maker, after: events.Position) -> list[Event]:
    async with sessionmaker() as session:
        return await events.read_after(session, after, limit=1000)


async def test_a_late_commit_is_neither_skipped_nor_repeated(
    sessionmaker: Maker, factory: Factory
) -> None:
    """Writer A starts first, writer B later and commits first. A reader must neither skip
    A's event nor see any event twice. On PostgreSQL B's event waits below the horizon
    while A, older, runs, then both come in (xid, id) order; SQLite's single writer
    commits in id order."""
    company = await factory.company()
    postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
    async with sessionmaker() as late:
        if postgres:
            # A real write first (SQLite would hold its single writer's lock for it).
            await begin_write(late)
            await late.execute(update(Company).where(Company.id == company.id).values(name="A"))
        await _write_event(late, company, 1)
        async with sessionmaker() as early:
            await _write_event(early, company, 2)
            await early.commit()
        first = await _read_all(sessionmaker, events.START)
        assert [e.payload["amount"] for e in first] == ([] if postgres else [2])
        await late.commit()
    after = events.position_of(first[-1]) if first else events.START
    rest = await _read_all(sessionmaker, after)
    assert [e.payload["amount"] for e in rest] == ([1, 2] if postgres else [1])
    assert await _read_all(sessionmaker, events.position_of(rest[-1])) == []


async def test_a_rollback_writes_no_event(sessionmaker: Maker, factory: Factory) -> None:
    company = await factory.company()
    async with sessionmaker() as session:
        await _write_event(session, company, 1)
        await session.rollback()
    async with sessionmaker() as session:
        await session.commit()  # nothing left pending from the rolled-back transaction
    assert await _read_all(sessionmaker, events.START) == []


async def test_a_rolled_back_savepoint_takes_its_events_along(
    sessionmaker: Maker, factory: Factory
) -> None:
    company = await factory.company()
    async with sessionmaker() as session:
        await begin_write(session)
        await _write_event(session, company, 1)
        savepoint = await session.begin_nested()
        await _write_event(session, company, 2)
        await savepoint.rollback()
        async with session.begin_nested():
            await _write_event(session, company, 3)  # released: kept
        await session.commit()
    rows = await _read_all(sessionmaker, events.START)
    assert sorted(e.payload["amount"] for e in rows) == [1, 3]


async def test_a_session_closed_without_commit_leaves_nothing_for_its_next_transaction(
    sessionmaker: Maker, factory: Factory
) -> None:
    company = await factory.company()
    session = sessionmaker()
    await begin_write(session)
    await _write_event(session, company, 1)
    await session.close()
    await begin_write(session)
    await _write_event(session, company, 2)
    await session.commit()
    await session.close()
    assert [e.payload["amount"] for e in await _read_all(sessionmaker, events.START)] == [2]


async def test_concurrent_writers_reach_a_resuming_reader_exactly_once(
    sessionmaker: Maker, factory: Factory
) -> None:
    """Many writers, some holding their transaction open after writing; a reader polling
    with its cursor throughout sees every event exactly once."""
    company = await factory.company()
    total = 40

    async def writer(n: int) -> None:
        async with sessionmaker() as session:
            await begin_write(session)
            await _write_event(session, company, n)
            await asyncio.sleep(0.05 if n % 3 == 0 else 0)  # some commit late
            await session.commit()

    seen: list[int] = []
    cursor = events.START

    async def reader() -> None:
        nonlocal cursor
        while len(seen) < total:
            for row in await _read_all(sessionmaker, cursor):
                seen.append(row.payload["amount"])
                cursor = events.position_of(row)
            await asyncio.sleep(0.005)

    reading = asyncio.create_task(reader())
    try:
        # Bounded: a writer that never gets its turn fails the test instead of holding CI.
        await asyncio.wait_for(
            asyncio.gather(*(writer(n) for n in range(1, total + 1))), timeout=60
        )
        await asyncio.wait_for(reading, timeout=20)
    finally:
        reading.cancel()
    assert sorted(seen) == list(range(1, total + 1))


async def test_the_hub_hands_each_event_to_each_matching_subscriber_once(
    sessionmaker: Maker, factory: Factory, migrated: object
) -> None:
    platform = await factory.company()
    child = await factory.company(platform)
    other = await factory.company(platform)
    admin = await factory.user(child, Role.ADMINISTRATOR)
    url = str(sessionmaker.kw["bind"].url.render_as_string(hide_password=False))
    hub = EventHub(sessionmaker, url, poll_interval=0.2)
    await hub.start()
    try:
        outbox = Outbox(10, lambda: None)
        stream = hub.stream(
            actor=actor_of(admin, child),
            topic=Topic.CREDIT,
            actions=ACTIONS[Topic.CREDIT],
            target=Target(child.path, subtree=True),
            after=None,
            outbox=outbox,
        )
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.1)
        async with sessionmaker() as session:
            await begin_write(session)
            await _write_event(session, other, 7)  # out of its scope
            await _write_event(session, child, 8)
            await session.commit()
        row = await asyncio.wait_for(first, timeout=5)
        assert row.payload["amount"] == 8
        assert outbox.queued == 0
        await stream.aclose()  # type: ignore[attr-defined]
        assert hub.subscriber_count == 0
    finally:
        await hub.stop()


async def test_the_hub_stops_when_a_wake_up_meets_its_cancel(
    sessionmaker: Maker, migrated: object
) -> None:
    """A commit's wake-up that lands as the hub is stopped must not keep its reader running:
    on Python 3.11 `asyncio.wait_for` loses a cancel that arrives as its awaitable completes,
    and `stop()` then waited for ever (the suite's one hang)."""
    url = str(sessionmaker.kw["bind"].url.render_as_string(hide_password=False))
    for _ in range(20):
        hub = EventHub(sessionmaker, url, poll_interval=30)
        await hub.start()
        await asyncio.sleep(0)  # the reader waits for a wake-up
        hub.wake()
        await asyncio.sleep(0)  # the wake-up's wait is done; the reader has not resumed yet
        await asyncio.wait_for(hub.stop(), timeout=5)


def test_a_full_outbox_closes_the_connection_and_stops_growing() -> None:
    closed: list[bool] = []
    outbox = Outbox(3, lambda: closed.append(True))
    subscriber = Subscriber(
        actor=None,  # type: ignore[arg-type]
        topic=Topic.CREDIT,
        actions=(),
        path="0000000001/",
        subtree=True,
        outbox=outbox,
    )
    row = Event(
        id=1,
        xid=0,
        topic=Topic.CREDIT,
        kind="GRANT",
        company_id=1,
        company_path="0000000001/",
        object_type="LedgerEntry",
        object_id=1,
        payload={},
    )
    for _ in range(100):
        subscriber.push(row)
    assert len(subscriber.pending) == 3
    assert closed == [True]  # told once


# --- who receives what: every subscription x relation x role, from the policies --------------

RELATIONS = ["SELF", "CHILD", "DESCENDANT", "PARENT", "SIBLING", "OTHER_BRANCH"]


@pytest.mark.parametrize("topic", [Topic.APPLICATION, Topic.CREDIT, Topic.DEVICE, Topic.ACCOUNT])
async def test_who_receives_what(topic: Topic, sessionmaker: Maker, factory: Factory) -> None:
    """A subscriber at A watching the whole tree it may see: an event of each relation to A
    reaches it exactly when the policies let its role read that topic at that relation, and
    opening is NOT_FOUND outside its scope, FORBIDDEN where its role may read nothing."""
    root = await factory.company()
    parent = await factory.company(root)
    a = await factory.company(parent)
    sibling = await factory.company(parent)
    child = await factory.company(a)
    grandchild = await factory.company(child)
    other = await factory.company(root)
    place = {
        "SELF": a,
        "CHILD": child,
        "DESCENDANT": grandchild,
        "PARENT": parent,
        "SIBLING": sibling,
        "OTHER_BRANCH": other,
    }
    in_scope = {"SELF": Relation.SELF, "CHILD": Relation.CHILD, "DESCENDANT": Relation.DESCENDANT}
    for role in Role:
        user = await factory.user(a, role)
        actor = actor_of(user, a)
        for name, company in place.items():
            expected = name in in_scope and any(
                access.can(actor, action, in_scope[name]) for action in ACTIONS[topic]
            )
            async with sessionmaker() as session:
                try:
                    await authorize_target(
                        session, actor, ACTIONS[topic], company_id=company.id, subtree=True
                    )
                    opened = "ok"
                except NotFoundError:
                    opened = "NOT_FOUND"
                except ForbiddenError:
                    opened = "FORBIDDEN"
            if name not in in_scope:
                assert opened == "NOT_FOUND", (topic, role, name)
            else:
                assert opened == ("ok" if expected else "FORBIDDEN"), (topic, role, name)
            # Delivery: a subscriber of A's whole subtree (as opened at SELF).
            subscriber = Subscriber(
                actor=actor,
                topic=topic,
                actions=ACTIONS[topic],
                path=a.path,
                subtree=True,
                outbox=Outbox(10, lambda: None),
            )
            row = Event(
                id=1,
                xid=0,
                topic=topic,
                kind="X",
                company_id=company.id,
                company_path=company.path,
                object_type="X",
                object_id=1,
                payload={},
            )
            assert subscriber.accepts(row) is expected, (topic, role, name)


# --- the jobs -------------------------------------------------------------------------------


async def test_expiry_is_announced_once_per_expiry_date(
    sessionmaker: Maker, factory: Factory
) -> None:
    company = await factory.company()
    async with sessionmaker() as session:
        license_id = await session.scalar(select(func.min(License.id)))
        account = Account(
            company_id=company.id,
            name="A",
            customer_name="C",
            license_id=license_id,
            datapoints=20,
            period_months=12,
            sector=Sector.HOSPITALITY,
            payment_method=PaymentMethod.DIRECT_DEBIT,
            state=AccountState.ACTIVE,
            starts_at=datetime.now(UTC) - timedelta(days=400),
            expires_at=datetime.now(UTC) - timedelta(days=1),
        )
        session.add(account)
        await session.commit()
    now = datetime.now(UTC)
    assert await jobs.run_expiries(sessionmaker, now=now) == 1
    assert await jobs.run_expiries(sessionmaker, now=now) == 0  # once
    async with sessionmaker() as session:
        kinds = list(await session.scalars(select(Event.kind).where(Event.topic == Topic.ACCOUNT)))
        assert kinds == ["EXPIRED"]
        # Renewed past its expiry: the new date is announced again when it passes.
        await session.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(expires_at=now - timedelta(hours=1))
        )
        await session.commit()
    assert await jobs.run_expiries(sessionmaker, now=now) == 1


async def test_the_purge_forgets_events_past_the_retention_window(
    sessionmaker: Maker, factory: Factory
) -> None:
    company = await factory.company()
    async with sessionmaker() as session:
        await begin_write(session)
        await _write_event(session, company, 1)
        await session.commit()
    now = datetime.now(UTC)
    await jobs.run_purge(sessionmaker, now=now, event_retention=timedelta(hours=24))
    assert len(await _read_all(sessionmaker, events.START)) == 1  # within the window
    later = now + timedelta(hours=25)
    await jobs.run_purge(sessionmaker, now=later, event_retention=timedelta(hours=24))
    assert await _read_all(sessionmaker, events.START) == []
