"""Subscriptions as real deployments see them: the npm `graphql-ws` client (required in CI),
and several server processes on one PostgreSQL database (a change through one reaches the
subscribers of the other; kill -9 of one loses its clients nothing)."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import Settings
from models.user import Role
from tests.factories import Factory
from tests.graphql import cid
from tests.live import ServerProcess, free_port, node_tool, serve, start_process, ws_client
from tests.test_subscriptions import CREDIT, World, build_world

CLIENT_DIR = Path(__file__).parent / "ws_client"


@pytest.fixture
def node() -> str:
    return node_tool("ws_client", "graphql-ws")


class NodeSubscriber:
    """tests/ws_client/subscribe.mjs running: its printed lines, as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self, wait: float = 10.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=wait)
        assert raw, "the graphql-ws client exited early"
        line: dict[str, Any] = json.loads(raw)
        return line


async def node_subscriber(
    node: str, url: str, token: str, variables: dict[str, Any], count: int
) -> NodeSubscriber:
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENT_DIR / "subscribe.mjs"),
        url.replace("http://", "ws://") + "/graphql",
        token,
        CREDIT,
        json.dumps(variables),
        str(count),
        stdout=asyncio.subprocess.PIPE,
    )
    subscriber = NodeSubscriber(process)
    assert await subscriber.line() == {"connected": True}
    await asyncio.sleep(0.3)  # the subscribe message reaches the server
    return subscriber


@pytest.fixture
async def world(migrated: Settings, factory: Factory) -> AsyncIterator[World]:
    with serve(migrated) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield await build_world(factory, url, http)


async def test_graphql_ws_subscribes_receives_completes_and_resumes(
    node: str, world: World
) -> None:
    token = world.token(world.partner_admin)
    variables = {"c": cid(world.customer)}
    first = await node_subscriber(node, world.url, token, variables, count=1)
    await world.grant(world.customer, 1)
    result = await first.line()
    event = result["data"]["creditBalanceEvents"]
    assert (event["amount"], event["balance"]) == (1, 1)
    assert await first.line() == {"done": 1}  # completed by the client
    assert await first.process.wait() == 0
    # Disconnected; two grants happen; the client resumes with its cursor.
    await world.grant(world.customer, 2)
    await world.grant(world.customer, 3)
    resumed = await node_subscriber(
        node, world.url, token, {**variables, "after": event["cursor"]}, count=3
    )
    amounts = [(await resumed.line())["data"]["creditBalanceEvents"]["amount"] for _ in range(2)]
    await world.grant(world.customer, 4)
    amounts.append((await resumed.line())["data"]["creditBalanceEvents"]["amount"])
    assert amounts == [2, 3, 4]
    assert await resumed.line() == {"done": 3}
    assert await resumed.process.wait() == 0


async def test_graphql_ws_sees_the_typed_error_of_an_out_of_scope_company(
    node: str, world: World
) -> None:
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENT_DIR / "subscribe.mjs"),
        world.url.replace("http://", "ws://") + "/graphql",
        world.token(world.customer_admin),
        CREDIT,
        json.dumps({"c": cid(world.partner)}),
        "1",
        stdout=asyncio.subprocess.PIPE,
    )
    subscriber = NodeSubscriber(process)
    assert await subscriber.line() == {"connected": True}
    failure = await subscriber.line()
    assert [e["extensions"]["code"] for e in failure["errors"]] == ["NOT_FOUND"], failure
    await process.wait()


# --- several processes on PostgreSQL --------------------------------------------------------


@pytest.fixture
def processes(migrated: Settings) -> Iterator[list[ServerProcess]]:
    started = [start_process(migrated, free_port()) for _ in range(2)]
    try:
        yield started
    finally:
        for process in started:
            if process.process.poll() is None:
                process.process.terminate()
                process.process.wait(timeout=10)


# Several server processes share a PostgreSQL database (SQLite is one process's).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_change_through_one_process_reaches_the_subscriber_of_another(
    processes: list[ServerProcess], factory: Factory
) -> None:
    a, b = processes
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as http:
        world = await build_world(factory, a.url, http)
        async with ws_client(b.url, world.token(world.partner_admin)) as client:
            sid = await client.subscribe(CREDIT, {"c": cid(world.customer)})
            await asyncio.sleep(0.3)
            await world.grant(world.customer, 5)  # through A
            event = (await client.next_payload(sid))["data"]["creditBalanceEvents"]
            assert event["balance"] == 5
            # A role change through A ends B's subscription, at once.
            await world.change_role(world.partner_admin, Role.USER, by=world.desk)
            payload = await client.next_payload(sid)
            assert payload["errors"][0]["extensions"]["code"] == "ACCESS_CHANGED"
            assert (await client.receive())["type"] == "complete"
            assert (await client.closed())[0] == 4401


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_after_kill_9_clients_resume_on_the_other_process_and_miss_nothing(
    processes: list[ServerProcess], factory: Factory
) -> None:
    a, b = processes
    async with httpx.AsyncClient(base_url=b.url, timeout=10) as http:
        world = await build_world(factory, b.url, http)
        token = world.token(world.partner_admin)
        cursors: list[str] = []
        async with ws_client(a.url, token) as client:
            sid = await client.subscribe(CREDIT, {"c": cid(world.customer)})
            await asyncio.sleep(0.3)
            await world.grant(world.customer, 1)
            cursors.append(
                (await client.next_payload(sid))["data"]["creditBalanceEvents"]["cursor"]
            )
            a.kill()  # no goodbye
            for amount in (2, 3, 4):  # while the client reconnects
                await world.grant(world.customer, amount)
            await client.closed()
        async with ws_client(b.url, token) as client:
            sid = await client.subscribe(CREDIT, {"c": cid(world.customer), "after": cursors[-1]})
            amounts = [
                (await client.next_payload(sid))["data"]["creditBalanceEvents"]["amount"]
                for _ in range(3)
            ]
            assert amounts == [2, 3, 4]
            await client.nothing_within(0.5)


async def test_shutdown_closes_the_websockets_with_going_away(
    migrated: Settings, factory: Factory
) -> None:
    """SIGTERM: every WebSocket ends with 1001 "going away" (clients reconnect elsewhere
    with their cursors), then the process exits 0."""
    server = start_process(migrated, free_port())
    try:
        company = await factory.company()
        user = await factory.user(company, Role.ADMINISTRATOR)
        async with ws_client(server.url, factory.token(user)) as client:
            await client.subscribe(CREDIT, {})
            await asyncio.sleep(0.3)
            server.process.send_signal(signal.SIGTERM)
            code, reason = await client.closed(wait=10)
            assert code == 1001
            assert reason is not None
            assert "shutting down" in reason
        assert server.process.wait(timeout=30) == 0
    finally:
        if server.process.poll() is None:
            server.kill()
