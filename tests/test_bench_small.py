"""The benchmark in small (bench/, `make bench`), so that a statement-count regression fails CI.

bench/seed.py bulk-loads a platform of a few thousand rows (300 companies, 900 users, 3,000
devices, about 15,000 ledger entries, 30,000 sealed audit entries) into a database of its own
on the test PostgreSQL server; the W1-W4 and W8 requests of the benchmark then run through
the real app in-process (ASGI transport, authentication and policies included) at 10 rows
and at LARGE rows. The number of SQL statements must not grow with the rows: every per-row
field is batched. The seeded audit trail must pass the verifier, as the sealing job's does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from bench import inprocess, peer, seed
from bench.audit import BENCH_AUDIT_KEY
from bench.fixture import discover, variants
from bench.generate import Sizes
from config import Settings
from models.db import create_engine, create_sessionmaker
from services import audit, audit_seal
from tests.live import require

SCALE = 0.003
LARGE = 200


# PostgreSQL only, by parametrization rather than a skip: the benchmark bulk-loads with COPY.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture(scope="module")
async def bench_url(database_url: str) -> AsyncIterator[str]:
    name = f"fleet_bench_test_{os.getpid()}"
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    await seed.seed(url, SCALE)
    yield url
    await seed.drop_database(url)


async def test_seed_is_consistent(bench_url: str) -> None:
    # the loaded rows keep the ledger's invariants: balances are the sums of their entries
    conn = await asyncpg.connect(**seed.connect_args(bench_url))
    try:
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM credit_balances b LEFT JOIN "
            "(SELECT company_id, sum(amount) AS total FROM ledger_entries GROUP BY 1) e "
            "USING (company_id) WHERE b.balance <> coalesce(e.total, 0)"
        )
        broken_chain = await conn.fetchval(
            "SELECT count(*) FROM (SELECT amount, balance_after, lag(balance_after, 1, 0) "
            "OVER (PARTITION BY company_id ORDER BY id) AS before FROM ledger_entries) e "
            "WHERE e.before + e.amount <> e.balance_after"
        )
        over_quota = await conn.fetchval(
            "SELECT count(*) FROM accounts a JOIN (SELECT account_id, sum(datapoints) AS used "
            "FROM devices WHERE unregistered_at IS NULL GROUP BY 1) d ON d.account_id = a.id "
            "WHERE d.used > a.datapoints"
        )
    finally:
        await conn.close()
    assert (mismatched, broken_chain, over_quota) == (0, 0, 0)


async def test_statement_counts_do_not_grow_with_rows(bench_url: str) -> None:
    # given the seeded platform, as its SUPERADMIN
    fixture = await discover(bench_url)
    # when each workload's request runs at 10 rows and at LARGE rows
    counts = await inprocess.statement_counts(bench_url, fixture, small=10, large=LARGE, repeats=5)
    # then both return what was asked, with no more statements at LARGE rows than at 10
    assert [count.workload for count in counts] == ["W1", "W2", "W3", "W4", "W8"]
    for count in counts:
        assert (count.small_rows, count.large_rows) == (10, LARGE), count.workload
        assert not count.grows, (
            f"{count.workload}: {count.small} statements at 10 rows, {count.large} at "
            f"{LARGE}:\n" + "\n".join(count.statements)
        )


async def test_seeded_audit_trail_verifies(bench_url: str) -> None:
    # given the seeded audit trail, sealed in the sealing job's batches under the bench key
    audit.configure(BENCH_AUDIT_KEY)
    engine = create_engine(bench_url)
    try:
        async with create_sessionmaker(engine)() as session:
            # when the verifier checks its chain, batches, MACs and paths
            report = await audit_seal.verify(session)
            # and again after the sealing job sealed the rest, on from the seeded seals
            sealed = await audit_seal.seal(session)
            await session.commit()
            again = await audit_seal.verify(session)
    finally:
        await engine.dispose()
        audit.configure(Settings().audit_key)
    # then nothing is wrong, all but the entries of the last sealing interval are sealed
    assert report.problems == []
    assert report.entries + report.unsealed == Sizes.scaled(SCALE).audit_entries
    assert 0 < report.unsealed < report.entries / 10
    assert report.seals > 1
    # and the job's next seal continues the seeded chain
    assert sealed == report.unsealed
    assert (again.problems, again.unsealed, again.seals) == ([], 0, report.seals + 1)


async def test_seeded_audit_trail_is_spread_like_production(bench_url: str) -> None:
    # given the seeded audit trail
    conn = await asyncpg.connect(**seed.connect_args(bench_url))
    try:
        per_depth = dict(
            await conn.fetch(
                "SELECT c.depth, count(*)::float / count(DISTINCT c.id) FROM audit_entries e "
                "JOIN companies c ON c.id = e.company_id GROUP BY c.depth"
            )
        )
        busy, other = await conn.fetch(
            "SELECT p.id, count(*) FROM audit_entries e JOIN companies p ON p.depth = 1 "
            "AND e.company_path >= p.path AND e.company_path < left(p.path, -1) || '0' "
            "GROUP BY p.id ORDER BY p.id LIMIT 2"
        )
        actors = dict(await conn.fetch("SELECT actor_kind, count(*) FROM audit_entries GROUP BY 1"))
    finally:
        await conn.close()
    # then a partner writes far more than a company below it, the busy partner's subtree
    # more than another's, and users, jobs and anonymous attempts all act
    assert per_depth[1] > 5 * per_depth[3]
    assert busy[1] > 2 * other[1]
    assert set(actors) == {"USER", "SYSTEM", "ANONYMOUS"}


async def test_postgraphile_lists_the_rows_the_api_lists(bench_url: str, tmp_path: Path) -> None:
    """The peer of `make bench` (bench/peer.py) answers W1-W4 with the API's rows, in order:
    its functions and the reduction of both answers, checked where CI runs."""
    if not peer.BINARY.exists():
        require("bench/postgraphile/node_modules is missing: run `make npm-deps`")
    # given PostGraphile over the seeded platform, with the peer's functions
    fixture = await discover(bench_url)
    await peer.install_functions(bench_url)
    postgraphile = peer.PostGraphile(bench_url, tmp_path)
    try:
        await postgraphile.wait_ready()
        requests = await peer.requests(postgraphile.url, fixture)
        settings = inprocess.bench_settings(bench_url)
        async with inprocess.in_process_app(settings) as (_app, client, _counter):
            token = inprocess.mint_token(settings, fixture.partner_user_id)
            checked = []
            for variant in variants(fixture, 1):
                key = peer.key(variant.name)
                if key is None:
                    continue
                # when both answer the workload's request
                api = {
                    "data": await inprocess.post(client, token, variant.query, variant.variables)
                }
                request = requests[key]
                async with httpx.AsyncClient() as http:
                    answer = (
                        await http.post(
                            postgraphile.url + "/graphql",
                            json={"query": request.query, "variables": request.variables},
                        )
                    ).json()
                # then they list the same rows, and a row out of place would be told
                assert peer.difference(key, api, answer) is None, variant.name
                rows = peer.api_rows(key, api["data"])
                assert rows, variant.name
                checked.append(key)
    finally:
        postgraphile.stop()
    assert checked == ["W1", "W2 first", "W2 last", "W3 first", "W3 deep", "W4"]
