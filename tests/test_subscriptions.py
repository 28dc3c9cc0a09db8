"""Subscriptions through a real socket (graphql-transport-ws), on SQLite and PostgreSQL.

A live server (uvicorn in a thread) serves the app; the world is written by factories and
changed through the HTTP API, as clients would; a small protocol client reads what the
server sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets

from config import Settings
from models.company import Company
from models.user import Role, User
from tests.factories import PASSWORD, Factory
from tests.graphql import cid, gid
from tests.live import WSClient, serve, ws_client

_serials = itertools.count(1)

CREDIT = """subscription S($c: ID, $after: String) {
  creditBalanceEvents(companyId: $c, after: $after) {
    cursor kind amount balance occurredAt company { id } entry { amount balanceAfter } } }"""
DEVICES = """subscription S($c: ID, $d: Boolean, $after: String) {
  deviceEvents(companyId: $c, includeDescendants: $d, after: $after) {
    cursor kind status name company { id } device { serialNumber } } }"""


@dataclass
class World:
    url: str
    http: httpx.AsyncClient
    factory: Factory
    platform: Company
    partner: Company
    customer: Company
    sibling: Company
    desk: User
    partner_admin: User
    customer_admin: User
    customer_user: User

    def token(self, user: User) -> str:
        return self.factory.token(user)

    async def call(self, query: str, variables: dict[str, Any], user: User) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {self.token(user)}"},
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def grant(self, company: Company, amount: int) -> None:
        data = await self.call(
            "mutation G($i: CreditGrantInput!) { creditGrant(input: $i) { __typename } }",
            {"i": {"companyId": cid(company), "amount": amount}},
            self.desk,
        )
        assert data["creditGrant"]["__typename"] == "CreditGrantPayload", data

    async def register(self, company: Company, user: User) -> str:
        data = await self.call(
            "mutation R($i: DeviceRegisterInput!) { deviceRegister(input: $i) {"
            " __typename ... on DevicePayload { device { id } } } }",
            {
                "i": {
                    "companyId": cid(company),
                    "serialNumber": f"SUB-{next(_serials):06d}",
                    "name": "Meter",
                    "model": "EM-1",
                    "datapoints": 5,
                }
            },
            user,
        )
        assert data["deviceRegister"]["__typename"] == "DevicePayload", data
        return str(data["deviceRegister"]["device"]["id"])

    async def change_role(self, user: User, role: Role, by: User) -> None:
        data = await self.call(
            "mutation C($i: UserChangeRoleInput!) { userChangeRole(input: $i) { __typename } }",
            {"i": {"id": gid("User", user.id), "role": role.value}},
            by,
        )
        assert data["userChangeRole"]["__typename"] == "UserPayload", data


async def build_world(factory: Factory, url: str, http: httpx.AsyncClient) -> World:
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    sibling = await factory.company(platform, name="Sibling")
    return World(
        url=url,
        http=http,
        factory=factory,
        platform=platform,
        partner=partner,
        customer=customer,
        sibling=sibling,
        desk=await factory.user(platform, Role.SUPERADMIN),
        partner_admin=await factory.user(partner, Role.SUPERADMIN),
        customer_admin=await factory.user(customer, Role.ADMINISTRATOR),
        customer_user=await factory.user(customer, Role.USER),
    )


@pytest.fixture
async def world(migrated: Settings, factory: Factory) -> AsyncIterator[World]:
    settings = dataclasses.replace(migrated, ws_init_timeout=1.0, ws_queue_size=5)
    with serve(settings) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield await build_world(factory, url, http)


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e["extensions"]["code"] for e in errors]


async def error_of(client: WSClient, sid: str) -> list[str]:
    message = await client.receive()
    assert message["type"] == "error", message
    assert message["id"] == sid, message
    return codes(message["payload"])


# --- what subscribers receive ---------------------------------------------------------------


async def test_a_grant_reaches_the_subscriber_of_the_company_balance(world: World) -> None:
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        sid = await client.subscribe(CREDIT, {"c": cid(world.customer)})
        await asyncio.sleep(0.2)  # subscribed before the change
        await world.grant(world.customer, 5)
        event = (await client.next_payload(sid))["data"]["creditBalanceEvents"]
        assert event["kind"] == "GRANT"
        assert (event["amount"], event["balance"]) == (5, 5)
        assert event["entry"] == {"amount": 5, "balanceAfter": 5}
        assert event["company"] == {"id": cid(world.customer)}
        assert event["cursor"]


async def test_device_events_follow_the_subtree_and_never_leave_the_scope(world: World) -> None:
    await world.grant(world.customer, 5)
    await world.grant(world.sibling, 5)
    sibling_admin = await world.factory.user(world.sibling, Role.ADMINISTRATOR)
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        subtree = await client.subscribe(DEVICES, {})  # own company, descendants by default
        await asyncio.sleep(0.2)
        await world.register(world.sibling, sibling_admin)  # another branch: never shown
        device = await world.register(world.customer, world.customer_admin)
        event = (await client.next_payload(subtree))["data"]["deviceEvents"]
        assert (event["kind"], event["status"]) == ("REGISTERED", "ACTIVE")
        assert event["company"] == {"id": cid(world.customer)}
        assert event["device"]["serialNumber"].startswith("SUB-")
        await client.nothing_within(0.5)
        assert device


async def test_without_descendants_only_the_company_itself(world: World) -> None:
    await world.grant(world.customer, 5)
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        sid = await client.subscribe(DEVICES, {"d": False})
        await asyncio.sleep(0.2)
        await world.register(world.customer, world.customer_admin)
        await client.nothing_within(0.6)
        assert sid


# --- opening: NOT_FOUND, FORBIDDEN, bad arguments -------------------------------------------


async def test_out_of_scope_and_unknown_companies_are_not_found(world: World) -> None:
    async with ws_client(world.url, world.token(world.customer_admin)) as client:
        parent = await client.subscribe(CREDIT, {"c": cid(world.partner)})
        assert await error_of(client, parent) == ["NOT_FOUND"]
        unknown = await client.subscribe(CREDIT, {"c": gid("Company", 999_999)})
        assert await error_of(client, unknown) == ["NOT_FOUND"]
        malformed = await client.subscribe(CREDIT, {"c": "nonsense"})
        assert await error_of(client, malformed) == ["INVALID_ID"]


async def test_error_messages_follow_the_connections_language(world: World) -> None:
    token = world.token(world.customer_user)
    # The upgrade request's Accept-Language, or connection_init's acceptLanguage over it
    async with ws_client(world.url, token, accept_language="es-ES, fr;q=0.5") as spanish:
        sid = await spanish.subscribe(CREDIT, {})
        [refusal] = (await spanish.receive())["payload"]
        assert (sid, refusal["extensions"]["code"]) == ("1", "FORBIDDEN")
        assert refusal["message"] == "Su rol no permite esta acción"
    async with ws_client(world.url, accept_language="es", ack=False) as french:
        payload = {"authorization": f"Bearer {token}", "acceptLanguage": "fr"}
        await french.send({"type": "connection_init", "payload": payload})
        assert (await french.receive())["type"] == "connection_ack"
        await french.subscribe(CREDIT, {})
        [refusal] = (await french.receive())["payload"]
        assert refusal["extensions"]["code"] == "FORBIDDEN"
        assert refusal["message"] == "Votre rôle ne permet pas cette action"


async def test_a_role_that_may_not_read_the_stream_is_forbidden(world: World) -> None:
    async with ws_client(world.url, world.token(world.customer_user)) as client:
        sid = await client.subscribe(CREDIT, {})
        assert await error_of(client, sid) == ["FORBIDDEN"]
        allowed = await client.subscribe(DEVICES, {})  # USER reads devices
        await client.nothing_within(0.3)
        assert allowed


async def test_cursors_that_are_not_ours_or_too_old_are_typed_errors(world: World) -> None:
    from datetime import UTC, datetime

    from services.events import Cursor, Position

    old = Cursor(Position(0, 1), datetime.now(UTC) - timedelta(hours=25)).encode()
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        expired = await client.subscribe(CREDIT, {"after": old})
        assert await error_of(client, expired) == ["CURSOR_EXPIRED"]
        garbage = await client.subscribe(CREDIT, {"after": "not-a-cursor"})
        assert await error_of(client, garbage) == ["INVALID_CURSOR"]


async def test_queries_and_mutations_are_not_run_over_the_socket(world: World) -> None:
    async with ws_client(world.url, world.token(world.desk)) as client:
        sid = await client.subscribe(
            'mutation { creditGrant(input: {companyId: "x", amount: 1}) { __typename } }'
        )
        assert (await client.receive())["type"] == "error"
        query = await client.subscribe("{ me { id } }")
        assert (await client.receive())["id"] == query
        assert sid


async def test_the_depth_limit_applies_to_subscription_documents(world: World) -> None:
    deep = "company { " * 14 + "id" + " }" * 14
    nested = deep.replace("company {", "parent {").replace("parent {", "company {", 1)
    document = f"subscription {{ deviceEvents {{ {nested} }} }}"
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        sid = await client.subscribe(document)
        assert await error_of(client, sid) == ["GRAPHQL_VALIDATION_FAILED"]


# --- resume ---------------------------------------------------------------------------------


async def test_resuming_with_a_cursor_replays_what_was_missed_then_goes_on_live(
    world: World,
) -> None:
    token = world.token(world.partner_admin)
    async with ws_client(world.url, token) as client:
        sid = await client.subscribe(CREDIT, {"c": cid(world.customer)})
        await asyncio.sleep(0.2)
        await world.grant(world.customer, 1)
        cursor = (await client.next_payload(sid))["data"]["creditBalanceEvents"]["cursor"]
    # Disconnected: two changes happen meanwhile.
    await world.grant(world.customer, 2)
    await world.grant(world.customer, 3)
    async with ws_client(world.url, token) as client:
        sid = await client.subscribe(CREDIT, {"c": cid(world.customer), "after": cursor})
        replayed = [
            (await client.next_payload(sid))["data"]["creditBalanceEvents"]["amount"]
            for _ in range(2)
        ]
        assert replayed == [2, 3]
        await world.grant(world.customer, 4)
        live = (await client.next_payload(sid))["data"]["creditBalanceEvents"]
        assert live["amount"] == 4
        await client.nothing_within(0.4)  # nothing twice


# --- access changes, token expiry -----------------------------------------------------------


async def test_a_role_change_ends_the_subscriptions_and_the_connection(world: World) -> None:
    async with ws_client(world.url, world.token(world.customer_admin)) as client:
        sid = await client.subscribe(CREDIT, {})
        await asyncio.sleep(0.2)
        await world.change_role(world.customer_admin, Role.USER, by=world.partner_admin)
        payload = await client.next_payload(sid)
        assert codes(payload["errors"]) == ["ACCESS_CHANGED"]
        assert (await client.receive()) == {"type": "complete", "id": sid}
        code, _ = await client.closed()
        assert code == 4401
        # Not delivered afterwards either: the role may no longer read credits.
    async with ws_client(world.url, world.token(world.customer_admin)) as client:
        again = await client.subscribe(CREDIT, {})
        assert await error_of(client, again) == ["FORBIDDEN"]


async def _ended_by_access_change(client: WSClient, sid: str) -> None:
    payload = await client.next_payload(sid)
    assert codes(payload["errors"]) == ["ACCESS_CHANGED"]
    assert (await client.receive()) == {"type": "complete", "id": sid}
    assert (await client.closed())[0] == 4401


async def test_a_deactivation_ends_the_subscriptions_and_the_connection(world: World) -> None:
    async with ws_client(world.url, world.token(world.customer_admin)) as client:
        sid = await client.subscribe(DEVICES, {})
        await asyncio.sleep(0.2)
        data = await world.call(
            "mutation D($i: UserDeactivateInput!) { userDeactivate(input: $i) { __typename } }",
            {"i": {"id": gid("User", world.customer_admin.id)}},
            world.partner_admin,
        )
        assert data["userDeactivate"]["__typename"] == "UserPayload"
        await _ended_by_access_change(client, sid)


async def test_a_password_change_ends_the_subscriptions_of_every_connection(
    world: World,
) -> None:
    token = world.token(world.customer_admin)
    async with ws_client(world.url, token) as first, ws_client(world.url, token) as second:
        one = await first.subscribe(DEVICES, {})
        two = await second.subscribe(CREDIT, {})
        await asyncio.sleep(0.2)
        data = await world.call(
            "mutation P($i: PasswordChangeInput!) { passwordChange(input: $i) { __typename } }",
            {"i": {"currentPassword": PASSWORD, "newPassword": "a brand new long passphrase"}},
            world.customer_admin,
        )
        assert data["passwordChange"]["__typename"] == "AuthPayload"
        await _ended_by_access_change(first, one)
        await _ended_by_access_change(second, two)


async def test_a_logout_ends_only_the_connections_of_that_session(world: World) -> None:
    user = world.customer_admin
    response = await world.http.post(
        "/graphql",
        json={
            "query": "mutation L($i: LoginInput!) { login(input: $i) {"
            " ... on AuthPayload { accessToken refreshToken } } }",
            "variables": {"i": {"email": user.email, "password": PASSWORD}},
        },
    )
    pair = response.json()["data"]["login"]
    async with (
        ws_client(world.url, pair["accessToken"]) as signed_in,
        ws_client(world.url, world.token(user)) as elsewhere,
    ):
        ending = await signed_in.subscribe(DEVICES, {})
        staying = await elsewhere.subscribe(DEVICES, {})
        await asyncio.sleep(0.2)
        response = await world.http.post(
            "/graphql",
            json={
                "query": "mutation O($i: LogoutInput!) { logout(input: $i) { __typename } }",
                "variables": {"i": {"refreshToken": pair["refreshToken"]}},
            },
        )
        assert response.json()["data"]["logout"]["__typename"] == "OkPayload"
        await _ended_by_access_change(signed_in, ending)
        await elsewhere.nothing_within(0.5)  # the user's other session goes on
        await world.grant(world.customer, 5)  # a device needs credits
        await world.register(world.customer, user)
        payload = await elsewhere.next_payload(staying)
        assert payload["data"]["deviceEvents"]["kind"] == "REGISTERED"


async def test_nothing_sent_over_the_socket_changes_data(world: World) -> None:
    """A mutation sent as a subscription is refused; the balance stays as it was."""
    async with ws_client(world.url, world.token(world.desk)) as client:
        sid = await client.subscribe(
            "mutation G($i: CreditGrantInput!) { creditGrant(input: $i) { __typename } }",
            {"i": {"companyId": cid(world.customer), "amount": 5}},
        )
        assert (await client.receive())["id"] == sid
    data = await world.call(
        "query B($c: ID!) { node(id: $c) { ... on Company { creditBalance } } }",
        {"c": cid(world.customer)},
        world.desk,
    )
    assert data["node"]["creditBalance"] == 0


async def test_an_expired_access_token_closes_the_connection_with_4401(
    migrated: Settings, factory: Factory
) -> None:
    settings = dataclasses.replace(migrated, access_token_ttl=timedelta(seconds=2))
    with serve(settings) as url:
        company = await factory.company()
        user = await factory.user(company, Role.ADMINISTRATOR)
        token = Factory(factory.sessionmaker, settings).token(user)
        async with ws_client(url, token) as client:
            await client.subscribe(CREDIT, {})
            code, reason = await client.closed(wait=6)
            assert code == 4401
            assert reason is not None
            assert "expired" in reason.lower()


# --- the protocol ---------------------------------------------------------------------------


async def test_the_protocol_rules(world: World) -> None:
    token = world.token(world.partner_admin)
    async with ws_client(world.url, token) as client:
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}
        sid = await client.subscribe(DEVICES, {}, sid="same")
        await client.subscribe(DEVICES, {}, sid="same")
        assert (await client.closed())[0] == 4409
        assert sid
    async with ws_client(world.url, token) as client:
        await client.send({"type": "connection_init"})
        assert (await client.closed())[0] == 4429
    async with ws_client(world.url, token) as client:
        await client.connection.send("{not json")
        assert (await client.closed())[0] == 4400
    async with ws_client(world.url, ack=False) as client:
        await client.subscribe(DEVICES, {})
        assert (await client.closed())[0] == 4401
    async with ws_client(world.url, ack=False) as client:
        assert (await client.closed(wait=3))[0] == 4408  # no connection_init in time
    async with ws_client(world.url, ack=False) as client:
        await client.send(
            {"type": "connection_init", "payload": {"authorization": "Bearer forged.token"}}
        )
        assert (await client.closed())[0] == 4401


async def test_the_legacy_subprotocol_and_foreign_origins_are_refused(world: World) -> None:
    async with ws_client(world.url, subprotocol="graphql-ws", ack=False) as client:
        assert (await client.closed())[0] == 4406
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with ws_client(world.url, origin="https://evil.example", ack=False):
            pass
    assert refused.value.response.status_code == 403
    host = world.url.removeprefix("http://")
    async with ws_client(world.url, world.token(world.desk), origin=f"http://{host}"):
        pass  # the server's own pages (GraphiQL) may connect


async def test_subscriptions_per_connection_are_limited(
    migrated: Settings, factory: Factory
) -> None:
    settings = dataclasses.replace(migrated, ws_max_subscriptions=2, ws_max_connections_per_user=1)
    with serve(settings) as url:
        company = await factory.company()
        user = await factory.user(company, Role.ADMINISTRATOR)
        token = factory.token(user)
        async with ws_client(url, token) as client:
            await client.subscribe(DEVICES, {})
            await client.subscribe(DEVICES, {})
            third = await client.subscribe(DEVICES, {})
            assert await error_of(client, third) == ["TOO_MANY_SUBSCRIPTIONS"]
            async with ws_client(url, ack=False) as second:
                await second.send(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
                assert (await second.closed())[0] == 4429


async def test_the_cost_budget_applies_to_subscription_documents(
    migrated: Settings, factory: Factory
) -> None:
    settings = dataclasses.replace(migrated, cost_budget=2)
    with serve(settings) as url:
        company = await factory.company()
        user = await factory.user(company, Role.ADMINISTRATOR)
        async with ws_client(url, factory.token(user)) as client:
            sid = await client.subscribe(DEVICES, {})
            message = await client.receive()
            assert message["type"] == "error", message
            assert message["id"] == sid
            [error] = message["payload"]
            assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert error["extensions"]["budget"] == 2
            assert error["extensions"]["cost"] > 2


# --- metrics ------------------------------------------------------------------------------


def _sample(text: str, name: str) -> float:
    """One sample's value from /metrics (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_connections_subscriptions_and_delivered_events(
    world: World,
) -> None:
    async def scrape() -> str:
        response = await world.http.get("/metrics")
        assert response.status_code == 200
        return response.text

    before = await scrape()
    async with ws_client(world.url, world.token(world.partner_admin)) as client:
        sid = await client.subscribe(CREDIT, {"c": cid(world.customer)})
        await asyncio.sleep(0.2)
        await world.grant(world.customer, 5)
        await client.next_payload(sid)
        during = await scrape()
    await asyncio.sleep(0.2)  # the server sees the close
    after = await scrape()
    connections, subscriptions = "fleet_ws_connections", 'fleet_subscriptions{topic="CREDIT"}'
    delivered = 'fleet_subscription_events_total{topic="CREDIT"}'
    assert _sample(during, connections) == _sample(before, connections) + 1
    assert _sample(during, subscriptions) == _sample(before, subscriptions) + 1
    assert _sample(during, delivered) == _sample(before, delivered) + 1
    assert _sample(after, connections) == _sample(before, connections)
    assert _sample(after, subscriptions) == _sample(before, subscriptions)
