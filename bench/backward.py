"""Backward keyset pages cost what forward ones do: page 1 and page N of a partner's
ledger read from either end, through the real app in-process, timed (median of
`--repeats`), with the query plan of each page (an index scan, never a sort of the list).

    python -m bench.backward --scale 0.05   # seeds BENCH_DATABASE_URL first
    python -m bench.backward --reuse         # an already seeded database
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from bench import inprocess, seed
from bench import workloads as w
from bench.fixture import PAGE, connect, discover

LEDGER = """
query Ledger($companyId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  ledgerEntries(companyId: $companyId, first: $first, after: $after, last: $last,
                before: $before) {
    edges { cursor node { id kind amount balanceAfter createdAt reason } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _key_at(url: str, company_id: int, offset: int, *, descending: bool) -> int:
    """The id of the ledger entry `offset` rows from the newest (or the oldest) end."""
    conn = await connect(url)
    try:
        order = "DESC" if descending else "ASC"
        value = await conn.fetchval(
            f"SELECT id FROM ledger_entries WHERE company_id = $1 ORDER BY id {order} "  # noqa: S608 - a constant
            "OFFSET $2 LIMIT 1",
            company_id,
            offset,
        )
        plans: list[str] = []
        for label, sql in (
            ("forwards", "WHERE company_id = $1 AND id < $2 ORDER BY id DESC LIMIT 51"),
            ("backwards", "WHERE company_id = $1 AND id > $2 ORDER BY id ASC LIMIT 51"),
        ):
            rows = await conn.fetch(
                f"EXPLAIN SELECT id FROM ledger_entries {sql}",  # noqa: S608 - constants
                company_id,
                value,
            )
            plans.append(f"{label}: " + " | ".join(row[0].strip() for row in rows))
        print("\n".join(plans))
        return int(value)
    finally:
        await conn.close()


async def measure(url: str, page: int, repeats: int) -> list[tuple[str, float, int]]:
    fixture = await discover(url)
    page = min(page, fixture.ledger_page)  # as deep as the seeded ledger goes
    partner = w.global_id("Company", fixture.partner_id)
    scope = w.ledger_scope(partner)
    deep = (page - 1) * PAGE
    newest_after = await _key_at(url, fixture.partner_id, deep - 1, descending=True)
    oldest_before = await _key_at(url, fixture.partner_id, deep - 1, descending=False)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("page 1 (first)", {"first": PAGE}),
        (
            f"page {page:,} (first/after)",
            {"first": PAGE, "after": w.cursor(newest_after, scope=scope)},
        ),
        ("page 1 from the end (last)", {"last": PAGE}),
        (
            f"page {page:,} from the end (last/before)",
            {"last": PAGE, "before": w.cursor(oldest_before, scope=scope)},
        ),
    ]
    settings = inprocess.bench_settings(url, max_rows=PAGE)
    token = inprocess.mint_token(settings, fixture.partner_user_id)
    results: list[tuple[str, float, int]] = []
    async with inprocess.in_process_app(settings) as (_, client, counter):
        for label, paging in cases:
            variables = {"companyId": partner, **paging}
            await inprocess.post(client, token, LEDGER, variables)  # warm up
            times: list[float] = []
            for _ in range(repeats):
                counter.count = 0
                started = time.perf_counter()
                data = await inprocess.post(client, token, LEDGER, variables)
                times.append((time.perf_counter() - started) * 1000)
                assert len(data["ledgerEntries"]["edges"]) == PAGE, label
            results.append((label, statistics.median(times), counter.count))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    url = seed.database_url()
    if not args.reuse:
        asyncio.run(seed.seed(url, args.scale))
    for label, ms, statements in asyncio.run(measure(url, args.page, args.repeats)):
        print(f"{label:42} {ms:7.2f} ms median, {statements} statements")


if __name__ == "__main__":
    main()
