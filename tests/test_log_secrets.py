"""No secret reaches the logs: a real server process (`cli.py run`, JSON logs at DEBUG, the
production setup) serves sign-in, refresh, `me`, logout and an invitation accepted by its
invitee; then its whole output is searched for every token and password it issued or
received. The JSON lines are parsed too, so the test knows it read real log lines."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.mail import OutboxMessage
from tests.graphql import LOGIN, REFRESH, GraphQLClient, mutate, mutation, union
from tests.processes import ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess, server_env
from tests.test_invitations import ACCEPT, INVITE, token_in

INVITEE = "log.secrets.invitee@example.com"
INVITEE_PASSWORD = "copper lantern meadow 97"
WRONG_PASSWORD = "not the password at all 11"
LOGOUT = mutation("logout", union("OkPayload { ok }"))
ME = "query Me { me { id email company { id } } }"


async def _invitation_token(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> str:
    async with sessionmaker() as session:
        mail = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.to_address == INVITEE, OutboxMessage.kind == "invitation"
                )
            )
        ).one()
    return token_in(mail.body_text, settings.app_base_url, "/accept-invitation")


async def test_a_live_servers_logs_hold_none_of_the_tokens_and_passwords_it_handled(
    app: Any, migrated: Settings, tmp_path: Path
) -> None:
    # Given a server process writing JSON logs at DEBUG, on the suite's database
    env = server_env(
        migrated.database_url,
        tmp_path,
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
        APP_BASE_URL=migrated.app_base_url,
    )
    server = ServerProcess("secrets", env, tmp_path)
    secrets: dict[str, str] = {
        "admin password": ADMIN_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "invitee password": INVITEE_PASSWORD,
    }
    try:
        await asyncio.to_thread(server.wait_ready)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            client = GraphQLClient(http, migrated)
            # When it serves a failed and a good sign-in, me, refresh and logout
            refused = await mutate(
                client, LOGIN, "login", {"email": ADMIN_EMAIL, "password": WRONG_PASSWORD}
            )
            assert refused["__typename"] != "AuthPayload", refused
            signed = await mutate(
                client, LOGIN, "login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            assert signed["__typename"] == "AuthPayload", signed
            secrets["access token"] = signed["accessToken"]
            secrets["refresh token"] = signed["refreshToken"]
            me = (await client(ME, token=signed["accessToken"])).data["me"]
            assert me["email"] == ADMIN_EMAIL
            renewed = await mutate(
                client, REFRESH, "tokenRefresh", {"refreshToken": signed["refreshToken"]}
            )
            assert renewed["__typename"] == "AuthPayload", renewed
            secrets["refreshed access token"] = renewed["accessToken"]
            secrets["refreshed refresh token"] = renewed["refreshToken"]
            # (a password in a GET query string: the access line keeps the path only)
            leaky = await http.get(
                "/graphql",
                params={"query": ME, "variables": json.dumps({"password": ADMIN_PASSWORD})},
                headers={"authorization": f"Bearer {renewed['accessToken']}"},
            )
            assert leaky.status_code == 200, leaky.text
            # And an invitation, accepted by the invitee with the link's token
            invited = await mutate(
                client,
                INVITE,
                "userInvite",
                {"companyId": me["company"]["id"], "email": INVITEE, "role": "USER"},
                renewed["accessToken"],
            )
            assert invited["__typename"] == "InvitationPayload", invited
            link_token = await _invitation_token(app.state.sessionmaker, migrated)
            secrets["invitation token"] = link_token
            accepted = await mutate(
                client,
                ACCEPT,
                "invitationAccept",
                {"token": link_token, "password": INVITEE_PASSWORD},
            )
            assert accepted["__typename"] == "AuthPayload", accepted
            secrets["invitee access token"] = accepted["accessToken"]
            secrets["invitee refresh token"] = accepted["refreshToken"]
            for refresh_token in (renewed["refreshToken"], accepted["refreshToken"]):
                out = await mutate(client, LOGOUT, "logout", {"refreshToken": refresh_token})
                assert out == {"__typename": "OkPayload", "ok": True}, out
    finally:
        assert server.terminate() == 0, server.output()

    output = server.output()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    # Then the logs are there: the access lines of those requests, with their fields
    access = [line for line in lines if line.get("logger") == "fleet.access"]
    operations = {line.get("operation") for line in access}
    assert {"Run", "Me"} <= operations, operations
    assert all(line.get("request_id") for line in access)
    # And none of the secrets is in them, nor any part of a token long enough to matter
    for name, secret in secrets.items():
        assert secret not in output, f"the {name} is in the server's log"
        # A JWT's payload and signature on their own (its header is the same for all)
        for part in secret.split(".")[1:]:
            if len(part) >= 16:
                assert part not in output, f"part of the {name} is in the server's log"
    assert "bearer " not in output.lower()
