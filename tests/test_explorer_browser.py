"""The GraphiQL explorer in a real browser: headless Chromium (Debian's `chromium`, driven by
playwright-core from tests/browser) with every request outside the server blocked, signs in
from the page, runs a query, and runs it again after the access token's lifetime (the page
renews the token itself), then runs a subscription that shows a grant's event. Needs node,
`npm ci --prefix tests/browser` and chromium: skipped without them, failed when CI is set.

The screenshot goes to EXPLORER_SCREENSHOT when set (that is how docs/explorer.png is made),
to the test's temporary folder otherwise.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import cli
from tests.live import live_settings, node_tool, require, serve

SCRIPT = Path(__file__).parent / "browser" / "explorer.mjs"
EMAIL = "explorer-admin@example.org"  # not the default: the page must show the configured one
PASSWORD = "violet staple orbit canyon"


def test_explorer_signs_in_and_queries_offline(tmp_path: Path) -> None:
    node = node_tool("browser", "playwright-core")
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium")
    require(None if browser else "`chromium` is not installed (apt-get install -y chromium)")
    assert browser is not None
    settings = live_settings(
        tmp_path,
        bootstrap_admin_email=EMAIL,
        bootstrap_admin_password=PASSWORD,
        access_token_ttl=timedelta(seconds=2),
    )
    asyncio.run(cli.run_bootstrap(settings))
    screenshot = Path(os.environ.get("EXPLORER_SCREENSHOT") or tmp_path / "explorer.png")
    with serve(settings) as base:
        run = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [node, str(SCRIPT), base, EMAIL, PASSWORD, str(screenshot)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "CHROMIUM": browser},
        )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {run.returncode})\n{run.stdout}\n{run.stderr}"
    report = json.loads(lines[-1])
    assert report["ok"], report.get("error")

    assert report["blocked"] == []  # nothing outside the server was even asked for
    assert report["csp"] == []
    assert report["consoleErrors"] == []
    assert report["prefilledEmail"] == EMAIL
    assert EMAIL in report["editorAtStart"]
    assert report["signedInAs"] == f"Signed in as {EMAIL} (SUPERADMIN)"
    assert set(report["storedSession"]) >= {"accessToken", "refreshToken"}
    me = {"email": EMAIL, "role": "SUPERADMIN", "company": {"name": "Platform"}}
    assert report["answers"] == [{"data": {"me": me}}, {"data": {"me": me}}]
    # GraphiQL ran a subscription over the WebSocket and showed the grant's event.
    assert report["grant"] == "CreditGrantPayload"
    event = {"kind": "GRANT", "amount": 7, "balance": 7}
    assert report["streamed"] == {"data": {"creditBalanceEvents": event}}

    requests = report["requests"]
    paths = {r["path"] for r in requests}
    assert "/static/graphiql/graphiql.min.js" in paths
    assert "/static/explorer/explorer.js" in paths
    operations = [r["operation"] for r in requests if r["operation"]]
    assert operations.count("ExplorerSignIn") == 1
    assert operations.count("ExplorerRefresh") >= 1  # the page renewed the token
    # Every query after the sign-in carried a token, never the same one twice in a row across
    # a renewal: the admin copied nothing.
    queries = [r for r in requests if r["operation"] is None and r["path"] == "/graphql"]
    signed = [r["authorization"] for r in queries if r["authorization"]]
    assert len(signed) >= 2
    assert len(set(signed)) >= 2
    assert screenshot.stat().st_size > 10_000
