"""`make bench`: seed, serve, measure W1-W6 and W8 against the raw baseline, and W1-W4 side by
side with PostGraphile (bench/sidebyside.py; when npm is present), write docs/benchmarks.md.

    python -m bench.run                 # seed fleet_bench at full size, then measure
    python -m bench.run --reuse         # measure the database seeded last time
    python -m bench.run --scale 0.05    # a smaller platform (the targets are for scale 1)

The API runs as it does in production: `uvicorn server:app`, one process, APP_ENV=production,
on a loopback port; the baseline (bench/baseline.py) on another. Every request goes through
HTTP with aiohttp (on uvloop) from this process, sequentially for latencies (W1-W4, W8), 16
at a time for credit moves (W5, compared with pgbench's TPC-B on a scratch database, and
with the same API in a third process whose audit writes bench/unaudited.py skips), 4 at a
time for sign-ins (W6). Statement counts and the share of authorization are measured on the
same app run in-process, where SQLAlchemy's statements can be counted and the authorization
functions timed. Nothing outside the loopback interface is contacted, every loop is bounded
in count and time, and the servers started here are stopped here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

import uvloop

from bench import hostile, peer, sidebyside, sizes
from bench import seed as seeding
from bench.audit import BENCH_AUDIT_KEY
from bench.fixture import connect, discover
from bench.inprocess import authorization_shares, statement_counts
from bench.load import (
    CLIENTS,
    Api,
    Served,
    argon2_rate,
    credit_moves,
    http_client,
    logins,
    measure_latencies,
    pgbench_tpcb,
)
from bench.report import REPORT, Results, counts_table, kept_analysis, render, shares_table, table

ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = ROOT / "data" / "bench-seed.json"


def load_average(phase: str, seen: list[str]) -> None:
    one, five, fifteen = os.getloadavg()
    seen.append(f"{phase} {one:.1f}/{five:.1f}/{fifteen:.1f}")


async def run(args: argparse.Namespace) -> Results:
    url: str = args.url
    load: list[str] = []
    load_average("start", load)
    if args.reuse and SEED_REPORT.exists():
        seed_info = json.loads(SEED_REPORT.read_text())
    else:
        print(f"Seeding {url} at scale {args.scale} ...", flush=True)
        report = await seeding.seed(url, args.scale)
        print(report.summary(), flush=True)
        seed_info = {
            "scale": args.scale,
            "seconds": report.seconds,
            "rows": report.rows,
            "phases": report.phases,
        }
        SEED_REPORT.parent.mkdir(parents=True, exist_ok=True)
        SEED_REPORT.write_text(json.dumps(seed_info))
    fixture = await discover(url)
    conn = await connect(url)
    try:
        postgres = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()

    load_average("counts", load)
    print("Statements per request (in-process) ...", flush=True)
    counts = await statement_counts(url, fixture)
    for count in counts:
        print(
            f"  {count.workload}: {count.small} at {count.small_rows} rows, "
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
        # The seeded entries' MACs are under this key: what the servers add verifies with them.
        "AUDIT_SECRET_KEY": BENCH_AUDIT_KEY,
    }
    server = Served("server", ["server:app"], env, logs)
    baseline_server = Served("baseline", ["bench.baseline:create_app", "--factory"], env, logs)
    # BENCH ONLY: the API with its audit writes skipped, for W5's rate without auditing.
    unaudited_server = Served("unaudited", ["bench.unaudited:create_app", "--factory"], env, logs)
    postgraphile = None
    if peer.available():
        peer.install_package()
        await peer.install_functions(url)
        postgraphile = peer.PostGraphile(url, logs)
    else:
        print("npm not found: PostGraphile is not measured", flush=True)
    side_by_side = None
    try:
        await server.wait_ready()
        await baseline_server.wait_ready()
        await unaudited_server.wait_ready()
        if postgraphile is not None:
            await postgraphile.wait_ready()
        async with (
            http_client(CLIENTS + 4) as api_http,
            http_client(CLIENTS + 4) as base_http,
            http_client(CLIENTS + 4) as unaudited_http,
            http_client(CLIENTS + 4) as peer_http,
        ):
            api, baseline = Api(api_http, server.url), Api(base_http, baseline_server.url)
            unaudited = Api(unaudited_http, unaudited_server.url)
            load_average("latencies", load)
            print("W1-W4, W8 latencies (HTTP) ...", flush=True)
            latencies = await measure_latencies(api, baseline, fixture, args.iterations)
            if postgraphile is not None:
                load_average("side by side", load)
                print("W1-W4 side by side with PostGraphile ...", flush=True)
                side_by_side = await sidebyside.measure(
                    api,
                    baseline,
                    Api(peer_http, postgraphile.url),
                    (server, baseline_server, postgraphile),
                    fixture,
                    args.iterations,
                    args.side_seconds,
                )
            load_average("hostile", load)
            print("Hostile documents ...", flush=True)
            token = await api.login(fixture.partner_email)
            refusals = await hostile.refusal_cpu(api, server.cpu_seconds, token, repeats=100)
            for refusal in refusals:
                print(f"  {refusal.document}: {refusal.cpu * 1000:.2f} ms of CPU", flush=True)
            attack = await hostile.under_attack(
                api, token, {"first": fixture.subtree_size}, args.iterations, 60.0
            )
            print(
                f"  W1 p99 {attack.alone.p99 * 1000:.1f} ms alone, "
                f"{attack.attacked.p99 * 1000:.1f} ms under attack ({attack.ratio:.2f}x)",
                flush=True,
            )
            load_average("logins", load)
            print("W6 logins ...", flush=True)
            login = await logins(api, fixture, args.seconds)
            argon2 = await asyncio.to_thread(argon2_rate)
            print(
                f"  {login.per_second:.1f} logins/s; argon2 alone {argon2[0]:.1f}/s ({argon2[1]})",
                flush=True,
            )
            load_average("pgbench", load)
            print("W5 pgbench TPC-B ...", flush=True)
            tpcb = await pgbench_tpcb(url, int(args.seconds))
            print(f"  {tpcb[0]:.0f} tps", flush=True)
            load_average("moves", load)
            print("W5 credit moves ...", flush=True)
            moves = await credit_moves(
                api,
                baseline,
                fixture,
                args.seconds,
                (server, baseline_server),
                (unaudited, unaudited_server),
            )
            print(
                f"  API {moves['api'].per_second:.0f}/s ({moves['api'].failed} failed), "
                f"without auditing {moves['unaudited'].per_second:.0f}/s "
                f"({moves['api'].per_second / moves['unaudited'].per_second:.2f}x), "
                f"raw {moves['raw'].per_second:.0f}/s",
                flush=True,
            )
        memory, baseline_memory = server.memory_kib(), baseline_server.memory_kib()
    finally:
        server.stop()
        baseline_server.stop()
        unaudited_server.stop()
        if postgraphile is not None:
            postgraphile.stop()
    small = None
    if args.small_scale > 0:
        load_average("small platform", load)
        print("W1-W4, W8 on the small platform ...", flush=True)
        small = await sizes.measure(url, args.small_scale, latencies, args.iterations, logs)
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
        load=load,
        refusals=refusals,
        attack=attack,
        side_by_side=side_by_side,
        sizes=small,
        small_scale=args.small_scale,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--url", default=seeding.database_url(), help="BENCH_DATABASE_URL")
    parser.add_argument("--scale", type=float, default=1.0, help="seed size; 1 = full")
    parser.add_argument("--reuse", action="store_true", help="measure the last seeded database")
    parser.add_argument("--iterations", type=int, default=200, help="requests per W2-W4 variant")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of W5 and W6")
    parser.add_argument(
        "--small-scale",
        type=float,
        default=0.1,
        help="also measure a platform this size (0: not); bench/sizes.py",
    )
    parser.add_argument(
        "--side-seconds", type=float, default=5.0, help="16-client run per server and workload"
    )
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the report")
    args = parser.parse_args(argv)
    results = uvloop.run(run(args))
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
