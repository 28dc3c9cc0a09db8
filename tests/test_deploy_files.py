"""The deployment files in the repository (docs/operations.md): deploy/nginx.conf passes
`nginx -t`, compose.yaml has the services the guide describes and wires them as it says,
and the Dockerfile installs the hash-pinned lock and runs `cli.py run` as a non-root user.
Images cannot be pulled where this suite runs, so nothing here starts a container."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.live import nginx_binary
from tests.processes import free_port, repo_nginx_config

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_test(tmp_path: Path, text: str | None = None) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on deploy/nginx.conf (or `text`) under a temporary prefix. Compose's
    upstream (a service name, resolved only on the compose network) becomes loopback."""
    config = tmp_path / "nginx.conf"
    config.write_text(repo_nginx_config(["127.0.0.1:8000"], free_port(), tmp_path, text))
    return subprocess.run(  # noqa: S603 - Debian's nginx on a temporary copy
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    checked = nginx_test(tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
    assert "test is successful" in checked.stderr


def test_nginx_t_refuses_a_broken_config(tmp_path: Path) -> None:
    # The check above can fail: the same file with one brace missing does not pass
    broken = NGINX_CONF.read_text().replace("events {", "events ", 1)
    checked = nginx_test(tmp_path, broken)
    assert checked.returncode != 0


def _location(config: str, match: str) -> str:
    found = re.search(r"location " + re.escape(match) + r" \{(.*?)\n        \}", config, re.S)
    assert found, f"no `location {match}` block"
    return found.group(1)


def test_the_proxy_upgrades_websockets_on_graphql_and_hides_metrics() -> None:
    config = NGINX_CONF.read_text()
    graphql = _location(config, "= /graphql")
    assert "proxy_http_version 1.1;" in graphql
    assert "proxy_set_header Upgrade $http_upgrade;" in graphql
    assert "proxy_set_header Connection $connection_upgrade;" in graphql
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{\s*default upgrade;", config)
    for block in (graphql, _location(config, "/")):
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in block
        assert "proxy_set_header X-Request-ID $request_id;" in block
    assert "return 404;" in _location(config, "= /metrics")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_postgres_one_migration_n_servers_and_the_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "migrate", "server", "proxy"}
    assert services["postgres"]["image"].startswith("postgres:")
    migrate, server, proxy = services["migrate"], services["server"], services["proxy"]
    # One migration, after PostgreSQL answers; the servers wait for it and do not migrate
    assert migrate["command"] == ["python", "cli.py", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert server["command"] == ["python", "cli.py", "run"]
    assert server["environment"]["MIGRATE_ON_START"] == "false"
    assert server["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert server["deploy"]["replicas"] >= 2
    for service in (migrate, server):
        assert service["build"] == "."
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]
    # Graceful shutdown: compose waits longer than the server's own grace period
    grace = int(server["environment"]["SHUTDOWN_GRACE_SECONDS"])
    assert int(server["stop_grace_period"].rstrip("s")) > grace
    # Metrics on their own port, not published; only the proxy is
    assert server["environment"]["METRICS_PORT"] == "9464"
    assert "ports" not in server
    assert proxy["ports"] == ["8080:80"]
    assert proxy["volumes"] == ["./deploy/nginx.conf:/etc/nginx/nginx.conf:ro"]
    assert proxy["depends_on"]["server"]["condition"] == "service_healthy"


def test_every_variable_compose_sets_is_a_setting_the_server_reads() -> None:
    config_py = (ROOT / "config.py").read_text()
    environment = _compose()["services"]["server"]["environment"]
    # FORWARDED_ALLOW_IPS is uvicorn's; OTEL_* are OpenTelemetry's own (web/tracing.py)
    ours = [name for name in environment if name != "FORWARDED_ALLOW_IPS"]
    unknown = [n for n in ours if not n.startswith("OTEL_") and f'"{n}"' not in config_py]
    assert unknown == []


def test_the_dockerfile_installs_the_hashed_lock_and_runs_as_a_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users, "no USER line"
    assert users[-1] not in ("root", "0")
    assert dockerfile.rstrip().endswith('CMD ["python", "cli.py", "run"]')
    # Every package of the lock carries its hashes (pip would refuse the install otherwise)
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    requirements = [n for n, line in enumerate(lines) if re.match(r"[A-Za-z0-9]", line)]
    assert len(requirements) > 50
    for n in requirements:
        assert "==" in lines[n], lines[n]
        assert lines[n + 1].strip().startswith("--hash=sha256:"), lines[n]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "**/node_modules", "data"} <= set(ignored)
