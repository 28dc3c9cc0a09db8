"""Seed a fresh PostgreSQL database with a realistic platform, by bulk loading (COPY).

`python -m bench.seed --scale 1` creates the database named by BENCH_DATABASE_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_bench; the name must contain "bench", as it
is dropped first), runs the Alembic migrations and loads, at scale 1:

- 100,000 companies: the platform, 100 partners of about 1,000 companies each, customers,
  sites and areas below them down to depth 6, each with its materialized path;
- 300,000 users (a SUPERADMIN, an ADMINISTRATOR and an ADVANCED_USER per company), all with
  one argon2 hash of BENCH_PASSWORD made with the application's own parameters;
- 100,000 accounts on the seeded license catalog, with their applications;
- 1,000,000 devices, ids in registration order, bound to datapoint accounts within quota;
- 5,000,000 ledger entries: each device's registration and period charges, moves between
  parents and children (two entries sharing a transfer id) and grants, replayed in time order
  so every `balance_after` is right and never negative; credit_balances hold the final sums.

The first partner is the busy one: about 120,000 moves with its customers, so its ledger has
more than 1,000 pages of 100. Secondary indexes are dropped during the load and rebuilt after
it; foreign keys are not checked during the load (the generator keeps them) and stay valid.
Then the sequences are reset and the tables vacuumed and analyzed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

import cli
from config import Settings
from models.company import path_segment
from services.account import add_months
from services.passwords import hash_password

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_bench"
BENCH_PASSWORD = "bench horse battery staple 2026"  # noqa: S105 - every seeded user's
EMAIL_DOMAIN = "bench.example.com"
ROLES = ("SUPERADMIN", "ADMINISTRATOR", "ADVANCED_USER", "USER")
COUNTRIES = ("ES", "FR", "DE", "IT", "PT", "NL", "BE", "GB")
SECTORS = ("INDUSTRY", "RETAIL", "OFFICES", "HOSPITALITY", "HEALTHCARE", "EDUCATION", "LOGISTICS")
MODELS = ("EM-110", "EM-340", "TH-20", "GW-4G", "PV-INV-8", "WM-2")
# Share of a partner's subtree (below the partner itself) at depths 2, 3, 4, 5; the rest at 6.
LEVEL_SHARES = (0.03, 0.30, 0.45, 0.15)
PERIOD = timedelta(days=30)  # the server's default CREDIT_PERIOD_DAYS
REGISTRATION_WINDOW_DAYS = 120  # devices were registered during the last 120 days
TOPUP = 200  # credits a parent moves down when a child runs short
GRANT = 5_000  # credits the platform desk sells a partner that runs short
FINAL_GRANT = 100_000  # every partner ends with at least this much, for the credit workload
LOADED_TABLES = (
    "companies",
    "users",
    "accounts",
    "applications",
    "devices",
    "credit_balances",
    "ledger_entries",
)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


@dataclass(frozen=True)
class Sizes:
    companies: int
    users: int
    accounts: int
    devices: int
    ledger_entries: int
    partners: int
    busy_moves: int  # moves between the busy partner and its customers

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        def n(base: int, minimum: int) -> int:
            return max(minimum, round(base * scale))

        partners = n(100, 2)
        companies = max(n(100_000, 20), 1 + 6 * partners)
        return cls(
            companies=companies,
            users=max(n(300_000, 60), 3 * companies),
            accounts=n(100_000, 20),
            devices=n(1_000_000, 100),
            ledger_entries=n(5_000_000, 500),
            partners=partners,
            busy_moves=n(120_000, 50),
        )


@dataclass
class SeedReport:
    url: str
    sizes: Sizes
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    busy_partner_id: int = 0
    partner_ids: list[int] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def summary(self) -> str:
        rows = ", ".join(f"{table} {count:,}" for table, count in self.rows.items())
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items())
        return f"Seeded {self.url} in {self.seconds:.1f} s ({phases}): {rows}"


# --- the tree ------------------------------------------------------------------------------


@dataclass
class Tree:
    """Companies by id (index 0 is unused): parent id, path, depth, partner above, etc."""

    parent: list[int] = field(default_factory=lambda: [0])
    path: list[str] = field(default_factory=lambda: [""])
    depth: list[int] = field(default_factory=lambda: [0])
    partner: list[int] = field(default_factory=lambda: [0])
    country: list[str] = field(default_factory=lambda: [""])
    use_parent: list[bool] = field(default_factory=lambda: [False])
    partners: list[int] = field(default_factory=list)
    members: dict[int, list[int]] = field(default_factory=dict)  # depth >= 2, per partner
    customers: dict[int, list[int]] = field(default_factory=dict)  # depth 2, per partner

    @property
    def count(self) -> int:
        return len(self.parent) - 1

    def add(self, parent: int, partner: int, country: str, use_parent: bool) -> int:
        company_id = len(self.parent)
        self.parent.append(parent)
        self.path.append((self.path[parent] if parent else "") + path_segment(company_id))
        self.depth.append(self.depth[parent] + 1 if parent else 0)
        self.partner.append(partner or company_id)
        self.country.append(country)
        self.use_parent.append(use_parent)
        return company_id

    def payer(self, company_id: int) -> int:
        while self.use_parent[company_id] and self.parent[company_id]:
            company_id = self.parent[company_id]
        return company_id


def _level_sizes(below: int) -> list[int]:
    sizes, left = [], below
    for share in LEVEL_SHARES:
        size = min(left, max(1, round(below * share)))
        sizes.append(size)
        left -= size
    sizes.append(left)
    return [size for size in sizes if size > 0]


def build_tree(sizes: Sizes, rng: random.Random) -> Tree:
    tree = Tree()
    root = tree.add(0, 0, "ES", False)
    tree.partner[root] = 0
    per_partner, extra = divmod(sizes.companies - 1, sizes.partners)
    for index in range(sizes.partners):
        partner = tree.add(root, 0, rng.choice(COUNTRIES), False)
        tree.partners.append(partner)
        members: list[int] = []
        previous = [partner]
        for depth, size in enumerate(_level_sizes(per_partner + (index < extra) - 1), start=2):
            level = []
            for _ in range(size):
                parent = rng.choice(previous)
                country = tree.country[parent] if rng.random() < 0.9 else rng.choice(COUNTRIES)
                level.append(tree.add(parent, partner, country, depth >= 3 and rng.random() < 0.3))
            if depth == 2:
                tree.customers[partner] = level
            members.extend(level)
            previous = level
        tree.members[partner] = members
    return tree


def _company_name(tree: Tree, company_id: int) -> str:
    depth = tree.depth[company_id]
    if depth == 0:
        return "Platform"
    if depth == 1:
        return f"Partner {tree.partners.index(company_id) + 1}"
    kind = {2: "Customer", 3: "Site"}.get(depth, "Area")
    return f"{kind} {company_id}"


# --- rows ------------------------------------------------------------------------------------


def _days_ago(now: datetime, rng: random.Random, low: float, high: float) -> datetime:
    return now - timedelta(days=rng.uniform(low, high))


def company_rows(tree: Tree, now: datetime, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for company_id in range(1, tree.count + 1):
        created = _days_ago(now, rng, 400, 1500)
        yield (
            company_id,
            tree.parent[company_id] or None,
            tree.path[company_id],
            tree.depth[company_id],
            _company_name(tree, company_id),
            tree.country[company_id],
            tree.use_parent[company_id],
            None,
            created,
            created,
        )


COMPANY_COLUMNS = (
    "id",
    "parent_id",
    "path",
    "depth",
    "name",
    "country_code",
    "use_parent_credits",
    "archived_at",
    "created_at",
    "updated_at",
)


def superadmin_of(company_id: int) -> int:
    """User ids follow the companies: user n is the SUPERADMIN of company n."""
    return company_id


def user_email(user_id: int, company_id: int) -> str:
    return f"u{user_id}.c{company_id}@{EMAIL_DOMAIN}"


def user_rows(
    sizes: Sizes, tree: Tree, password_hash: str, now: datetime, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    companies = tree.count
    for index in range(sizes.users):
        user_id, company_id, rank = index + 1, index % companies + 1, index // companies
        created = _days_ago(now, rng, 10, 400)
        yield (
            user_id,
            company_id,
            user_email(user_id, company_id),
            f"User {user_id}",
            ROLES[min(rank, len(ROLES) - 1)],
            password_hash,
            rank < 3 or rng.random() > 0.05,
            0,
            _days_ago(now, rng, 0, 10) if rng.random() < 0.5 else None,
            created,
            created,
        )


USER_COLUMNS = (
    "id",
    "company_id",
    "email",
    "name",
    "role",
    "password_hash",
    "is_active",
    "auth_epoch",
    "last_login_at",
    "created_at",
    "updated_at",
)


@dataclass
class AccountPlan:
    company_id: int
    license_id: int
    datapoint_license: bool
    state: str  # ACTIVE (running or expired), PENDING, REJECTED
    starts_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    used: int = 0


def plan_accounts(
    sizes: Sizes, tree: Tree, licenses: dict[str, int], now: datetime, rng: random.Random
) -> list[AccountPlan]:
    eligible = [company_id for members in tree.members.values() for company_id in members]
    plans = []
    for _ in range(sizes.accounts):
        company_id = rng.choice(eligible)
        datapoints = rng.random() < 0.9
        if datapoints:
            code = "STARTER_DP" if rng.random() < 0.7 else "PROFESSIONAL_DP"
        else:
            code = "STARTER_MTR" if rng.random() < 0.6 else "PROFESSIONAL_MTR"
        draw = rng.random()
        starts: datetime | None = None
        if draw < 0.85:  # running: expires in 65 to 355 days, outside every reminder window
            state, starts = "ACTIVE", _days_ago(now, rng, 10, 300)
        elif draw < 0.92:  # expired 35 to 335 days ago
            state, starts = "ACTIVE", _days_ago(now, rng, 400, 700)
        else:
            state = "PENDING" if draw < 0.97 else "REJECTED"
        plans.append(
            AccountPlan(
                company_id=company_id,
                license_id=licenses[code],
                datapoint_license=datapoints,
                state=state,
                starts_at=starts,
                expires_at=add_months(starts, 12) if starts else None,
                created_at=starts or _days_ago(now, rng, 1, 30),
            )
        )
    return plans


ACCOUNT_COLUMNS = (
    "id",
    "company_id",
    "name",
    "customer_name",
    "license_id",
    "datapoints",
    "meters",
    "pods",
    "realtime_meters",
    "rtc_lines",
    "sms_credits",
    "period_months",
    "sector",
    "payment_method",
    "card_type",
    "email_domain",
    "comment",
    "state",
    "starts_at",
    "expires_at",
    "pending_application_id",
    "created_at",
    "updated_at",
)
APPLICATION_COLUMNS = (
    "id",
    "kind",
    "status",
    "company_id",
    "account_id",
    "target_account_id",
    "change",
    "before",
    "requested_by_id",
    "requested_at",
    "decided_by_id",
    "decided_at",
    "reason",
)


def account_and_application_rows(
    plans: Sequence[AccountPlan], tree: Tree, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Each account with its NEW_ACCOUNT application; some running ones with an approved
    EXTENSION, and a few with one pending (which the account points at)."""
    accounts: list[tuple[Any, ...]] = []
    applications: list[tuple[Any, ...]] = []

    def application(
        kind: str,
        status: str,
        plan: AccountPlan,
        account_id: int,
        change: dict[str, Any],
        before: dict[str, Any] | None = None,
    ) -> int:
        application_id = len(applications) + 1
        decided = status in ("APPROVED", "REJECTED")
        requested = plan.created_at - timedelta(days=1)
        applications.append(
            (
                application_id,
                kind,
                status,
                plan.company_id,
                account_id,
                None,
                orjson.dumps(change).decode(),
                None if before is None else orjson.dumps(before).decode(),
                superadmin_of(plan.company_id),
                requested,
                superadmin_of(1) if decided else None,
                requested + timedelta(hours=3) if decided else None,
                "Incomplete contract" if status == "REJECTED" else None,
            )
        )
        return application_id

    for index, plan in enumerate(plans):
        account_id = index + 1
        datapoints = max(20, -(-(plan.used + rng.randint(0, 200)) // 10) * 10)
        meters = 0 if plan.datapoint_license else rng.randint(1, 50)
        pods = 0 if plan.datapoint_license else rng.randint(0, meters)
        realtime = 0 if plan.datapoint_license else rng.randint(0, 5)
        rtc = rng.randint(0, 3) if tree.country[plan.company_id] == "ES" else 0
        payment = rng.choice(("BANK_TRANSFER", "DIRECT_DEBIT", "CREDIT_CARD"))
        card = rng.choice(("VISA", "MASTERCARD")) if payment == "CREDIT_CARD" else None
        sector = rng.choice(SECTORS)
        name, customer = f"Account {account_id}", f"Customer {plan.company_id}"
        domain = f"c{plan.company_id}.example.com" if rng.random() < 0.3 else None
        terms: dict[str, Any] = {
            "name": name,
            "customerName": customer,
            "licenseId": plan.license_id,
            "datapoints": datapoints if plan.datapoint_license else 0,
            "meters": meters,
            "pods": pods,
            "realtimeMeters": realtime,
            "rtcLines": rtc,
            "smsCredits": 0,
            "periodMonths": 12,
            "sector": sector,
            "paymentMethod": payment,
        }
        status = {"ACTIVE": "APPROVED"}.get(plan.state, plan.state)
        application("NEW_ACCOUNT", status, plan, account_id, terms)
        pending = None
        running = plan.state == "ACTIVE" and plan.starts_at is not None
        if running and rng.random() < 0.2:
            extension = {
                "datapoints": 10 if plan.datapoint_license else 0,
                "meters": 0 if plan.datapoint_license else 1,
                "pods": 0,
                "realtimeMeters": 0,
                "rtcLines": 0,
                "smsCredits": 100,
            }
            approved = rng.random() < 0.9
            status = "APPROVED" if approved else "PENDING"
            created = application("EXTENSION", status, plan, account_id, extension, terms)
            pending = None if approved else created
        if plan.state == "PENDING":
            pending = len(applications)
        accounts.append(
            (
                account_id,
                plan.company_id,
                name,
                customer,
                plan.license_id,
                datapoints if plan.datapoint_license else 0,
                meters,
                pods,
                realtime,
                rtc,
                0,
                12,
                sector,
                payment,
                card,
                domain,
                None,
                plan.state,
                plan.starts_at,
                plan.expires_at,
                pending,
                plan.created_at,
                plan.created_at,
            )
        )
    return accounts, applications


@dataclass
class DevicePlan:
    registered: float  # POSIX time
    company_id: int
    datapoints: int
    account_id: int | None
    unregistered: float | None
    model: str


def plan_devices(
    sizes: Sizes, tree: Tree, plans: Sequence[AccountPlan], now: datetime, rng: random.Random
) -> list[DevicePlan]:
    """Devices spread over every partner's customers and sites, in registration order (so
    ids interleave partners, as they would in production)."""
    bindable: dict[int, list[int]] = {}
    for index, plan in enumerate(plans):
        if plan.datapoint_license and plan.state == "ACTIVE":
            bindable.setdefault(plan.company_id, []).append(index)
    start, window = now.timestamp(), REGISTRATION_WINDOW_DAYS * 86400.0
    per_partner, extra = divmod(sizes.devices, sizes.partners)
    devices = []
    for index, partner in enumerate(tree.partners):
        members = tree.members[partner]
        for _ in range(per_partner + (index < extra)):
            company_id = rng.choice(members)
            registered = start - rng.uniform(3600.0, window)
            datapoints = rng.randint(1, 16)
            candidates = bindable.get(company_id)
            account = None
            if candidates and rng.random() < 0.8:
                account = rng.choice(candidates)
            unregistered = None
            if rng.random() < 0.02:
                unregistered = rng.uniform(registered, start - 60.0)
                account = None
            if account is not None:
                plans[account].used += datapoints
            devices.append(
                DevicePlan(
                    registered,
                    company_id,
                    datapoints,
                    None if account is None else account + 1,
                    unregistered,
                    rng.choice(MODELS),
                )
            )
    devices.sort(key=lambda device: device.registered)
    return devices


DEVICE_COLUMNS = (
    "id",
    "serial_number",
    "name",
    "model",
    "datapoints",
    "company_id",
    "account_id",
    "status",
    "registered_at",
    "paid_until",
    "unregistered_at",
    "registered_by_id",
    "created_at",
    "updated_at",
    "forfeited_days",
)
PERIOD_SECONDS = PERIOD.total_seconds()


def serial(device_id: int) -> str:
    return f"BENCH-{device_id:08d}"


def charge_times(device: DevicePlan, now: float) -> list[float]:
    """The registration charge and one per period since, until now or unregistration."""
    end = device.unregistered if device.unregistered is not None else now
    times, moment = [], device.registered
    while moment < end:
        times.append(moment)
        moment += PERIOD_SECONDS
    return times


def device_rows(devices: Sequence[DevicePlan], now: datetime) -> Iterator[tuple[Any, ...]]:
    stamp = now.timestamp()
    for index, device in enumerate(devices):
        device_id = index + 1
        registered = datetime.fromtimestamp(device.registered, UTC)
        paid = device.registered + PERIOD_SECONDS * len(charge_times(device, stamp))
        unregistered = forfeited = None
        if device.unregistered is not None:
            unregistered = datetime.fromtimestamp(device.unregistered, UTC)
            forfeited = max(0, int(-(-(paid - device.unregistered) // 86400)))
        yield (
            device_id,
            serial(device_id),
            f"Meter {device_id}",
            device.model,
            device.datapoints,
            device.company_id,
            device.account_id,
            "ACTIVE" if unregistered is None else "UNREGISTERED",
            registered,
            datetime.fromtimestamp(paid, UTC),
            unregistered,
            superadmin_of(device.company_id),
            registered,
            unregistered or registered,
            forfeited,
        )


# --- the ledger ------------------------------------------------------------------------------

LEDGER_COLUMNS = (
    "id",
    "company_id",
    "kind",
    "amount",
    "balance_after",
    "actor_id",
    "created_at",
    "reason",
    "reference",
    "device_id",
    "transfer_id",
)
CHARGE, MOVE = 0, 1


class Ledger:
    """Replays one partner's events in time order, topping up whoever runs short."""

    def __init__(self, tree: Tree, rng: random.Random, first_id: int) -> None:
        self.tree = tree
        self.rng = rng
        self.next_id = first_id
        self.balance: dict[int, int] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.grants = 0

    def _post(
        self,
        company_id: int,
        kind: str,
        amount: int,
        actor: int | None,
        moment: datetime,
        reason: str,
        *,
        reference: str | None = None,
        device_id: int | None = None,
        transfer_id: str | None = None,
    ) -> None:
        balance = self.balance.get(company_id, 0) + amount
        assert balance >= 0
        self.balance[company_id] = balance
        self.rows.append(
            (
                self.next_id,
                company_id,
                kind,
                amount,
                balance,
                actor,
                moment,
                reason,
                reference,
                device_id,
                transfer_id,
            )
        )
        self.next_id += 1

    def grant(self, company_id: int, amount: int, moment: datetime) -> None:
        self.grants += 1
        reference = f"INV-{company_id}-{self.grants:06d}"
        self._post(company_id, "GRANT", amount, 1, moment, "Credit purchase", reference=reference)

    def move(self, source: int, target: int, amount: int, moment: datetime, reason: str) -> None:
        upper = source if self.tree.parent[target] == source else target
        transfer = f"{self.rng.getrandbits(128):032x}"
        actor = superadmin_of(upper)
        self._post(source, "MOVE_OUT", -amount, actor, moment, reason, transfer_id=transfer)
        self._post(target, "MOVE_IN", amount, actor, moment, reason, transfer_id=transfer)

    def ensure(self, company_id: int, needed: int, moment: datetime) -> None:
        short = needed - self.balance.get(company_id, 0)
        if short <= 0:
            return
        if self.tree.depth[company_id] == 1:
            self.grant(company_id, max(short, GRANT), moment)
            return
        parent = self.tree.parent[company_id]
        amount = max(short, TOPUP)
        self.ensure(parent, amount, moment)
        self.move(parent, company_id, amount, moment, "Top-up")


def ledger_rows(
    tree: Tree,
    devices: Sequence[DevicePlan],
    sizes: Sizes,
    now: datetime,
    rng: random.Random,
    balances: dict[int, int],
) -> Iterator[tuple[Any, ...]]:
    """Every partner's ledger in turn (ids grouped by partner, times interleaved); the final
    balances are left in `balances`."""
    stamp = now.timestamp()
    charges: dict[int, list[tuple[float, int, int, int]]] = {p: [] for p in tree.partners}
    total_charges = 0
    for index, device in enumerate(devices):
        times = charge_times(device, stamp)
        payer = tree.payer(device.company_id)
        bucket = charges[tree.partner[device.company_id]]
        for number, moment in enumerate(times):
            bucket.append((moment, CHARGE, payer, index + 1 if number else -(index + 1)))
        total_charges += len(times)
    busy = tree.partners[0]
    spare = max(0, sizes.ledger_entries - total_charges - 2 * sizes.busy_moves)
    # Top-ups and grants take about a tenth of what is left; voluntary moves fill the rest.
    moves_per_partner = int(spare * 0.38 / len(tree.partners))
    next_id = 1
    for partner in tree.partners:
        events: list[tuple[float, int, int, int]] = charges.pop(partner)
        members = tree.members[partner]
        start = stamp - REGISTRATION_WINDOW_DAYS * 86400.0
        for _ in range(moves_per_partner):
            child = rng.choice(members)
            events.append((rng.uniform(start, stamp - 120.0), MOVE, child, 0))
        if partner == busy:
            for _ in range(sizes.busy_moves):
                child = rng.choice(tree.customers[partner])
                events.append((rng.uniform(start, stamp - 120.0), MOVE, child, 0))
        events.sort()
        ledger = Ledger(tree, rng, next_id)
        for moment, kind, company_id, detail in events:
            when = datetime.fromtimestamp(moment, UTC)
            if kind == CHARGE:
                ledger.ensure(company_id, 1, when)
                device_id = abs(detail)
                reason = "Registration of " if detail < 0 else "Period of "
                ledger._post(
                    company_id,
                    "CHARGE",
                    -1,
                    superadmin_of(devices[device_id - 1].company_id) if detail < 0 else None,
                    when,
                    reason + serial(device_id),
                    device_id=device_id,
                )
                continue
            parent = tree.parent[company_id]
            if rng.random() < 0.6:  # down: an allocation from the parent
                amount = rng.randint(1, 100)
                ledger.ensure(parent, amount, when)
                ledger.move(parent, company_id, amount, when, "Monthly allocation")
            else:  # up: unused credits returned, when there are any
                amount = min(ledger.balance.get(company_id, 0), rng.randint(1, 50))
                if amount:
                    ledger.move(company_id, parent, amount, when, "Unused credits returned")
        ledger.ensure(partner, FINAL_GRANT, now)
        yield from ledger.rows
        next_id = ledger.next_id
        balances.update(ledger.balance)


# --- loading ---------------------------------------------------------------------------------


def _connect_args(url: str, database: str | None = None) -> dict[str, Any]:
    parsed = make_url(url)
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password,
        "database": database or parsed.database,
    }


async def recreate_database(url: str) -> None:
    name = make_url(url).database or ""
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'")
    admin = await asyncpg.connect(**_connect_args(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = make_url(url).database or ""
    admin = await asyncpg.connect(**_connect_args(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str, str]]:
    """(table, index, definition) of the loaded tables' indexes that back no constraint."""
    rows = await conn.fetch(
        """
        SELECT t.relname AS table_name, i.relname AS index_name,
               pg_get_indexdef(i.oid) AS definition
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND t.relname = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY t.relname, i.relname
        """,
        list(LOADED_TABLES),
    )
    return [(row["table_name"], row["index_name"], row["definition"]) for row in rows]


async def _rebuild_indexes(url: str, indexes: Sequence[tuple[str, str, str]]) -> None:
    """Two connections (two cores): the ledger's indexes on one, all the others on the other."""
    ledger = [definition for table, _, definition in indexes if table == "ledger_entries"]
    rest = [definition for table, _, definition in indexes if table != "ledger_entries"]

    async def build(definitions: list[str]) -> None:
        conn = await asyncpg.connect(**_connect_args(url))
        try:
            await conn.execute("SET maintenance_work_mem = '1GB'")
            await conn.execute("SET max_parallel_maintenance_workers = 0")
            for definition in definitions:
                await conn.execute(definition)
        finally:
            await conn.close()

    await asyncio.gather(build(ledger), build(rest))


async def _vacuum(url: str) -> None:
    async def run(tables: Sequence[str]) -> None:
        conn = await asyncpg.connect(**_connect_args(url))
        try:
            for table in tables:
                await conn.execute(f"VACUUM (ANALYZE) {table}")
        finally:
            await conn.close()

    await asyncio.gather(
        run(["ledger_entries"]), run([t for t in LOADED_TABLES if t != "ledger_entries"])
    )


async def seed(url: str, scale: float = 1.0, *, seed_value: int = 20261122) -> SeedReport:
    sizes = Sizes.scaled(scale)
    report = SeedReport(url=url, sizes=sizes)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.phases[name] = now - clock
        clock = now

    await recreate_database(url)
    await asyncio.to_thread(cli.migrate, Settings(database_url=url, environment="test"))
    lap("create+migrate")

    rng = random.Random(seed_value)  # noqa: S311 - reproducible data, not secrets
    now = datetime.now(UTC)
    password_hash = await asyncio.to_thread(hash_password, BENCH_PASSWORD)
    tree = build_tree(sizes, rng)
    report.busy_partner_id = tree.partners[0]
    report.partner_ids = list(tree.partners)
    conn = await asyncpg.connect(**_connect_args(url))
    try:
        licenses = {
            row["code"]: row["id"] for row in await conn.fetch("SELECT id, code FROM licenses")
        }
        indexes = await _secondary_indexes(conn)
        for _, name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        # Foreign keys are kept by construction; their triggers would check row by row.
        await conn.execute("SET session_replication_role = replica")

        async def copy(table: str, columns: Sequence[str], rows: Any) -> None:
            await conn.copy_records_to_table(table, records=rows, columns=list(columns))
            report.rows[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608

        await copy("companies", COMPANY_COLUMNS, company_rows(tree, now, rng))
        await copy("users", USER_COLUMNS, user_rows(sizes, tree, password_hash, now, rng))
        plans = plan_accounts(sizes, tree, licenses, now, rng)
        devices = plan_devices(sizes, tree, plans, now, rng)
        accounts, applications = account_and_application_rows(plans, tree, rng)
        await copy("applications", APPLICATION_COLUMNS, applications)
        await copy("accounts", ACCOUNT_COLUMNS, accounts)
        del accounts, applications
        await copy("devices", DEVICE_COLUMNS, device_rows(devices, now))
        lap("companies+users+accounts+devices")
        balances: dict[int, int] = {}
        entries = ledger_rows(tree, devices, sizes, now, rng, balances)
        await copy("ledger_entries", LEDGER_COLUMNS, entries)
        await copy(
            "credit_balances",
            ("company_id", "balance", "updated_at"),
            [(company_id, balance, now) for company_id, balance in sorted(balances.items())],
        )
        lap("ledger")
        await conn.execute("SET session_replication_role = DEFAULT")
    finally:
        await conn.close()

    await _rebuild_indexes(url, indexes)
    lap("indexes")
    conn = await asyncpg.connect(**_connect_args(url))
    try:
        for table in LOADED_TABLES:
            if table != "credit_balances":
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    finally:
        await conn.close()
    await _vacuum(url)
    lap("vacuum+analyze")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 companies")
    parser.add_argument("--url", default=database_url(), help="BENCH_DATABASE_URL")
    args = parser.parse_args(argv)
    report = asyncio.run(seed(args.url, args.scale))
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
