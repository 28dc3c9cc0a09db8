"""A live server for the tests that drive real clients (Node tools, a browser) over HTTP.

`serve` runs the app under uvicorn in a background thread on a loopback port; `node_tool`
finds Node and a tool folder's installed packages, skipping the test when they are missing
(failing instead when CI is set, so CI never passes without them).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

import cli
from config import Settings
from server import create_app

STARTUP_TIMEOUT = 20.0
TESTS_DIR = Path(__file__).parent


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
def serve(settings: Settings) -> Iterator[str]:
    """Serves the app; yields its base URL (`http://127.0.0.1:<port>`)."""
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def require(missing: str | None) -> None:
    """Skip the test for a missing tool, or fail when CI is set."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing} (required because CI is set)")
    pytest.skip(missing)


def node_tool(folder: str, package: str) -> str:
    """The Node binary, once `tests/<folder>/node_modules/<package>` is installed."""
    node = shutil.which("node")
    if node is None:
        require("`node` is not on PATH (Node 18+ drives the client tests)")
    elif not (TESTS_DIR / folder / "node_modules" / package).is_dir():
        require(f"tests/{folder}/node_modules is missing: run `npm ci --prefix tests/{folder}`")
    assert node is not None
    return node
