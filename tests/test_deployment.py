"""Several server processes on one PostgreSQL, as docs/operations.md deploys them: started
together on a new database, waiting for `cli.py migrate`, shut down by SIGTERM while a
request runs, and two of them behind a real nginx configured by deploy/nginx.conf."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _admin
from tests.live import nginx_binary
from tests.processes import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ROOT,
    ServerProcess,
    free_port,
    repo_nginx_config,
    server_env,
    sibling_database,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

LOGIN = """mutation SignIn($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename ... on AuthPayload { accessToken } ... on Error { code } } }"""


@pytest.fixture
async def fresh_database(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A new, empty database beside the suite's (no tables, no migrations)."""
    url = sibling_database(database_url, f"deploy{abs(hash(request.node.name)) % 10_000}")
    name = make_url(url).database
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield url
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def graphql(base: str, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
    token = kw.pop("token", None)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=kw.pop("timeout", 30),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def sign_in(base: str) -> str:
    data = graphql(base, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert data["login"]["__typename"] == "AuthPayload", data
    token: str = data["login"]["accessToken"]
    return token


async def _count_roots(url: str) -> int:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM companies WHERE parent_id IS NULL")
        return count
    finally:
        await conn.close()


async def test_three_servers_started_at_once_on_a_new_database_all_come_up(
    fresh_database: str, tmp_path: Path
) -> None:
    # Given a new database and three `cli.py run` started together (each migrates and
    # bootstraps on start)
    env = server_env(fresh_database, tmp_path)
    servers = [ServerProcess(f"server{i}", env, tmp_path) for i in range(3)]
    try:
        # Then every one comes up, ready
        for server in servers:
            await asyncio.to_thread(server.wait_ready)
        # And the migrations and the bootstrap ran once: one root, one administrator
        assert await _count_roots(fresh_database) == 1
        created = [s for s in servers if "Created root company" in s.output()]
        assert len(created) == 1
        for server in servers:
            assert sign_in(server.url)
    finally:
        codes = [server.terminate() for server in servers]
    assert codes == [0, 0, 0], [s.output() for s in servers]


async def test_servers_wait_for_the_migration_head_when_told_not_to_migrate(
    fresh_database: str, tmp_path: Path
) -> None:
    # Given a server told not to migrate, on a new database
    env = server_env(fresh_database, tmp_path, MIGRATE_ON_START="false")
    server = ServerProcess("waiting", env, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while "Waiting for the database" not in server.output():
            assert time.monotonic() < deadline, server.output()
            assert server.process.poll() is None, server.output()
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        # Then it waits, without serving
        assert server.process.poll() is None
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{server.url}/livez", timeout=1)
        # When the operator runs `cli.py migrate` once
        migrate = subprocess.run(
            [sys.executable, "cli.py", "migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        # Then the server comes up
        await asyncio.to_thread(server.wait_ready)
        assert sign_in(server.url)
    finally:
        assert server.terminate() == 0, server.output()


async def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(
    fresh_database: str, tmp_path: Path
) -> None:
    server = ServerProcess("graceful", server_env(fresh_database, tmp_path), tmp_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        token = sign_in(server.url)
        # Given a request held up by a lock on the users table (it authenticates there)
        parsed = make_url(fresh_database)
        locker = await asyncpg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
        )
        lock = locker.transaction()
        await lock.start()
        await locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        answers: list[Any] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                graphql(server.url, "query Me { me { email } }", token=token)
            )
        )
        slow.start()
        await asyncio.sleep(1)
        # When the server is told to stop while it runs
        server.process.send_signal(__import__("signal").SIGTERM)
        await asyncio.sleep(1)
        # Then it no longer accepts connections, but has not exited
        assert server.process.poll() is None
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{server.url}/livez", timeout=1)
        # And once the request can go on, it completes and the process exits 0
        await lock.rollback()
        await locker.close()
        await asyncio.to_thread(slow.join, 30)
        assert answers == [{"me": {"email": ADMIN_EMAIL}}]
        assert await asyncio.to_thread(server.process.wait, 30) == 0
        assert '"shut down"' in server.output()
    finally:
        server.terminate()


async def test_two_servers_behind_nginx_pass_the_acceptance_script(
    fresh_database: str, tmp_path: Path
) -> None:
    nginx = nginx_binary()
    env = server_env(fresh_database, tmp_path, FORWARDED_ALLOW_IPS="127.0.0.1")
    servers = [ServerProcess(f"behind{i}", env, tmp_path) for i in range(2)]
    port = free_port()
    conf = tmp_path / "nginx.conf"
    # The repository's proxy config (deploy/nginx.conf), pointed at these two servers
    conf.write_text(repo_nginx_config([f"127.0.0.1:{s.port}" for s in servers], port, tmp_path))
    proxy = None
    try:
        for server in servers:
            await asyncio.to_thread(server.wait_ready)
        proxy = subprocess.Popen(  # noqa: S603 - Debian's nginx with our temporary config
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{base}/livez", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx did not start"
                await asyncio.sleep(0.1)
        # The acceptance script, through the proxy: sign in, a query, a mutation, readiness
        token = sign_in(base)
        me = graphql(base, "query Me { me { email company { id } } }", token=token)["me"]
        assert me["email"] == ADMIN_EMAIL
        for n in range(4):
            created = graphql(
                base,
                """mutation Create($input: CompanyCreateInput!) { companyCreate(input: $input) {
                  __typename ... on CompanyPayload { company { name } } } }""",
                {
                    "input": {
                        "parentId": me["company"]["id"],
                        "name": f"Site {n}",
                        "countryCode": "ES",
                    }
                },
                token=token,
            )["companyCreate"]
            assert created == {"__typename": "CompanyPayload", "company": {"name": f"Site {n}"}}
        tree = graphql(base, "query Tree { companyTree { edges { node { name } } } }", token=token)
        assert len(tree["companyTree"]["edges"]) == 5
        ready = httpx.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"}
        # And the proxy hides /metrics (each server's is scraped on its own)
        assert httpx.get(f"{base}/metrics", timeout=5).status_code == 404
        # And the request id nginx gives a request is the one the server logs and answers
        answered = httpx.post(
            f"{base}/graphql",
            json={"query": "query Me { me { email } }"},
            headers={"authorization": f"Bearer {token}", "x-request-id": "client-chosen"},
            timeout=30,
        )
        request_id = answered.headers["x-request-id"]
        assert request_id != "client-chosen"
        assert len(request_id) == 32
        # (the access line is written just after the answer is sent: give it a moment)
        deadline = time.monotonic() + 10
        while not any(f'"request_id": "{request_id}"' in s.output() for s in servers):
            assert time.monotonic() < deadline, [s.output() for s in servers]
            await asyncio.sleep(0.1)
        # And both servers took part
        for server in servers:
            assert '"path": "/graphql"' in server.output(), server.output()
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        codes = [server.terminate() for server in servers]
    assert codes == [0, 0]
