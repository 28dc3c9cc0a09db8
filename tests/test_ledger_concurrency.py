"""The ledger under concurrent load: SPEC section 5's invariants hold at every read.

A three-level tree (the platform, 3 partners, 3 customers each; two customers and one
partner pay with their parent's credits) and 36 clients, each an asyncio task acting as one
ADMINISTRATOR (of the platform, a partner or a customer) with its own sessions, run 5,000+
random operations through the services, each in its own transaction as the API runs a
mutation: grants, moves down and up the tree (amounts sometimes above the balance), device
registrations (a few serials contended by every client) and charges of due devices (the
charging clock runs ten years ahead, so every device is due again and again until
its payer runs dry and it is suspended). A fifth of the grants, moves and registrations is
retried with the same idempotency key, half after the first call returned and half at the
same moment on another connection; a retry must apply nothing and answer the first result.

Meanwhile a reader sums all balances and all entries in one REPEATABLE READ transaction, over
and over: no balance is ever negative, and the total always equals credits granted minus
credits charged. At the end every idempotency key was applied once (one entry, transfer or
device per key, the one its callers were answered), the balances equal a replay of the
ledger, each entry's balance_after is the running sum of its company's entries in id order
(so no balance was negative at any commit either), and `check_invariants` finds nothing.

No deadlock or serialization failure may surface: the services lock balance rows in
ascending company id. Any exception other than a domain error fails the test, listed.

PostgreSQL only: SQLite's writers take the database lock up front (BEGIN IMMEDIATE) and run
one at a time, so there is no concurrency to prove there.

And one race, on both backends: a grant, a move or a registration into a company that is being
archived (its archive checked it empty and is about to commit) must not leave an archived
company holding credits or a device (SPEC section 1: an archived company is empty).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from models.base import utcnow
from models.company import Company
from models.credit import CreditBalance, EntryKind, IdempotencyKey, LedgerEntry
from models.db import begin_write, create_engine, create_sessionmaker
from models.device import Device
from models.user import Role
from policies.actor import Actor
from services import credit
from services.company import archive_company
from services.device import DeviceSpec, charge_device, register_device
from services.errors import AccessError, DomainError, ErrorCode
from tests.factories import Factory

CLIENTS = 36
OPERATIONS = 5_000  # calls across all clients, retries included
RETRY_SHARE = 0.2  # of the keyed operations (grant, move, register)
CONTENDED_SERIALS = 12  # serials every client now and then tries to register
PERIOD = timedelta(days=30)
CLOCK_AHEAD = timedelta(days=3650)
SEED = 20240605

Result = int | str  # entry id (grant), transfer id (move), device id (register)


@dataclass
class Tree:
    platform: Company
    partners: list[Company]
    customers: dict[int, list[Company]]  # by partner id
    actors: dict[int, Actor]  # by company id: its ADMINISTRATOR

    @property
    def companies(self) -> list[Company]:
        return [
            self.platform,
            *self.partners,
            *(c for partner in self.partners for c in self.customers[partner.id]),
        ]


async def _build(factory: Factory, sessionmaker: async_sessionmaker[AsyncSession]) -> Tree:
    platform = await factory.company(name="Platform")
    partners = [await factory.company(platform) for _ in range(3)]
    customers = {p.id: [await factory.company(p) for _ in range(3)] for p in partners}
    tree = Tree(platform, partners, customers, {})
    for company in tree.companies:
        user = await factory.user(company, Role.ADMINISTRATOR)
        tree.actors[company.id] = Actor(
            user_id=user.id,
            company_id=company.id,
            company_path=company.path,
            role=Role.ADMINISTRATOR,
            is_platform=company.parent_id is None,
        )
    # Some charges go up: customer -> partner, and customer -> partner -> platform.
    parent_payers = [customers[partners[0].id][2].id, customers[partners[2].id][2].id]
    async with sessionmaker() as session:
        await session.execute(
            update(Company)
            .where(Company.id.in_([*parent_payers, partners[2].id]))
            .values(use_parent_credits=True)
        )
        await session.commit()
    return tree


@dataclass
class Tally:
    calls: int = 0  # every call, a retry's too
    operations: int = 0  # first calls
    keyed: int = 0  # first calls of grants, moves and registrations
    retries: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    results: dict[tuple[int, str], tuple[str, Result]] = field(default_factory=dict)
    granted: dict[tuple[int, str], int] = field(default_factory=dict)  # amount per grant key
    charges: int = 0  # period charges applied (charged or resumed)
    devices: list[int] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched_retries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Keyed:
    kind: str  # grant, move, register
    actor: Actor
    key: str
    call: Callable[[AsyncSession], Awaitable[Result]]
    amount: int = 0


class Load:
    def __init__(self, tree: Tree, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.tree = tree
        self.sessionmaker = sessionmaker
        self.tally = Tally()
        self.all_ids = [c.id for c in tree.companies]
        self.edges = [(c.parent_id, c.id) for c in tree.companies if c.parent_id is not None]

    # --- the operations ---

    def grant(self, actor: Actor, rng: random.Random, key: str) -> Keyed:
        company_id, amount = rng.choice(self.all_ids), rng.randint(1, 60)

        async def call(session: AsyncSession) -> Result:
            entry = await credit.grant_credits(
                session, actor=actor, company_id=company_id, amount=amount, idempotency_key=key
            )
            return entry.id

        return Keyed("grant", actor, key, call, amount)

    def move(
        self, actor: Actor, rng: random.Random, key: str, edges: list[tuple[int, int]]
    ) -> Keyed:
        parent_id, child_id = rng.choice(edges)
        source, target = (parent_id, child_id) if rng.random() < 0.65 else (child_id, parent_id)
        amount = rng.randint(1, 25)

        async def call(session: AsyncSession) -> Result:
            transfer = await credit.move_credits(
                session,
                actor=actor,
                source_id=source,
                target_id=target,
                amount=amount,
                idempotency_key=key,
            )
            return transfer.transfer_id

        return Keyed("move", actor, key, call)

    def register(self, actor: Actor, rng: random.Random, key: str, companies: list[int]) -> Keyed:
        company_id = rng.choice(companies)
        contended = rng.random() < 0.05
        serial = f"DUP-{rng.randrange(CONTENDED_SERIALS)}" if contended else f"SN-{key}"

        async def call(session: AsyncSession) -> Result:
            device = await register_device(
                session,
                actor=actor,
                company_id=company_id,
                spec=DeviceSpec(serial_number=serial, name="Meter", model="M-1", datapoints=1),
                period=PERIOD,
                idempotency_key=key,
            )
            return device.id

        return Keyed("register", actor, key, call)

    async def attempt(self, op: Keyed) -> Result | None:
        """One call in its own transaction; its result, or None after a domain error."""
        self.tally.calls += 1
        async with self.sessionmaker() as session:
            await begin_write(session)
            try:
                result = await op.call(session)
            except (DomainError, AccessError) as exc:
                await session.rollback()
                code = exc.code.value if isinstance(exc, DomainError) else exc.extension_code
                self.tally.outcomes[f"{op.kind}: {code}"] += 1
                return None
            except Exception as exc:  # a deadlock, a serialization failure: a bug to report
                await session.rollback()
                self.tally.unexpected.append(f"{op.kind} {op.key}: {exc!r}")
                return None
            await session.commit()
        self.tally.outcomes[f"{op.kind}: ok"] += 1
        user_key = (op.actor.user_id, op.key)
        _, first = self.tally.results.setdefault(user_key, (op.kind, result))
        if first != result:
            self.tally.mismatched_retries.append(f"{op.kind} {op.key}: {first} then {result}")
        elif op.kind == "grant":
            self.tally.granted[user_key] = op.amount
        elif op.kind == "register" and result not in self.tally.devices:
            assert isinstance(result, int)
            self.tally.devices.append(result)
        return result

    async def run_keyed(self, op: Keyed, rng: random.Random) -> None:
        draw = rng.random()
        if draw >= RETRY_SHARE:
            await self.attempt(op)
            return
        self.tally.retries += 1
        if draw < RETRY_SHARE / 2:  # the retry races the first call, on another connection
            await asyncio.gather(self.attempt(op), self.attempt(op))
            return
        first = await self.attempt(op)  # the retry comes once the first call has answered
        again = await self.attempt(op)
        if first is not None and again != first:
            self.tally.mismatched_retries.append(f"{op.kind} {op.key}: {first} then {again}")

    async def charge(self, rng: random.Random) -> None:
        device_id = rng.choice(self.tally.devices)
        self.tally.calls += 1
        try:
            async with self.sessionmaker() as session:
                await begin_write(session)
                outcome = await charge_device(
                    session, device_id=device_id, now=utcnow() + CLOCK_AHEAD, period=PERIOD
                )
                await session.commit()
        except Exception as exc:  # the job raises no domain errors: anything is a bug
            self.tally.unexpected.append(f"charge {device_id}: {exc!r}")
            return
        self.tally.outcomes[f"charge: {outcome}"] += 1
        if outcome in ("charged", "resumed"):
            self.tally.charges += 1

    # --- the clients ---

    async def client(self, number: int, home: Company) -> None:
        rng = random.Random(SEED + number)
        actor = self.tree.actors[home.id]
        subtree = [home.id] + [c.id for c in self.tree.customers.get(home.id, [])]
        if home.parent_id is None:
            subtree, edges = self.all_ids, self.edges
            weights = {"grant": 35, "move": 35, "register": 15, "charge": 15}
        elif home.id in self.tree.customers:
            edges = [(home.id, child) for child in subtree[1:]]
            weights = {"move": 55, "register": 25, "charge": 20}
        else:
            edges = []
            weights = {"register": 50, "charge": 50}
        n = 0
        while self.tally.calls < OPERATIONS:
            n += 1
            self.tally.operations += 1
            kind = rng.choices(list(weights), list(weights.values()))[0]
            if kind == "charge" and self.tally.devices:
                await self.charge(rng)
                continue
            self.tally.keyed += 1
            key = f"c{number}-{n}"
            if kind == "grant":
                op = self.grant(actor, rng, key)
            elif kind == "move":
                op = self.move(actor, rng, key, edges)
            else:
                op = self.register(actor, rng, key, subtree)
            await self.run_keyed(op, rng)


@dataclass
class Reads:
    count: int = 0
    problems: list[str] = field(default_factory=list)


async def _read_totals(engine: AsyncEngine, stop: asyncio.Event, reads: Reads) -> None:
    """Balances and entries in one snapshot, again and again, while the load runs."""
    snapshot = engine.execution_options(isolation_level="REPEATABLE READ")
    granted_sum = func.coalesce(
        func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == EntryKind.GRANT), 0
    )
    charged_sum = func.coalesce(
        -func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == EntryKind.CHARGE), 0
    )
    while not stop.is_set():
        async with snapshot.connect() as conn, conn.begin():
            total, lowest, negative = (
                await conn.execute(
                    select(
                        func.coalesce(func.sum(CreditBalance.balance), 0),
                        func.min(CreditBalance.balance),
                        func.count().filter(CreditBalance.balance < 0),
                    )
                )
            ).one()
            granted, charged = (await conn.execute(select(granted_sum, charged_sum))).one()
        reads.count += 1
        if negative or (lowest is not None and lowest < 0):
            reads.problems.append(f"read {reads.count}: {negative} negative, lowest {lowest}")
        if total != granted - charged:
            reads.problems.append(
                f"read {reads.count}: balances sum to {total}, granted {granted}, charged {charged}"
            )
        await asyncio.sleep(0.005)


async def _check_end_state(sessionmaker: async_sessionmaker[AsyncSession], load: Load) -> None:
    tally = load.tally
    async with sessionmaker() as session:
        # the balances are a replay of the ledger, and the invariants hold
        assert await credit.check_invariants(session) == []
        rows = await session.execute(select(CreditBalance.company_id, CreditBalance.balance))
        balances = {company_id: balance for company_id, balance in rows}
        entries = (
            await session.execute(
                select(
                    LedgerEntry.id,
                    LedgerEntry.company_id,
                    LedgerEntry.kind,
                    LedgerEntry.amount,
                    LedgerEntry.balance_after,
                    LedgerEntry.transfer_id,
                    LedgerEntry.device_id,
                    LedgerEntry.actor_id,
                ).order_by(LedgerEntry.id)
            )
        ).all()
        replay: dict[int, int] = defaultdict(int)
        broken_chain = []
        for entry in entries:
            replay[entry.company_id] += entry.amount
            if entry.balance_after != replay[entry.company_id] or entry.balance_after < 0:
                broken_chain.append(entry)
        assert broken_chain == []
        assert balances == {company_id: replay[company_id] for company_id in balances}
        assert set(replay) <= set(balances)
        assert min(balances.values()) >= 0

        # what the clients were answered is what was applied, once per key
        keys = (
            await session.execute(
                select(IdempotencyKey.user_id, IdempotencyKey.key, IdempotencyKey.result)
            )
        ).all()
        assert len(keys) == len(tally.results)
        for user_id, key, stored in keys:
            _, first_answer = tally.results[user_id, key]
            assert first_answer in stored.values(), (key, first_answer, stored)
        answered: dict[str, list[Result]] = defaultdict(list)
        for kind, result in tally.results.values():
            answered[kind].append(result)
        grants = [e.id for e in entries if e.kind is EntryKind.GRANT]
        assert sorted(grants) == sorted(answered["grant"])  # (both without duplicates)
        transfers = Counter(e.transfer_id for e in entries if e.transfer_id is not None)
        assert set(transfers.values()) == {2}
        assert sorted(transfers) == sorted(answered["move"])
        devices = list(await session.scalars(select(Device.id).order_by(Device.id)))
        assert devices == sorted(answered["register"]) == sorted(tally.devices)
        registrations = Counter(
            e.device_id for e in entries if e.kind is EntryKind.CHARGE and e.actor_id is not None
        )
        assert registrations == Counter(devices)  # one registration charge per device

        # and the money adds up to what the clients saw applied
        granted = sum(e.amount for e in entries if e.kind is EntryKind.GRANT)
        charged = -sum(e.amount for e in entries if e.kind is EntryKind.CHARGE)
        assert granted == sum(tally.granted.values())
        assert charged == len(tally.devices) + tally.charges
        assert sum(balances.values()) == granted - charged


# PostgreSQL only, by parametrization rather than a skip: SQLite runs one writer at a time
# (BEGIN IMMEDIATE), so there is nothing concurrent to prove there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_concurrent_clients_keep_the_ledger_sound(
    database_url: str,
    settings: Settings,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given the tree, and an engine with a connection for every client
    tree = await _build(factory, sessionmaker)
    engine = create_engine(
        settings.database_url, pool_size=CLIENTS + 4, max_overflow=0, pool_pre_ping=False
    )
    load = Load(tree, create_sessionmaker(engine))
    customers = tree.companies[1 + len(tree.partners) :]
    reads, stop = Reads(), asyncio.Event()
    # when the clients run their operations while the reader reads
    reader = asyncio.create_task(_read_totals(engine, stop, reads))
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        # clients by home: a quarter the platform's, half the partners', a quarter customers'
        clients = []
        for number in range(CLIENTS):
            group = number % 4
            if group == 0:
                home = tree.platform
            elif group in (1, 2):
                home = tree.partners[number % 3]
            else:
                home = customers[number % len(customers)]
            clients.append(load.client(number, home))
        await asyncio.gather(*clients)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        stop.set()
        try:
            await reader
        finally:
            await engine.dispose()

    tally = load.tally
    print(
        f"\n{tally.calls} calls ({tally.operations} operations, {tally.retries} of the "
        f"{tally.keyed} keyed ones retried) by {CLIENTS} clients in {elapsed:.1f} s: "
        f"{tally.calls / elapsed:.0f} calls/s ({cpu:.1f} s of this process's CPU); "
        f"{reads.count} snapshot reads; {len(tally.devices)} devices, "
        f"{tally.charges} period charges\n"
        + "\n".join(f"  {name}: {count}" for name, count in sorted(tally.outcomes.items()))
    )
    # then nothing unexpected surfaced (no deadlock, no serialization failure)
    assert tally.unexpected == []
    assert tally.mismatched_retries == []
    # every read saw non-negative balances summing to granted minus charged
    assert reads.problems == []
    assert reads.count >= 10
    # the load did real work of every kind
    for outcome in ("grant: ok", "move: ok", "register: ok", "charge: charged"):
        assert tally.outcomes[outcome] > 0, outcome
    assert tally.calls >= OPERATIONS
    await _check_end_state(sessionmaker, load)


async def _someone_waits_on_a_lock(session: AsyncSession) -> bool:
    """Does a transaction of this database wait on a lock? On SQLite a second writer waits
    for the database lock in BEGIN IMMEDIATE, which no query shows: give it a moment."""
    if session.get_bind().dialect.name != "postgresql":
        await asyncio.sleep(0.2)
        return True
    waiting = await session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    )
    return bool(waiting)


@pytest.mark.parametrize("operation", ["grant", "move", "register"])
async def test_nothing_enters_a_company_while_it_is_archived(
    factory: Factory, sessionmaker: async_sessionmaker[AsyncSession], operation: str
) -> None:
    # given an empty customer (its devices paid by the platform), and the platform's credits
    platform = await factory.company(name="Platform")
    customer = await factory.company(platform)
    user = await factory.user(platform, Role.ADMINISTRATOR)
    actor = Actor(
        user_id=user.id,
        company_id=platform.id,
        company_path=platform.path,
        role=Role.ADMINISTRATOR,
        is_platform=True,
    )
    async with sessionmaker() as session:
        await begin_write(session)
        await credit.grant_credits(session, actor=actor, company_id=platform.id, amount=10)
        await session.execute(
            update(Company).where(Company.id == customer.id).values(use_parent_credits=True)
        )
        await session.commit()

    async def enter() -> str:
        async with sessionmaker() as session:
            await begin_write(session)
            try:
                if operation == "grant":
                    await credit.grant_credits(
                        session, actor=actor, company_id=customer.id, amount=5
                    )
                elif operation == "move":
                    await credit.move_credits(
                        session, actor=actor, source_id=platform.id, target_id=customer.id, amount=5
                    )
                else:
                    await register_device(
                        session,
                        actor=actor,
                        company_id=customer.id,
                        spec=DeviceSpec(serial_number="RACE-1", name="M", model="M", datapoints=1),
                        period=PERIOD,
                    )
            except DomainError as exc:
                await session.rollback()
                return exc.code.value
            await session.commit()
            return "applied"

    # when the customer's archive has checked it empty but not committed yet,
    async with sessionmaker() as archiving:
        await begin_write(archiving)
        await archive_company(archiving, actor=actor, company_id=customer.id)
        # and the operation starts meanwhile (and waits on a lock, wherever it waits)
        entering = asyncio.create_task(enter())
        async with sessionmaker() as observer:
            for _ in range(100):
                if entering.done() or await _someone_waits_on_a_lock(observer):
                    break
                await asyncio.sleep(0.02)
        await archiving.commit()
    outcome = await entering

    # then the operation was refused, and the archived company holds nothing
    async with sessionmaker() as session:
        archived = await session.get(Company, customer.id)
        assert archived is not None
        assert archived.archived_at is not None
        balance = await session.scalar(
            select(CreditBalance.balance).where(CreditBalance.company_id == customer.id)
        )
        devices = await session.scalar(
            select(func.count()).select_from(Device).where(Device.company_id == customer.id)
        )
        assert (outcome, balance or 0, devices) == (ErrorCode.COMPANY_ARCHIVED.value, 0, 0)
