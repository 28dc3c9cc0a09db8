"""Operations endpoints: /livez, /readyz, /version and /metrics (README, docs/operations.md).

- /livez: the process answers (no database).  /health is the same, kept for old probes.
- /readyz: each database answers within READY_TIMEOUT_SECONDS and the primary's schema is at
  the migration head; otherwise 503 with the reason.
- /version: the package version and the git commit (GIT_COMMIT, else the checkout's HEAD).
- /metrics: Prometheus text (services/metrics.py), guarded by METRICS_TOKEN and/or served
  only on the METRICS_PORT listener; in production without either it is not served.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import subprocess
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from config import Settings
from models.base import utcnow
from models.mail import OutboxMessage
from models.startup import current_revisions, describe, head_revisions
from services import metrics
from services.mail_delivery import MAX_ATTEMPTS

log = logging.getLogger("fleet.ops")
ROOT = Path(__file__).resolve().parent.parent


@cache
def version_info() -> dict[str, str | None]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    commit = os.environ.get("GIT_COMMIT") or None
    if commit is None:
        try:
            commit = (
                subprocess.run(
                    ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, optional
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=2,
                    check=True,
                ).stdout.strip()
                or None
            )
        except (OSError, subprocess.SubprocessError):
            commit = None  # not a checkout (an image without .git): GIT_COMMIT says it
    return {"name": "fleet-admin", "version": version, "commit": commit}


def pool_usage(engine: AsyncEngine) -> tuple[int, int]:
    """Connections checked out, and tasks waiting for one (asyncio's queue of getters)."""
    pool = engine.sync_engine.pool
    in_use = getattr(pool, "checkedout", lambda: 0)()
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    getters = getattr(queue, "_getters", ())
    return in_use, sum(1 for getter in getters if not getter.done())


OPS_PATHS = frozenset({"/livez", "/health", "/readyz", "/version", "/metrics"})


def on_metrics_listener(scope: Scope, metrics_port: int | None) -> bool:
    """Whether the request came in on the METRICS_PORT listener."""
    server = scope.get("server")
    return (
        metrics_port is not None
        and scope["type"] in ("http", "websocket")
        and server is not None
        and server[1] == metrics_port
    )


class MetricsListenerOnly:
    """On the METRICS_PORT listener only the operations endpoints answer: it is meant for
    Prometheus and probes, so the API is not reachable through it (404 for anything else)."""

    def __init__(self, app: ASGIApp, *, metrics_port: int | None) -> None:
        self.app = app
        self.metrics_port = metrics_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if on_metrics_listener(scope, self.metrics_port) and scope["path"] not in OPS_PATHS:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await JSONResponse({"error": "not found"}, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


@dataclass
class Ops:
    settings: Settings
    engine: AsyncEngine
    read_engine: AsyncEngine | None
    read_sessionmaker: async_sessionmaker[AsyncSession]

    def routes(self) -> list[Route]:
        return [
            Route("/livez", self.livez, methods=["GET", "HEAD"]),
            Route("/health", self.livez, methods=["GET", "HEAD"]),
            Route("/readyz", self.readyz, methods=["GET", "HEAD"]),
            Route("/version", self.version, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]

    async def livez(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def version(self, _request: Request) -> Response:
        return JSONResponse(version_info())

    async def readyz(self, _request: Request) -> Response:
        reason = await self._unready_reason()
        if reason is None:
            return JSONResponse({"status": "ready"})
        log.warning("not ready: %s", reason)
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)

    async def _unready_reason(self) -> str | None:
        engines = [("database", self.engine)]
        if self.read_engine is not None:
            engines.append(("read replica", self.read_engine))
        for name, engine in engines:
            try:
                async with asyncio.timeout(self.settings.ready_timeout_seconds):
                    async with engine.connect() as connection:
                        current = await current_revisions(connection)
            except TimeoutError:
                return f"{name}: no answer within {self.settings.ready_timeout_seconds:g} s"
            except Exception as exc:
                return f"{name}: {describe(exc)}"
            if current != head_revisions():
                return (
                    f"{name}: schema at revision {', '.join(sorted(current)) or 'none'}, "
                    f"expected {', '.join(sorted(head_revisions()))} (run `cli.py migrate`)"
                )
        return None

    def _metrics_allowed(self, request: Request) -> Response | None:
        """None when this request may read the metrics, else the refusal."""
        settings = self.settings
        server = request.scope.get("server")
        port = server[1] if server else None
        if settings.metrics_port is not None and port != settings.metrics_port:
            return JSONResponse({"error": "not found"}, status_code=404)
        if settings.metrics_token:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), settings.metrics_token.encode()
            ):
                return JSONResponse(
                    {"error": "a bearer token is required (METRICS_TOKEN)"},
                    status_code=401,
                    headers={"www-authenticate": 'Bearer realm="metrics"'},
                )
            return None
        if settings.is_production and settings.metrics_port is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return None

    async def metrics(self, request: Request) -> Response:
        refused = self._metrics_allowed(request)
        if refused is not None:
            return refused
        for name, engine in (("primary", self.engine), ("replica", self.read_engine)):
            if engine is not None:
                in_use, waiting = pool_usage(engine)
                metrics.POOL_IN_USE.labels(name).set(in_use)
                metrics.POOL_WAITING.labels(name).set(waiting)
        try:
            # Bounded: an exhausted pool or a stuck database is when the metrics matter most.
            async with asyncio.timeout(self.settings.ready_timeout_seconds):
                await self._outbox()
        except TimeoutError:
            log.warning("outbox metrics unavailable: no answer within READY_TIMEOUT_SECONDS")
        except Exception as exc:  # the metrics still answer; the gauges keep their last value
            log.warning("outbox metrics unavailable: %s", describe(exc))
        return PlainTextResponse(
            generate_latest(metrics.REGISTRY), headers={"content-type": CONTENT_TYPE_LATEST}
        )

    async def _outbox(self) -> None:
        now = utcnow()
        unsent = OutboxMessage.sent_at.is_(None)
        due = (
            unsent
            & (OutboxMessage.next_attempt_at <= now)
            & (OutboxMessage.attempts < MAX_ATTEMPTS)
        )
        async with self.read_sessionmaker() as session:
            row = (
                await session.execute(
                    select(
                        func.count().filter(due),
                        func.count(),
                        func.min(OutboxMessage.next_attempt_at).filter(due),
                    ).where(unsent)
                )
            ).one()
        metrics.OUTBOX_DUE.set(row[0])
        metrics.OUTBOX_UNSENT.set(row[1])
        oldest = row[2]  # UTCDateTime: aware, in UTC
        metrics.OUTBOX_OLDEST_DUE_AGE.set((now - oldest).total_seconds() if oldest else 0.0)
