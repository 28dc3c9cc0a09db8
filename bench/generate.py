"""The seeded platform, generated: the company tree, users, accounts and applications, devices
and the ledger, as rows ready for COPY (bench/seed.py loads them).

Everything follows from one random seed, so two runs load the same platform.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from models.company import path_segment
from services.account import add_months

BENCH_PASSWORD = "bench horse battery staple 2026"  # noqa: S105 - every seeded user's
EMAIL_DOMAIN = "bench.example.com"
ROLES = ("SUPERADMIN", "ADMINISTRATOR", "ADVANCED_USER", "USER")
COUNTRIES = ("ES", "FR", "DE", "IT", "PT", "NL", "BE", "GB")
SECTORS = ("INDUSTRY", "RETAIL", "OFFICES", "HOSPITALITY", "HEALTHCARE", "EDUCATION", "LOGISTICS")
MODELS = ("EM-110", "EM-340", "TH-20", "GW-4G", "PV-INV-8", "WM-2")


def columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# Share of a partner's subtree (below the partner itself) at depths 2, 3, 4, 5; the rest at 6.
LEVEL_SHARES = (0.03, 0.30, 0.45, 0.15)
PERIOD = timedelta(days=30)  # the server's default CREDIT_PERIOD_DAYS
REGISTRATION_WINDOW_DAYS = 120  # devices were registered during the last 120 days
TOPUP = 200  # credits a parent moves down when a child runs short
GRANT = 5_000  # credits the platform desk sells a partner that runs short
FINAL_GRANT = 100_000  # every partner ends with at least this much, for the credit workload


@dataclass(frozen=True)
class Sizes:
    companies: int
    users: int
    accounts: int
    devices: int
    ledger_entries: int
    audit_entries: int
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
            audit_entries=n(10_000_000, 1_000),
            partners=partners,
            busy_moves=n(120_000, 50),
        )


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


COMPANY_COLUMNS = columns(
    "id parent_id path depth name country_code use_parent_credits archived_at created_at "
    "updated_at "
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
            # The platform's three languages in turn: derived, so the random sequence (and
            # every row seeded after) stays what it was before users had a locale.
            LOCALES[user_id % len(LOCALES)],
        )


LOCALES = ("en", "es", "fr")
USER_COLUMNS = columns(
    "id company_id email name role password_hash is_active auth_epoch last_login_at "
    "created_at updated_at locale"
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


ACCOUNT_COLUMNS = columns(
    "id company_id name customer_name license_id datapoints meters pods realtime_meters "
    "rtc_lines sms_credits period_months sector payment_method card_type email_domain comment "
    "state starts_at expires_at pending_application_id created_at updated_at "
)
APPLICATION_COLUMNS = columns(
    "id kind status company_id account_id target_account_id change before requested_by_id "
    "requested_at decided_by_id decided_at reason "
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


DEVICE_COLUMNS = columns(
    "id serial_number name model datapoints company_id account_id status registered_at "
    "paid_until unregistered_at registered_by_id created_at updated_at forfeited_days "
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
