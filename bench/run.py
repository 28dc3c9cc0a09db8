"""`make bench`: seed, serve, measure W1-W6 against the raw baseline, write docs/benchmarks.md.

    python -m bench.run                 # seed fleet_bench at full size (about 70 s), then measure
    python -m bench.run --reuse         # measure the database seeded last time
    python -m bench.run --scale 0.05    # a smaller platform (the targets are for scale 1)

The API runs as it does in production: `uvicorn server:app`, one process, APP_ENV=production,
on a loopback port; the baseline (bench/baseline.py) on another. Every request goes through
HTTP with httpx from this process, sequentially for latencies (W1-W4), 16 at a time for
credit moves (W5, compared with pgbench's TPC-B on a scratch database), 4 at a time for
sign-ins (W6). Statement counts and the share of authorization are measured on the same app
run in-process, where SQLAlchemy's statements can be counted and the authorization
functions timed. Nothing outside the loopback interface is contacted, every loop is bounded
in count and time, and the servers started here are stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import inspect
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from bench import seed as seeding
from bench import workloads as w
from config import Settings
from server import create_app, token_config
from services import passwords, tokens

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
SEED_REPORT = ROOT / "data" / "bench-seed.json"
ANALYSIS_MARKER = "<!-- analysis: kept by bench/run.py -->"
CLIENTS = 16  # W5, as pgbench -c 16
LOGIN_CLIENTS = 4
PAGE = 100
LEDGER_PAGE = 1_000
SMALL, LARGE = 10, 10_000  # rows per request for the statement counts


# --- the seeded data the workloads use --------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    partner_id: int  # the busy partner: W1-W4
    partner_user_id: int  # its SUPERADMIN, who runs W1-W4 and W6
    partner_email: str
    mover_partner_id: int  # W5: another partner, so the busy ledger stays as seeded
    mover_user_id: int
    mover_email: str
    mover_customers: list[int]
    platform_user_id: int
    platform_email: str
    subtree_size: int
    devices_last_after: int  # the cursor key of the last page of the partner's devices
    ledger_entries: int
    ledger_page: int  # the deepest page W3 reads (1,000 at full size)
    ledger_page_after: int | None


async def connect(url: str) -> Any:
    return await asyncpg.connect(**seeding._connect_args(url))


async def discover(url: str) -> Fixture:
    conn = await connect(url)
    try:
        partners = [
            row["id"]
            for row in await conn.fetch("SELECT id FROM companies WHERE depth = 1 ORDER BY id")
        ]
        partner, mover = partners[0], partners[1]

        async def superadmin(company_id: int) -> tuple[int, str]:
            row = await conn.fetchrow(
                "SELECT id, email FROM users WHERE company_id = $1 AND role = 'SUPERADMIN' "
                "AND is_active ORDER BY id LIMIT 1",
                company_id,
            )
            return int(row["id"]), str(row["email"])

        path = await conn.fetchval("SELECT path FROM companies WHERE id = $1", partner)
        upper = path[:-1] + "0"
        size = await conn.fetchval(
            "SELECT count(*) FROM companies WHERE path >= $1 AND path < $2", path, upper
        )
        devices = await conn.fetchval(
            "SELECT count(*) FROM devices d JOIN companies c ON c.id = d.company_id "
            "WHERE c.path >= $1 AND c.path < $2 AND d.unregistered_at IS NULL",
            path,
            upper,
        )
        last_after = await conn.fetchval(
            "SELECT d.id FROM devices d JOIN companies c ON c.id = d.company_id "
            "WHERE c.path >= $1 AND c.path < $2 AND d.unregistered_at IS NULL "
            "ORDER BY d.id OFFSET $3 LIMIT 1",
            path,
            upper,
            max(0, devices - PAGE - 1),
        )
        entries = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE company_id = $1", partner
        )
        page = max(2, min(LEDGER_PAGE, entries // PAGE))
        page_after = await conn.fetchval(
            "SELECT id FROM ledger_entries WHERE company_id = $1 ORDER BY id DESC "
            "OFFSET $2 LIMIT 1",
            partner,
            (page - 1) * PAGE - 1,
        )
        customers = [
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM companies WHERE parent_id = $1 ORDER BY id", mover
            )
        ]
        platform_user = await conn.fetchrow(
            "SELECT u.id, u.email FROM users u JOIN companies c ON c.id = u.company_id "
            "WHERE c.parent_id IS NULL AND u.role = 'SUPERADMIN' ORDER BY u.id LIMIT 1"
        )
        partner_user, mover_user = await superadmin(partner), await superadmin(mover)
        return Fixture(
            partner_id=partner,
            partner_user_id=partner_user[0],
            partner_email=partner_user[1],
            mover_partner_id=mover,
            mover_user_id=mover_user[0],
            mover_email=mover_user[1],
            mover_customers=customers,
            platform_user_id=platform_user["id"],
            platform_email=platform_user["email"],
            subtree_size=size,
            devices_last_after=last_after or 0,
            ledger_entries=entries,
            ledger_page=page,
            ledger_page_after=page_after,
        )
    finally:
        await conn.close()


# --- numbers ----------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def p99(self) -> float:
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """A uvicorn process on a loopback port, stopped by its pid."""

    def __init__(self, name: str, target: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = logs / f"{name}.log"
        argv = [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                argv, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
            )

    async def wait_ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: see {self.log}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(self.url + "/health")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {within:.0f} s: see {self.log}")

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS of the process, in KiB."""
        found: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    found[key] = int(value.split()[0])
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --- HTTP workloads ---------------------------------------------------------------------------


class Api:
    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self.client = client
        self.base = base

    async def graphql(
        self, query: str, variables: dict[str, Any], token: str | None = None
    ) -> httpx.Response:
        headers = {"content-type": "application/json", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return await self.client.post(
            self.base + "/graphql", json=w.body(query, variables), headers=headers
        )

    async def login(self, email: str) -> str:
        response = await self.graphql(
            w.LOGIN, {"input": {"email": email, "password": seeding.BENCH_PASSWORD}}
        )
        result = response.json()["data"]["login"]
        if result["__typename"] != "AuthPayload":
            raise RuntimeError(f"login of {email} failed: {result}")
        token: str = result["accessToken"]
        return token


@dataclass
class Variant:
    name: str
    query: str
    variables: dict[str, Any]
    baseline_path: str
    iterations: int


def variants(fixture: Fixture, iterations: int) -> list[Variant]:
    partner = w.global_id("Company", fixture.partner_id)
    ledger_after = w.cursor(fixture.ledger_page_after) if fixture.ledger_page_after else None
    base_ledger = f"/ledger?company={fixture.partner_id}&viewer={fixture.partner_id}&first={PAGE}"
    return [
        Variant(
            f"W1 subtree ({fixture.subtree_size:,} companies)",
            w.TREE,
            {"first": 5000},
            f"/tree?company={fixture.partner_id}&first=5000",
            max(20, iterations // 4),
        ),
        Variant(
            "W2 devices, first page",
            w.DEVICES,
            {"companyId": partner, "first": PAGE, "after": None},
            f"/devices?company={fixture.partner_id}&first={PAGE}",
            iterations,
        ),
        Variant(
            "W2 devices, last page",
            w.DEVICES,
            {"companyId": partner, "first": PAGE, "after": w.cursor(fixture.devices_last_after)},
            f"/devices?company={fixture.partner_id}&first={PAGE}"
            f"&after={fixture.devices_last_after}",
            iterations,
        ),
        Variant(
            "W3 ledger, page 1",
            w.LEDGER,
            {"companyId": partner, "first": PAGE, "after": None},
            base_ledger,
            iterations,
        ),
        Variant(
            f"W3 ledger, page {fixture.ledger_page:,}",
            w.LEDGER,
            {"companyId": partner, "first": PAGE, "after": ledger_after},
            base_ledger + f"&after={fixture.ledger_page_after}",
            iterations,
        ),
        Variant(
            "W4 dashboard",
            w.DASHBOARD,
            {"first": PAGE},
            f"/dashboard?user={fixture.partner_user_id}&first={PAGE}",
            iterations,
        ),
    ]


async def sample(
    call: Callable[[], Awaitable[httpx.Response]], iterations: int, max_seconds: float
) -> Sample:
    for _ in range(3):  # warm-up: connections, prepared statements, caches
        (await call()).raise_for_status()
    result = Sample()
    deadline = time.monotonic() + max_seconds
    for _ in range(iterations):
        start = time.perf_counter()
        response = await call()
        result.seconds.append(time.perf_counter() - start)
        response.raise_for_status()
        if time.monotonic() > deadline:
            break
    return result


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            found = first_difference(left.get(key), right.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items against {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} against {right!r}"


@dataclass
class Latency:
    variant: str
    api: Sample
    baseline: Sample
    same_json: bool
    difference: str | None

    @property
    def ratio(self) -> float:
        return self.api.median / self.baseline.median


async def measure_latencies(
    api: Api, baseline: Api, fixture: Fixture, iterations: int
) -> list[Latency]:
    token = await api.login(fixture.partner_email)
    results = []
    for variant in variants(fixture, iterations):

        async def call_api(variant: Variant = variant) -> httpx.Response:
            return await api.graphql(variant.query, variant.variables, token)

        async def call_baseline(variant: Variant = variant) -> httpx.Response:
            return await baseline.client.get(baseline.base + variant.baseline_path)

        api_json, base_json = (await call_api()).json(), (await call_baseline()).json()
        difference = first_difference(api_json, base_json)
        if "errors" in api_json:
            difference = f"the API answered errors: {api_json['errors']}"
        api_sample = await sample(call_api, variant.iterations, 60.0)
        base_sample = await sample(call_baseline, variant.iterations, 60.0)
        results.append(
            Latency(variant.name, api_sample, base_sample, difference is None, difference)
        )
        print(
            f"  {variant.name}: API {ms(api_sample.median)} (p99 {ms(api_sample.p99)}), "
            f"baseline {ms(base_sample.median)} (p99 {ms(base_sample.p99)}), "
            f"x{api_sample.median / base_sample.median:.1f}"
            + ("" if difference is None else f"  JSON DIFFERS: {difference}"),
            flush=True,
        )
    return results


@dataclass
class Throughput:
    done: int
    failed: int
    seconds: float
    latency: Sample
    first_error: str | None = None

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


async def run_clients(
    clients: int,
    seconds: float,
    max_operations: int,
    operation: Callable[[int, int], Awaitable[str | None]],
) -> Throughput:
    """`clients` loops calling operation(client, n) until the time or the count is spent;
    it returns None on success or a description of the failure."""
    latency = Sample()
    done = failed = 0
    first_error: str | None = None
    deadline = time.monotonic() + seconds
    started = time.perf_counter()

    async def loop(client: int) -> None:
        nonlocal done, failed, first_error
        n = 0
        while time.monotonic() < deadline and done + failed < max_operations:
            start = time.perf_counter()
            error = await operation(client, n)
            latency.seconds.append(time.perf_counter() - start)
            n += 1
            if error is None:
                done += 1
            else:
                failed += 1
                first_error = first_error or error

    await asyncio.gather(*(loop(client) for client in range(clients)))
    return Throughput(done, failed, time.perf_counter() - started, latency, first_error)


async def credit_moves(
    api: Api, baseline: Api, fixture: Fixture, seconds: float
) -> dict[str, Throughput]:
    token = await api.login(fixture.mover_email)
    partner = fixture.mover_partner_id
    customers = fixture.mover_customers

    def pair(client: int, n: int) -> tuple[int, int]:
        customer = customers[client % len(customers)]
        return (partner, customer) if n % 2 == 0 else (customer, partner)

    async def through_api(client: int, n: int) -> str | None:
        source, target = pair(client, n)
        move = {
            "fromCompanyId": w.global_id("Company", source),
            "toCompanyId": w.global_id("Company", target),
            "amount": 1,
            "reason": "bench",
        }
        response = await api.graphql(w.MOVE, {"input": move}, token)
        body = response.json()
        result = (body.get("data") or {}).get("creditMove") or {}
        if result.get("__typename") == "CreditMovePayload":
            return None
        return str(body.get("errors") or result)

    async def through_baseline(client: int, n: int) -> str | None:
        source, target = pair(client, n)
        response = await baseline.client.post(
            baseline.base + "/move",
            json={"from": source, "to": target, "amount": 1, "actor": fixture.mover_user_id},
        )
        result = response.json()["data"]["creditMove"]
        return None if "transferId" in result else str(result)

    return {
        "api": await run_clients(CLIENTS, seconds, 1_000_000, through_api),
        "raw": await run_clients(CLIENTS, seconds, 1_000_000, through_baseline),
    }


async def logins(api: Api, fixture: Fixture, seconds: float) -> Throughput:
    async def login(_client: int, _n: int) -> str | None:
        try:
            await api.login(fixture.partner_email)
        except RuntimeError as exc:
            return str(exc)
        return None

    return await run_clients(LOGIN_CLIENTS, seconds, 400, login)


def argon2_rate(seconds: float = 5.0) -> tuple[float, str]:
    """Verifications per second of one thread, and the parameters, as the server hashes."""
    hasher = passwords.hasher()
    stored = hasher.hash(seeding.BENCH_PASSWORD)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds and count < 500:
        hasher.verify(stored, seeding.BENCH_PASSWORD)
        count += 1
    parameters = (
        f"argon2{hasher.type.name.lower()}, t={hasher.time_cost}, "
        f"m={hasher.memory_cost // 1024} MiB, p={hasher.parallelism}"
    )
    return count / (time.perf_counter() - started), parameters


# --- pgbench ----------------------------------------------------------------------------------


def pgbench_path() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return None


async def pgbench_tpcb(url: str, seconds: int) -> tuple[float, str]:
    """TPC-B (pgbench's default script) with CLIENTS clients on a scratch database."""
    program = pgbench_path()
    if program is None:
        return math.nan, "pgbench not found"
    scratch = make_url(url).set(database="fleet_bench_pgbench")
    scratch_url = scratch.render_as_string(hide_password=False)
    await seeding.recreate_database(scratch_url)
    env = {**os.environ}
    if scratch.password:
        env["PGPASSWORD"] = scratch.password
    connection = [
        "-h",
        scratch.host or "127.0.0.1",
        "-p",
        str(scratch.port or 5432),
        "-U",
        scratch.username or "postgres",
    ]
    try:
        await asyncio.to_thread(
            subprocess.run,
            [program, "-i", "-q", *connection, "fleet_bench_pgbench"],
            env=env,
            check=True,
            capture_output=True,
        )
        command = [program, "-c", str(CLIENTS), "-j", "2", "-T", str(seconds)]
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, *connection, "fleet_bench_pgbench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        await seeding.drop_database(scratch_url)
    match = re.search(r"tps = ([\d.]+) \((without|excluding)", done.stdout)
    description = " ".join(Path(part).name if part == program else part for part in command)
    return (float(match.group(1)) if match else math.nan), description + " (scale 1)"


# --- in process: statements per request, time in authorization --------------------------------


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
    "services.access": ("can", "require", "company_in_scope", "authorize_company"),
    "services.account": ("account_in_scope", "authorize_account"),
    "policies.scope": ("relation_of",),
}
AUTHENTICATION: dict[str, tuple[str, ...]] = {"services.auth": ("authenticate",)}


@contextlib.contextmanager
def instrumented(functions: Mapping[str, tuple[str, ...]], timer: Timer) -> Iterator[None]:
    """Replace each function by a timed wrapper in every loaded module that imported it."""
    originals = {
        getattr(sys.modules[module], name) for module, names in functions.items() for name in names
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
    ]


def bench_settings(url: str, *, max_rows: int = LARGE) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        jwt_key=secrets.token_urlsafe(48),
        graphiql=False,
        max_page_size=max_rows,
        max_tree_page_size=max_rows,
    )


def mint_token(settings: Settings, user_id: int) -> str:
    """An access token as login issues it (the in-process part spends no argon2 time)."""
    token, _, _ = tokens.encode(
        token_config(settings),
        kind=tokens.TokenType.ACCESS,
        user_id=user_id,
        auth_epoch=0,
        now=datetime.now(UTC),
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
    workload: str
    small: int
    large: int
    small_rows: int
    large_rows: int


async def statement_counts(
    url: str, fixture: Fixture, small: int = SMALL, large: int = LARGE
) -> list[StatementCount]:
    """SQL statements of one request of each workload at `small` and at `large` rows."""
    settings = bench_settings(url, max_rows=max(large, 5000))
    token = mint_token(settings, fixture.platform_user_id)
    results = []
    async with in_process_app(settings) as (_, client, counter):
        for small_request, large_request in zip(
            count_requests(fixture, small), count_requests(fixture, large), strict=True
        ):
            counts, rows = [], []
            for request in (small_request, large_request):
                await post(client, token, request.query, request.variables)  # warm-up
                before = counter.count
                data = await post(client, token, request.query, request.variables)
                counts.append(counter.count - before)
                rows.append(request.rows(data))
            results.append(StatementCount(small_request.name, *counts, *rows))
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


# --- the report -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "cores (nproc)": str(os.cpu_count()),
        "memory": memory,
        "CPU": cpu,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


@dataclass
class Results:
    fixture: Fixture
    seed: dict[str, Any]
    postgres: str
    latencies: list[Latency]
    moves: dict[str, Throughput]
    pgbench: tuple[float, str]
    login: Throughput
    argon2: tuple[float, str]
    counts: list[StatementCount]
    shares: list[Share]
    memory: dict[str, int]
    baseline_memory: dict[str, int]
    finished: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def table(results: Results) -> list[str]:
    lines = [
        "| workload | API median | API p99 | baseline median | baseline p99 | ratio | target | |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    page_one = next((lat for lat in results.latencies if lat.variant == "W3 ledger, page 1"), None)
    for latency in results.latencies:
        ratio = latency.ratio
        lines.append(
            f"| {latency.variant} | {ms(latency.api.median)} | {ms(latency.api.p99)} | "
            f"{ms(latency.baseline.median)} | {ms(latency.baseline.p99)} | {ratio:.1f}x | "
            f"median ≤ 3x baseline | {verdict(ratio <= 3)} |"
        )
        if latency.variant.startswith("W3 ledger, page ") and page_one and latency is not page_one:
            deep = latency.api.median / page_one.api.median
            lines.append(
                f"| {latency.variant} against page 1 | {ms(latency.api.median)} | | "
                f"{ms(page_one.api.median)} (API page 1) | | {deep:.2f}x | ≤ 1.5x page 1 | "
                f"{verdict(deep <= 1.5)} |"
            )
    api, raw = results.moves["api"], results.moves["raw"]
    tps = results.pgbench[0]
    move_ratio = api.per_second / tps if tps else math.nan
    lines.append(
        f"| W5 credit moves, {CLIENTS} clients | {api.per_second:.0f}/s | {ms(api.latency.p99)} | "
        f"{tps:.0f} TPC-B tx/s (pgbench) | | {move_ratio:.2f}x | ≥ 0.5x pgbench | "
        f"{verdict(move_ratio >= 0.5)} |"
    )
    lines.append(
        f"| W5 raw moves (baseline /move), {CLIENTS} clients | {raw.per_second:.0f}/s | "
        f"{ms(raw.latency.p99)} | {tps:.0f} tx/s | | {raw.per_second / tps:.2f}x | (context) | |"
    )
    rate, parameters = results.argon2
    login = results.login
    lines.append(
        f"| W6 logins, {LOGIN_CLIENTS} clients | {login.per_second:.1f}/s | "
        f"{ms(login.latency.p99)} | {rate:.1f} argon2 verifications/s (one thread) | | "
        f"{login.per_second / rate:.2f}x | reported: {parameters} | |"
    )
    return lines


def counts_table(results: Results) -> list[str]:
    lines = [
        f"| workload | statements at {SMALL} rows | statements at {LARGE:,} rows | target | |",
        "|---|---:|---:|---|---|",
    ]
    for count in results.counts:
        lines.append(
            f"| {count.workload} | {count.small} ({count.small_rows} rows) | "
            f"{count.large} ({count.large_rows:,} rows) | equal | "
            f"{verdict(count.small == count.large)} |"
        )
    return lines


def shares_table(results: Results) -> list[str]:
    lines = [
        "| workload | mean request (in-process) | authorization | authentication | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for share in results.shares:
        lines.append(
            f"| {share.workload} | {ms(share.request_seconds / share.requests)} | "
            f"{share.authorization:.1%} | {share.authentication:.1%} | authorization < 5% | "
            f"{verdict(share.authorization < 0.05)} |"
        )
    return lines


def render(results: Results, analysis: str) -> str:
    fixture, seed = results.fixture, results.seed
    memory_mib = results.memory.get("VmHWM", 0) / 1024
    rows = ", ".join(f"{table} {count:,}" for table, count in seed.get("rows", {}).items())
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results.finished} by `make bench` (`python -m bench.run`); this file is "
        "written by it. The analysis at the end is written by hand and kept across runs.",
        "",
        "## Results",
        "",
        "W1-W4: sequential requests from one client; median and 99th percentile of the "
        "round trip (request sent to body received). The baseline is bench/baseline.py: a bare "
        "Starlette route with asyncpg and orjson answering the same JSON from the same rows "
        "(checked equal before measuring"
        + ("" if all(lat.same_json for lat in results.latencies) else ": **some differ**, below")
        + ").",
        "",
        *table(results),
        "",
        f"| server process | peak RSS (VmHWM) {memory_mib:.0f} MiB | target < 300 MB | "
        f"{verdict(memory_mib * 1.048576 < 300)} |",
        "|---|---|---|---|",
        f"| baseline process | peak RSS {results.baseline_memory.get('VmHWM', 0) / 1024:.0f} MiB"
        " | | |",
        "",
        "### SQL statements per request",
        "",
        "Counted with a SQLAlchemy `before_cursor_execute` listener on the app run in-process, "
        "as the platform's SUPERADMIN (so 10,000 rows exist for every list), with "
        f"`MAX_PAGE_SIZE` and `MAX_TREE_PAGE_SIZE` raised to {LARGE:,}.",
        "",
        *counts_table(results),
        "",
        "### Time in authorization",
        "",
        "The W1-W4 requests above, in-process, with timing wrappers around "
        + ", ".join(f"`{m}.{n}`" for m, names in AUTHORIZATION.items() for n in names)
        + " (authorization: the relation query and the policy decision) and "
        "`services.auth.authenticate` (authentication: token check and user load), installed "
        "by the benchmark, not in the app.",
        "",
        *shares_table(results),
        "",
    ]
    differing = [lat for lat in results.latencies if not lat.same_json]
    if differing:
        lines += ["### JSON differences", ""]
        lines += [f"- {lat.variant}: {lat.difference}" for lat in differing]
        lines.append("")
    api, raw = results.moves["api"], results.moves["raw"]
    lines += [
        "### Details",
        "",
        f"- W5: {api.done:,} moves in {api.seconds:.1f} s ({api.failed} failed"
        + (f", first: {api.first_error}" if api.first_error else "")
        + f"), median {ms(api.latency.median)}; raw: {raw.done:,} in {raw.seconds:.1f} s "
        f"({raw.failed} failed). pgbench: `{results.pgbench[1]}`. The moves alternate between "
        f"partner {fixture.mover_partner_id} and its customers, so like TPC-B at scale 1 "
        "(one branch row) every transaction locks one hot row.",
        f"- W6: {results.login.done} logins in {results.login.seconds:.1f} s, median "
        f"{ms(results.login.latency.median)}; argon2 parameters from services/passwords.py: "
        f"{results.argon2[1]}.",
        f"- Workload data: partner {fixture.partner_id} ({fixture.subtree_size:,} companies in "
        f"its subtree, {fixture.ledger_entries:,} ledger entries); W3's deep page is page "
        f"{fixture.ledger_page:,} of {PAGE}.",
        "",
        "## Data",
        "",
        f"Seeded by bench/seed.py at scale {seed.get('scale', '?')} in "
        f"**{seed.get('seconds', math.nan):.0f} s** (target: 10 minutes): {rows}.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine().items()],
        f"- PostgreSQL: {results.postgres}",
        "- Server: `uvicorn server:app`, one process, APP_ENV=production, no access log; "
        "client, server, baseline and PostgreSQL share the machine.",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench                       # seeds fleet_bench (dropped first), then measures",
        ".venv/bin/python -m bench.run --reuse      # measure again without seeding",
        ".venv/bin/python -m bench.seed --scale 0.1 # seed only, a tenth of the size",
        "```",
        "",
        "`BENCH_DATABASE_URL` (default `postgresql+asyncpg://postgres@127.0.0.1:5432/fleet_bench`; "
        "its name must contain `bench`) chooses the database; pgbench uses a scratch database "
        "`fleet_bench_pgbench` on the same server, dropped afterwards. "
        "tests/test_bench_small.py runs the statement counts on a small seed in the test "
        "suite.",
        "",
        ANALYSIS_MARKER,
        analysis.rstrip() + "\n" if analysis.strip() else "",
    ]
    return "\n".join(lines)


def kept_analysis() -> str:
    if not REPORT.exists():
        return ""
    _, found, after = REPORT.read_text().partition(ANALYSIS_MARKER)
    return after.lstrip("\n") if found else ""


# --- the run ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> Results:
    url: str = args.url
    if args.reuse and SEED_REPORT.exists():
        seed_info = json.loads(SEED_REPORT.read_text())
    else:
        print(f"Seeding {url} at scale {args.scale} ...", flush=True)
        report = await seeding.seed(url, args.scale)
        print(report.summary(), flush=True)
        seed_info = {"scale": args.scale, "seconds": report.seconds, "rows": report.rows}
        SEED_REPORT.parent.mkdir(parents=True, exist_ok=True)
        SEED_REPORT.write_text(json.dumps(seed_info))
    fixture = await discover(url)
    conn = await connect(url)
    try:
        postgres = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()

    print("Statements per request (in-process) ...", flush=True)
    counts = await statement_counts(url, fixture)
    for count in counts:
        print(
            f"  {count.workload}: {count.small} at {count.small_rows}, "
            f"{count.large} at {count.large_rows}",
            flush=True,
        )
    print("Time in authorization (in-process) ...", flush=True)
    shares = await authorization_shares(url, fixture, args.iterations)
    for share in shares:
        print(
            f"  {share.workload}: authorization {share.authorization:.1%}, "
            f"authentication {share.authentication:.1%}",
            flush=True,
        )

    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "BENCH_DATABASE_URL": url,
    }
    server = Served("server", ["server:app"], env, logs)
    baseline_server = Served("baseline", ["bench.baseline:create_app", "--factory"], env, logs)
    try:
        await server.wait_ready()
        await baseline_server.wait_ready()
        limits = httpx.Limits(max_connections=CLIENTS + 4, max_keepalive_connections=CLIENTS + 4)
        timeout = httpx.Timeout(120.0)
        async with (
            httpx.AsyncClient(limits=limits, timeout=timeout) as api_http,
            httpx.AsyncClient(limits=limits, timeout=timeout) as base_http,
        ):
            api, baseline = Api(api_http, server.url), Api(base_http, baseline_server.url)
            print("W1-W4 latencies (HTTP) ...", flush=True)
            latencies = await measure_latencies(api, baseline, fixture, args.iterations)
            print("W6 logins ...", flush=True)
            login = await logins(api, fixture, args.seconds)
            argon2 = await asyncio.to_thread(argon2_rate)
            print(
                f"  {login.per_second:.1f} logins/s; argon2 alone {argon2[0]:.1f}/s ({argon2[1]})",
                flush=True,
            )
            print("W5 pgbench TPC-B ...", flush=True)
            tpcb = await pgbench_tpcb(url, int(args.seconds))
            print(f"  {tpcb[0]:.0f} tps", flush=True)
            print("W5 credit moves ...", flush=True)
            moves = await credit_moves(api, baseline, fixture, args.seconds)
            print(
                f"  API {moves['api'].per_second:.0f}/s ({moves['api'].failed} failed), "
                f"raw {moves['raw'].per_second:.0f}/s",
                flush=True,
            )
        memory, baseline_memory = server.memory_kib(), baseline_server.memory_kib()
    finally:
        server.stop()
        baseline_server.stop()
    return Results(
        fixture=fixture,
        seed=seed_info,
        postgres=postgres,
        latencies=latencies,
        moves=moves,
        pgbench=tpcb,
        login=login,
        argon2=argon2,
        counts=counts,
        shares=shares,
        memory=memory,
        baseline_memory=baseline_memory,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--url", default=seeding.database_url(), help="BENCH_DATABASE_URL")
    parser.add_argument("--scale", type=float, default=1.0, help="seed size; 1 = full")
    parser.add_argument("--reuse", action="store_true", help="measure the last seeded database")
    parser.add_argument("--iterations", type=int, default=200, help="requests per W2-W4 variant")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of W5 and W6")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the report")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    text = render(results, kept_analysis())
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text)
    print()
    print("\n".join(table(results)))
    print()
    print("\n".join(counts_table(results)))
    print()
    print("\n".join(shares_table(results)))
    print(f"\nServer peak RSS: {results.memory.get('VmHWM', 0) / 1024:.0f} MiB")
    print(f"Written to {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
