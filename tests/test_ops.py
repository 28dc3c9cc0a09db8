"""The operations endpoints through HTTP (web/ops.py): health, version, /metrics and who may
read it, each metric the operations guide names, and W3C `traceparent` accepted and echoed
(with and without OpenTelemetry tracing)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import sqlite3
import subprocess
import time
import tomllib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.applications import Starlette

import cli
from config import Settings
from models.base import utcnow
from models.company import Company
from models.db import create_engine, create_read_sessionmaker
from models.mail import OutboxMessage
from models.user import Role
from server import create_app
from services import jobs, logs
from services.jobs import _counted
from services.mail_delivery import LogTransport, MailWorker
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid, login, signed_in
from web import tracing
from web.ops import Ops

ROOT = Path(__file__).resolve().parent.parent
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
ME = "query Me { me { id } }"


@asynccontextmanager
async def http_to(
    app: Starlette, base_url: str = "http://test"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http


@asynccontextmanager
async def app_with(settings: Settings, **overrides: Any) -> AsyncIterator[Starlette]:
    """An app of its own on the suite's database, with other settings."""
    app = create_app(replace(settings, **overrides))
    try:
        yield app
    finally:
        await app.state.engine.dispose()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text answer, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def value(scraped: dict[Any, float], name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


# --- health and version --------------------------------------------------------------


async def test_livez_readyz_and_version_answer(client: GraphQLClient) -> None:
    live = await client.http.get("/livez")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = await client.http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    version = (await client.http.get("/version")).json()
    commit = (
        os.environ.get("GIT_COMMIT")
        or subprocess.run(  # noqa: ASYNC221 - a moment
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    with (ROOT / "pyproject.toml").open("rb") as handle:
        package = tomllib.load(handle)["project"]["version"]
    assert version == {"name": "fleet-admin", "version": package, "commit": commit}
    assert re.fullmatch(r"[0-9a-f]{40}", commit)


async def test_readyz_is_503_with_the_reason_before_the_migrations(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        data_dir=tmp_path,
        jwt_key="k" * 40,
    )
    app = create_app(settings)
    try:
        async with http_to(app) as http:
            response = await http.get("/readyz")
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "unavailable"
            assert body["reason"].startswith("database: schema at revision none, expected ")
            assert "run `cli.py migrate`" in body["reason"]
            assert (await http.get("/livez")).status_code == 200  # alive all the same
            await asyncio.to_thread(cli.migrate, settings)
            assert (await http.get("/readyz")).status_code == 200
    finally:
        await app.state.engine.dispose()


async def test_readyz_names_an_unreachable_database_without_a_stack_trace(
    tmp_path: Path,
) -> None:
    settings = Settings(
        environment="test",
        # A port nothing listens on: the connection is refused at once
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/fleet",
        data_dir=tmp_path,
        jwt_key="k" * 40,
    )
    app = create_app(settings)
    try:
        async with http_to(app) as http:
            response = await http.get("/readyz")
        assert response.status_code == 503
        reason = response.json()["reason"]
        assert reason.startswith("database: ")
        assert "Traceback" not in reason
        assert "\n" not in reason
    finally:
        await app.state.engine.dispose()


# --- who may read /metrics -----------------------------------------------------------


async def test_metrics_token_is_required_when_set(app: Any, migrated: Settings) -> None:
    token = "scrape-me-" + "s" * 20
    async with app_with(migrated, metrics_token=token) as guarded, http_to(guarded) as http:
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic x"}):
            refused = await http.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"] == 'Bearer realm="metrics"'
            assert "fleet_" not in refused.text
        allowed = await http.get("/metrics", headers={"authorization": f"Bearer {token}"})
        assert allowed.status_code == 200
        assert "fleet_graphql_requests_total" in allowed.text


async def test_production_serves_metrics_only_on_its_own_port_by_default(
    app: Any, migrated: Settings
) -> None:
    # Production without METRICS_PORT or METRICS_TOKEN: not served at all
    async with (
        app_with(migrated, environment="production") as production,
        http_to(production, "http://test:8000") as http,
    ):
        assert (await http.get("/metrics")).status_code == 404
    # With METRICS_PORT: served on that listener, not on the public port
    async with app_with(migrated, environment="production", metrics_port=9464) as production:
        async with http_to(production, "http://test:8000") as public:
            assert (await public.get("/metrics")).status_code == 404
        async with http_to(production, "http://test:9464") as private:
            assert (await private.get("/metrics")).status_code == 200
            # And that listener is for Prometheus and probes, not for the API
            assert (await private.get("/readyz")).status_code == 200
            api = await private.post("/graphql", json={"query": "{ __typename }"})
            assert api.status_code == 404
        async with http_to(production, "http://test:8000") as public:
            api = await public.post("/graphql", json={"query": "{ __typename }"})
            assert api.status_code == 200
    # Both: the token is asked on the metrics port too
    async with (
        app_with(
            migrated, environment="production", metrics_port=9464, metrics_token="t" * 32
        ) as production,
        http_to(production, "http://test:9464") as private,
    ):
        assert (await private.get("/metrics")).status_code == 401
        ok = await private.get("/metrics", headers={"authorization": "Bearer " + "t" * 32})
        assert ok.status_code == 200


# --- the metrics ---------------------------------------------------------------------


async def test_requests_latency_and_errors_are_counted_by_operation_type_and_code(
    client: GraphQLClient, factory: Factory
) -> None:
    root = await factory.company(name="Platform")
    user = await factory.user(root, email="metrics.user@example.com")
    token = factory.token(user)
    before = await scrape(client.http)

    assert (await client(ME, token=token)).data["me"]["id"]
    assert (await client(ME, token=token)).data["me"]["id"]
    unauthenticated = await client(ME)
    assert unauthenticated.error_codes == ["UNAUTHENTICATED"]
    invalid = await client("query Broken { nothingHere }", token=token)
    assert invalid.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    wrong = await login(client, user.email, "not the password of this user")
    assert wrong["__typename"] == "InvalidCredentialsError"
    await signed_in(client, user)

    after = await scrape(client.http)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "fleet_graphql_requests_total"
    assert delta(requests, operation="Me", type="query", outcome="ok") == 2
    assert delta(requests, operation="Me", type="query", outcome="error") == 1
    # Refused before execution: the type is unknown, the name only what the request says
    assert delta(requests, operation="anonymous", type="unknown", outcome="rejected") == 1
    assert delta(requests, operation="Run", type="mutation", outcome="ok") == 2
    latency = "fleet_graphql_request_duration_seconds"
    assert delta(f"{latency}_count", type="query") == 3
    assert delta(f"{latency}_count", type="mutation") == 2
    assert delta(f"{latency}_bucket", type="query", le="+Inf") == 3
    assert delta(f"{latency}_sum", type="query") > 0
    errors = "fleet_graphql_errors_total"
    assert delta(errors, code="UNAUTHENTICATED") == 1
    assert delta(errors, code="GRAPHQL_VALIDATION_FAILED") == 1
    # The typed error is a result, not a GraphQL error: counted by its code on its own
    assert delta("fleet_mutation_errors_total", code=wrong["code"]) == 1
    assert delta(errors, code=wrong["code"]) == 0


async def test_pool_gauges_show_connections_in_use_and_tasks_waiting(
    migrated: Settings,
) -> None:
    # A pool of one connection, so a second session has to wait for it
    engine = create_engine(migrated.database_url, pool_size=1, max_overflow=0, pool_timeout=30)
    ops = Ops(
        settings=replace(migrated, ready_timeout_seconds=0.5),
        engine=engine,
        read_engine=None,
        read_sessionmaker=create_read_sessionmaker(engine),
    )
    app = Starlette(routes=ops.routes())
    try:
        async with http_to(app) as http:
            idle = await scrape(http)
            assert value(idle, "fleet_db_pool_in_use", pool="primary") == 0
            assert value(idle, "fleet_db_pool_waiting", pool="primary") == 0
            held = await engine.connect()
            waiter = asyncio.create_task(engine.connect().start())
            await asyncio.sleep(0.2)
            assert not waiter.done()
            # /metrics answers all the same: its outbox query gives up after the timeout
            busy = await scrape(http)
            assert value(busy, "fleet_db_pool_in_use", pool="primary") == 1
            assert value(busy, "fleet_db_pool_waiting", pool="primary") == 1
            await held.close()
            await (await waiter).close()
            assert value(await scrape(http), "fleet_db_pool_waiting", pool="primary") == 0
    finally:
        await engine.dispose()


async def test_outbox_depth_and_the_age_of_the_oldest_due_mail(
    client: GraphQLClient, app: Any
) -> None:
    sessionmaker: async_sessionmaker[Any] = app.state.sessionmaker
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        for n, (due, attempts) in enumerate(
            [(timedelta(minutes=-10), 0), (timedelta(minutes=-2), 1), (timedelta(hours=1), 1)]
        ):
            session.add(
                OutboxMessage(
                    message_id=f"<metrics-{n}@example.com>",
                    kind="invitation",
                    to_address=f"to{n}@example.com",
                    subject="s",
                    body_text="b",
                    attempts=attempts,
                    next_attempt_at=now + due,
                )
            )
        session.add(
            OutboxMessage(
                message_id="<metrics-sent@example.com>",
                kind="invitation",
                to_address="sent@example.com",
                subject="s",
                body_text="b",
                next_attempt_at=now - timedelta(days=1),
                sent_at=now,
            )
        )
    scraped = await scrape(client.http)
    assert value(scraped, "fleet_mail_outbox_due") == 2  # the retry in an hour is not due
    assert value(scraped, "fleet_mail_outbox_unsent") == 3  # the sent one is not counted
    age = value(scraped, "fleet_mail_outbox_oldest_due_age_seconds")
    assert 600 <= age < 660


async def test_job_runs_and_their_last_success_time(client: GraphQLClient, app: Any) -> None:
    before = await scrape(client.http)
    started = time.time()
    await jobs.run_all(app.state.sessionmaker, period=timedelta(days=30))

    async def failing() -> None:
        raise RuntimeError("the job failed")

    with pytest.raises(RuntimeError):
        await _counted("charging", failing())
    after = await scrape(client.http)
    runs = "fleet_job_runs_total"
    for job in ("reminders", "charging", "account_expiry", "purge", "audit"):
        assert (
            value(after, runs, job=job, outcome="success")
            - value(before, runs, job=job, outcome="success")
            == 1
        ), job
        last = value(after, "fleet_job_last_success_timestamp_seconds", job=job)
        assert started <= last <= time.time(), job
    assert (
        value(after, runs, job="charging", outcome="failure")
        - value(before, runs, job="charging", outcome="failure")
        == 1
    )


async def test_mail_worker_passes_are_job_runs(client: GraphQLClient, app: Any) -> None:
    success = {"job": "mail_delivery", "outcome": "success"}
    before = value(await scrape(client.http), "fleet_job_runs_total", **success)
    started = time.time()
    worker = MailWorker(app.state.sessionmaker, LogTransport(), poll_seconds=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while value(await scrape(client.http), "fleet_job_runs_total", **success) <= before:
            assert time.monotonic() < deadline, "no mail delivery pass was counted"
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    scraped = await scrape(client.http)
    last = value(scraped, "fleet_job_last_success_timestamp_seconds", job="mail_delivery")
    assert started <= last <= time.time()


# --- traceparent and the request's log fields ----------------------------------------


@contextmanager
def access_lines() -> Iterator[io.StringIO]:
    """The access log as production writes it (JSON, with the request's fields)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.RequestFieldsFilter())
    logger = logging.getLogger("fleet.access")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


async def test_a_valid_traceparent_is_echoed_and_logged(client: GraphQLClient) -> None:
    with access_lines() as stream:
        response = await client.http.post(
            "/graphql",
            json={"query": "query Anonymous { __typename }"},
            headers={"traceparent": TRACEPARENT.upper(), "x-request-id": "req-42"},
        )
    assert response.status_code == 200
    assert response.headers["traceparent"] == TRACEPARENT  # lower case, as the spec writes it
    assert response.headers["x-request-id"] == "req-42"
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["trace_id"] == TRACE_ID
    assert line["request_id"] == "req-42"
    assert line["operation"] == "Anonymous"
    assert line["path"] == "/graphql"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    # Every endpoint echoes it, the probes too
    live = await client.http.get("/livez", headers={"traceparent": TRACEPARENT})
    assert live.headers["traceparent"] == TRACEPARENT


@pytest.mark.parametrize(
    "invalid",
    [
        f"00-{'0' * 32}-{PARENT_ID}-01",  # an all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # an all-zero parent id
        f"ff-{TRACE_ID}-{PARENT_ID}-01",  # version ff is forbidden
        f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01",  # too short
        "not a traceparent",
    ],
)
async def test_an_invalid_traceparent_is_ignored(client: GraphQLClient, invalid: str) -> None:
    with access_lines() as stream:
        response = await client.http.get("/livez", headers={"traceparent": invalid})
    assert response.status_code == 200
    assert "traceparent" not in response.headers
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert "trace_id" not in line


async def test_with_tracing_the_server_span_continues_the_callers_trace(
    app: Any, migrated: Settings, factory: Factory
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = create_app(migrated, tracer_provider=provider)
    try:
        root = await factory.company(name="Platform")
        user = await factory.user(root)
        async with http_to(traced) as http:
            response = await http.post(
                "/graphql",
                json={"query": ME},
                headers={
                    "traceparent": TRACEPARENT,
                    "authorization": f"Bearer {factory.token(user)}",
                },
            )
        assert response.status_code == 200, response.text
        echoed = response.headers["traceparent"]
        version, trace_id, span_id, flags = echoed.split("-")
        # Then the answer names the server's span, in the caller's trace
        assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
        assert span_id != PARENT_ID
        spans = exporter.get_finished_spans()
        [server] = [
            s for s in spans if s.parent is not None and s.parent.span_id == int(PARENT_ID, 16)
        ]
        assert f"{server.context.span_id:016x}" == span_id
        assert server.attributes is not None
        assert server.attributes.get("graphql.operation.name") == "Me"
        # And the SQL statements are spans of that trace too
        sql = [s for s in spans if s.attributes and "db.statement" in s.attributes]
        assert sql, [s.name for s in spans]
        assert all(f"{s.context.trace_id:032x}" == TRACE_ID for s in sql)
    finally:
        await traced.state.engine.dispose()
        provider.shutdown()


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "fleet-admin"),
        ({"OTEL_SERVICE_NAME": "fleet-eu-1"}, "fleet-eu-1"),
        ({"OTEL_RESOURCE_ATTRIBUTES": "service.name=fleet-b,region=eu"}, "fleet-b"),
    ],
)
def test_the_service_name_is_ours_unless_otel_variables_name_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], name: str
) -> None:
    for variable in ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"):
        monkeypatch.delenv(variable, raising=False)
    for variable, setting in env.items():
        monkeypatch.setenv(variable, setting)
    assert tracing.resource(os.environ).attributes["service.name"] == name


# --- reads from a replica ------------------------------------------------------------

COMPANY = "query Company($id: ID!) { node(id: $id) { ... on Company { name } } }"
CREATE_UNDER = """mutation Create($input: CompanyCreateInput!) { companyCreate(input: $input) {
  __typename ... on CompanyPayload { company { name parent { name } } } } }"""


async def test_reads_go_to_the_replica_and_a_request_that_wrote_reads_the_primary(
    tmp_path: Path,
) -> None:
    # Given a primary and a replica that lags behind it: a copy taken before a company
    # was renamed and before a second administrator was added on the primary
    primary = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'primary.db'}",
        data_dir=tmp_path,
        jwt_key="k" * 40,
    )
    await asyncio.to_thread(cli.migrate, primary)
    settings = replace(primary, database_read_url=f"sqlite+aiosqlite:///{tmp_path / 'replica.db'}")
    app = create_app(settings)
    try:
        factory = Factory(app.state.sessionmaker, settings)
        root = await factory.company(name="Platform")
        admin = await factory.user(root, Role.SUPERADMIN)
        site = await factory.company(root, name="North")

        def copy() -> None:
            with (
                sqlite3.connect(tmp_path / "primary.db") as source,
                sqlite3.connect(tmp_path / "replica.db") as target,
            ):
                source.backup(target)

        await asyncio.to_thread(copy)
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(
                update(Company).where(Company.id == site.id).values(name="Renamed")
            )
        newcomer = await factory.user(root, Role.SUPERADMIN)
        async with http_to(app) as http:
            client = GraphQLClient(http, settings)
            # When a query reads the company: the replica's (stale) name
            read = await client(COMPANY, {"id": cid(site)}, token=factory.token(admin))
            assert read.data == {"node": {"name": "North"}}
            # And the token is checked on the primary: a user the replica lacks signs in
            me = await client("query Me { me { email } }", token=factory.token(newcomer))
            assert me.data == {"me": {"email": newcomer.email}}
            # When a mutation writes, what the same request reads next is the primary's
            created = await client(
                CREATE_UNDER,
                {"input": {"parentId": cid(site), "name": "Room", "countryCode": "ES"}},
                token=factory.token(admin),
            )
            assert created.data["companyCreate"] == {
                "__typename": "CompanyPayload",
                "company": {"name": "Room", "parent": {"name": "Renamed"}},
            }
            # And /readyz checks both databases
            assert (await http.get("/readyz")).json() == {"status": "ready"}
    finally:
        await app.state.engine.dispose()
        await app.state.read_engine.dispose()
