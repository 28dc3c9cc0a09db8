"""The customer portal end to end in a real browser: headless Chromium (Debian's `chromium`,
driven by playwright-core from tests/browser; axe-core from portal/'s packages) against a live
server that sends its mail to a real SMTP server on loopback, with every request outside the
server blocked. tests/browser/portal.mjs does the clicking; this test checks its report.

An administrator signs in, builds a child and a grandchild, renames, is shown why an archive is
blocked, archives; then an invitation (sent through the API: the invite screen comes later) is
accepted from the link in the mail actually received, and the new USER sees no action button.
Every screen opens with at most one GraphQL request, has no serious or critical axe violation
and no horizontal overflow at 375 px or 1440 px. Screenshots go to PORTAL_SCREENSHOTS when set
(`make portal-screenshots` refreshes docs/portal), to the test's folder otherwise. Needs node,
`make npm-deps` and chromium: skipped without them, failed when CI is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

import cli
from config import own_portal_url
from tests.live import free_port, live_settings, node_tool, require, serve
from tests.smtp import SmtpServer, links

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "tests" / "browser" / "portal.mjs"
AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"
EMAIL = "portal-admin@example.org"
PASSWORD = "violet staple orbit canyon"
INVITEE = "marta@hotelsol.example"
INVITEE_PASSWORD = "lantern orchard velvet compass"
INSPECTED = (
    "sign-in",
    "company-tree",
    "company",
    "profile",
    "forgot-password",
    "reset-password",
)


def _run(node: str, browser: str, phase: str, base: str, args: dict[str, Any]) -> dict[str, Any]:
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [node, str(SCRIPT), phase, base, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "CHROMIUM": browser},
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {run.returncode})\n{run.stdout}\n{run.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["ok"], f"{report.get('error')}\nsteps: {report['steps']}"
    return report


def _graphql(base: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
    ).json()
    assert "errors" not in answer, answer
    return answer["data"]


def _invite(base: str, company_id: str) -> None:
    signed_in = _graphql(
        base,
        "mutation($input: LoginInput!) { login(input: $input) {"
        " ... on AuthPayload { accessToken } } }",
        {"input": {"email": EMAIL, "password": PASSWORD}},
    )
    invited = _graphql(
        base,
        "mutation($input: UserInviteInput!) { userInvite(input: $input) { __typename } }",
        {"input": {"companyId": company_id, "email": INVITEE, "role": "USER", "name": "M."}},
        token=signed_in["login"]["accessToken"],
    )
    assert invited["userInvite"]["__typename"] == "InvitationPayload"


def _check_screens(report: dict[str, Any], screens: tuple[str, ...]) -> None:
    assert report["blocked"] == []  # nothing outside the server was even asked for
    assert report["csp"] == []
    assert report["consoleErrors"] == []
    for screen in screens:
        assert report["axe"][screen] == [], f"{screen}: {report['axe'][screen]}"
        assert report["overflow"][screen] == {"1440": 0, "375": 0}, screen


def test_the_portal_end_to_end(tmp_path: Path) -> None:
    node = node_tool("browser", "playwright-core")
    require(None if AXE.is_file() else "portal/node_modules is missing: run `make npm-deps`")
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium")
    require(None if browser else "`chromium` is not installed (apt-get install -y chromium)")
    assert browser is not None
    screenshots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path / "screens")
    screenshots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    smtp = SmtpServer().start()
    try:
        settings = smtp.configure(
            live_settings(
                tmp_path,
                bootstrap_admin_email=EMAIL,
                bootstrap_admin_password=PASSWORD,
                # What Settings.from_env gives a server on this port with APP_BASE_URL unset.
                app_base_url=own_portal_url("127.0.0.1", port),
                mail_poll_seconds=0.2,
            )
        )
        asyncio.run(cli.run_bootstrap(settings))
        common = {"screenshots": str(screenshots), "axe": str(AXE)}
        with serve(settings, port) as base:
            admin = _run(
                node, browser, "admin", base, {**common, "email": EMAIL, "password": PASSWORD}
            )
            company_id = unquote(admin["texts"]["hotelSolPath"].rsplit("/", 1)[1])
            _invite(base, company_id)
            mails = asyncio.run(smtp.wait_for(2, timeout=15))  # the reset asked for, the invitation
            [link] = [u for m in mails for u in links(m) if "/accept-invitation?" in u]
            invitee = _run(
                node,
                browser,
                "invitee",
                base,
                {
                    **common,
                    "link": link,
                    "email": INVITEE,
                    "name": "Marta Ruiz",
                    "password": INVITEE_PASSWORD,
                    "newPassword": "harbour quilt meadow sparrow",
                    "company": "Hotel Sol",
                },
            )
    finally:
        smtp.stop()

    # The mail's link is the portal's own page, served by this server.
    assert link.startswith(f"{base}/portal/accept-invitation?token=")
    assert urlparse(link).netloc == urlparse(base).netloc

    texts = admin["texts"]
    assert texts["signInUrl"] == "/portal/sign-in"
    assert texts["emptySignIn"] == ["Required.", "Required."]
    assert texts["emptySignInSent"] == 0
    assert texts["badCountry"] == ["Two letters (ISO 3166-1), e.g. ES."]
    assert texts["badCountrySent"] == 0
    assert texts["breadcrumb"].split("\n")[0] == "Platform"
    assert texts["emptyRename"] == ["Required."]
    assert texts["blockers"] == ["CHILDREN: it still has companies under it: archive them first"]
    assert texts["searchResults"] == ["Sol Norte Playa ES"]
    assert texts["childrenAfterArchive"] == []  # archived companies are not listed
    assert "Empresas" in texts["spanishNav"]
    assert texts["expiredUrl"].startswith("/portal/sign-in?next=%2Fcompanies%2F")
    assert "Your session has ended" in texts["expiredNotice"]
    assert texts["backTo"] == texts["hotelSolPath"]
    assert texts["signedOut"] == "You have signed out."
    assert texts["storedAfterSignOut"] is None
    assert EMAIL in texts["resetSent"]
    assert texts["resetRefused"] == "This link has expired or was already used. Ask for a new one."
    # The platform's administrator may rename and add to its own company, not archive it.
    assert admin["buttons"]["admin"] == ["Rename", "Search", "Create"]

    # One GraphQL request when a screen opens (none for a form that needs no data); signing in
    # is the mutation and the first screen's query.
    opened = admin["opened"]
    assert opened["sign-in"] == []
    assert opened["company-tree"] == ["PortalSignIn", "PortalCompanyHome"]
    for screen in ("company", "grandchild", "company-again"):
        assert opened[screen] == ["PortalCompany"], (screen, opened[screen])
    assert opened["after-archive"] == ["PortalCompanyArchive", "PortalCompany"]  # the parent
    assert opened["profile"] == ["PortalProfile"]
    assert opened["forgot-password"] == []
    assert opened["reset-password"] == []
    _check_screens(admin, INSPECTED)

    assert invitee["opened"]["accept-invitation"] == []
    assert invitee["opened"]["invitee-company"] == ["PortalAcceptInvitation", "PortalCompanyHome"]
    assert invitee["opened"]["invitee-profile"] == ["PortalProfile"]
    # A USER: no rename, archive or create; only the search (and the header's sign-out, outside
    # the screen).
    assert invitee["buttons"]["invitee"] == ["Search"]
    assert invitee["texts"]["createForms"] == 0
    found = invitee["texts"]
    assert found["commonPassword"] == "Too common: choose a password that is harder to guess."
    assert INVITEE in found["inviteeFacts"]
    assert "User" in found["inviteeFacts"]
    assert found["inviteeName"] == "Marta Ruiz"
    assert found["nameSaved"] == "Saved."
    assert found["wrongCurrent"] == "That is not your current password."
    assert invitee["steps"][-1] == "signed in with the new password"
    _check_screens(invitee, ("accept-invitation", "user-company"))
    for name in ("sign-in", "company-tree", "company", "accept-invitation", "user-company"):
        for width in (1440, 375):
            assert (screenshots / f"{name}-{width}.png").stat().st_size > 5_000
