"""Apollo Client's normalized cache (npm, tests/apollo_client) against a live server, set up as
an app would: `relayStylePagination()` on `devices` and `ledgerEntries`, and `possibleTypes`
derived from schema.graphql by tests/apollo_client/possible-types.mjs.

Each list is opened in its middle, read to its end with fetchMore(first/after) and back to its
start with fetchMore(last/before): the one cached list must be the server's, in its order, with
no row twice and none missing. A rename's union result is read through `... on Error` (the
typed error interface), which only `possibleTypes` lets the cache match: the same calls on a
cache without them lose the error's fields. Needs node and `npm ci --prefix tests/apollo_client`
(skipped without them, failed when CI is set).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
from graphql import build_schema, is_abstract_type

import cli
from tests.graphql import gid
from tests.live import live_settings, node_tool, serve

TOOL = Path(__file__).parent / "apollo_client"
SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
EMAIL = "apollo-cache@example.org"
PASSWORD = "lantern orchard copper tide"
DEVICES = 11
PAGE_SIZE = 3


class Api:
    """The seeding client: plain GraphQL over HTTP as the bootstrap SUPERADMIN."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/graphql"
        self.token = ""
        login = self.call(
            "mutation($input: LoginInput!) { login(input: $input) {"
            " ... on AuthPayload { accessToken } } }",
            input={"email": EMAIL, "password": PASSWORD},
        )
        self.token = login["login"]["accessToken"]

    def call(self, document: str, **variables: Any) -> Any:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            self.url, json={"query": document, "variables": variables}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def mutate(self, field: str, payload: str, **data: Any) -> Any:
        result = self.call(
            f"mutation($input: {field[0].upper()}{field[1:]}Input!) {{ {field}(input: $input) {{"
            f" __typename ... on {payload} ... on Error {{ code message }} }} }}",
            input=data,
        )[field]
        assert result["__typename"] == payload.split()[0], result
        return result

    def server_order(self, field: str, company_id: str) -> tuple[list[str], list[str]]:
        """The list's ids and cursors in one page, as the server orders it."""
        page = self.call(
            f"query($c: ID!) {{ {field}(companyId: $c, first: 100) {{"
            " edges { cursor node { id } } pageInfo { hasNextPage } } }",
            c=company_id,
        )[field]
        assert page["pageInfo"]["hasNextPage"] is False
        edges = page["edges"]
        return [e["node"]["id"] for e in edges], [e["cursor"] for e in edges]


def seed(api: Api) -> str:
    """A customer company with credits and devices (so charges too); returns its id."""
    platform = api.call("{ me { company { id } } }")["me"]["company"]["id"]
    company = api.mutate(
        "companyCreate",
        "CompanyPayload { company { id } }",
        parentId=platform,
        name="Apollo Customer",
        countryCode="ES",
    )["company"]["id"]
    for amount in (7, 5, DEVICES):
        api.mutate(
            "creditGrant", "CreditGrantPayload { entry { id } }", companyId=company, amount=amount
        )
    for n in range(DEVICES):
        api.mutate(
            "deviceRegister",
            "DevicePayload { device { id } }",
            companyId=company,
            serialNumber=f"APOLLO-{n:03d}",
            name=f"Meter {n}",
            model="EM-1",
            datapoints=1,
        )
    company_id: str = company
    return company_id


def run_client(node: str, base: str, spec: dict[str, Any]) -> dict[str, Any]:
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(TOOL / "pagination.mjs"), f"{base}/graphql", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {run.returncode})\n{run.stdout}\n{run.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["ok"], report.get("error")
    return report


def expected_pages(ids: list[str]) -> list[dict[str, Any]]:
    """The walk's pages: opened right after the middle row, to the end, then back."""
    opened_after = len(ids) // 2
    after, before = ids[opened_after + 1 :], ids[: opened_after + 1]
    forward = [after[n : n + PAGE_SIZE] for n in range(0, len(after), PAGE_SIZE)]
    backward = [before[max(0, n - PAGE_SIZE) : n] for n in range(len(before), 0, -PAGE_SIZE)]
    return [{"direction": "opened", "ids": forward[0]}] + [
        {"direction": direction, "ids": page}
        for direction, pages in (("forward", forward[1:]), ("backward", backward))
        for page in pages
    ]


def expected_possible_types() -> dict[str, list[str]]:
    schema = build_schema(SCHEMA_FILE.read_text())
    return {
        name: sorted(member.name for member in schema.get_possible_types(type_))
        for name, type_ in sorted(schema.type_map.items())
        if is_abstract_type(type_) and not name.startswith("__")
    }


def test_apollo_cache_pages_both_ways_and_matches_typed_errors(tmp_path: Path) -> None:
    node = node_tool("apollo_client", "@apollo/client")
    settings = live_settings(
        tmp_path, bootstrap_admin_email=EMAIL, bootstrap_admin_password=PASSWORD
    )
    asyncio.run(cli.run_bootstrap(settings))
    with serve(settings) as base:
        api = Api(base)
        company = seed(api)
        orders = {field: api.server_order(field, company) for field in ("devices", "ledgerEntries")}
        device_ids = orders["devices"][0]
        renamed = device_ids[DEVICES // 2]
        spec = {
            "token": api.token,
            "lists": {
                field: {
                    "field": field,
                    "variables": {"companyId": company},
                    # Opened in the middle, as from a link to a row.
                    "startAfter": cursors[len(cursors) // 2],
                    "pageSize": PAGE_SIZE,
                }
                for field, (_, cursors) in orders.items()
            },
            "renames": [
                {"id": renamed, "name": "Roof meter"},
                {"id": renamed, "name": "x" * 500},
                {"id": gid("Device", 999_999), "name": "Ghost"},
            ],
        }
        report = run_client(node, base, spec)

    assert report["possibleTypes"] == expected_possible_types()
    assert "ValidationError" in report["possibleTypes"]["Error"]
    steps = report["steps"]
    for field, (ids, cursors) in orders.items():
        walked = steps[field]
        assert len(ids) == (DEVICES if field == "devices" else DEVICES + 3)
        # One list in the server's order: nothing twice, nothing missing.
        assert walked["ids"] == ids, field
        assert walked["cursors"] == cursors, field
        info = walked["pageInfo"]
        assert (info["hasPreviousPage"], info["hasNextPage"]) == (False, False)
        assert (info["startCursor"], info["endCursor"]) == (cursors[0], cursors[-1])
        # Both ways, really: the pages fetched, forwards to the end, then backwards.
        assert walked["pages"] == expected_pages(ids), field

    ok, too_long, missing = steps["renames"]
    assert [r["error"] for r in steps["renames"]] == [None, None, None]
    assert ok["data"] == {
        "__typename": "DevicePayload",
        "device": {"__typename": "Device", "id": renamed, "name": "Roof meter"},
    }
    assert ok["cached"] == ok["data"]
    # The renamed row changed in the cached list too (one normalized Device).
    after = {row["id"]: row["name"] for row in steps["devicesAfterRenames"]}
    assert after[renamed] == "Roof meter"
    assert len(after) == DEVICES
    assert too_long["data"]["__typename"] == "ValidationError"
    assert too_long["data"]["code"] == "TOO_LONG"
    assert too_long["data"]["field"] == "name"
    assert isinstance(too_long["data"]["maximum"], int)
    assert too_long["data"]["message"]
    assert missing["data"]["__typename"] == "NotFoundError"
    assert missing["data"]["code"] == "NOT_FOUND"
    for result in (too_long, missing):
        # Read back through `... on Error`: the cache matched the interface.
        assert result["cached"] == result["data"]

    # Without possibleTypes the cache cannot tell that ValidationError is an Error: what the
    # app gets (read from the cache) keeps the concrete fragment's fields and loses the rest.
    bare_ok, bare_too_long, bare_missing = steps["renamesWithoutPossibleTypes"]
    assert bare_ok["data"] == ok["data"]
    assert bare_too_long["data"] == {
        "__typename": "ValidationError",
        "maximum": too_long["data"]["maximum"],
    }
    assert bare_missing["data"] == {"__typename": "NotFoundError"}
    for result in (bare_ok, bare_too_long, bare_missing):
        assert result["cached"] == result["data"]
