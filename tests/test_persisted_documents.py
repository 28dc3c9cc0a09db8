"""Persisted documents, through Apollo Client from npm (tests/apollo_client) against a live
server: automatic persisted queries (unknown hash -> PersistedQueryNotFound -> the link sends
the document and registers it; then hash-only requests, by GET too), and the allowlist mode
(only the documents `cli.py allowlist` built from the client's operations run; anything else is
DOCUMENT_NOT_ALLOWED). Needs node and `npm ci --prefix tests/apollo_client` (skipped without
them, failed when CI is set). Protocol details over HTTP without Node are in
test_persisted_protocol.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import cli
from tests.live import live_settings, node_tool, serve

TOOL = Path(__file__).parent / "apollo_client"
EMAIL = "apollo-admin@example.org"
PASSWORD = "violet staple orbit canyon"


def run_client(node: str, mode: str, base: str) -> dict[str, Any]:
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(TOOL / "client.mjs"), mode, f"{base}/graphql", EMAIL, PASSWORD],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {run.returncode})\n{run.stdout}\n{run.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["ok"], report.get("error")
    return report


def bootstrapped(tmp_path: Path, **overrides: object) -> Any:
    settings = live_settings(
        tmp_path, bootstrap_admin_email=EMAIL, bootstrap_admin_password=PASSWORD, **overrides
    )
    asyncio.run(cli.run_bootstrap(settings))
    return settings


def signed_in(step: dict[str, Any]) -> None:
    assert step["codes"] == []
    assert step["data"]["login"]["user"] == {
        "__typename": "User",
        "email": EMAIL,
        "role": "SUPERADMIN",
    }


ME = {"__typename": "User", "email": EMAIL, "role": "SUPERADMIN"}


def test_apollo_link_falls_back_registers_and_then_sends_hashes_only(tmp_path: Path) -> None:
    node = node_tool("apollo_client", "@apollo/client")
    with serve(bootstrapped(tmp_path)) as base:
        report = run_client(node, "apq", base)
    steps, requests = report["steps"], report["requests"]
    signed_in(steps["signIn"])
    signed_in(steps["signInAgain"])
    for name in ("me", "meByGet"):
        assert steps[name]["codes"] == []
        assert steps[name]["data"]["me"] == {
            **ME,
            "company": {"__typename": "Company", "name": "Platform"},
        }
    assert steps["otherByGet"]["data"]["me"] == {"__typename": "User", "email": EMAIL}

    shape = [(r["operation"], r["method"], r["sentDocument"], r["codes"]) for r in requests]
    assert shape == [
        # Unknown hash: the protocol's answer, then the document with its hash (registered).
        ("SignIn", "POST", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("SignIn", "POST", True, []),
        ("Me", "POST", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("Me", "POST", True, []),
        # Known now: the hash alone, by GET for a query, by POST for a mutation.
        ("Me", "GET", False, []),
        ("SignIn", "POST", False, []),
        ("Other", "GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("Other", requests[-1]["method"], True, []),
    ]
    assert all(r["hash"] for r in requests)


def test_allowlist_runs_only_the_clients_operations(tmp_path: Path) -> None:
    node = node_tool("apollo_client", "@apollo/client")
    allowlist = tmp_path / "allowlist.json"
    sources = sorted((TOOL / "operations").glob("*.graphql"))
    assert cli.write_allowlist(allowlist, sources, add_typename=True) == 0
    with serve(bootstrapped(tmp_path, document_allowlist=allowlist)) as base:
        report = run_client(node, "allowlist", base)
    steps, requests = report["steps"], report["requests"]
    signed_in(steps["signIn"])
    assert steps["me"]["codes"] == []
    assert steps["other"] == {"data": None, "codes": ["DOCUMENT_NOT_ALLOWED"]}
    shape = [(r["operation"], r["sentDocument"], r["codes"]) for r in requests]
    # The client's own hashes match the built list: no fallback, no document sent.
    assert shape == [
        ("SignIn", False, []),
        ("Me", False, []),
        ("Other", False, ["DOCUMENT_NOT_ALLOWED"]),
    ]
