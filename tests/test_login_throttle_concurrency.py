"""The sign-in throttle holds against attempts that arrive at once.

Each attempt is counted before its password is checked (services/throttle.py), so however
many arrive together, from one process or several, at most the free allowance (3 for an
account) has its password checked; the rest are answered LoginThrottledError unchecked.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services import passwords
from tests.conftest import PG_URL, TEST_JWT_KEY, _create_pg_database, _drop_pg_database
from tests.factories import PASSWORD, Factory
from tests.graphql import LOGIN, GraphQLClient, login
from tests.live import require

ROOT = Path(__file__).parent.parent
WRONG = "not the password at all"
PARALLEL = 30


def answers(results: list[dict[str, Any]]) -> Counter[str]:
    return Counter(result.get("code", result["__typename"]) for result in results)


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the server checks, in order."""
    checked: list[str] = []
    verify = passwords.verify_password_async

    async def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return await verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password_async", counting)
    return checked


async def test_thirty_parallel_sign_ins_check_three_passwords(
    client: GraphQLClient, factory: Factory, password_checks: list[str]
) -> None:
    # given an account
    company = await factory.company()
    user = await factory.user(company, email="target@example.test")
    # when thirty wrong passwords for it arrive at once from one address
    results = await asyncio.gather(
        *(login(client, user.email, f"{WRONG} {n}") for n in range(PARALLEL))
    )
    # then three passwords were checked, and the rest refused without a check
    assert len(password_checks) == 3
    assert answers(results) == {"INVALID_CREDENTIALS": 3, "LOGIN_THROTTLED": PARALLEL - 3}


async def test_thirty_parallel_sign_ins_on_many_emails_check_ten_passwords(
    client: GraphQLClient, password_checks: list[str]
) -> None:
    # when thirty guesses, each on another email, arrive at once from one address
    results = await asyncio.gather(
        *(login(client, f"guess{n}@example.test", WRONG) for n in range(PARALLEL))
    )
    # then the address's allowance of ten was checked, and no more
    assert len(password_checks) == 10
    assert answers(results) == {"INVALID_CREDENTIALS": 10, "LOGIN_THROTTLED": PARALLEL - 10}


# --- several server processes ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def fresh_postgres() -> AsyncIterator[str]:
    """A database of its own, on the PostgreSQL server the suite uses."""
    try:
        url = await _create_pg_database(PG_URL.rsplit("/", 1)[0] + "/fleet_procs")
    except Exception as exc:  # unreachable: as the suite's PostgreSQL half does
        require(f"PostgreSQL unreachable at {PG_URL}: {exc!r}")
    yield url
    await _drop_pg_database(url)


def server_environment(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "JWT_SECRET_KEY": TEST_JWT_KEY,
        "BOOTSTRAP_ADMIN_EMAIL": "admin@example.test",
        "BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
        "HOST": "127.0.0.1",
    }


@pytest.fixture
def three_servers(fresh_postgres: str, tmp_path: Path) -> Iterator[list[str]]:
    """Three `cli.py run` processes on one new database; their base URLs."""
    environment = server_environment(fresh_postgres, tmp_path)
    # Migrations and bootstrap once: concurrent start-up is another test's subject.
    subprocess.run(
        [sys.executable, "cli.py", "bootstrap"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    ports = [free_port() for _ in range(3)]
    processes = [
        subprocess.Popen(
            [sys.executable, "cli.py", "run"],
            cwd=ROOT,
            env={**environment, "PORT": str(port)},
            stdout=(tmp_path / f"server-{port}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            wait_until_serving(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 180  # a loaded CI machine takes its time to import
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = "\n".join(p.read_text() for p in logs.glob("server-*.log"))
            pytest.fail(f"server at {url} exited with {process.returncode}:\n{output}")
        try:
            answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=1)
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server at {url} did not start within 180 s")


async def test_thirty_sign_ins_spread_over_three_processes_check_three_passwords(
    three_servers: list[str],
) -> None:
    # given three server processes sharing one database
    async with httpx.AsyncClient(timeout=30) as http:

        async def attempt(n: int) -> dict[str, Any]:
            response = await http.post(
                f"{three_servers[n % 3]}/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"input": {"email": "admin@example.test", "password": WRONG}},
                },
            )
            result: dict[str, Any] = response.json()["data"]["login"]
            return result

        # when thirty wrong passwords for one account arrive at once, ten at each process
        results = await asyncio.gather(*(attempt(n) for n in range(PARALLEL)))
    # then three passwords were checked in all (each INVALID_CREDENTIALS is one check; a
    # throttled answer checks none), the rest refused
    assert answers(results) == {"INVALID_CREDENTIALS": 3, "LOGIN_THROTTLED": PARALLEL - 3}
