"""The peer of `make bench`: PostGraphile 4.14, an auto-generated GraphQL API, over the same
seeded database, answering W1-W4 with the same rows in the same order.

PostGraphile runs as a user choosing it would run it: its CLI with default settings, no
authentication, the `public` schema exposed (bench/postgraphile, pinned in its lock file and
installed by the benchmark when npm is present). Only the query log is turned off, as in any
deployment: it prints every statement. What the workloads need beyond the tables' own fields
and relations is in bench/postgraphile/peer.sql (subtree functions and the counts as computed
columns), installed before measuring.

Its answers cannot be the API's JSON (its IDs and cursors are its own), so `rows` reduces each
side's answer to the database rows it lists, in order, and the benchmark compares those before
measuring, as it compares the raw baseline's JSON.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.engine import make_url

from bench.fixture import PAGE, Fixture, connect
from bench.load import Process, free_port

HERE = Path(__file__).resolve().parent / "postgraphile"
PEER_SQL = HERE / "peer.sql"
BINARY = HERE / "node_modules" / ".bin" / "postgraphile"

TREE = """
query Tree($root: Int!, $first: Int!) {
  peerCompanySubtree(rootId: $root, first: $first) {
    nodes { id name depth countryCode childrenCount usersCount devicesCount }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DEVICES = """
query Devices($root: Int!, $afterId: Int!, $first: Int!) {
  peerSubtreeDevices(rootId: $root, afterId: $afterId, first: $first) {
    nodes {
      id serialNumber name model datapoints status registeredAt paidUntil
      companyByCompanyId { id name }
      accountByAccountId { id name }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LEDGER = """
query Ledger($company: Int!, $first: Int!, $after: Cursor) {
  allLedgerEntries(
    condition: {companyId: $company}, orderBy: ID_DESC, first: $first, after: $after
  ) {
    edges {
      cursor
      node {
        id kind amount balanceAfter createdAt reason reference transferId
        userByActorId { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DASHBOARD = """
query Dashboard($user: Int!, $root: Int!, $first: Int!) {
  userById(id: $user) {
    id email name role
    companyByCompanyId {
      id name depth childrenCount descendantsCount usersCount devicesCount creditBalance
    }
  }
  peerActiveAccounts(rootId: $root, first: $first) {
    nodes {
      id name customerName datapoints datapointsUsed expiresAt
      licenseByLicenseId { name }
      companyByCompanyId { name }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# A cursor of PostGraphile's own for W3's deep page: asked of it once, by offset.
LEDGER_CURSOR = """
query LedgerCursor($company: Int!, $offset: Int!) {
  allLedgerEntries(condition: {companyId: $company}, orderBy: ID_DESC, first: 1, offset: $offset) {
    edges { cursor }
  }
}
"""


def available() -> bool:
    return BINARY.exists() or shutil.which("npm") is not None


def install_package() -> None:
    """`npm ci` from the lock file, unless node_modules is newer than the lock."""
    marker = HERE / "node_modules" / ".package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= (HERE / "package-lock.json").stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install PostGraphile (bench/postgraphile)")
    subprocess.run(  # noqa: S603 - npm from PATH, our own folder
        [npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"],
        check=True,
    )


async def install_functions(url: str) -> None:
    conn = await connect(url)
    try:
        await conn.execute(PEER_SQL.read_text())
    finally:
        await conn.close()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as PostGraphile's (node-postgres) connection string."""
    parsed = make_url(url).set(drivername="postgres")
    return parsed.render_as_string(hide_password=False)


class PostGraphile(Process):
    """The PostGraphile CLI on a loopback port, its output in `logs`, stopped by its pid."""

    def __init__(self, url: str, logs: Path) -> None:
        self.name = "postgraphile"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = logs / "postgraphile.log"
        argv = [str(BINARY), "--connection", libpq_url(url), "--schema", "public"]
        argv += ["--host", "127.0.0.1", "--port", str(self.port), "--disable-query-log"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - the pinned CLI
                argv,
                cwd=HERE,
                env={**os.environ, "NODE_ENV": "production"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"PostGraphile exited: see {self.log}")
                with contextlib.suppress(aiohttp.ClientError):
                    body = {"query": "{ __typename }"}
                    async with client.post(self.url + "/graphql", json=body) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.3)
        raise RuntimeError(f"PostGraphile did not start within {within:.0f} s: see {self.log}")


@dataclass(frozen=True)
class PeerRequest:
    """What PostGraphile is asked for one variant of a workload."""

    query: str
    variables: dict[str, Any]


async def requests(peer_url: str, fixture: Fixture) -> dict[str, PeerRequest]:
    """PostGraphile's request for each variant, by the variant's workload key (see `key`)."""
    root, company = fixture.partner_id, fixture.partner_id
    ledger_after = None
    if fixture.ledger_page_after is not None:
        offset = (fixture.ledger_page - 1) * PAGE - 1
        async with aiohttp.ClientSession() as client:
            body = {"query": LEDGER_CURSOR, "variables": {"company": company, "offset": offset}}
            async with client.post(peer_url + "/graphql", json=body) as response:
                answer = await response.json()
        ledger_after = answer["data"]["allLedgerEntries"]["edges"][0]["cursor"]
    return {
        "W1": PeerRequest(TREE, {"root": root, "first": 5000}),
        "W2 first": PeerRequest(DEVICES, {"root": root, "afterId": 0, "first": PAGE}),
        "W2 last": PeerRequest(
            DEVICES, {"root": root, "afterId": fixture.devices_last_after, "first": PAGE}
        ),
        "W3 first": PeerRequest(LEDGER, {"company": company, "first": PAGE, "after": None}),
        "W3 deep": PeerRequest(LEDGER, {"company": company, "first": PAGE, "after": ledger_after}),
        "W4": PeerRequest(
            DASHBOARD, {"user": fixture.partner_user_id, "root": root, "first": PAGE}
        ),
    }


def key(variant_name: str) -> str | None:
    """The peer's request key of a benchmark variant (bench/fixture.variants), or None."""
    if variant_name.startswith("W1"):
        return "W1"
    if variant_name.startswith("W2"):
        return "W2 first" if "first" in variant_name else "W2 last"
    if variant_name.startswith("W3"):
        return "W3 first" if variant_name.split(", ")[-1] == "page 1" else "W3 deep"
    if variant_name.startswith("W4"):
        return "W4"
    return None


def _pk(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().rsplit(":", 1)[1])


def api_rows(variant_key: str, data: dict[str, Any]) -> list[Any]:
    """The rows the API's (or the raw baseline's) answer lists, in order, as plain values."""
    if variant_key == "W1":
        nodes = [edge["node"] for edge in data["companyTree"]["edges"]]
        return [
            (
                _pk(n["id"]),
                n["name"],
                n["countryCode"],
                n["counts"]["children"],
                n["counts"]["users"],
                n["counts"]["devices"],
            )
            for n in nodes
        ]
    if variant_key.startswith("W2"):
        return [
            (
                _pk(n["id"]),
                n["serialNumber"],
                n["name"],
                n["datapoints"],
                n["status"],
                _pk(n["company"]["id"]),
                n["company"]["name"],
                n["account"] and (_pk(n["account"]["id"]), n["account"]["name"]),
            )
            for n in (edge["node"] for edge in data["devices"]["edges"])
        ]
    if variant_key.startswith("W3"):
        return [
            (
                _pk(n["id"]),
                n["kind"],
                n["amount"],
                n["balanceAfter"],
                n["reason"],
                n["reference"],
                n["transferId"] and str(n["transferId"]),
            )
            for n in (edge["node"] for edge in data["ledgerEntries"]["edges"])
        ]
    me = data["me"]
    counts = me["company"]["counts"]
    accounts = [
        (_pk(n["id"]), n["name"], n["datapoints"], n["datapointsUsed"], n["license"]["name"])
        for n in (edge["node"] for edge in data["accounts"]["edges"])
    ]
    return [
        (
            _pk(me["id"]),
            me["email"],
            _pk(me["company"]["id"]),
            counts["children"],
            counts["descendants"],
            counts["users"],
            counts["devices"],
            me["company"]["creditBalance"],
        ),
        *accounts,
    ]


def peer_rows(variant_key: str, data: dict[str, Any]) -> list[Any]:
    """The same reduction of PostGraphile's answer."""
    if variant_key == "W1":
        return [
            (
                n["id"],
                n["name"],
                n["countryCode"],
                n["childrenCount"],
                n["usersCount"],
                n["devicesCount"],
            )
            for n in data["peerCompanySubtree"]["nodes"]
        ]
    if variant_key.startswith("W2"):
        return [
            (
                n["id"],
                n["serialNumber"],
                n["name"],
                n["datapoints"],
                n["status"],
                n["companyByCompanyId"]["id"],
                n["companyByCompanyId"]["name"],
                n["accountByAccountId"]
                and (n["accountByAccountId"]["id"], n["accountByAccountId"]["name"]),
            )
            for n in data["peerSubtreeDevices"]["nodes"]
        ]
    if variant_key.startswith("W3"):
        return [
            (
                n["id"],
                n["kind"],
                n["amount"],
                n["balanceAfter"],
                n["reason"],
                n["reference"],
                n["transferId"] and str(n["transferId"]),
            )
            for n in (edge["node"] for edge in data["allLedgerEntries"]["edges"])
        ]
    user = data["userById"]
    company = user["companyByCompanyId"]
    accounts = [
        (n["id"], n["name"], n["datapoints"], n["datapointsUsed"], n["licenseByLicenseId"]["name"])
        for n in data["peerActiveAccounts"]["nodes"]
    ]
    return [
        (
            user["id"],
            user["email"],
            company["id"],
            company["childrenCount"],
            company["descendantsCount"],
            company["usersCount"],
            company["devicesCount"],
            company["creditBalance"],
        ),
        *accounts,
    ]


def difference(variant_key: str, api: dict[str, Any], peer: dict[str, Any]) -> str | None:
    """None when both answers list the same rows in the same order, else the first difference."""
    if "errors" in peer:
        return f"PostGraphile answered errors: {peer['errors']}"
    left, right = api_rows(variant_key, api["data"]), peer_rows(variant_key, peer["data"])
    if len(left) != len(right):
        return f"{len(left)} rows against PostGraphile's {len(right)}"
    for index, (a, b) in enumerate(zip(left, right, strict=True)):
        if json.dumps(a, default=str) != json.dumps(b, default=str):
            return f"row {index}: {a!r} against PostGraphile's {b!r}"
    return None
