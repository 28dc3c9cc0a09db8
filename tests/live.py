"""Live servers for the tests that need a real socket, and what drives them.

`serve` runs the app under uvicorn in a background thread on a loopback port;
`start_process` runs `server.py` in a process of its own (several may share one database);
`ws_client` is a small graphql-transport-ws client for Python-level tests; `node_tool`
finds Node and a tool folder's installed packages, skipping the test when they are missing
(failing instead when CI is set, so CI never passes without them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

import cli
from config import Settings
from server import create_app
from tests.conftest import postgres_required
from web.ws_protocol import LeanWebSocketProtocol

STARTUP_TIMEOUT = 60.0
TESTS_DIR = Path(__file__).parent
ROOT = TESTS_DIR.parent


def _bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def live_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a server of its own on a fresh SQLite file, migrated."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        data_dir=tmp_path,
        jwt_key="live-test-key-" + "x" * 40,
        graphiql=True,
    )
    settings = replace(settings, **overrides)  # type: ignore[arg-type]
    cli.migrate(settings)
    return settings


@contextmanager
def serve(settings: Settings, port: int = 0) -> Iterator[str]:
    """Serves the app (on `port`, or one the OS picks); yields its base URL
    (`http://127.0.0.1:<port>`)."""
    # Bound here and handed to uvicorn, so no other process can take the port in between.
    sock = _bound_socket(port)
    port = sock.getsockname()[1]
    # The WebSocket protocol and options `python server.py` serves with.
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        lifespan="on",
        ws=LeanWebSocketProtocol,
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def require(missing: str | None) -> None:
    """Skip the test for a missing tool on a developer machine; fail it where the suite must
    be complete (CI or REQUIRE_POSTGRES set, as .ci/run does), as the PostgreSQL half does."""
    if missing is None:
        return
    if postgres_required():
        pytest.fail(f"{missing} (required: CI or REQUIRE_POSTGRES is set)")
    pytest.skip(missing)


def nginx_binary() -> str:
    """Debian's nginx, which .ci/run installs."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    require(None if found else "nginx is not installed (apt-get install nginx; .ci/run does)")
    assert found is not None
    return found


def node_tool(folder: str, package: str) -> str:
    """The Node binary, once `tests/<folder>/node_modules/<package>` is installed."""
    node = shutil.which("node")
    if node is None:
        require("`node` is not on PATH (Node 18+ drives the client tests)")
    elif not (TESTS_DIR / folder / "node_modules" / package).is_dir():
        require(f"tests/{folder}/node_modules is missing: run `npm ci --prefix tests/{folder}`")
    assert node is not None
    return node


def free_port() -> int:
    with _bound_socket() as sock:
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye to its clients."""
        self.process.kill()
        self.process.wait(timeout=10)


def start_process(settings: Settings, port: int) -> ServerProcess:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "JWT_SECRET_KEY": settings.jwt_key,
        "PORT": str(port),
        "SCHEDULER_INTERVAL_SECONDS": "3600",
        "CORS_ORIGINS": ",".join(settings.cors_origins),
        "PYTHONFAULTHANDLER": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, str(ROOT / "server.py")], cwd=ROOT, env=env
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return ServerProcess(url, process)
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.send_signal(signal.SIGABRT)
            time.sleep(1)
            process.kill()
            raise RuntimeError(f"server.py on port {port} did not start")
        time.sleep(0.1)


class WSClient:
    """graphql-transport-ws, by hand: enough to test what the server says and when."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, wait: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout=wait)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, token: str | None) -> dict[str, Any]:
        payload = {} if token is None else {"authorization": f"Bearer {token}"}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, sid: str | None = None
    ) -> str:
        self._ids += 1
        sid = sid or str(self._ids)
        await self.send(
            {
                "type": "subscribe",
                "id": sid,
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return sid

    async def next_payload(self, sid: str, wait: float = 5.0) -> dict[str, Any]:
        """The next `next` message of this subscription (others must not come first)."""
        message = await self.receive(wait)
        assert message.get("id") == sid, message
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def nothing_within(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            message = await self.receive(seconds)
            raise AssertionError(f"unexpected message {message}")

    async def closed(self, wait: float = 5.0) -> tuple[int | None, str | None]:
        """Wait for the server to close; its code and reason."""
        with contextlib.suppress(Exception):
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout=wait)
        return self.connection.close_code, self.connection.close_reason


@contextlib.asynccontextmanager
async def ws_client(
    base_url: str,
    token: str | None = None,
    *,
    subprotocol: str = "graphql-transport-ws",
    origin: str | None = None,
    ack: bool = True,
    accept_language: str | None = None,
) -> AsyncIterator[WSClient]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    headers = {"Origin": origin} if origin else {}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    async with connect(
        url,
        subprotocols=[Subprotocol(subprotocol)],
        additional_headers=headers or None,
        open_timeout=5,
    ) as connection:
        client = WSClient(connection)
        if ack:
            message = await client.init(token)
            assert message == {"type": "connection_ack"}, message
        yield client
