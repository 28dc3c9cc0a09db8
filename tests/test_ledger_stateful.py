"""The credit ledger against a pure model, one random operation after another.

A fixed tree (the platform 0; partners 1 and 2; customers 3 and 4 of partner 1, 5 and 6 of
partner 2) and three actors (a platform ADMINISTRATOR and an ADMINISTRATOR of each partner)
take random steps through the services, each in its own write transaction as the API runs
a mutation (commit on success, roll back on a domain or access error):

- grant: a random company, a random amount, sometimes 0, negative or above the maximum;
- move: a parent/child pair (either way) or any random pair, the amount sometimes above the
  source's balance;
- register: a device in a random company, the serial drawn from a small pool (so sometimes
  already registered), now and then an invalid one;
- charge: `charge_device` on a random device, its `paid_until` first moved into the past
  (or left alone: then it is not due, unless it is suspended);
- useParentCredits switched on or off on a random company by a direct update;
- retry: a used idempotency key again, with the same input (applies nothing, answers the
  first result), another input (IDEMPOTENCY_KEY_REUSED) or by another user (a key of theirs).

The model predicts each outcome (applied, replayed with the first result, or the error code)
and the balances. After every step: the balances are the model's, none is negative,
`check_invariants` finds nothing, the balances sum to credits granted minus credits charged,
and the entries, devices and idempotency keys are the model's.

Why `st.data()` and not a `RuleBasedStateMachine`: Hypothesis calls a state machine's rules
synchronously, while the engine and its connections live on pytest-asyncio's session event
loop, which is already running the test; a rule could only reach the database through a
nested loop or another thread with its own engine. So the test is an ordinary async
`@given` test that draws each step from the current model state (as a rule with
preconditions would be chosen) and checks the invariants after every step; every draw is
labelled, so a failing example prints its program of steps, and it shrinks like any draw.
The tree and the users are built once per test (one per backend); the ledger tables are
emptied at the start of every example.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import utcnow
from models.company import Company
from models.credit import CreditBalance, EntryKind, IdempotencyKey, LedgerEntry
from models.db import begin_write
from models.device import Device, DeviceStatus
from models.user import Role
from policies.actor import Actor
from services import credit
from services.credit import MAX_AMOUNT
from services.device import DeviceSpec, charge_device, register_device
from services.errors import AccessError, DomainError
from tests.factories import Factory

PARENTS: tuple[int | None, ...] = (None, 0, 0, 1, 1, 2, 2)
ACTOR_HOMES = (0, 1, 2)  # the company of each actor, all ADMINISTRATORs
EDGES = [(parent, child) for child, parent in enumerate(PARENTS) if parent is not None]
PAIRS = EDGES + [(child, parent) for parent, child in EDGES]  # both directions
SERIALS = ("SN-1", "SN-2", "SN-3", "SN-4", "SN-5", "SN-6")
INVALID_SERIAL = "-no-serial"
PERIOD = timedelta(days=30)
MAX_STEPS = 25
T = TypeVar("T")
KINDS = ("new operation", "new operation", "new operation", "charge", "retry", "useParentCredits")


# --- the steps -----------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    actor: int
    company: int
    amount: int
    key: str | None


@dataclass(frozen=True)
class Move:
    actor: int
    source: int
    target: int
    amount: int
    key: str | None


@dataclass(frozen=True)
class Register:
    actor: int
    company: int
    serial: str
    key: str | None


Keyed = Grant | Move | Register


@dataclass(frozen=True)
class Charge:
    device: int  # index into the model's devices
    days_overdue: int  # paid_until moved this many days into the past; 0: left alone


@dataclass(frozen=True)
class UseParentCredits:
    company: int
    value: bool


Step = Keyed | Charge | UseParentCredits


@dataclass(frozen=True)
class Applied:
    """Applied now (expected), or answered with this result (actual)."""

    result: int | str | None = None


@dataclass(frozen=True)
class Replayed:
    result: int | str  # the first call's result: entry id, transfer id or device id


@dataclass(frozen=True)
class Failed:
    code: str


Outcome = Applied | Replayed | Failed


# --- the model -----------------------------------------------------------------------


@dataclass
class ModelDevice:
    id: int
    company: int
    serial: str
    suspended: bool = False


def _amount_error(amount: int) -> str | None:
    if amount < 1:
        return "BELOW_MINIMUM"
    if amount > MAX_AMOUNT:
        return "OUT_OF_RANGE"
    return None


@dataclass
class Model:
    balances: list[int] = field(default_factory=lambda: [0] * len(PARENTS))
    use_parent: list[bool] = field(default_factory=lambda: [False] * len(PARENTS))
    devices: list[ModelDevice] = field(default_factory=list)
    keys: dict[tuple[int, str], tuple[Keyed, int | str]] = field(default_factory=dict)
    granted: int = 0
    charged: int = 0
    entries: int = 0

    @staticmethod
    def in_scope(actor: int, company: int) -> bool:
        node: int | None = company
        while node is not None:
            if node == ACTOR_HOMES[actor]:
                return True
            node = PARENTS[node]
        return False

    def payer(self, company: int) -> int:
        parent = PARENTS[company]
        while self.use_parent[company] and parent is not None:
            company, parent = parent, PARENTS[parent]
        return company

    def expect(self, request: Keyed) -> Outcome:
        """The outcome the services must give, their checks in their order."""
        if isinstance(request, Grant):
            if not self.in_scope(request.actor, request.company):
                return Failed("NOT_FOUND")
            if ACTOR_HOMES[request.actor] != 0:
                return Failed("FORBIDDEN")
            if code := _amount_error(request.amount):
                return Failed(code)
        elif isinstance(request, Move):
            for company in (request.source, request.target):
                if not self.in_scope(request.actor, company):
                    return Failed("NOT_FOUND")
            if (
                request.source != PARENTS[request.target]
                and request.target != PARENTS[request.source]
            ):
                return Failed("NOT_PARENT_AND_CHILD")
            if code := _amount_error(request.amount):
                return Failed(code)
        else:
            if not self.in_scope(request.actor, request.company):
                return Failed("NOT_FOUND")
            if request.serial == INVALID_SERIAL:
                return Failed("INVALID_FORMAT")
        if request.key is not None and (request.actor, request.key) in self.keys:
            first, result = self.keys[request.actor, request.key]
            if replace(first, key=None) != replace(request, key=None):
                return Failed("IDEMPOTENCY_KEY_REUSED")
            return Replayed(result)
        if isinstance(request, Move) and self.balances[request.source] < request.amount:
            return Failed("INSUFFICIENT_CREDITS")
        if isinstance(request, Register):
            if any(device.serial == request.serial for device in self.devices):
                return Failed("SERIAL_REGISTERED")
            if self.balances[self.payer(request.company)] < 1:
                return Failed("INSUFFICIENT_CREDITS")
        return Applied()

    def apply(self, request: Keyed, result: int | str) -> None:
        if isinstance(request, Grant):
            self.balances[request.company] += request.amount
            self.granted += request.amount
            self.entries += 1
        elif isinstance(request, Move):
            self.balances[request.source] -= request.amount
            self.balances[request.target] += request.amount
            self.entries += 2
        else:
            assert isinstance(result, int)
            self.balances[self.payer(request.company)] -= 1
            self.charged += 1
            self.entries += 1
            self.devices.append(ModelDevice(result, request.company, request.serial))
        if request.key is not None:
            self.keys[request.actor, request.key] = (request, result)

    def charge(self, step: Charge) -> str | None:
        """Predict and apply a charge: "charged", "resumed", "suspended" or None."""
        device = self.devices[step.device]
        if not device.suspended and step.days_overdue == 0:
            return None  # paid until a date still ahead
        payer = self.payer(device.company)
        if self.balances[payer] < 1:
            if device.suspended:
                return None
            device.suspended = True
            return "suspended"
        self.balances[payer] -= 1
        self.charged += 1
        self.entries += 1
        outcome = "resumed" if device.suspended else "charged"
        device.suspended = False
        return outcome


# --- drawing steps from the model's state ----------------------------------------------

companies = st.integers(min_value=0, max_value=len(PARENTS) - 1)
actors = st.integers(min_value=0, max_value=len(ACTOR_HOMES) - 1)


def _mostly(common: st.SearchStrategy[T], rare: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """`common` three times in four (`one_of` picks its branches evenly)."""
    return st.one_of(common, common, common, rare)


def _draw_keyed(data: st.DataObject, model: Model, *, actor: int | None, key: str | None) -> Keyed:
    kind = data.draw(st.sampled_from(["grant", "move", "move", "register"]), label="operation")
    if actor is None:  # grants mostly by the platform, who alone may grant
        actor = data.draw(_mostly(st.just(0), actors) if kind == "grant" else actors, label="actor")
    scope = [company for company in range(len(PARENTS)) if model.in_scope(actor, company)]
    company = _mostly(st.sampled_from(scope), companies)
    if kind == "grant":
        amount = data.draw(
            _mostly(
                st.integers(min_value=1, max_value=40),
                st.sampled_from([0, -3, MAX_AMOUNT, MAX_AMOUNT + 1]),
            ),
            label="amount",
        )
        return Grant(actor, data.draw(company, label="company"), amount, key)
    if kind == "move":
        pairs = [pair for pair in PAIRS if pair[0] in scope and pair[1] in scope]
        funded = [pair for pair in pairs if model.balances[pair[0]] > 0] or pairs
        source, target = data.draw(
            _mostly(st.sampled_from(funded), st.tuples(companies, companies)),
            label="source, target",
        )
        balance = model.balances[source]
        amount = data.draw(
            _mostly(
                st.integers(min_value=1, max_value=max(1, balance)),
                st.sampled_from([balance, balance + 1, 0, -1, MAX_AMOUNT + 1])
                | st.integers(min_value=1, max_value=50),
            ),
            label="amount",
        )
        return Move(actor, source, target, amount, key)
    serial = data.draw(st.sampled_from((*SERIALS, INVALID_SERIAL)), label="serial")
    paying = [c for c in scope if model.balances[model.payer(c)] > 0] or scope
    company = _mostly(st.sampled_from(paying), companies)
    return Register(actor, data.draw(company, label="company"), serial, key)


def _draw_step(data: st.DataObject, model: Model, number: int) -> Step:
    kind = data.draw(st.sampled_from(KINDS), label=f"step {number}")
    if kind == "charge" and model.devices:
        return Charge(
            data.draw(st.integers(min_value=0, max_value=len(model.devices) - 1), label="device"),
            data.draw(st.just(0) | st.integers(min_value=1, max_value=29), label="days overdue"),
        )
    if kind == "useParentCredits":
        company = data.draw(st.integers(min_value=1, max_value=len(PARENTS) - 1), label="company")
        return UseParentCredits(company, data.draw(st.booleans(), label="value"))
    if kind == "retry" and model.keys:
        (actor, used_key), (first, _) = data.draw(
            st.sampled_from(sorted(model.keys.items())), label="used key"
        )
        how = data.draw(st.sampled_from(["same input", "other input", "other user"]), label="how")
        if how == "same input":
            return first
        if how == "other user":
            others = [index for index in range(len(ACTOR_HOMES)) if index != actor]
            other = data.draw(st.sampled_from(others), label="other user")
            return replace(first, actor=other)
        return _draw_keyed(data, model, actor=actor, key=used_key)
    key = data.draw(st.none() | st.just(f"key-{number}"), label="idempotency key")
    return _draw_keyed(data, model, actor=None, key=key)


# --- running steps against the database --------------------------------------------------


@dataclass(frozen=True)
class World:
    companies: list[Company]
    actors: list[Actor]

    @property
    def ids(self) -> list[int]:
        return [company.id for company in self.companies]

    def __repr__(self) -> str:  # for the failing example's report
        return f"World(company ids {self.ids}, user ids {[a.user_id for a in self.actors]})"


@pytest.fixture
async def world(factory: Factory) -> World:
    """The tree and its actors, built once for all the examples of a test."""
    companies: list[Company] = []
    for parent in PARENTS:
        companies.append(await factory.company(companies[parent] if parent is not None else None))
    actors = []
    for home in ACTOR_HOMES:
        company = companies[home]
        user = await factory.user(company, Role.ADMINISTRATOR)
        actors.append(
            Actor(
                user_id=user.id,
                company_id=company.id,
                company_path=company.path,
                role=Role.ADMINISTRATOR,
                is_platform=company.parent_id is None,
            )
        )
    return World(companies, actors)


async def _reset(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await begin_write(session)
        for table in (LedgerEntry, IdempotencyKey, Device, CreditBalance):
            await session.execute(delete(table))
        await session.execute(update(Company).values(use_parent_credits=False))
        await session.commit()


async def _call(session: AsyncSession, world: World, request: Keyed) -> int | str:
    """One money-like operation; its result as the idempotency record keeps it."""
    actor, ids = world.actors[request.actor], world.ids
    if isinstance(request, Grant):
        entry = await credit.grant_credits(
            session,
            actor=actor,
            company_id=ids[request.company],
            amount=request.amount,
            idempotency_key=request.key,
        )
        assert (entry.kind, entry.company_id, entry.amount) == (
            EntryKind.GRANT,
            ids[request.company],
            request.amount,
        )
        return entry.id
    if isinstance(request, Move):
        transfer = await credit.move_credits(
            session,
            actor=actor,
            source_id=ids[request.source],
            target_id=ids[request.target],
            amount=request.amount,
            idempotency_key=request.key,
        )
        out_entry, in_entry = transfer.out_entry, transfer.in_entry
        assert (out_entry.company_id, out_entry.amount) == (ids[request.source], -request.amount)
        assert (in_entry.company_id, in_entry.amount) == (ids[request.target], request.amount)
        assert out_entry.transfer_id == in_entry.transfer_id == transfer.transfer_id
        return transfer.transfer_id
    device = await register_device(
        session,
        actor=actor,
        company_id=ids[request.company],
        spec=DeviceSpec(serial_number=request.serial, name="Meter", model="M-1", datapoints=1),
        period=PERIOD,
        idempotency_key=request.key,
    )
    assert (device.company_id, device.serial_number) == (ids[request.company], request.serial)
    return device.id


async def _perform(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, request: Keyed
) -> Applied | Failed:
    """In its own transaction, as the API runs a mutation."""
    async with sessionmaker() as session:
        await begin_write(session)
        try:
            result = await _call(session, world, request)
        except AccessError as exc:
            await session.rollback()
            return Failed(exc.extension_code)
        except DomainError as exc:
            await session.rollback()
            return Failed(exc.code.value)
        await session.commit()
        return Applied(result)


async def _charge(
    sessionmaker: async_sessionmaker[AsyncSession], device_id: int, days_overdue: int
) -> str | None:
    now = utcnow()
    if days_overdue:
        async with sessionmaker() as session:
            await begin_write(session)
            await session.execute(
                update(Device)
                .where(Device.id == device_id)
                .values(paid_until=now - timedelta(days=days_overdue))
            )
            await session.commit()
    async with sessionmaker() as session:
        await begin_write(session)
        outcome = await charge_device(session, device_id=device_id, now=now, period=PERIOD)
        await session.commit()
    return outcome


async def _set_use_parent_credits(
    sessionmaker: async_sessionmaker[AsyncSession], company_id: int, value: bool
) -> None:
    async with sessionmaker() as session:
        await begin_write(session)
        await session.execute(
            update(Company).where(Company.id == company_id).values(use_parent_credits=value)
        )
        await session.commit()


async def _check_invariants(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, model: Model
) -> None:
    ids = world.ids
    async with sessionmaker() as session:
        rows = await session.execute(select(CreditBalance.company_id, CreditBalance.balance))
        stored = {company_id: balance for company_id, balance in rows}
        assert set(stored) <= set(ids)
        balances = [stored.get(company_id, 0) for company_id in ids]
        assert balances == model.balances
        assert min(stored.values(), default=0) >= 0
        assert await credit.check_invariants(session) == []
        assert sum(balances) == model.granted - model.charged
        sums = await session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount), func.count()).group_by(
                LedgerEntry.kind
            )
        )
        by_kind = {kind: (int(total), count) for kind, total, count in sums}
        assert by_kind.get(EntryKind.GRANT, (0, 0))[0] == model.granted
        assert -by_kind.get(EntryKind.CHARGE, (0, 0))[0] == model.charged
        assert sum(count for _, count in by_kind.values()) == model.entries
        devices = await session.execute(
            select(Device.id, Device.company_id, Device.serial_number, Device.status).order_by(
                Device.id
            )
        )
        assert [tuple(row) for row in devices] == [
            (
                device.id,
                ids[device.company],
                device.serial,
                DeviceStatus.SUSPENDED if device.suspended else DeviceStatus.ACTIVE,
            )
            for device in model.devices
        ]
        keys = await session.execute(select(IdempotencyKey.user_id, IdempotencyKey.key))
        assert {tuple(row) for row in keys} == {
            (world.actors[actor].user_id, key) for actor, key in model.keys
        }


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow `explain`
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_ledger_follows_the_model(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, data: st.DataObject
) -> None:
    # given the tree with empty balances
    await _reset(sessionmaker)
    model = Model()
    steps = 0
    for number in range(MAX_STEPS):
        # (each further step one chance in 40 to end the example, as a state machine does)
        if number and not data.draw(st.sampled_from([False] + [True] * 39), label="go on"):
            break
        steps += 1
        # when a random step runs in its own transaction
        step = _draw_step(data, model, number)
        if isinstance(step, UseParentCredits):
            await _set_use_parent_credits(sessionmaker, world.ids[step.company], step.value)
            model.use_parent[step.company] = step.value
            event("useParentCredits")
        elif isinstance(step, Charge):
            device = model.devices[step.device]
            expected_charge = model.charge(step)
            charged = await _charge(sessionmaker, device.id, step.days_overdue)
            note(f"{step} -> {charged}")
            event(f"charge: {charged}")
            # then it charges, suspends or resumes as the model says
            assert charged == expected_charge, step
        else:
            expected = model.expect(step)
            actual = await _perform(sessionmaker, world, step)
            note(f"{step} -> {actual} (expected {expected})")
            label = expected.code if isinstance(expected, Failed) else type(expected).__name__
            event(f"{type(step).__name__}: {label}")
            # then the outcome is the model's: applied anew, the first result, or the error
            if isinstance(expected, Failed):
                assert actual == expected, step
            else:
                assert isinstance(actual, Applied), (step, actual, expected)
                assert actual.result is not None
                if isinstance(expected, Replayed):
                    assert actual.result == expected.result, step
                else:
                    model.apply(step, actual.result)
        # and after every step the database agrees with the model and keeps the invariants
        await _check_invariants(sessionmaker, world, model)
    event(f"steps: {steps // 5 * 5}-{steps // 5 * 5 + 4}")
