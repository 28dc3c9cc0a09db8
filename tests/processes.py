"""Servers as real processes (`cli.py run`) on loopback ports, for the deployment tests:
start-up races, graceful shutdown, a reverse proxy in front of several of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from tests.conftest import TEST_JWT_KEY

ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "ops-admin@example.com"
ADMIN_PASSWORD = "seven quiet harbours under amber light"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "METRICS_"))}
    env.update(
        APP_ENV="production",
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        JWT_SECRET_KEY=TEST_JWT_KEY,
        BOOTSTRAP_ADMIN_EMAIL=ADMIN_EMAIL,
        BOOTSTRAP_ADMIN_PASSWORD=ADMIN_PASSWORD,
        SMTP_HOST="127.0.0.1",  # mail waits: nothing is due in these tests
        SMTP_PORT="9",
        SCHEDULER_INTERVAL_SECONDS="3600",
        SHUTDOWN_GRACE_SECONDS="20",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class ServerProcess:
    """`cli.py run` on its own port; its output goes to a log file read by the tests."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = logs / f"{name}.log"
        env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "cli.py", "run"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready after {seconds} s:\n{self.output()}")

    def terminate(self, seconds: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def sibling_database(url: str, suffix: str) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


def repo_nginx_config(
    upstreams: list[str], port: int, folder: Path, text: str | None = None
) -> str:
    """deploy/nginx.conf made runnable here: compose's upstream (a service name) replaced
    by `upstreams` (host:port), listening on loopback `port`, and the files nginx writes
    (pid, logs, temporary bodies) kept in `folder`, so it runs without root. `text`: another
    version of the file's text (a test breaks it on purpose)."""
    if text is None:
        text = (ROOT / "deploy" / "nginx.conf").read_text()
    compose_upstream = "server server:8000 max_fails=3 fail_timeout=10s;"
    assert compose_upstream in text
    assert "listen 80;" in text
    servers = "\n        ".join(
        f"server {address} max_fails=3 fail_timeout=10s;" for address in upstreams
    )
    text = text.replace(compose_upstream, servers)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("access_log /dev/stdout;", f"access_log {folder}/access.log;")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {folder}/error.log warn;")
    temp = "".join(
        f"\n    {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {", "http {" + temp, 1)
    main = f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
    if os.geteuid() == 0:
        main += "user root;\n"
    return main + text
