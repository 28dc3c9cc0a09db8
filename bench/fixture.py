"""The seeded rows the workloads use, found in the database, and the W1-W4 and W8 requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from bench import seed as seeding
from bench import workloads as w

PAGE = 100
LEDGER_PAGE = 1_000


@dataclass(frozen=True)
class Fixture:
    partner_id: int  # the busy partner: W1-W4, W8
    partner_user_id: int  # its SUPERADMIN, who runs W1-W4 and W6
    partner_email: str
    mover_partner_id: int  # W5: another partner, so the busy ledger stays as seeded
    mover_user_id: int
    mover_email: str
    mover_customers: list[int]
    platform_user_id: int
    platform_email: str
    subtree_size: int
    devices_last_after: int  # the cursor key of the last page of the partner's devices
    ledger_entries: int
    ledger_page: int  # the deepest page W3 reads (1,000 at full size)
    ledger_page_after: int | None
    audit_entries: int  # in the busy partner's subtree: W8
    audit_page: int  # the deepest page W8 reads (1,000 at full size)
    audit_page_after: int | None


async def connect(url: str) -> Any:
    return await asyncpg.connect(**seeding.connect_args(url))


async def discover(url: str) -> Fixture:
    conn = await connect(url)
    try:
        partners = [
            row["id"]
            for row in await conn.fetch("SELECT id FROM companies WHERE depth = 1 ORDER BY id")
        ]
        partner, mover = partners[0], partners[1]

        async def superadmin(company_id: int) -> tuple[int, str]:
            row = await conn.fetchrow(
                "SELECT id, email FROM users WHERE company_id = $1 AND role = 'SUPERADMIN' "
                "AND is_active ORDER BY id LIMIT 1",
                company_id,
            )
            return int(row["id"]), str(row["email"])

        path = await conn.fetchval("SELECT path FROM companies WHERE id = $1", partner)
        upper = path[:-1] + "0"
        size = await conn.fetchval(
            "SELECT count(*) FROM companies WHERE path >= $1 AND path < $2", path, upper
        )
        devices = await conn.fetchval(
            "SELECT count(*) FROM devices d JOIN companies c ON c.id = d.company_id "
            "WHERE c.path >= $1 AND c.path < $2 AND d.unregistered_at IS NULL",
            path,
            upper,
        )
        last_after = await conn.fetchval(
            "SELECT d.id FROM devices d JOIN companies c ON c.id = d.company_id "
            "WHERE c.path >= $1 AND c.path < $2 AND d.unregistered_at IS NULL "
            "ORDER BY d.id OFFSET $3 LIMIT 1",
            path,
            upper,
            max(0, devices - PAGE - 1),
        )
        entries = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE company_id = $1", partner
        )
        page = max(2, min(LEDGER_PAGE, entries // PAGE))
        page_after = await conn.fetchval(
            "SELECT id FROM ledger_entries WHERE company_id = $1 ORDER BY id DESC "
            "OFFSET $2 LIMIT 1",
            partner,
            (page - 1) * PAGE - 1,
        )
        audit_entries = await conn.fetchval(
            "SELECT count(*) FROM audit_entries WHERE company_path >= $1 AND company_path < $2",
            path,
            upper,
        )
        audit_page = max(2, min(LEDGER_PAGE, audit_entries // PAGE))
        audit_page_after = await conn.fetchval(
            "SELECT id FROM audit_entries WHERE company_path >= $1 AND company_path < $2 "
            "ORDER BY id DESC OFFSET $3 LIMIT 1",
            path,
            upper,
            (audit_page - 1) * PAGE - 1,
        )
        customers = [
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM companies WHERE parent_id = $1 ORDER BY id", mover
            )
        ]
        platform_user = await conn.fetchrow(
            "SELECT u.id, u.email FROM users u JOIN companies c ON c.id = u.company_id "
            "WHERE c.parent_id IS NULL AND u.role = 'SUPERADMIN' ORDER BY u.id LIMIT 1"
        )
        partner_user, mover_user = await superadmin(partner), await superadmin(mover)
        return Fixture(
            partner_id=partner,
            partner_user_id=partner_user[0],
            partner_email=partner_user[1],
            mover_partner_id=mover,
            mover_user_id=mover_user[0],
            mover_email=mover_user[1],
            mover_customers=customers,
            platform_user_id=platform_user["id"],
            platform_email=platform_user["email"],
            subtree_size=size,
            devices_last_after=last_after or 0,
            ledger_entries=entries,
            ledger_page=page,
            ledger_page_after=page_after,
            audit_entries=audit_entries,
            audit_page=audit_page,
            audit_page_after=audit_page_after,
        )
    finally:
        await conn.close()


@dataclass
class Variant:
    name: str
    query: str
    variables: dict[str, Any]
    baseline_path: str
    iterations: int


def variants(fixture: Fixture, iterations: int) -> list[Variant]:
    partner = w.global_id("Company", fixture.partner_id)
    ledger_after = (
        w.cursor(fixture.ledger_page_after, scope=w.ledger_scope(partner))
        if fixture.ledger_page_after
        else None
    )
    devices_after = w.cursor(fixture.devices_last_after, scope=w.devices_scope(partner))
    audit_after = (
        w.cursor(fixture.audit_page_after, scope=w.audit_scope(partner))
        if fixture.audit_page_after
        else None
    )
    base_audit = f"/audit?company={fixture.partner_id}&viewer={fixture.partner_id}&first={PAGE}"
    base_ledger = f"/ledger?company={fixture.partner_id}&viewer={fixture.partner_id}&first={PAGE}"
    return [
        Variant(
            f"W1 subtree ({fixture.subtree_size:,} companies)",
            w.TREE,
            {"first": 5000},
            f"/tree?company={fixture.partner_id}&first=5000",
            max(20, iterations // 4),
        ),
        Variant(
            "W2 devices, first page",
            w.DEVICES,
            {"companyId": partner, "first": PAGE, "after": None},
            f"/devices?company={fixture.partner_id}&first={PAGE}",
            iterations,
        ),
        Variant(
            "W2 devices, last page",
            w.DEVICES,
            {"companyId": partner, "first": PAGE, "after": devices_after},
            f"/devices?company={fixture.partner_id}&first={PAGE}"
            f"&after={fixture.devices_last_after}",
            iterations,
        ),
        Variant(
            "W3 ledger, page 1",
            w.LEDGER,
            {"companyId": partner, "first": PAGE, "after": None},
            base_ledger,
            iterations,
        ),
        Variant(
            f"W3 ledger, page {fixture.ledger_page:,}",
            w.LEDGER,
            {"companyId": partner, "first": PAGE, "after": ledger_after},
            base_ledger + f"&after={fixture.ledger_page_after}",
            iterations,
        ),
        Variant(
            "W4 dashboard",
            w.DASHBOARD,
            {"first": PAGE},
            f"/dashboard?user={fixture.partner_user_id}&first={PAGE}",
            iterations,
        ),
        Variant(
            "W8 audit trail of the subtree, page 1",
            w.AUDIT,
            {"companyId": partner, "first": PAGE, "after": None},
            base_audit,
            iterations,
        ),
        Variant(
            f"W8 audit trail of the subtree, page {fixture.audit_page:,}",
            w.AUDIT,
            {"companyId": partner, "first": PAGE, "after": audit_after},
            base_audit + f"&after={fixture.audit_page_after}",
            iterations,
        ),
    ]
