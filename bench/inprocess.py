"""The app in-process: SQL statements per request, and the time spent in authorization.

Statements are counted with a SQLAlchemy `before_cursor_execute` listener; authorization is
timed by wrappers the benchmark installs around the app's functions for the run (the app's
code is not changed).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import secrets
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import event
from starlette.applications import Starlette

from bench import workloads as w
from bench.audit import BENCH_AUDIT_KEY
from bench.fixture import Fixture, variants
from config import Settings
from server import create_app, token_config
from services import tokens

SMALL, LARGE = 10, 10_000  # rows per request for the statement counts


class Timer:
    """Wall time spent inside wrapped functions, counted once however they nest."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                with self.timing():
                    return await function(*args, **kwargs)

            return timed_async

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing():
                return function(*args, **kwargs)

        return timed

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        self._depth += 1
        start = time.perf_counter()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - start
                self.calls += 1


AUTHORIZATION: dict[str, tuple[str, ...]] = {
    "services.access": (
        "can",
        "require",
        "company_in_scope",
        "row_in_scope",
        "authorize_company",
    ),
    "services.account": ("account_in_scope", "authorize_account"),
    "policies.scope": ("relation_of",),
}
AUTHENTICATION: dict[str, tuple[str, ...]] = {"services.auth": ("authenticate",)}


@contextlib.contextmanager
def instrumented(functions: Mapping[str, tuple[str, ...]], timer: Timer) -> Iterator[None]:
    """Replace each function by a timed wrapper in every loaded module that imported it."""
    # Names the app no longer has are skipped: the benchmark must not break on a refactor.
    originals = {
        getattr(sys.modules[module], name)
        for module, names in functions.items()
        for name in names
        if hasattr(sys.modules.get(module), name)
    }
    wrappers = {id(function): timer.wrap(function) for function in originals}
    patched: list[tuple[Any, str, Any]] = []
    for module in list(sys.modules.values()):
        for name, value in list(vars(module).items()) if module else []:
            if id(value) in wrappers and value in originals:
                patched.append((module, name, value))
                setattr(module, name, wrappers[id(value)])
    try:
        yield
    finally:
        for module, name, value in patched:
            setattr(module, name, value)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


@dataclass(frozen=True)
class Request:
    name: str
    query: str
    variables: dict[str, Any]
    rows: Callable[[dict[str, Any]], int]


def count_requests(fixture: Fixture, size: int) -> list[Request]:
    """The workloads' queries as the platform's SUPERADMIN, `size` rows each."""
    root = w.global_id("Company", 1)
    busy = w.global_id("Company", fixture.partner_id)
    return [
        Request(
            "W1",
            w.TREE,
            {"first": size},
            lambda data: len(data["companyTree"]["edges"]),
        ),
        Request(
            "W2",
            w.DEVICES,
            {"companyId": root, "first": size, "after": None},
            lambda data: len(data["devices"]["edges"]),
        ),
        Request(
            "W3",
            w.LEDGER,
            {"companyId": busy, "first": size, "after": None},
            lambda data: len(data["ledgerEntries"]["edges"]),
        ),
        Request(
            "W4",
            w.DASHBOARD,
            {"first": size},
            lambda data: len(data["accounts"]["edges"]),
        ),
        Request(
            "W8",
            w.AUDIT,
            {"companyId": busy, "first": size, "after": None},
            lambda data: len(data["auditEvents"]["edges"]),
        ),
    ]


def bench_settings(url: str, *, max_rows: int = LARGE) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        jwt_key=secrets.token_urlsafe(48),
        audit_secret=BENCH_AUDIT_KEY,  # what it writes verifies with the seeded entries
        graphiql=False,
        max_page_size=max_rows,
        max_tree_page_size=max_rows,
        # Pages of 10,000 rows are over the default budget (W8's: 140,002); the statement
        # counts measure SQL per request, the budget is measured by bench/hostile.py.
        cost_budget=max_rows * 100,
    )


def mint_token(settings: Settings, user_id: int) -> str:
    """An access token as login issues it (the in-process part spends no argon2 time)."""
    token, _, _ = tokens.encode(
        token_config(settings),
        kind=tokens.TokenType.ACCESS,
        user_id=user_id,
        auth_epoch=0,
        now=datetime.now(UTC),
        session_id=tokens.new_jti(),  # a session never revoked
    )
    return token


@contextlib.asynccontextmanager
async def in_process_app(
    settings: Settings,
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient, StatementCounter]]:
    app = create_app(settings)
    counter = StatementCounter()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield app, client, counter
    finally:
        await app.state.engine.dispose()


async def post(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post(
        "/graphql",
        json=w.body(query, variables),
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
    )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"the API answered errors: {body['errors']}")
    return body["data"]


@dataclass
class StatementCount:
    """Statements of each of `repeats` identical requests at `small` and at `large` rows.

    The repeats differ only by timing: two loads of one DataLoader that land in different
    event-loop ticks are two batches, so a count may vary by one between runs."""

    workload: str
    small: list[int]
    large: list[int]
    small_rows: int
    large_rows: int
    statements: list[str]  # the large request's, for the report when the counts differ

    @property
    def grows(self) -> bool:
        """More statements at many rows than at few: the count depends on the data."""
        return max(self.large) > max(self.small)

    @staticmethod
    def spread(counts: list[int]) -> str:
        low, high = min(counts), max(counts)
        return str(low) if low == high else f"{low}-{high}"


async def statement_counts(
    url: str, fixture: Fixture, small: int = SMALL, large: int = LARGE, repeats: int = 3
) -> list[StatementCount]:
    """SQL statements of one request of each workload at `small` and at `large` rows."""
    settings = bench_settings(url, max_rows=max(large, 5000))
    token = mint_token(settings, fixture.platform_user_id)
    results = []
    async with in_process_app(settings) as (app, client, counter):
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(" ".join(str(args[2]).split())[:160])

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
        for small_request, large_request in zip(
            count_requests(fixture, small), count_requests(fixture, large), strict=True
        ):
            counts: list[list[int]] = [[], []]
            rows = [0, 0]
            for index, request in enumerate((small_request, large_request)):
                await post(client, token, request.query, request.variables)  # warm-up
                for _ in range(repeats):
                    statements.clear()
                    before = counter.count
                    data = await post(client, token, request.query, request.variables)
                    counts[index].append(counter.count - before)
                    rows[index] = request.rows(data)
            results.append(
                StatementCount(
                    workload=small_request.name,
                    small=counts[0],
                    large=counts[1],
                    small_rows=rows[0],
                    large_rows=rows[1],
                    statements=list(statements),
                )
            )
    return results


@dataclass
class Share:
    workload: str
    requests: int
    request_seconds: float
    authorization_seconds: float
    authentication_seconds: float

    @property
    def authorization(self) -> float:
        return self.authorization_seconds / self.request_seconds

    @property
    def authentication(self) -> float:
        return self.authentication_seconds / self.request_seconds


async def authorization_shares(url: str, fixture: Fixture, iterations: int) -> list[Share]:
    """Per workload (as the HTTP run sends it), the share of request time spent deciding
    who may see what (relation queries and policy decisions) and authenticating."""
    settings = bench_settings(url, max_rows=5000)
    shares = []
    async with in_process_app(settings) as (_, client, _counter):
        token = mint_token(settings, fixture.partner_user_id)
        for variant in variants(fixture, iterations):
            await post(client, token, variant.query, variant.variables)  # warm-up
            authorization, authentication = Timer(), Timer()
            total, requests = 0.0, max(5, variant.iterations // 4)
            with (
                instrumented(AUTHORIZATION, authorization),
                instrumented(AUTHENTICATION, authentication),
            ):
                for _ in range(requests):
                    start = time.perf_counter()
                    await post(client, token, variant.query, variant.variables)
                    total += time.perf_counter() - start
            shares.append(
                Share(variant.name, requests, total, authorization.seconds, authentication.seconds)
            )
    return shares
