"""The trail as a whole: the sealing job's chain, `cli.py audit-verify` finding rows changed,
removed or inserted through SQL behind the application's back, the PostgreSQL guards, the
retention purge (AUDIT_RETENTION_DAYS) and `cli.py audit-export` (JSON Lines).

Tampering goes through the database directly, as someone with SQL access and no audit key
would: on PostgreSQL as a superuser that switches the guard triggers off for its session
(session_replication_role = replica), which the guards cannot prevent and the verifier must
still catch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import cli
from config import Settings
from models.audit import AuditEntry, AuditSeal
from models.base import utcnow
from models.company import Company
from models.db import begin_write
from services import audit, audit_seal, jobs
from services.audit import AuditAction as Act
from tests.audit_world import AuditWorld, all_entries, audit_world
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid
from tests.helpers import Maker


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    return await audit_world(client, factory, sessionmaker)


async def renames(w: AuditWorld, count: int, company: Company | None = None) -> None:
    """`count` entries through the API: renames of the customer (or `company`)."""
    target = company or w.customer
    for n in range(count):
        result = await w.call(
            "companyRename", {"id": cid(target), "name": f"{target.name} {n}"}, w.desk
        )
        assert result["__typename"] == "CompanyPayload", result


async def seal_all(sessionmaker: Maker, *, batch: int, now: datetime | None = None) -> list[int]:
    """Run the sealer until nothing is left; the size of each batch it sealed."""
    sizes: list[int] = []
    while True:
        async with sessionmaker() as session:
            await begin_write(session)
            sealed = await audit_seal.seal(session, batch=batch, now=now)
            await session.commit()
        if not sealed:
            return sizes
        sizes.append(sealed)


async def verify(sessionmaker: Maker, head: str | None = None) -> audit_seal.Report:
    async with sessionmaker() as session:
        return await audit_seal.verify(session, head=head)


def cli_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    environment = {
        "APP_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "JWT_SECRET_KEY": settings.jwt_key,
        **extra,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


async def run_cli(*argv: str) -> int:
    # In a thread: the CLI runs its own event loop.
    return await asyncio.to_thread(cli.main, list(argv))


async def behind_the_back(engine: AsyncEngine, statement: str, **parameters: Any) -> None:
    """SQL as an intruder runs it: on PostgreSQL with the guard triggers off."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(statement), parameters)


# --- sealing -------------------------------------------------------------------------------


async def test_the_sealer_chains_committed_entries_in_batches(world: AuditWorld) -> None:
    await renames(world, 5)
    assert await seal_all(world.sessionmaker, batch=2) == [2, 2, 1]
    entries = await all_entries(world.sessionmaker)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]  # in id order
    async with world.sessionmaker() as session:
        seals = list(await session.scalars(select(AuditSeal).order_by(AuditSeal.id)))
    assert [(s.first_seq, s.last_seq, s.entry_count) for s in seals] == [
        (1, 2, 2),
        (3, 4, 2),
        (5, 5, 1),
    ]
    assert [s.prev_hash for s in seals] == [audit_seal.GENESIS, seals[0].hash, seals[1].hash]
    # Entries written after a seal go into the next batch; nothing is left behind.
    await renames(world, 1)
    assert await seal_all(world.sessionmaker, batch=2) == [1]
    report = await verify(world.sessionmaker)
    assert report.problems == []
    assert (report.seals, report.entries, report.unsealed) == (4, 6, 0)


async def test_the_jobs_seal_what_they_and_the_requests_wrote(world: AuditWorld) -> None:
    await renames(world, 3)
    report = await jobs.run_all(world.sessionmaker, period=timedelta(days=30))
    assert report.audit == jobs.AuditReport(sealed=3, purged=0)
    assert [e.seq for e in await all_entries(world.sessionmaker)] == [1, 2, 3]


async def test_verify_reports_an_intact_trail_with_its_head(
    world: AuditWorld,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await renames(world, 3)
    await seal_all(world.sessionmaker, batch=2)
    await renames(world, 1)  # committed, not sealed yet: checked by its MAC alone
    head = (await verify(world.sessionmaker)).head
    cli_environment(settings, monkeypatch)
    assert await run_cli("audit-verify", "--head", head) == 0
    out = capsys.readouterr().out
    assert (
        f"Audit: 2 seals (0 purged), 3 sealed entries, 1 not sealed yet; head {head}; intact."
        in out
    )


# --- tampering -------------------------------------------------------------------------------

Tamper = Callable[[AsyncEngine, list[AuditEntry]], Awaitable[None]]

FORGED_MAC = "f" * 64


async def _change_sealed(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(
        engine,
        "UPDATE audit_entries SET changes = :changes WHERE id = :id",
        changes='{"name": ["Customer", "Innocent"]}',
        id=entries[1].id,
    )


async def _change_unsealed(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(
        engine, "UPDATE audit_entries SET actor_user_id = NULL WHERE id = :id", id=entries[-1].id
    )


async def _remove_sealed(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(engine, "DELETE FROM audit_entries WHERE id = :id", id=entries[2].id)


async def _insert(engine: AsyncEngine, entries: list[AuditEntry], seq: int | None) -> None:
    model = entries[0]
    await behind_the_back(
        engine,
        "INSERT INTO audit_entries (created_at, action, actor_kind, company_id, company_path,"
        " changes, nonce, mac, seq) VALUES (:created_at, 'credit.grant', 'SYSTEM', :company_id,"
        " :company_path, '{}', :nonce, :mac, :seq)",
        created_at=model.created_at,
        company_id=model.company_id,
        company_path=model.company_path,
        nonce="0" * 32,
        mac=FORGED_MAC,
        seq=seq,
    )


async def _insert_unsealed(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await _insert(engine, entries, None)


async def _insert_into_the_chain(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await _insert(engine, entries, 99)


async def _swap_macs(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    # Two valid MACs traded between rows: each row's MAC is now another row's.
    first, second = entries[0], entries[1]
    await behind_the_back(
        engine, "UPDATE audit_entries SET mac = :mac WHERE id = :id", mac=second.mac, id=first.id
    )
    await behind_the_back(
        engine, "UPDATE audit_entries SET mac = :mac WHERE id = :id", mac=first.mac, id=second.id
    )


async def _remove_a_seal(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(engine, "DELETE FROM audit_seals WHERE first_seq = 3")


async def _edit_a_seal(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(engine, "UPDATE audit_seals SET entry_count = 1 WHERE first_seq = 1")


async def _move_a_company_path(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    # The path decides who reads an entry: moved under another company, others would see it.
    # The MAC does not cover the copy, the verifier compares it with the tree.
    other = await _path_of(engine, "Other")
    await behind_the_back(
        engine,
        "UPDATE audit_entries SET company_path = :path WHERE id = :id",
        path=other,
        id=entries[0].id,
    )


async def _purge_behind_the_back(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    # What the retention purge does, without it: a recent batch marked purged, its entries gone.
    await behind_the_back(
        engine, "UPDATE audit_seals SET purged_at = sealed_at WHERE first_seq = 3"
    )
    await behind_the_back(engine, "DELETE FROM audit_entries WHERE seq BETWEEN 3 AND 4")


async def _backdate_a_seal(engine: AsyncEngine, entries: list[AuditEntry]) -> None:
    await behind_the_back(
        engine,
        "UPDATE audit_seals SET sealed_at = :at WHERE first_seq = 3",
        at=datetime(2020, 1, 1, tzinfo=UTC),
    )


async def _path_of(engine: AsyncEngine, name: str) -> str:
    async with engine.connect() as conn:
        path = await conn.scalar(select(Company.path).where(Company.name == name))
    assert isinstance(path, str)
    return path


TAMPERING: dict[str, tuple[Tamper, Callable[[list[AuditEntry]], str]]] = {
    "a sealed entry changed": (
        _change_sealed,
        lambda e: f"seq 2 (entry {e[1].id}): changed or written behind the application's back",
    ),
    "an unsealed entry changed": (
        _change_unsealed,
        lambda e: f"unsealed entry {e[-1].id}: changed or written behind the application's back",
    ),
    "a sealed entry removed": (_remove_sealed, lambda e: "seq 3 of seal 2 (seq 3-4): removed"),
    "an entry inserted": (
        _insert_unsealed,
        lambda e: f"unsealed entry {e[-1].id + 1}: changed or written behind",
    ),
    "an entry inserted into the chain": (
        _insert_into_the_chain,
        lambda e: f"entry {e[-1].id + 1}: claims seq 99, which no seal covers (inserted)",
    ),
    "valid MACs swapped": (
        _swap_macs,
        lambda e: f"seq 1 (entry {e[0].id}): changed or written behind the application's back",
    ),
    "a seal removed": (
        _remove_a_seal,
        lambda e: (
            "seal 3 (seq 5-5): does not follow the previous seal (a seal removed or inserted)"
        ),
    ),
    "a seal edited": (
        _edit_a_seal,
        lambda e: "seal 1 (seq 1-2): its hash does not match its content (the seal was edited)",
    ),
    "a batch purged behind the back": (
        _purge_behind_the_back,
        lambda e: "seal 2 (seq 3-4): purged, but no recorded purge covers it",
    ),
    "a seal backdated": (
        _backdate_a_seal,
        lambda e: "seal 2 (seq 3-4): its hash does not match its content (the seal was edited)",
    ),
    "an entry moved in the tree": (
        _move_a_company_path,
        lambda e: f"entry {e[0].id}: its company path does not match the company tree",
    ),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
async def test_verify_names_what_was_tampered_with(
    world: AuditWorld,
    engine: AsyncEngine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    # Given five sealed entries (batches 1-2, 3-4, 5) and one not sealed yet
    await renames(world, 5)
    await seal_all(world.sessionmaker, batch=2)
    await renames(world, 1)
    entries = await all_entries(world.sessionmaker)
    cli_environment(settings, monkeypatch)
    assert await run_cli("audit-verify") == 0
    capsys.readouterr()
    # When rows are changed, removed or inserted through SQL
    tamper, expected = TAMPERING[kind]
    await tamper(engine, entries)
    # Then `cli.py audit-verify` fails and names the entry or the seal
    assert await run_cli("audit-verify") == 1
    captured = capsys.readouterr()
    assert f"AUDIT PROBLEM: {expected(entries)}" in captured.err, captured.err
    assert "problem(s)." in captured.out


async def test_cutting_off_the_newest_seals_shows_against_a_kept_head(
    world: AuditWorld,
    engine: AsyncEngine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await renames(world, 4)
    await seal_all(world.sessionmaker, batch=2)
    head = (await verify(world.sessionmaker)).head
    # The last batch and its seal removed together leave a consistent, shorter chain...
    await behind_the_back(engine, "DELETE FROM audit_entries WHERE seq >= 3")
    await behind_the_back(engine, "DELETE FROM audit_seals WHERE first_seq = 3")
    assert (await verify(world.sessionmaker)).problems == []
    # ...which the head printed before (and kept elsewhere) exposes.
    cli_environment(settings, monkeypatch)
    assert await run_cli("audit-verify", "--head", head) == 1
    assert f"the recorded head {head} is not in the chain" in capsys.readouterr().err


# --- the PostgreSQL guards -------------------------------------------------------------------


async def _refused(conn: AsyncConnection, statement: str) -> str:
    with pytest.raises(DBAPIError) as refused:
        async with conn.begin():
            await conn.execute(text(statement))
    return str(refused.value)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_refuses_updates_and_deletes_of_the_trail(
    world: AuditWorld, engine: AsyncEngine
) -> None:
    await renames(world, 3)
    await seal_all(world.sessionmaker, batch=2)  # the sealer's one allowed UPDATE works
    await renames(world, 1)
    async with engine.connect() as conn:
        for statement in [
            "UPDATE audit_entries SET action = 'auth.sign_in' WHERE seq = 1",
            "UPDATE audit_entries SET seq = 50 WHERE seq = 1",  # re-sealing a sealed entry
            "UPDATE audit_entries SET seq = 7, action = 'x' WHERE seq IS NULL",
            "DELETE FROM audit_entries WHERE seq = 2",
            "DELETE FROM audit_entries WHERE seq IS NULL",
            "UPDATE audit_seals SET hash = 'x'",
            "UPDATE audit_seals SET purged_at = now()",  # only through audit_purge()
            "DELETE FROM audit_seals",
        ]:
            assert "append-only" in await _refused(conn, statement), statement
    entries = await all_entries(world.sessionmaker)
    assert len(entries) == 4
    assert (await verify(world.sessionmaker)).problems == []


# --- retention -------------------------------------------------------------------------------


async def old_entries(sessionmaker: Maker, company: Company, count: int, at: datetime) -> None:
    """Entries as a service wrote them long ago, sealed then."""
    async with sessionmaker() as session:
        await begin_write(session)
        for n in range(count):
            changes = {"name": (f"old {n}", f"old {n + 1}")}
            audit.record(session, Act.COMPANY_RENAME, audit.SYSTEM, company, changes, now=at)
        await session.commit()
    await seal_all(sessionmaker, batch=count, now=at)


async def test_retention_purges_old_batches_and_the_rest_still_verifies(
    world: AuditWorld,
) -> None:
    now = utcnow()
    await old_entries(world.sessionmaker, world.customer, 3, now - timedelta(days=401))
    await old_entries(world.sessionmaker, world.customer, 2, now - timedelta(days=399))
    await renames(world, 1)
    report = await jobs.run_audit(world.sessionmaker, now=now, retention=timedelta(days=400))
    assert report == jobs.AuditReport(sealed=1, purged=3)
    left = await all_entries(world.sessionmaker)
    assert [e.seq for e in left] == [4, 5, 6, None]  # the purge's own entry, not sealed yet
    purge = left[-1]
    assert (purge.action, purge.actor_kind, purge.company_id) == (
        Act.AUDIT_PURGE,
        "SYSTEM",
        world.platform.id,
    )
    assert purge.changes["entries"] == [None, 3]
    verified = await verify(world.sessionmaker)
    assert verified.problems == []
    assert (verified.seals, verified.purged_seals, verified.entries) == (3, 1, 3)
    # Nothing more is due: a second run deletes nothing and records nothing.
    again = await jobs.run_audit(world.sessionmaker, now=now, retention=timedelta(days=400))
    assert again == jobs.AuditReport(sealed=1, purged=0)


async def test_cli_jobs_purge_by_audit_retention_days(
    world: AuditWorld,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = utcnow()
    await old_entries(world.sessionmaker, world.customer, 2, now - timedelta(days=3))
    await old_entries(world.sessionmaker, world.customer, 1, now - timedelta(hours=12))
    cli_environment(settings, monkeypatch, AUDIT_RETENTION_DAYS="1")
    assert await run_cli("jobs") == 0
    assert "AuditReport(sealed=0, purged=2)" in capsys.readouterr().out
    assert [e.seq for e in await all_entries(world.sessionmaker)] == [3, None]


# --- export ----------------------------------------------------------------------------------


def read_lines(path: Path) -> list[dict[str, Any]]:
    lines = path.read_bytes().splitlines()
    return [orjson.loads(line) for line in lines]


async def test_export_writes_json_lines_by_time_and_subtree(
    world: AuditWorld,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    now = utcnow()
    await old_entries(world.sessionmaker, world.customer, 2, now - timedelta(days=10))
    await old_entries(world.sessionmaker, world.other, 1, now - timedelta(days=10))
    await renames(world, 1, world.neighbour)
    await renames(world, 1, world.other)
    cli_environment(settings, monkeypatch)
    # Everything, oldest first, every column of each entry
    everything = tmp_path / "all.jsonl"
    assert await run_cli("audit-export", "--output", str(everything)) == 0
    assert "Audit export: 5 entries." in capsys.readouterr().err
    rows = read_lines(everything)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert set(rows[0]) == {column.key for column in AuditEntry.__table__.columns}
    assert rows[0]["changes"] == {"name": ["old 0", "old 1"]}
    # The partner's subtree (customer and neighbour, not Other), in the last week
    since = (now - timedelta(days=7)).isoformat()
    until = (now + timedelta(hours=1)).isoformat()
    scoped = tmp_path / "partner.jsonl"
    partner = ["--company", str(world.partner.id), "--since", since, "--until", until]
    assert await run_cli("audit-export", *partner, "--output", str(scoped)) == 0
    (row,) = read_lines(scoped)
    assert (row["company_id"], row["action"]) == (world.neighbour.id, "company.rename")
    # Older than a week, on the partner's subtree: the two old entries of the customer
    older = ["--company", str(world.partner.id), "--until", since, "--output", str(scoped)]
    assert await run_cli("audit-export", *older) == 0
    assert [r["company_id"] for r in read_lines(scoped)] == [world.customer.id] * 2


async def test_export_refuses_bad_arguments(
    world: AuditWorld,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_environment(settings, monkeypatch)
    now = utcnow()
    reversed_range = ["--since", now.isoformat(), "--until", (now - timedelta(days=1)).isoformat()]
    assert await run_cli("audit-export", *reversed_range) == 2
    assert "--since must not be after --until" in capsys.readouterr().err
    assert await run_cli("audit-export", "--company", "999999") == 2
    assert "no company 999999" in capsys.readouterr().err
