"""The ASGI application and its entry point (`python server.py` or `uvicorn server:app`)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import uvicorn
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from config import Settings
from models.db import create_engine, create_read_sessionmaker, create_sessionmaker
from models.startup import DatabaseUnreachableError, check_connection
from schema import build_schema
from services import audit, logs, passwords
from services.access import authorizer
from services.event_hub import EventHub
from services.jobs import Scheduler
from services.mail_delivery import MailWorker, transport_for
from services.tokens import TokenConfig
from web import explorer, portal, tracing
from web.graphql_http import GraphQLEndpoint
from web.graphql_ws import GraphQLWebSocket
from web.headers import SecurityHeadersMiddleware
from web.observe import RequestObserver
from web.ops import MetricsListenerOnly, Ops, on_metrics_listener
from web.persisted import PersistedDocuments, load_allowlist
from web.ws_protocol import LeanWebSocketProtocol

logger = logging.getLogger("fleet.server")


def token_config(settings: Settings) -> TokenConfig:
    return TokenConfig(
        key=settings.jwt_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )


# Allocations between young-generation collections (CPython's default is 700). A 1,000-row
# answer allocates a few hundred thousand objects; at 700 the collector ran hundreds of
# times per request. Measured on W1: 62 ms by default, 50 ms with the heap frozen, 48 ms
# with this threshold too (47 ms with no collector at all).
GC_YOUNG_THRESHOLD = 5_000
_heap_settled = False


def settle_heap() -> None:
    """Once the app has started, in each process: move everything alive (the schema, the
    models, the policies: hundreds of thousands of objects that live as long as the process)
    out of the collector's reach, so a full collection scans only what requests made, and
    collect young objects less often. Cycles are still collected; nothing is disabled."""
    global _heap_settled
    if _heap_settled:
        return
    _heap_settled = True
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


class App(Starlette):
    """Starlette, with the GraphQL WebSocket (`/graphql`) handed straight to its endpoint.

    Every middleware here passes a WebSocket through untouched (they act on HTTP), yet each
    layer, the router and its exception wrapper keep a frame for the connection's life:
    about 5 KiB per subscriber (W7 measures memory per idle subscription). The metrics
    listener still refuses it (MetricsListenerOnly's rule); with tracing on, the WebSocket
    takes the stack, so its connection is traced as before."""

    websocket_direct: GraphQLWebSocket | None = None
    metrics_port: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        direct = self.websocket_direct
        if (
            direct is not None
            and scope["type"] == "websocket"
            and scope["path"] == "/graphql"
            and not on_metrics_listener(scope, self.metrics_port)
        ):
            await direct.handle(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The application. With TRACING=true (or a `tracer_provider`, as tests pass one with
    an in-memory exporter) requests and SQL statements are traced with OpenTelemetry."""
    settings = settings or Settings.from_env()
    audit.configure(settings.audit_key)
    engine = create_engine(settings.database_url)
    read_engine = create_engine(settings.database_read_url) if settings.database_read_url else None
    sessionmaker = create_sessionmaker(engine)
    primary_reads = create_read_sessionmaker(engine)
    read_sessionmaker = create_read_sessionmaker(read_engine) if read_engine else primary_reads
    if tracer_provider is None and settings.tracing:
        tracer_provider = tracing.provider()
    if tracer_provider is not None:
        for traced in (engine, read_engine):
            if traced is not None:
                tracing.instrument_engine(traced, tracer_provider)
    schema = build_schema(settings)
    endpoint = GraphQLEndpoint(
        schema=schema,
        settings=settings,
        sessionmaker=sessionmaker,
        read_sessionmaker=read_sessionmaker,
        primary_read_sessionmaker=primary_reads if read_engine else None,
        token_config=token_config(settings),
        persisted=PersistedDocuments(
            cache_size=settings.apq_cache_size,
            allowlist=load_allowlist(settings.document_allowlist)
            if settings.document_allowlist is not None
            else None,
        ),
    )
    ops = Ops(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        read_sessionmaker=read_sessionmaker,
    )
    # The primary's: the horizon is read from its running transactions (a replica's
    # pg_stat_activity shows its own sessions only). In a transaction, not autocommit:
    # W7 measured p99 1.6 s instead of 0.07 s with the hub's reads in autocommit.
    hub = EventHub(sessionmaker, settings.database_url)
    websocket = GraphQLWebSocket(
        schema=schema,
        settings=settings,
        sessionmaker=sessionmaker,
        read_sessionmaker=read_sessionmaker,
        token_config=token_config(settings),
        hub=hub,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        authorizer()  # read the policy files once, before the first request
        # Hash the dummy password now, so the first unknown-email login is not the slow one.
        await asyncio.to_thread(passwords.warm_up)
        transport = transport_for(settings)
        if transport is None:
            logger.warning("SMTP_HOST is not set: mail waits in the outbox until it is")
            worker = None
        else:
            worker = MailWorker(sessionmaker, transport, poll_seconds=settings.mail_poll_seconds)
            worker.start()
        scheduler = Scheduler(
            sessionmaker,
            period=settings.credit_period,
            interval=settings.scheduler_interval,
            audit_retention=timedelta(days=settings.audit_retention_days),
            event_retention=settings.event_retention,
        )
        scheduler.start()
        if settings.is_production and not (settings.metrics_token or settings.metrics_port):
            logger.warning("/metrics is not served: set METRICS_PORT or METRICS_TOKEN")
        await hub.start()
        settle_heap()
        try:
            yield
        finally:
            # uvicorn has stopped accepting and let the requests in flight finish; the
            # background work stops next (a mail pass hands back its unsent claims).
            await hub.stop()
            await scheduler.stop()
            if worker is not None:
                await worker.stop()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()
            logger.info("shut down")

    middleware = [
        Middleware(RequestObserver, tracing=tracer_provider is not None),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-request-id", "traceparent"],
            expose_headers=["x-request-id", "traceparent"],
            max_age=600,
        ),
    ]
    if tracer_provider is not None:
        # Outside the observer: the server span covers everything, and is current in it.
        middleware.insert(0, tracing.asgi_middleware(tracer_provider))
    # Before anything else runs: the metrics listener serves the operations endpoints only.
    middleware.insert(0, Middleware(MetricsListenerOnly, metrics_port=settings.metrics_port))
    # Outermost, so every answer carries the headers, CORS refusals included.
    middleware.insert(0, Middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age))
    routes: list[BaseRoute] = [
        # Every method reaches the endpoint, so refusals share its JSON error shape.
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        WebSocketRoute("/graphql", websocket.handle),
        *ops.routes(),
        *portal.routes(),
    ]
    if settings.graphiql:
        routes.append(Mount(explorer.STATIC_PREFIX, explorer.static_files()))
    app = App(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )
    if tracer_provider is None:
        app.websocket_direct = websocket
        app.metrics_port = settings.metrics_port
    app.state.settings = settings
    app.state.engine = engine
    app.state.read_engine = read_engine
    app.state.sessionmaker = sessionmaker
    app.state.hub = hub
    app.state.websocket = websocket
    return app


class Server(uvicorn.Server):
    """uvicorn, closing the GraphQL WebSockets with 1001 "going away" before its own
    shutdown (which would close them with 1012) and the requests' grace period."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.app
        if isinstance(app, Starlette):
            await app.state.websocket.close_all()
        await super().shutdown(sockets)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def exit_cleanly(_signum: int, _frame: object) -> None:
    # uvicorn re-raises the SIGTERM it handled once it has shut down; end with status 0
    # then (and for a SIGTERM that arrives before it started), as service managers expect.
    raise SystemExit(0)


def main() -> None:
    """Serve on HOST:PORT, and on METRICS_HOST:METRICS_PORT for /metrics when set. SIGTERM
    shuts down gracefully: stop accepting, let requests in flight finish (up to
    SHUTDOWN_GRACE_SECONDS), stop the scheduler and mail worker, exit 0."""
    settings = Settings.from_env()
    logs.configure(json=settings.log_format == "json", level=settings.log_level)
    try:
        asyncio.run(check_connection(settings.database_url))
    except DatabaseUnreachableError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from exc
    signal.signal(signal.SIGTERM, exit_cleanly)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        server_header=False,
        access_log=False,  # web/observe.py writes the access line, with the request's fields
        log_config=None,  # uvicorn's own lines go through our handler and format
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        # Each compressed WebSocket keeps zlib state (tens of KiB) for its whole life, and
        # subscription messages are small JSON: W7 measures memory per idle subscription.
        ws_per_message_deflate=False,
        ws=LeanWebSocketProtocol,  # uvicorn's sans-I/O protocol, lighter (web/ws_protocol.py)
    )
    sockets = [_listen(settings.host, settings.port)]
    if settings.metrics_port is not None:
        sockets.append(_listen(settings.metrics_host, settings.metrics_port))
    Server(config).run(sockets=sockets)


def __getattr__(name: str) -> Starlette:
    # `uvicorn server:app` builds the app on first access, not at import time.
    if name == "app":
        return create_app()
    raise AttributeError(name)


if __name__ == "__main__":
    main()
