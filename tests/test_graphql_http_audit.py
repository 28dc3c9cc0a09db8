"""The GraphQL-over-HTTP conformance audit (graphql-http's `serverAudits`) against the real server.

The app is served by uvicorn on a loopback port and audited by tests/http_audit/audit.mjs,
which fails on any MUST or SHOULD audit that does not pass (MAY audits are only reported).
Needs Node and `npm ci --prefix tests/http_audit`; without them the test is skipped, or fails
when CI is set.

Runs once, on SQLite, whatever the backend parametrization of the other tests.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import cli
from config import Settings
from server import create_app

AUDIT_DIR = Path(__file__).parent / "http_audit"
AUDIT_SCRIPT = AUDIT_DIR / "audit.mjs"
STARTUP_TIMEOUT = 20.0
AUDIT_TIMEOUT = 180.0


@pytest.fixture
def node() -> str:
    """The Node binary, with the audit's packages installed; skip (fail under CI) otherwise."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "`node` is not on PATH (Node 18+ is needed for the GraphQL-over-HTTP audit)"
    elif not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        missing = "tests/http_audit/node_modules is missing: run `npm ci --prefix tests/http_audit`"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} (required because CI is set)")
        pytest.skip(missing)
    assert node is not None
    return node


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """The app served by uvicorn in a background thread; yields the /graphql URL."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}",
        data_dir=tmp_path,
        jwt_key="audit-test-key-" + "x" * 40,
        graphiql=True,  # the browser page must not get in the way of API GETs
    )
    cli.migrate(settings)
    # Bound here and handed to uvicorn, so no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                pytest.fail("uvicorn exited during startup (see the captured log)")
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start within {STARTUP_TIMEOUT:.0f}s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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
