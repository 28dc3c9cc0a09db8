"""W7 (`make bench`): subscriptions across two server processes on one PostgreSQL database.

    python -m bench.realtime                      # 1,000 subscribers, 100 moves/s for 20 s
    python -m bench.realtime --subscribers 100 --seconds 5

A database of its own (BENCH_DATABASE_URL's name + `_realtime`, dropped first) holds the
platform and `subscribers / 2` companies with credits. Two `uvicorn server:app` processes
(APP_ENV=production) serve it. Each company has two subscribers of `creditBalanceEvents`,
one on each process, each on a WebSocket of its own: 1,000 subscribers over two processes.
The issue leaves the fan-out open; here a client watches its own balance, so an event of a
company reaches its two subscribers. Credits move only between a company and its parent, so
the companies come in pairs (a partner and its customer, under the platform): the writer
moves one credit within a random pair, in a random direction; each of the move's two entries
reaches its company's two subscribers.

Measured:
- latency: a writer sends `creditMove` through process A at a fixed rate; for each of the
  move's two entries, from the mutation's response to each subscriber's `next` (both clocks
  are this process's; an event that arrives before the response counts 0), p50 and p99;
- memory per idle subscription: the two processes' resident memory with the subscribers
  connected and subscribed (before any event) less before they connected, per subscriber
  (the WebSocket, its connection state and the subscription together);
- throughput: credit moves by 8 concurrent writers, as fast as they go, of three kinds:
  through process C, where bench/eventless.py skips the change feed's writes (without
  events: no events row, no NOTIFY; bench only, production has no such switch), and through
  process A before the subscribers connect (with events, no subscribers) and with them
  subscribed (each move then also fans out). Each in ROUNDS short rounds alternating with
  C's (the machine is shared: alternating spreads what else runs over both); C's rounds
  beside the subscribers are the same rate, since without events they stay idle. The
  target compares "with the subscribers" with "without events" (all of C's rounds). Beside
  each rate, the CPU each move took: the three servers', this process's (the writers and
  the 1,000 subscribers' clients share its event loop), the PostgreSQL backends' of its
  database, and the rest of the machine's (whatever else runs on it).

Writes docs/benchmarks-realtime.md. Nothing outside the loopback interface is contacted;
every loop is bounded in count and time; the servers started here are stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import orjson
import uvloop
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

import cli
from bench import seed as seeding
from bench.load import Served
from config import Settings
from models.db import create_engine, create_sessionmaker
from models.user import Role
from schema.ids import encode_id
from tests.factories import Factory
from web import ws_protocol

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks-realtime.md"
SUBSCRIPTION = """subscription W7($c: ID!) {
  creditBalanceEvents(companyId: $c) { cursor kind amount balance } }"""
MOVE = """mutation W7Move($i: CreditMoveInput!) { creditMove(input: $i) {
  __typename ... on Error { code message } } }"""
ANALYSIS = "## Analysis"
WRITERS = 8  # concurrent writers of the throughput runs
ROUNDS = 3  # of each throughput run, alternating with the run it is compared with
ROUND_SECONDS = 3.5
CREDITS = 1_000_000  # granted to each company: enough for every move of the run
FIRST_AMOUNT = 2  # the latency run's moves: amounts 2, 3, ... (the throughput runs': 1)


@dataclass
class Results:
    subscribers: int
    companies: int
    rate: float
    seconds: float
    moves: int = 0
    failed_moves: int = 0
    latencies: list[float] = field(default_factory=list)
    expected_messages: int = 0
    kib_per_subscription: float = 0.0
    throughput: dict[str, Rate] = field(default_factory=dict)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass(frozen=True)
class Rate:
    """Throughput runs of one kind: the moves, their seconds and the CPU seconds spent."""

    moves: int
    seconds: float
    cpu: dict[str, float]

    @property
    def per_second(self) -> float:
        return self.moves / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> dict[str, float]:
        """CPU milliseconds per move."""
        return {key: 1000 * value / max(self.moves, 1) for key, value in self.cpu.items()}

    def __add__(self, other: Rate) -> Rate:
        cpu = {key: self.cpu.get(key, 0.0) + other.cpu.get(key, 0.0) for key in other.cpu}
        return Rate(self.moves + other.moves, self.seconds + other.seconds, cpu)


# The throughput runs, in order: (key, label).
RUNS = (
    ("eventless", "credit moves without events (process C)"),
    ("alone", "credit moves with events, without subscribers"),
    ("with", "credit moves with the subscribers"),
)


def _machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (every core), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _postgres_cpu_seconds(url: str) -> float:
    """CPU time so far of the PostgreSQL backends serving the bench's database (the
    servers' pools: they live through a run)."""
    connection = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        pids = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return sum(_process_cpu_seconds(row["pid"]) for row in pids)


async def _cpu(servers: Sequence[Served], url: str) -> dict[str, float]:
    found = {server.name: server.cpu_seconds() for server in servers}
    found["bench"] = time.process_time()
    found["postgres"] = await _postgres_cpu_seconds(url) if servers else 0.0
    found["machine"] = _machine_cpu_seconds()
    return found


class Subscriber:
    """One client: a WebSocket, one subscription, the arrival time of each move's event (a
    move of the latency run is known by its amount, unique to it)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.arrivals: dict[int, float] = {}
        self.task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, token: str, company: str) -> Subscriber:
        connection = await connect(
            url.replace("http://", "ws://") + "/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=30,
            max_queue=None,
        )
        auth = {"authorization": f"Bearer {token}"}
        await connection.send(orjson.dumps({"type": "connection_init", "payload": auth}).decode())
        ack = orjson.loads(await connection.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"not acknowledged: {ack}")
        payload = {"query": SUBSCRIPTION, "variables": {"c": company}}
        message = {"type": "subscribe", "id": "1", "payload": payload}
        await connection.send(orjson.dumps(message).decode())
        subscriber = cls(connection)
        subscriber.task = asyncio.create_task(subscriber._read())
        return subscriber

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.connection:
                arrived = time.monotonic()
                message = orjson.loads(raw)
                if message.get("type") == "next":
                    event = message["payload"]["data"]["creditBalanceEvents"]
                    self.arrivals[abs(event["amount"])] = arrived

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()
        if self.task is not None:
            self.task.cancel()


async def _move(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    pair: tuple[str, str],
    up: bool,
    amount: int = 1,
) -> float | None:
    """One credit move within a (parent, child) pair (`up`: to the parent); its response
    time (None: it failed)."""
    source, target = (pair[1], pair[0]) if up else pair
    move = {"fromCompanyId": source, "toCompanyId": target, "amount": amount}
    body = {"query": MOVE, "variables": {"i": move}}
    async with http.post(
        url + "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
    ) as response:
        data = orjson.loads(await response.read())
    answered = time.monotonic()
    result = (data.get("data") or {}).get("creditMove") or {}
    if result.get("__typename") != "CreditMovePayload":
        return None
    return answered


async def _throughput(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    pairs: list[tuple[str, str]],
    seconds: float,
    servers: Sequence[Served] = (),
    database: str = "",
) -> Rate:
    """Moves per second by WRITERS concurrent writers, as fast as they go, and the CPU
    per move of each server, of this process and of the rest of the machine."""
    done = 0
    deadline = time.monotonic() + seconds
    rng = random.Random(7)  # noqa: S311 - a benchmark's choice of companies

    async def writer() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            pair, up = rng.choice(pairs), rng.random() < 0.5
            if await _move(http, url, token, pair, up) is not None:
                done += 1

    cpu_before = await _cpu(servers, database)
    started = time.monotonic()
    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    elapsed = time.monotonic() - started
    cpu_after = await _cpu(servers, database)
    spent = {key: cpu_after[key] - cpu_before[key] for key in cpu_before}
    spent["rest"] = spent.pop("machine") - sum(spent.values())
    return Rate(done, elapsed, spent)


def _rss_kib(server: Served) -> int:
    return server.memory_kib().get("VmRSS", 0)


async def _seed(settings: Settings, pairs: int) -> tuple[str, list[tuple[str, str]]]:
    engine = create_engine(settings.database_url)
    try:
        factory = Factory(create_sessionmaker(engine), settings)
        platform = await factory.company(name="W7 platform")
        admin = await factory.user(platform, Role.SUPERADMIN)
        found = []
        for n in range(pairs):
            partner = await factory.company(platform, name=f"W7 partner {n}")
            customer = await factory.company(partner, name=f"W7 customer {n}")
            found.append((encode_id("Company", partner.id), encode_id("Company", customer.id)))
        token = factory.token(admin)
    finally:
        await engine.dispose()
    return token, found


async def _grant(http: aiohttp.ClientSession, url: str, token: str, companies: list[str]) -> None:
    query = "mutation G($i: CreditGrantInput!) { creditGrant(input: $i) { __typename } }"
    for company in companies:
        body = {"query": query, "variables": {"i": {"companyId": company, "amount": CREDITS}}}
        async with http.post(
            url + "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
        ) as response:
            data = orjson.loads(await response.read())
        if data.get("data", {}).get("creditGrant", {}).get("__typename") != "CreditGrantPayload":
            raise RuntimeError(f"grant failed: {data}")


async def run(args: argparse.Namespace) -> Results:
    base = make_url(args.url)
    url = base.set(database=f"{base.database}_realtime").render_as_string(hide_password=False)
    await seeding.recreate_database(url)
    jwt_key = secrets.token_urlsafe(48)
    settings = Settings.from_env({"DATABASE_URL": url, "JWT_SECRET_KEY": jwt_key})
    await asyncio.to_thread(cli.migrate, settings)  # it runs an event loop of its own
    companies = max(2, args.subscribers // 2 // 2 * 2)
    token, pairs = await _seed(settings, companies // 2)
    company_ids = [company for pair in pairs for company in pair]
    results = Results(args.subscribers, companies, args.rate, args.seconds)

    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-w7-"))
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "JWT_SECRET_KEY": jwt_key,
        "WS_MAX_CONNECTIONS_PER_USER": str(args.subscribers),
        "LOG_LEVEL": "WARNING",
        "SCHEDULER_INTERVAL_SECONDS": "3600",
    }
    # As `python server.py` serves them: no permessage-deflate, uvicorn's sans-I/O WebSocket
    # protocol made lighter (server.py and web/ws_protocol.py say why).
    served_as = ["--ws-per-message-deflate", "false", "--ws", ws_protocol.NAME]
    target = ["server:app", *served_as]
    servers = [Served(name, target, env, logs) for name in ("w7-a", "w7-b")]
    # C: the same app with the change feed's writes skipped (bench/eventless.py).
    eventless = ["bench.eventless:create_app", "--factory", *served_as]
    servers.append(Served("w7-c", eventless, env, logs))
    database = url
    subscribers: list[Subscriber] = []
    try:
        for server in servers:
            await server.wait_ready()
        a, b, c = servers
        connector = aiohttp.TCPConnector(limit=WRITERS + 4)
        async with aiohttp.ClientSession(connector=connector) as http:
            await _grant(http, a.url, token, company_ids)
            await _throughput(http, c.url, token, pairs, 2.0)  # warm-up: C's pool, statements

            async def measure(*runs: tuple[str, str]) -> None:
                """ROUNDS rounds of each run, in turn: the machine is shared, and what else
                runs on it changes over a run's seconds; alternating spreads that over both."""
                for _ in range(ROUNDS):
                    for key, url in runs:
                        rate = await _throughput(
                            http, url, token, pairs, ROUND_SECONDS, servers, database
                        )
                        found = results.throughput.get(key)
                        results.throughput[key] = rate if found is None else found + rate
                for key, _url in runs:
                    rate = results.throughput[key]
                    cpu = ", ".join(f"{k} {v:.2f}" for k, v in rate.cpu_ms.items())
                    print(f"  {dict(RUNS)[key]}: {rate.per_second:.0f} moves/s", flush=True)
                    print(f"    CPU ms per move: {cpu}", flush=True)

            print("W7 throughput without subscribers (C and A in turn) ...", flush=True)
            await measure(("eventless", c.url), ("alone", a.url))

            before = sum(_rss_kib(s) for s in (a, b))
            print(f"W7 connecting {args.subscribers} subscribers ...", flush=True)
            for n in range(args.subscribers):
                company = company_ids[(n // 2) % companies]
                server = (a, b)[n % 2]
                subscribers.append(await Subscriber.open(server.url, token, company))
            await asyncio.sleep(2.0)  # every subscribe message handled
            after = sum(_rss_kib(s) for s in (a, b))
            results.kib_per_subscription = (after - before) / args.subscribers
            print(f"  {results.kib_per_subscription:.1f} KiB per idle subscription", flush=True)

            print(f"W7 latency at {args.rate:.0f} moves/s for {args.seconds:.0f} s ...", flush=True)
            answered: dict[int, float] = {}
            rng = random.Random(11)  # noqa: S311 - a benchmark's choice of companies
            pending: set[asyncio.Task[None]] = set()
            total = int(args.rate * args.seconds)
            started = time.monotonic()

            async def one(amount: int) -> None:
                pair, up = rng.choice(pairs), rng.random() < 0.5
                at = await _move(http, a.url, token, pair, up, amount)
                if at is None:
                    results.failed_moves += 1
                    return
                answered[amount] = at

            for k in range(total):
                delay = started + k / args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(one(FIRST_AMOUNT + k))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.gather(*pending)
            results.moves = total - results.failed_moves
            await asyncio.sleep(3.0)  # the last events arrive
            # Two entries per move, each to its company's two subscribers.
            results.expected_messages = 4 * len(answered)
            for subscriber in subscribers:
                for amount, arrived in subscriber.arrivals.items():
                    if amount in answered:
                        results.latencies.append(max(0.0, arrived - answered[amount]))
            print(
                f"  p50 {results.p(0.5) * 1000:.1f} ms, p99 {results.p(0.99) * 1000:.1f} ms "
                f"({len(results.latencies)} of {results.expected_messages} messages)",
                flush=True,
            )

            # Without events, the subscribers stay idle: C's rounds measure the same rate
            # beside them, in turn with A's (the target's comparison, at the same moments).
            print("W7 throughput with the subscribers (C and A in turn) ...", flush=True)
            await measure(("eventless", c.url), ("with", a.url))
    finally:
        for subscriber in subscribers:
            await subscriber.close()
        for server in servers:
            server.stop()
        await seeding.drop_database(url)
    return results


def render(results: Results) -> str:
    rates = {key: rate.per_second for key, rate in results.throughput.items()}
    base = rates.get("eventless", 0.0)
    alone = rates.get("alone", 0.0)
    ratio = rates.get("with", 0.0) / base if base else 0.0
    p99 = results.p(0.99) * 1000
    rows = [
        ("p50 latency (response to message)", f"{results.p(0.5) * 1000:.1f} ms", "", ""),
        ("p99 latency", f"{p99:.1f} ms", "< 250 ms", "met" if p99 < 250 else "**not met**"),
        (
            "messages received",
            f"{len(results.latencies)} of {results.expected_messages}",
            "all",
            "met" if len(results.latencies) == results.expected_messages else "**not met**",
        ),
        (
            "memory per idle subscription",
            f"{results.kib_per_subscription:.1f} KiB",
            "≤ 50 KB",
            "met" if results.kib_per_subscription * 1.024 <= 50 else "**not met**",
        ),
        (dict(RUNS)["eventless"], f"{base:.0f}/s", "", ""),
        (
            dict(RUNS)["alone"],
            f"{alone:.0f}/s ({alone / base if base else 0:.2f}x)",
            "",
            "",
        ),
        (
            dict(RUNS)["with"],
            f"{rates.get('with', 0.0):.0f}/s ({ratio:.2f}x)",
            "≥ 0.9x",
            "met" if ratio >= 0.9 else "**not met**",
        ),
    ]
    columns = ("w7-a", "w7-b", "w7-c", "bench", "postgres", "rest")
    cpu_rows = [
        f"| {label} | "
        + " | ".join(f"{results.throughput[key].cpu_ms.get(c, 0.0):.2f}" for c in columns)
        + " |"
        for key, label in RUNS
        if key in results.throughput
    ]
    lines = [
        "# Benchmark W7: subscriptions",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.realtime` "
        "(`make bench`); this file is written by it. How it measures: bench/realtime.py.",
        "",
        f"{results.subscribers} subscribers of `creditBalanceEvents` over two server processes "
        f"on one PostgreSQL database, two per company ({results.companies} companies); a "
        f"writer doing {results.rate:.0f} credit moves/s through process A for "
        f"{results.seconds:.0f} s ({results.moves} moves, {results.failed_moves} failed).",
        "",
        "| measure | value | target | |",
        "|---|---:|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        "",
        "CPU per move in the throughput runs, in ms: the servers (A and B serve the "
        "subscribers, A and C the writers), this process (the 8 writers and the subscribers' "
        "clients), the PostgreSQL backends of the bench's database, and the rest of the "
        "machine (other work on it: the machine is shared).",
        "",
        "| run | A | B | C | bench | PostgreSQL | rest |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *cpu_rows,
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__)
    parser.add_argument("--url", default=seeding.database_url(), help="BENCH_DATABASE_URL")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=100.0, help="credit moves per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    results = uvloop.run(run(args))
    text = render(results)
    # The analysis below the results is written by hand and kept across runs.
    previous = args.report.read_text() if args.report.exists() else ""
    if ANALYSIS in previous:
        text += "\n" + previous[previous.index(ANALYSIS) :]
    args.report.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
