"""The GraphQL-over-HTTP conformance audit (graphql-http's `serverAudits`) against the real server.

The app is served by uvicorn on a loopback port and audited by tests/http_audit/audit.mjs,
which fails on any MUST or SHOULD audit that does not pass (MAY audits are only reported).
Needs Node and `npm ci --prefix tests/http_audit`; without them the test is skipped, or fails
when CI is set.

Runs once, on SQLite, whatever the backend parametrization of the other tests.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import live_settings, node_tool, serve

AUDIT_SCRIPT = Path(__file__).parent / "http_audit" / "audit.mjs"
AUDIT_TIMEOUT = 180.0


@pytest.fixture
def node() -> str:
    return node_tool("http_audit", "graphql-http")


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    # graphiql on: the browser page must not get in the way of API GETs.
    with serve(live_settings(tmp_path, graphiql=True)) as base:
        yield f"{base}/graphql"


def _summary(stdout: str) -> dict[str, Any] | None:
    """The audit script's last line: its JSON summary (None if it died before printing it)."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                summary: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                return None
            return summary if summary.get("summary") else None
    return None


# `node` first: a missing toolchain is reported before the server is started for nothing.
def test_graphql_over_http_audit(node: str, server_url: str) -> None:
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(AUDIT_SCRIPT), server_url],
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT,
        check=False,
    )
    print(run.stdout)  # the per-audit table, shown by pytest -s or on failure
    summary = _summary(run.stdout)
    assert summary is not None, (
        f"the audit script printed no summary (exit {run.returncode})\n"
        f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    )
    failures = "\n".join(
        f"  {f['status']} {f['id']} {f['name']}: {f.get('reason')} "
        f"(HTTP {f.get('httpStatus')}) {f.get('body') or ''}"
        for f in summary["failures"]
    )
    assert summary["passed"], (
        f"GraphQL-over-HTTP audits failed (graphql-http {summary['graphqlHttp']}):\n{failures}"
    )
    assert run.returncode == 0, f"audit exited {run.returncode}\nstderr:\n{run.stderr}"
    counts = summary["counts"]
    for level in ("MUST", "SHOULD"):
        # Also guards against an audit run that silently checked nothing.
        assert counts[level]["total"] > 0, counts
        assert counts[level]["ok"] == counts[level]["total"], counts
