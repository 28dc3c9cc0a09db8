"""Every test runs against SQLite and PostgreSQL.

The database is built by the Alembic migrations (so they are exercised too), once per
backend; after each test the tables are emptied. Tests commit for real, as the server does:
GraphQL resolves sibling fields concurrently on separate sessions, which a test transaction
wrapped around one connection could not reproduce.

PostgreSQL: TEST_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_test)
names the server; each run creates its own database next to that one (fleet_test_<pid>) and
drops it at the end, so runs in parallel do not collide. Where the server is unreachable the
PostgreSQL half is skipped with a message, except when CI or REQUIRE_POSTGRES is set: then it
fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import cli
import models
from config import Settings
from server import create_app
from tests.factories import Factory
from tests.graphql import GraphQLClient
from tests.smtp import smtp_server  # noqa: F401 - a fixture: a real SMTP server on loopback

PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_test"
)
TEST_JWT_KEY = "test-key-" + "x" * 40


def postgres_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES"))


async def _admin(url: str) -> Any:
    import asyncpg

    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
        timeout=5,
    )


async def _create_pg_database(url: str) -> str:
    """A fresh database for this run, named after the configured one; returns its URL."""
    name = f"{make_url(url).database}_{os.getpid()}"
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(url: str) -> None:
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    try:
        url = await _create_pg_database(PG_URL)
    except Exception as exc:  # any connection failure: refused, timeout, authentication
        message = f"PostgreSQL unreachable at {PG_URL}: {exc!r}"
        if postgres_required():
            pytest.fail(message + " (required: CI or REQUIRE_POSTGRES is set)")
        pytest.skip(message + " (set TEST_POSTGRES_URL; required in CI)")
    yield url
    await _drop_pg_database(url)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_key=TEST_JWT_KEY,
        graphiql=True,
    )


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> Settings:
    cli.migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def app(migrated: Settings) -> AsyncIterator[Any]:
    application = create_app(migrated)
    yield application
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(app: Any) -> AsyncEngine:
    engine: AsyncEngine = app.state.engine
    return engine


@pytest.fixture(scope="session")
def sessionmaker(app: Any) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return maker


# Seed data written by the migrations (the license catalog) stays; what tests add goes.
SEEDED = {"licenses"}
TABLES = [t.name for t in reversed(models.Base.metadata.sorted_tables) if t.name not in SEEDED]


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:  # every database fixture depends on `app`
        return
    engine: AsyncEngine = request.getfixturevalue("app").state.engine
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            # Children reference parents in the same table: check keys at commit instead.
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in TABLES:
                await conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - names from metadata
        await conn.execute(text("DELETE FROM licenses WHERE is_custom = true"))


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for service-level tests; the test commits or rolls back as a caller would."""
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def factory(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Factory:
    return Factory(sessionmaker, settings)


@pytest.fixture
async def client(app: Any, settings: Settings) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, settings)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[2]))


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


def pytest_report_header(config: pytest.Config) -> list[str]:
    required = "required" if postgres_required() else "optional (skipped if unreachable)"
    return [f"PostgreSQL: {PG_URL} ({required})", f"cwd: {Path.cwd()}"]
