"""W1-W4 side by side: the API, the raw baseline and PostGraphile (bench/peer.py), one run.

For each workload variant:
- the answers are checked first: the API's JSON equals the baseline's, and the rows the API
  lists are PostGraphile's, in the same order (a difference is reported, not measured past);
- sequential latency, the three servers taking turns request by request (API, raw, peer,
  API, ...), so whatever else the machine does weighs on all three alike; each server's CPU
  per request is its process's CPU time (/proc, user + system) over the loop divided by the
  requests it served, as W5 measures a move;
- throughput with 16 concurrent clients, each server alone for the same time, in turn, with its
  CPU per request over that time.
Every server is one process, as each runs by default (uvicorn, node).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bench import peer
from bench.fixture import Fixture, Variant, variants
from bench.load import (
    CLIENTS,
    Api,
    Process,
    Reply,
    Sample,
    Throughput,
    first_difference,
    ms,
    run_clients,
)

SIDES = ("API", "raw", "PostGraphile")


@dataclass
class Side:
    """One server's numbers for one variant."""

    latency: Sample
    cpu_per_request: float  # seconds, sequential
    throughput: Throughput  # 16 clients; server_cpu set


@dataclass
class SideBySide:
    variant: str
    sides: dict[str, Side]
    difference: str | None  # None: the three answered the same rows

    def ratio(self, side: str, to: str = "raw", measure: str = "latency") -> float:
        a, b = self.sides[side], self.sides[to]
        if measure == "latency":
            return a.latency.median / b.latency.median
        if measure == "cpu":
            return a.cpu_per_request / b.cpu_per_request
        return a.throughput.per_second / b.throughput.per_second


async def _interleaved(
    calls: Sequence[Callable[[], Awaitable[Reply]]],
    processes: Sequence[Process],
    iterations: int,
    max_seconds: float,
) -> list[tuple[Sample, float]]:
    """Each call timed in turn; returns per call its latencies and CPU per request."""
    for _ in range(3):  # warm-up: connections, prepared statements, caches, JIT
        for call in calls:
            (await call()).raise_for_status()
    samples = [Sample() for _ in calls]
    # Over the whole loop: an idle server spends next to nothing, and /proc counts in ticks
    # of 10 ms, too coarse for one request.
    before = [process.cpu_seconds() for process in processes]
    deadline = time.monotonic() + max_seconds
    for _ in range(iterations):
        for call, sample in zip(calls, samples, strict=True):
            start = time.perf_counter()
            response = await call()
            sample.seconds.append(time.perf_counter() - start)
            response.raise_for_status()
        if time.monotonic() > deadline:
            break
    spent = [process.cpu_seconds() - was for process, was in zip(processes, before, strict=True)]
    return [(sample, cpu / len(sample.seconds)) for sample, cpu in zip(samples, spent, strict=True)]


async def _concurrent(
    call: Callable[[], Awaitable[Reply]], process: Process, seconds: float
) -> Throughput:
    async def operation(_client: int, _n: int) -> str | None:
        reply = await call()
        return None if reply.status == 200 else f"HTTP {reply.status}"

    before = process.cpu_seconds()
    result = await run_clients(CLIENTS, seconds, 1_000_000, operation)
    result.server_cpu = process.cpu_seconds() - before
    return result


async def measure(
    api: Api,
    baseline: Api,
    postgraphile: Api,
    processes: tuple[Process, Process, Process],
    fixture: Fixture,
    iterations: int,
    seconds: float,
) -> list[SideBySide]:
    token = await api.login(fixture.partner_email)
    requests = await peer.requests(postgraphile.base, fixture)
    results = []
    for variant in variants(fixture, iterations):
        key = peer.key(variant.name)
        if key is None:
            continue  # W8: PostGraphile has no audit trail to read
        request = requests[key]

        def calls(
            variant: Variant = variant, request: peer.PeerRequest = request
        ) -> list[Callable[[], Awaitable[Reply]]]:
            async def call_api() -> Reply:
                return await api.graphql(variant.query, variant.variables, token)

            async def call_raw() -> Reply:
                return await baseline.get(variant.baseline_path)

            async def call_peer() -> Reply:
                return await postgraphile.graphql(request.query, request.variables)

            return [call_api, call_raw, call_peer]

        api_call, raw_call, peer_call = calls()
        api_json, raw_json = (await api_call()).json(), (await raw_call()).json()
        difference = first_difference(api_json, raw_json)
        if difference is None:
            difference = peer.difference(key, api_json, (await peer_call()).json())
        sequential = await _interleaved(calls(), processes, variant.iterations, 120.0)
        sides = {}
        for name, call, process, (sample, cpu) in zip(
            SIDES, calls(), processes, sequential, strict=True
        ):
            sides[name] = Side(sample, cpu, await _concurrent(call, process, seconds))
        result = SideBySide(variant.name, sides, difference)
        results.append(result)
        print(
            f"  {variant.name}: "
            + ", ".join(
                f"{name} {ms(side.latency.median)} / {ms(side.cpu_per_request)} CPU / "
                f"{side.throughput.per_second:.0f} req/s"
                for name, side in sides.items()
            )
            + ("" if difference is None else f"  ANSWERS DIFFER: {difference}"),
            flush=True,
        )
    return results


def table(results: list[SideBySide]) -> list[str]:
    lines = [
        "| workload | median: API / raw / PostGraphile | API÷raw ≤ 2x | "
        "CPU per request: API / raw / PostGraphile | API÷raw ≤ 2x | API < PostGraphile | "
        "16 clients, req/s: API / raw / PostGraphile | API ≥ PostGraphile | same rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        api, raw, pg = (result.sides[name] for name in SIDES)
        latency = result.ratio("API")
        cpu = result.ratio("API", measure="cpu")
        lines.append(
            f"| {result.variant} "
            f"| {ms(api.latency.median)} / {ms(raw.latency.median)} / {ms(pg.latency.median)} "
            f"| {latency:.2f}x {_verdict(latency <= 2.0)} "
            f"| {ms(api.cpu_per_request)} / {ms(raw.cpu_per_request)} / "
            f"{ms(pg.cpu_per_request)} | {cpu:.2f}x {_verdict(cpu <= 2.0)} "
            f"| {_verdict(api.cpu_per_request < pg.cpu_per_request)} "
            f"| {api.throughput.per_second:.0f} / {raw.throughput.per_second:.0f} / "
            f"{pg.throughput.per_second:.0f} "
            f"| {_verdict(api.throughput.per_second >= pg.throughput.per_second)} "
            f"| {'yes' if result.difference is None else '**no**: ' + result.difference} |"
        )
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"
