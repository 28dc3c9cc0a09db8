"""Load from outside: the servers as processes, HTTP clients, pgbench."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from sqlalchemy.engine import make_url

from bench import seed as seeding
from bench import workloads as w
from bench.fixture import Fixture, Variant, variants
from bench.floor import graphql_core_seconds
from bench.generate import BENCH_PASSWORD
from services import passwords

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16  # W5, as pgbench -c 16
LOGIN_CLIENTS = 4


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


class Process:
    """A server process the benchmark started: its memory and CPU from /proc, and its stop."""

    name: str
    process: subprocess.Popen[bytes]

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS of the process, in KiB."""
        found: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    found[key] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class Served(Process):
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
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: see {self.log}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with client.get(self.url + "/health") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {within:.0f} s: see {self.log}")


# --- HTTP workloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A whole response: read before the clock stops, so both sides pay for their bytes."""

    status: int
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise RuntimeError(f"HTTP {self.status}: {self.content[:300]!r}")


def http_client(connections: int) -> aiohttp.ClientSession:
    """aiohttp rather than httpx: httpx spends about 0.5 ms of CPU on a request, aiohttp
    under 0.1 ms. On two cores shared with the servers and PostgreSQL, a client's CPU is
    taken from what it measures (httpx had held the raw /move route to a quarter of what
    it serves), as pgbench, in C, takes next to nothing from TPC-B."""
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=120.0), auto_decompress=False
    )


class Api:
    def __init__(self, client: aiohttp.ClientSession, base: str) -> None:
        self.client = client
        self.base = base

    async def get(self, path: str) -> Reply:
        async with self.client.get(self.base + path) as response:
            return Reply(response.status, await response.read())

    async def post(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        headers = {"content-type": "application/json", **(headers or {})}
        async with self.client.post(
            self.base + path, data=orjson.dumps(payload), headers=headers
        ) as response:
            return Reply(response.status, await response.read())

    async def graphql(
        self, query: str, variables: dict[str, Any], token: str | None = None
    ) -> Reply:
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return await self.post("/graphql", w.body(query, variables), headers)

    async def login(self, email: str) -> str:
        response = await self.graphql(
            w.LOGIN, {"input": {"email": email, "password": BENCH_PASSWORD}}
        )
        result = response.json()["data"]["login"]
        if result["__typename"] != "AuthPayload":
            raise RuntimeError(f"login of {email} failed: {result}")
        token: str = result["accessToken"]
        return token


async def paired_samples(
    first: Callable[[], Awaitable[Reply]],
    second: Callable[[], Awaitable[Reply]],
    iterations: int,
    max_seconds: float,
) -> tuple[Sample, Sample]:
    """Both timed in turn (first, second, first, ...), so that whatever else the machine
    does at the moment weighs on both sides of the ratio alike."""
    for call in (first, second) * 3:  # warm-up: connections, prepared statements, caches
        (await call()).raise_for_status()
    samples = (Sample(), Sample())
    deadline = time.monotonic() + max_seconds
    for _ in range(iterations):
        for call, result in zip((first, second), samples, strict=True):
            start = time.perf_counter()
            response = await call()
            result.seconds.append(time.perf_counter() - start)
            response.raise_for_status()
        if time.monotonic() > deadline:
            break
    return samples


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
    graphql_core: float  # seconds: bench/floor.py, executing the document over the answer

    @property
    def ratio(self) -> float:
        return self.api.median / self.baseline.median

    @property
    def floor_ratio(self) -> float:
        """The least ratio of a server that executes every field through graphql-core."""
        return (self.baseline.median + self.graphql_core) / self.baseline.median


async def measure_latencies(
    api: Api, baseline: Api, fixture: Fixture, iterations: int
) -> list[Latency]:
    token = await api.login(fixture.partner_email)
    results = []
    for variant in variants(fixture, iterations):

        async def call_api(variant: Variant = variant) -> Reply:
            return await api.graphql(variant.query, variant.variables, token)

        async def call_baseline(variant: Variant = variant) -> Reply:
            return await baseline.get(variant.baseline_path)

        api_json, base_json = (await call_api()).json(), (await call_baseline()).json()
        difference = first_difference(api_json, base_json)
        if "errors" in api_json:
            difference = f"the API answered errors: {api_json['errors']}"
        api_sample, base_sample = await paired_samples(
            call_api, call_baseline, variant.iterations, 120.0
        )
        execution = graphql_core_seconds(variant.query, variant.variables, base_json["data"])
        results.append(
            Latency(
                variant.name, api_sample, base_sample, difference is None, difference, execution
            )
        )
        print(
            f"  {variant.name}: API {ms(api_sample.median)} (p99 {ms(api_sample.p99)}), "
            f"baseline {ms(base_sample.median)} (p99 {ms(base_sample.p99)}), "
            f"x{api_sample.median / base_sample.median:.1f}; graphql-core field by field "
            f"{ms(execution)}" + ("" if difference is None else f"  JSON DIFFERS: {difference}"),
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
    server_cpu: float | None = None  # seconds of CPU the serving process used meanwhile

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


def merged(parts: list[Throughput]) -> Throughput:
    """Rounds of one side as one measurement."""
    total = Throughput(0, 0, 0.0, Sample(), server_cpu=0.0)
    for part in parts:
        total.done += part.done
        total.failed += part.failed
        total.seconds += part.seconds
        total.latency.seconds += part.latency.seconds
        total.first_error = total.first_error or part.first_error
        total.server_cpu = (total.server_cpu or 0.0) + (part.server_cpu or 0.0)
    return total


AUDIT_ROUNDS = 3  # W5 with and without auditing, in turn


async def credit_moves(
    api: Api,
    baseline: Api,
    fixture: Fixture,
    seconds: float,
    servers: tuple[Served, Served],
    unaudited: tuple[Api, Served] | None = None,
) -> dict[str, Throughput]:
    """The API's moves, the raw /move route's, and (`unaudited`) the API's again with its
    audit writes skipped (bench/unaudited.py): the two API servers in turn, AUDIT_ROUNDS
    rounds of seconds / AUDIT_ROUNDS each, so the machine's other load weighs on both."""
    token = await api.login(fixture.mover_email)
    partner = fixture.mover_partner_id
    customers = fixture.mover_customers

    def pair(client: int, n: int) -> tuple[int, int]:
        customer = customers[client % len(customers)]
        return (partner, customer) if n % 2 == 0 else (customer, partner)

    async def through(api: Api, client: int, n: int) -> str | None:
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
        response = await baseline.post(
            "/move", {"from": source, "to": target, "amount": 1, "actor": fixture.mover_user_id}
        )
        result = response.json()["data"]["creditMove"]
        return None if "transferId" in result else str(result)

    async def through_api(client: int, n: int) -> str | None:
        return await through(api, client, n)

    async def measured(
        operation: Callable[[int, int], Awaitable[str | None]], server: Served, seconds: float
    ) -> Throughput:
        cpu = server.cpu_seconds()
        throughput = await run_clients(CLIENTS, seconds, 1_000_000, operation)
        throughput.server_cpu = server.cpu_seconds() - cpu
        return throughput

    results: dict[str, Throughput] = {}
    if unaudited is None:
        results["api"] = await measured(through_api, servers[0], seconds)
    else:
        other, other_server = unaudited

        async def through_unaudited(client: int, n: int) -> str | None:
            return await through(other, client, n)

        for operation in (through_api, through_unaudited):  # warm-up: pools, statements
            await run_clients(CLIENTS, 1.0, 200, operation)
        rounds: dict[str, list[Throughput]] = {"api": [], "unaudited": []}
        for _ in range(AUDIT_ROUNDS):
            for name, operation, server in (
                ("api", through_api, servers[0]),
                ("unaudited", through_unaudited, other_server),
            ):
                rounds[name].append(await measured(operation, server, seconds / AUDIT_ROUNDS))
        results = {name: merged(parts) for name, parts in rounds.items()}
    results["raw"] = await measured(through_baseline, servers[1], seconds)
    return results


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
    stored = hasher.hash(BENCH_PASSWORD)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds and count < 500:
        hasher.verify(stored, BENCH_PASSWORD)
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
