"""Plans that hold at every size: W1-W4 and W8 on a platform a tenth the size, against the full one.

A query plan that suits one size of data and not another (a generic plan chosen after five
executions of a prepared statement, a sort where an index walk would do) shows as a median
that moves with the platform's size while the page asked for stays the same. So `make bench`
seeds a second database (BENCH_DATABASE_URL's name + `_small`, dropped first and after) at
`--small-scale` (0.1), serves it with a server of its own and measures the same variants,
API and baseline in turn, as on the full platform. The target: each workload's median at one
tenth within 1.2x of the full size's, either way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import seed as seeding
from bench.audit import BENCH_AUDIT_KEY
from bench.fixture import discover
from bench.load import Api, Latency, Served, http_client, measure_latencies, ms

TOLERANCE = 1.2


@dataclass
class SizeComparison:
    variant: str
    full: Latency
    small: Latency

    @property
    def ratio(self) -> float:
        """The small platform's median over the full one's."""
        return self.small.api.median / self.full.api.median

    @property
    def met(self) -> bool:
        return 1 / TOLERANCE <= self.ratio <= TOLERANCE


def small_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_small").render_as_string(hide_password=False)


async def measure(
    url: str, scale: float, full: list[Latency], iterations: int, logs: Path
) -> list[SizeComparison]:
    """Seed the small platform, measure it, drop it; pair each variant with the full run's."""
    small = small_url(url)
    print(f"Seeding {small} at scale {scale} ...", flush=True)
    report = await seeding.seed(small, scale)
    print(report.summary(), flush=True)
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": small,
        "BENCH_DATABASE_URL": small,
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "AUDIT_SECRET_KEY": BENCH_AUDIT_KEY,
    }
    server = Served("server-small", ["server:app"], env, logs)
    baseline = Served("baseline-small", ["bench.baseline:create_app", "--factory"], env, logs)
    try:
        await server.wait_ready()
        await baseline.wait_ready()
        fixture = await discover(small)
        async with http_client(4) as api_http, http_client(4) as base_http:
            latencies = await measure_latencies(
                Api(api_http, server.url), Api(base_http, baseline.url), fixture, iterations
            )
    finally:
        server.stop()
        baseline.stop()
        await seeding.drop_database(small)
    # The variants' names carry sizes ("page 1,000", "1,000 companies"): pair them by order.
    return [
        SizeComparison(big.variant, big, little)
        for big, little in zip(full, latencies, strict=True)
    ]


def table(comparisons: list[SizeComparison], scale: float) -> list[str]:
    lines = [
        f"| workload (full size) | API median, full | API median at scale {scale:g} | "
        "small ÷ full | baseline, full / small | target | |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for comparison in comparisons:
        full, small = comparison.full, comparison.small
        name = comparison.variant
        if small.variant != full.variant:
            name += f" (small: {small.variant.split(' ', 1)[1]})"
        lines.append(
            f"| {name} | {ms(full.api.median)} | {ms(small.api.median)} "
            f"| {comparison.ratio:.2f}x | {ms(full.baseline.median)} / "
            f"{ms(small.baseline.median)} | within {TOLERANCE}x either way "
            f"| {'met' if comparison.met else '**not met**'} |"
        )
    return lines
