"""The seeded audit trail: entries spread over the tree as production leaves them, then
sealed in the batches the sealing job would have made, as rows ready for COPY.

Who writes how much: the platform a little (its staff signing in, grants, refused sign-ins
of unknown emails), every partner a lot (its desk moves credits, manages users and signs in
all day), customers some, sites and areas few (a heavy tail: most a handful, a few busy
ones many). The busy partner's whole subtree writes three times as much as another's, so W8
has more than 1,000 pages of 100 to read at full size. Each entry is one of the actions the
services record, with the before/after they record, by a user of its company, of the
partner or of the platform above it (whom a reader below does not see), by the jobs, or by
nobody signed in; every entry's MAC is computed with `services.audit` under
BENCH_AUDIT_KEY, so `cli.py audit-verify` passes on a seeded database.

Entries are spread over the last AUDIT_DAYS days (within the default retention, so the
first purge deletes nothing) in id order; the sealer runs every SEAL_SECONDS (about the
scheduler's minute at full size; at a smaller scale less often, so batches keep about 20
entries) and seals what was written before, at most SEAL_BATCH at a time, as
services/audit_seal.py does. The entries of the last interval are left unsealed.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any, cast

import orjson

from bench.generate import (
    MODELS,
    DevicePlan,
    Sizes,
    Tree,
    _company_name,
    columns,
    serial,
)
from models.audit import AuditEntry
from services import audit
from services.audit_seal import GENESIS, SEAL_BATCH, entries_digest, seal_hash

# Not a secret: the bench's servers are given it (AUDIT_SECRET_KEY), so they and
# `cli.py audit-verify` check the seeded MACs.
BENCH_AUDIT_KEY = "bench audit key, known to everyone: not a secret"
AUDIT_DAYS = 365
ENTRIES_PER_SEAL = 20  # the sealer's batch size at full size: 10 M entries, a run a minute
CHUNK = 50_000  # entries whose companies are drawn at once

AUDIT_COLUMNS = columns(
    "id created_at action actor_kind actor_user_id actor_company_id actor_company_path "
    "actor_role company_id company_path target_type target_id changes request_id "
    "client_address user_agent operation nonce mac seq "
)
SEAL_COLUMNS = columns(
    "id first_seq last_seq entry_count entries_digest prev_hash hash sealed_at purged_at "
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "fleet-cli/2.3 python-httpx/0.28",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
ROLE_OF_RANK = ("SUPERADMIN", "ADMINISTRATOR", "ADVANCED_USER")
# The GraphQL operation a client names, e.g. `CreditMove` for credit.move.
OPERATIONS = {action: action.name.title().replace("_", "") for action in audit.AuditAction}


@dataclass(slots=True)
class _Entry:
    """The columns `services.audit.canonical` reads, without an ORM object's cost."""

    created_at: datetime
    action: str
    actor_kind: str
    actor_user_id: int | None
    actor_company_id: int | None
    actor_role: str | None
    company_id: int
    target_type: str | None
    target_id: int | None
    changes: dict[str, list[Any]]
    request_id: str | None
    client_address: str | None
    user_agent: str | None
    operation: str | None
    nonce: str


@dataclass
class AuditSeed:
    """What the seed reports, and the seals to load after the entries."""

    entries: int = 0
    seals: list[tuple[Any, ...]] = field(default_factory=list)
    unsealed: int = 0


def company_weights(tree: Tree, rng: random.Random) -> list[float]:
    """Relative entries per company (index 0 unused): the platform and partners many, the
    rest a heavy tail, the busy partner's subtree three times another's."""
    weights = [0.0] * (tree.count + 1)
    busy = tree.partners[0]
    members = sum(len(m) for m in tree.members.values())
    weights[1] = 0.015 * members * 3.5  # about 1.5% of everything
    depth_factor = {2: 4.0, 3: 1.5, 4: 0.5, 5: 0.4, 6: 0.4}
    for partner in tree.partners:
        boost = 3.0 if partner == busy else 1.0
        own = 0.0
        for company_id in tree.members[partner]:
            tail = min(60.0, rng.paretovariate(1.3))
            weights[company_id] = boost * depth_factor[tree.depth[company_id]] * tail
            own += weights[company_id]
        weights[partner] = own / 4  # the partner's desk: a fifth of its subtree's entries
    return weights


class _Writer:
    """One entry's content: an action the services record, as they record it."""

    def __init__(
        self, tree: Tree, sizes: Sizes, devices: Sequence[DevicePlan], rng: random.Random
    ) -> None:
        self.tree = tree
        self.companies = tree.count
        self.ranks = max(1, min(3, sizes.users // tree.count))
        self.rng = rng
        self.devices: dict[int, list[int]] = {}
        for index, device in enumerate(devices):
            self.devices.setdefault(device.company_id, []).append(index + 1)
        self.names: dict[int, str] = {}
        self.requests = 0
        # A pool of client addresses: drawing four octets per entry costs more than the MAC.
        self.addresses = [
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            for _ in range(4096)
        ]

    def name(self, company_id: int) -> str:
        found = self.names.get(company_id)
        if found is None:
            found = self.names[company_id] = _company_name(self.tree, company_id)
        return found

    def user(self, company_id: int) -> tuple[int, int, str]:
        """(user id, company, role) of one of the company's administrators (users follow
        the companies: bench/generate.py user_rows)."""
        rank = int(self.rng.random() * self.ranks)
        return company_id + rank * self.companies, company_id, ROLE_OF_RANK[rank]

    def acting(self, company_id: int) -> tuple[int, int, str]:
        """Mostly the company's own users; sometimes the partner's or the platform's."""
        draw = self.rng.random()
        partner = self.tree.partner[company_id]
        if draw < 0.03 or company_id == 1:
            return self.user(1)
        if draw < 0.18 and partner and partner != company_id:
            return self.user(partner)
        return self.user(company_id)

    def build(self, company_id: int, moment: datetime) -> _Entry:
        rng = self.rng
        draw = rng.random()
        devices = self.devices.get(company_id)
        kind, actor, role, actor_company = "USER", None, None, None
        target: tuple[str | None, int | None] = (None, None)
        changes: dict[str, list[Any]]
        if devices and draw < 0.35:  # the charging job
            action, kind = audit.AuditAction.DEVICE_CHARGE, "SYSTEM"
            device = rng.choice(devices)
            paid = moment + timedelta(days=rng.uniform(0, 1))
            target = ("Device", device)
            changes = {
                "paidUntil": [paid.isoformat(), (paid + timedelta(days=30)).isoformat()],
                "paidBy": [None, self.name(self.tree.payer(company_id))],
            }
        elif draw < 0.65:
            action = audit.AuditAction.SIGN_IN if draw < 0.5 else audit.AuditAction.TOKEN_REFRESH
            actor, actor_company, role = self.user(company_id)
            target, changes = ("User", actor), {}
        elif draw < 0.69:  # a refused sign-in: nobody signed in
            action, kind = audit.AuditAction.SIGN_IN_FAILED, "ANONYMOUS"
            user, _, _ = self.user(company_id)
            target = ("User", user)
            changes = {
                "email": [None, f"u{user}.c{company_id}@bench.example.com"],
                "known": [None, True],
            }
        elif devices and draw < 0.77:
            action = audit.AuditAction.DEVICE_REGISTER
            device = rng.choice(devices)
            target = ("Device", device)
            changes = {
                "serialNumber": [None, serial(device)],
                "name": [None, f"Meter {device}"],
                "model": [None, rng.choice(MODELS)],
                "datapoints": [None, rng.randint(1, 16)],
                "paidBy": [None, self.name(self.tree.payer(company_id))],
                "paidUntil": [None, (moment + timedelta(days=30)).isoformat()],
            }
        elif devices and draw < 0.80:
            action = audit.AuditAction.DEVICE_RENAME
            device = rng.choice(devices)
            target = ("Device", device)
            changes = {"name": [f"Meter {device}", f"Meter {device} ({rng.choice(MODELS)})"]}
        elif draw < 0.88 and self.tree.parent[company_id]:
            action = audit.AuditAction.CREDIT_MOVE
            parent = self.tree.parent[company_id]
            target = ("Company", company_id)
            changes = {
                "amount": [None, rng.choice((50, 100, 200, 500, 1000))],
                "toCompany": [None, self.name(parent)],
                "reason": [None, rng.choice(("", "Top-up", "Monthly allocation"))],
                "transfer": [None, f"{rng.getrandbits(128):032x}"],
            }
        elif draw < 0.92:
            action = audit.AuditAction.USER_CHANGE_ROLE
            user, _, _ = self.user(company_id)
            target = ("User", user)
            changes = {"role": ["ADVANCED_USER", "ADMINISTRATOR"]}
        elif draw < 0.96:
            action = audit.AuditAction.USER_UPDATE_PROFILE
            user, _, _ = self.user(company_id)
            target = ("User", user)
            changes = {"name": [f"User {user}", f"User {user} ({self.name(company_id)})"]}
        else:
            action = audit.AuditAction.SIGN_OUT
            actor, actor_company, role = self.user(company_id)
            target, changes = ("User", actor), {}
        if kind == "USER" and actor is None:
            actor, actor_company, role = self.acting(company_id)
        self.requests += 1
        here = kind != "SYSTEM"
        return _Entry(
            created_at=moment,
            action=str(action),
            actor_kind=kind,
            actor_user_id=actor,
            actor_company_id=actor_company,
            actor_role=role,
            company_id=company_id,
            target_type=target[0],
            target_id=target[1],
            changes=changes,
            request_id=f"{self.requests:016x}" if here else None,
            client_address=self.addresses[rng.getrandbits(12)] if here else None,
            user_agent=USER_AGENTS[rng.getrandbits(2)] if here else None,
            operation=OPERATIONS[action] if here else None,
            nonce=f"{rng.getrandbits(128):032x}",
        )


def audit_rows(
    tree: Tree,
    sizes: Sizes,
    devices: Sequence[DevicePlan],
    now: datetime,
    rng: random.Random,
    result: AuditSeed,
) -> Iterator[tuple[Any, ...]]:
    """The entries in id (and time) order; `result` receives the seals as they close."""
    key = BENCH_AUDIT_KEY.encode()
    weights = company_weights(tree, rng)
    population = list(range(tree.count + 1))
    cumulative = list(accumulate(weights))
    writer = _Writer(tree, sizes, devices, rng)
    total = sizes.audit_entries
    start = now - timedelta(days=AUDIT_DAYS)
    span = (now - start).total_seconds()
    step = span / total
    every = max(60.0, span * ENTRIES_PER_SEAL / total)
    paths = tree.path
    runs = 1  # the sealer's next run: `runs * every` seconds after start
    # Sealed: what was written before the last run; every batch in id order, so seq = id.
    last_run = int(span // every) * every
    if last_run > span - every / 2:  # and a little has been written since
        last_run -= every
    pending: list[tuple[int, int, str]] = []  # (seq, id, mac) written since its last run
    prev_hash, last_seq = GENESIS, 0

    def run_sealer(at: float) -> None:
        nonlocal prev_hash, last_seq
        sealed_at = start + timedelta(seconds=at)
        for offset in range(0, len(pending), SEAL_BATCH):
            batch = pending[offset : offset + SEAL_BATCH]
            first, last = batch[0][0], batch[-1][0]
            digest = entries_digest(batch)
            digest_hash = seal_hash(prev_hash, first, last, len(batch), digest, sealed_at)
            result.seals.append(
                (
                    len(result.seals) + 1,
                    first,
                    last,
                    len(batch),
                    digest,
                    prev_hash,
                    digest_hash,
                    sealed_at,
                    None,
                )
            )
            prev_hash, last_seq = digest_hash, last
        pending.clear()

    entry_id = 0
    while entry_id < total:
        count = min(CHUNK, total - entry_id)
        for company_id in rng.choices(population, cum_weights=cumulative, k=count):
            entry_id += 1
            at = (entry_id - rng.random()) * step
            while at >= runs * every:  # the sealer ran before this entry was written
                if pending:
                    run_sealer(runs * every)
                runs += 1
            moment = start + timedelta(seconds=at)
            row = writer.build(company_id, moment)
            mac = hmac.digest(key, audit.canonical(cast("AuditEntry", row)), "sha256").hex()
            sealed = at < last_run
            if sealed:
                pending.append((entry_id, entry_id, mac))
            actor_company = row.actor_company_id
            yield (
                entry_id,
                moment,
                row.action,
                row.actor_kind,
                row.actor_user_id,
                actor_company,
                None if actor_company is None else paths[actor_company],
                row.actor_role,
                company_id,
                paths[company_id],
                row.target_type,
                row.target_id,
                orjson.dumps(row.changes).decode(),
                row.request_id,
                row.client_address,
                row.user_agent,
                row.operation,
                row.nonce,
                mac,
                entry_id if sealed else None,
            )
    if pending:
        run_sealer(last_run)
    result.entries = entry_id
    result.unsealed = total - last_seq
