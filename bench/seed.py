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
  so every `balance_after` is right and never negative; credit_balances hold the final sums;
- 10,000,000 audit entries over the last year (bench/audit.py), with their MACs, sealed in
  the sealing job's batches (about 500,000 seals), the last minute's left unsealed.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

import cli
from bench.audit import AUDIT_COLUMNS, SEAL_COLUMNS, AuditSeed, audit_rows
from bench.generate import (
    ACCOUNT_COLUMNS,
    APPLICATION_COLUMNS,
    BENCH_PASSWORD,
    COMPANY_COLUMNS,
    DEVICE_COLUMNS,
    USER_COLUMNS,
    Sizes,
    account_and_application_rows,
    build_tree,
    company_rows,
    device_rows,
    plan_accounts,
    plan_devices,
    user_rows,
)
from bench.ledger import LEDGER_COLUMNS, ledger_rows
from config import Settings
from services.passwords import hash_password

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_bench"
LOADED_TABLES = (
    "companies",
    "users",
    "accounts",
    "applications",
    "devices",
    "credit_balances",
    "ledger_entries",
    "audit_entries",
    "audit_seals",
)
# Random, so kept up during COPY it would take a random page of a 10 M-row index per row.
NONCE_CONSTRAINT = "uq_audit_entries_nonce"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


@dataclass
class SeedReport:
    url: str
    sizes: Sizes
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    busy_partner_id: int = 0
    partner_ids: list[int] = field(default_factory=list)
    unsealed: int = 0  # audit entries written after the sealer's last run

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def summary(self) -> str:
        rows = ", ".join(f"{table} {count:,}" for table, count in self.rows.items())
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items())
        return f"Seeded {self.url} in {self.seconds:.1f} s ({phases}): {rows}"


# --- loading ---------------------------------------------------------------------------------


def connect_args(url: str, database: str | None = None) -> dict[str, Any]:
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
    admin = await asyncpg.connect(**connect_args(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = make_url(url).database or ""
    admin = await asyncpg.connect(**connect_args(url, "postgres"))
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
    """Two connections (two cores): the audit trail's indexes (the largest table) on one,
    all the others on the other."""
    audit = [definition for table, _, definition in indexes if table == "audit_entries"]
    audit.append(f"ALTER TABLE audit_entries ADD CONSTRAINT {NONCE_CONSTRAINT} UNIQUE (nonce)")
    rest = [definition for table, _, definition in indexes if table != "audit_entries"]

    async def build(definitions: list[str]) -> None:
        conn = await asyncpg.connect(**connect_args(url))
        try:
            await conn.execute("SET maintenance_work_mem = '1GB'")
            await conn.execute("SET max_parallel_maintenance_workers = 0")
            for definition in definitions:
                await conn.execute(definition)
        finally:
            await conn.close()

    await asyncio.gather(build(audit), build(rest))


async def _vacuum(url: str) -> None:
    async def run(tables: Sequence[str]) -> None:
        conn = await asyncpg.connect(**connect_args(url))
        try:
            for table in tables:
                await conn.execute(f"VACUUM (ANALYZE) {table}")
        finally:
            await conn.close()

    await asyncio.gather(
        run(["audit_entries"]), run([t for t in LOADED_TABLES if t != "audit_entries"])
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
    conn = await asyncpg.connect(**connect_args(url))
    try:
        licenses = {
            row["code"]: row["id"] for row in await conn.fetch("SELECT id, code FROM licenses")
        }
        indexes = await _secondary_indexes(conn)
        for _, name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        await conn.execute(f"ALTER TABLE audit_entries DROP CONSTRAINT {NONCE_CONSTRAINT}")
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
        trail = AuditSeed()
        trail_rows = audit_rows(tree, sizes, devices, now, rng, trail)
        await copy("audit_entries", AUDIT_COLUMNS, trail_rows)
        await copy("audit_seals", SEAL_COLUMNS, trail.seals)
        report.unsealed = trail.unsealed
        lap("audit")
        await conn.execute("SET session_replication_role = DEFAULT")
    finally:
        await conn.close()

    await _rebuild_indexes(url, indexes)
    lap("indexes")
    conn = await asyncpg.connect(**connect_args(url))
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
