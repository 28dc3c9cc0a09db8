"""The raw baseline: a bare Starlette app, asyncpg and orjson, answering W1-W4 and W8 with the
same JSON as the GraphQL API from the same rows, with hand-written SQL and no authentication.

It is what the workloads would cost with nothing but a driver and a JSON encoder between the
database and the socket; the benchmark reports the API's latency as a multiple of it.

    BENCH_DATABASE_URL=... uvicorn bench.baseline:create_app --factory --port 8101
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.workloads import (
    accounts_scope,
    audit_scope,
    cursor,
    devices_scope,
    global_id,
    ledger_scope,
    tree_scope,
)

MAX_ID = 2**31 - 1

# The root's path first, then the page with the path range as parameters: what the API does
# too (it authorizes the company first), and the planner sees the range it will scan.
ROOT_SQL = "SELECT path, depth FROM companies WHERE id = $1"

TREE_SQL = """
SELECT c.id, c.name, c.depth - $2::int AS depth, c.country_code, c.path,
       (SELECT count(*) FROM companies k
        WHERE k.parent_id = c.id AND k.archived_at IS NULL) AS children,
       (SELECT count(*) FROM users u WHERE u.company_id = c.id AND u.is_active) AS users,
       (SELECT count(*) FROM devices d
        WHERE d.company_id = c.id AND d.unregistered_at IS NULL) AS devices
FROM companies c
WHERE c.path >= $1 AND c.path < left($1, -1) || '0' AND c.archived_at IS NULL
ORDER BY c.path
LIMIT $3
"""

DEVICES_SQL = """
SELECT d.id, d.serial_number, d.name, d.model, d.datapoints, d.status, d.registered_at,
       d.paid_until, c.id AS company_id, c.name AS company_name,
       a.id AS account_id, a.name AS account_name
FROM devices d
JOIN companies c ON c.id = d.company_id
LEFT JOIN accounts a ON a.id = d.account_id
WHERE c.path >= $1 AND c.path < left($1, -1) || '0'
  AND d.unregistered_at IS NULL AND d.id > $2
ORDER BY d.id
LIMIT $3
"""

LEDGER_SQL = """
SELECT e.id, e.kind, e.amount, e.balance_after, e.created_at, e.reason, e.reference,
       e.transfer_id, u.id AS actor_id, u.name AS actor_name,
       coalesce(uc.path >= $2 AND uc.path < left($2, -1) || '0', false) AS actor_visible
FROM ledger_entries e
LEFT JOIN users u ON u.id = e.actor_id
LEFT JOIN companies uc ON uc.id = u.company_id
WHERE e.company_id = $1 AND e.id < $3
ORDER BY e.id DESC
LIMIT $4
"""

ME_SQL = """
SELECT u.id, u.email, u.name, u.role, c.id AS company_id, c.name AS company_name, c.path,
       (SELECT count(*) FROM companies k
        WHERE k.parent_id = c.id AND k.archived_at IS NULL) AS children,
       (SELECT count(*) FROM companies k
        WHERE k.path > c.path AND k.path < left(c.path, -1) || '0'
          AND k.archived_at IS NULL) AS descendants,
       (SELECT count(*) FROM users x WHERE x.company_id = c.id AND x.is_active) AS users,
       (SELECT count(*) FROM devices d
        WHERE d.company_id = c.id AND d.unregistered_at IS NULL) AS devices,
       coalesce((SELECT b.balance FROM credit_balances b WHERE b.company_id = c.id), 0)
         AS balance
FROM users u JOIN companies c ON c.id = u.company_id
WHERE u.id = $1
"""

ACCOUNTS_SQL = """
SELECT a.id, a.name, a.customer_name, a.datapoints, a.expires_at,
       l.name AS license_name, c.name AS company_name,
       coalesce((SELECT sum(d.datapoints) FROM devices d
                 WHERE d.account_id = a.id AND d.unregistered_at IS NULL), 0) AS used
FROM accounts a
JOIN companies c ON c.id = a.company_id
JOIN licenses l ON l.id = a.license_id
WHERE c.path >= $1 AND c.path < left($1, -1) || '0'
  AND a.state = 'ACTIVE' AND a.expires_at > now()
ORDER BY a.id DESC
LIMIT $2
"""

# The page's entries by the path range copied on each, the actor's user and the company's
# name joined in; whether the reader may see the actor is decided below, as the API does.
AUDIT_SQL = """
SELECT e.id, e.created_at, e.action, e.actor_kind, e.actor_user_id, e.actor_company_path,
       e.actor_role, e.company_id, c.name AS company_name, e.target_type, e.target_id,
       e.changes, e.request_id, e.client_address, e.user_agent, e.operation,
       u.name AS actor_name
FROM audit_entries e
JOIN companies c ON c.id = e.company_id
LEFT JOIN users u ON u.id = e.actor_user_id
WHERE e.company_path >= $1 AND e.company_path < left($1, -1) || '0' AND e.id < $2
ORDER BY e.id DESC
LIMIT $3
"""
# The GraphQL enum value of an action: its dotted name in upper case, `auth.` dropped,
# but for this one.
ACTION_NAMES = {"account.reminder_send": "REMINDER_SEND"}

LOCK_SQL = """
SELECT company_id, balance FROM credit_balances
WHERE company_id = ANY($1::int[]) ORDER BY company_id FOR UPDATE
"""
UPDATE_SQL = """
UPDATE credit_balances
SET balance = balance + CASE WHEN company_id = $1 THEN -$3::int ELSE $3::int END,
    updated_at = now()
WHERE company_id = ANY(ARRAY[$1, $2]::int[])
"""
ENTRIES_SQL = """
INSERT INTO ledger_entries
  (company_id, kind, amount, balance_after, actor_id, created_at, reason, transfer_id)
VALUES ($1, 'MOVE_OUT', -$3::int, $4, $6, now(), '', $7),
       ($2, 'MOVE_IN', $3::int, $5, $6, now(), '', $7)
"""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def json_response(data: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps({"data": data}), status_code=status, media_type="application/json")


def _int(request: Request, name: str, default: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValueError(f"{name} is required")
        return default
    return int(raw)


def _page_info(
    rows: list[Any], first: int, key: str, scope: str
) -> tuple[list[Any], dict[str, Any]]:
    page = rows[:first]
    return page, {
        "hasNextPage": len(rows) > first,
        "endCursor": cursor(page[-1][key], scope=scope) if page else None,
    }


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def tree(request: Request) -> Response:
    first = _int(request, "first")
    async with _pool(request).acquire() as conn:
        root = await conn.fetchrow(ROOT_SQL, _int(request, "company"))
        rows = await conn.fetch(TREE_SQL, root["path"], root["depth"], first + 1)
    page, info = _page_info(rows, first, "path", tree_scope())
    edges = [
        {
            "node": {
                "id": global_id("Company", row["id"]),
                "name": row["name"],
                "depth": row["depth"],
                "countryCode": row["country_code"],
                "counts": {
                    "children": row["children"],
                    "users": row["users"],
                    "devices": row["devices"],
                },
            }
        }
        for row in page
    ]
    return json_response({"companyTree": {"edges": edges, "pageInfo": info}})


async def devices(request: Request) -> Response:
    first = _int(request, "first")
    async with _pool(request).acquire() as conn:
        root = await conn.fetchrow(ROOT_SQL, _int(request, "company"))
        rows = await conn.fetch(DEVICES_SQL, root["path"], _int(request, "after", 0), first + 1)
    scope = devices_scope(global_id("Company", _int(request, "company")))
    page, info = _page_info(rows, first, "id", scope)
    edges = [
        {
            "cursor": cursor(row["id"], scope=scope),
            "node": {
                "id": global_id("Device", row["id"]),
                "serialNumber": row["serial_number"],
                "name": row["name"],
                "model": row["model"],
                "datapoints": row["datapoints"],
                "status": row["status"],
                "registeredAt": iso(row["registered_at"]),
                "paidUntil": iso(row["paid_until"]),
                "company": {
                    "id": global_id("Company", row["company_id"]),
                    "name": row["company_name"],
                },
                "account": None
                if row["account_id"] is None
                else {"id": global_id("Account", row["account_id"]), "name": row["account_name"]},
            },
        }
        for row in page
    ]
    return json_response({"devices": {"edges": edges, "pageInfo": info}})


async def ledger(request: Request) -> Response:
    first = _int(request, "first")
    async with _pool(request).acquire() as conn:
        viewer = await conn.fetchrow(ROOT_SQL, _int(request, "viewer"))
        rows = await conn.fetch(
            LEDGER_SQL,
            _int(request, "company"),
            viewer["path"],
            _int(request, "after", MAX_ID),
            first + 1,
        )
    scope = ledger_scope(global_id("Company", _int(request, "company")))
    page, info = _page_info(rows, first, "id", scope)
    edges = [
        {
            "cursor": cursor(row["id"], scope=scope),
            "node": {
                "id": global_id("LedgerEntry", row["id"]),
                "kind": row["kind"],
                "amount": row["amount"],
                "balanceAfter": row["balance_after"],
                "createdAt": iso(row["created_at"]),
                "reason": row["reason"],
                "reference": row["reference"],
                "transferId": row["transfer_id"],
                "actor": {"id": global_id("User", row["actor_id"]), "name": row["actor_name"]}
                if row["actor_visible"]
                else None,
            },
        }
        for row in page
    ]
    return json_response({"ledgerEntries": {"edges": edges, "pageInfo": info}})


def _action(name: str) -> str:
    return ACTION_NAMES.get(name) or name.removeprefix("auth.").replace(".", "_").upper()


async def audit_events(request: Request) -> Response:
    first = _int(request, "first")
    async with _pool(request).acquire() as conn:
        viewer = await conn.fetchrow(ROOT_SQL, _int(request, "viewer"))
        root = await conn.fetchrow(ROOT_SQL, _int(request, "company"))
        rows = await conn.fetch(AUDIT_SQL, root["path"], _int(request, "after", MAX_ID), first + 1)
    scope = audit_scope(global_id("Company", _int(request, "company")))
    page, info = _page_info(rows, first, "id", scope)
    reader = viewer["path"]
    edges = []
    for row in page:
        path = row["actor_company_path"]
        visible = path is not None and path.startswith(reader)
        hidden_user = row["actor_kind"] == "USER" and not visible
        changes = orjson.loads(row["changes"])
        target = row["target_type"]
        edges.append(
            {
                "cursor": cursor(row["id"], scope=scope),
                "node": {
                    "id": global_id("AuditEntry", row["id"]),  # the API names IDs after models
                    "createdAt": iso(row["created_at"]),
                    "action": _action(row["action"]),
                    "actionName": row["action"],
                    "actorKind": row["actor_kind"],
                    "actorRole": row["actor_role"] if visible else None,
                    "targetType": target,
                    "targetId": None
                    if target is None or row["target_id"] is None
                    else global_id(target, row["target_id"]),
                    "requestId": row["request_id"],
                    "clientAddress": None if hidden_user else row["client_address"],
                    "userAgent": None if hidden_user else row["user_agent"],
                    "operation": row["operation"],
                    "actor": {
                        "id": global_id("User", row["actor_user_id"]),
                        "name": row["actor_name"],
                    }
                    if visible and row["actor_user_id"] is not None
                    else None,
                    "company": {
                        "id": global_id("Company", row["company_id"]),
                        "name": row["company_name"],
                    },
                    "changes": sorted(
                        _change_texts(changes.items()), key=lambda change: change["field"]
                    ),
                },
            }
        )
    return json_response({"auditEvents": {"edges": edges, "pageInfo": info}})


# How the API shows a stored change (schema/types/audit.py), written out again: identifiers
# as global IDs under the API's names, a value made of parts one change per part, as text.
_OBJECTS = {"licenseId": ("license", "License"), "targetAccountId": ("targetAccount", "Account")}
_RENAMED = {"change": "request"}


def _change_texts(items: Any, prefix: str = "") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name, (before, after) in items:
        if isinstance(before, dict) or isinstance(after, dict):
            old, new = before or {}, after or {}
            parts = [(key, (old.get(key), new.get(key))) for key in {*old, *new}]
            found += _change_texts(parts, f"{prefix}{_RENAMED.get(name, name)}.")
            continue
        shown, node_type = _OBJECTS.get(name, (_RENAMED.get(name, name), None))
        found.append(
            {
                "field": prefix + shown,
                "before": _value_text(before, node_type),
                "after": _value_text(after, node_type),
            }
        )
    return found


def _value_text(value: Any, node_type: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if node_type is not None and isinstance(value, int):
        return global_id(node_type, value)
    if isinstance(value, list):
        texts = (_value_text(item, node_type) for item in value)
        return ", ".join(text for text in texts if text is not None)
    return str(value)


async def dashboard(request: Request) -> Response:
    first = _int(request, "first")
    async with _pool(request).acquire() as conn:
        me = await conn.fetchrow(ME_SQL, _int(request, "user"))
        if me is None:
            return json_response({}, 404)
        rows = await conn.fetch(ACCOUNTS_SQL, me["path"], first + 1)
    page, info = _page_info(rows, first, "id", accounts_scope())
    edges = [
        {
            "node": {
                "id": global_id("Account", row["id"]),
                "name": row["name"],
                "customerName": row["customer_name"],
                "datapoints": row["datapoints"],
                "datapointsUsed": row["used"],
                "datapointsLeft": row["datapoints"] - row["used"],
                "expiresAt": iso(row["expires_at"]),
                "license": {"name": row["license_name"]},
                "company": {"name": row["company_name"]},
            }
        }
        for row in page
    ]
    return json_response(
        {
            "me": {
                "id": global_id("User", me["id"]),
                "email": me["email"],
                "name": me["name"],
                "role": me["role"],
                "company": {
                    "id": global_id("Company", me["company_id"]),
                    "name": me["company_name"],
                    "depth": 0,
                    "counts": {
                        "children": me["children"],
                        "descendants": me["descendants"],
                        "users": me["users"],
                        "devices": me["devices"],
                    },
                    "creditBalance": me["balance"],
                },
            },
            "accounts": {"edges": edges, "pageInfo": info},
        }
    )


async def move(request: Request) -> Response:
    """A credit move with the fewest statements that keep the ledger right (no idempotency
    key, no authorization): lock both balances in id order, update them, append two entries."""
    data = orjson.loads(await request.body())
    source, target, amount = int(data["from"]), int(data["to"]), int(data["amount"])
    async with _pool(request).acquire() as conn, conn.transaction():
        locked = {
            row["company_id"]: row["balance"]
            for row in await conn.fetch(LOCK_SQL, [source, target])
        }
        if locked.get(source, 0) < amount or target not in locked:
            return json_response({"creditMove": {"code": "INSUFFICIENT_CREDITS"}})
        after_out, after_in = locked[source] - amount, locked[target] + amount
        transfer = uuid.uuid4().hex
        await conn.execute(UPDATE_SQL, source, target, amount)
        await conn.execute(
            ENTRIES_SQL, source, target, amount, after_out, after_in, int(data["actor"]), transfer
        )
    return json_response(
        {
            "creditMove": {
                "transferId": transfer,
                "outEntry": {"balanceAfter": after_out},
                "inEntry": {"balanceAfter": after_in},
            }
        }
    )


async def health(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def create_app(url: str | None = None) -> Starlette:
    parsed = make_url(url or os.environ["BENCH_DATABASE_URL"])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database=parsed.database,
            # As the API's connections (models/db.py): a custom plan for each execution.
            server_settings={"plan_cache_mode": "force_custom_plan"},
            min_size=2,
            max_size=20,
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/tree", tree),
            Route("/devices", devices),
            Route("/ledger", ledger),
            Route("/dashboard", dashboard),
            Route("/audit", audit_events),
            Route("/move", move, methods=["POST"]),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )
