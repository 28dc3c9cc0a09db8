"""docs/benchmarks.md: the tables, the machine, how to reproduce; a hand-written analysis
after the marker line is kept from one run to the next."""

from __future__ import annotations

import collections
import contextlib
import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fixture import PAGE, Fixture
from bench.hostile import ATTACKERS, Refusal, UnderAttack
from bench.inprocess import AUTHORIZATION, LARGE, SMALL, Share, StatementCount
from bench.load import AUDIT_ROUNDS, CLIENTS, LOGIN_CLIENTS, Latency, Throughput, ms
from bench.sidebyside import SideBySide
from bench.sidebyside import table as side_by_side_table
from bench.sizes import SizeComparison
from bench.sizes import table as sizes_table

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
ANALYSIS_MARKER = "<!-- analysis: kept by bench/run.py -->"


def run_text(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip()


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
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git = ["git", "-C", str(ROOT)]
        head = run_text([*git, "rev-parse", "--short", "HEAD"])
        # The report itself (written by the last run) is not a change of the code measured.
        dirty = run_text([*git, "status", "--porcelain", "--", ".", ":!docs/benchmarks.md"])
        commit = head + (" with uncommitted changes" if dirty else "")
    return {
        "code": commit,
        "cores (nproc)": str(os.cpu_count()),
        "memory": memory,
        "CPU": cpu,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def _cpu_per(throughput: Throughput) -> str:
    if throughput.server_cpu is None or not throughput.done:
        return "unmeasured"
    return ms(throughput.server_cpu / throughput.done)


def _unaudited(results: Results) -> str:
    """W5 without auditing: how it was measured."""
    unaudited = results.moves.get("unaudited")
    if unaudited is None:
        return ""
    return (
        f"Without auditing: {unaudited.done:,} moves in {unaudited.seconds:.1f} s "
        f"({unaudited.failed} failed), {_cpu_per(unaudited)} of its CPU per move, by the same "
        "app in a third process where bench/unaudited.py (bench only: production has no such "
        "switch) makes `services.audit.record` do nothing and a move's statement leave out "
        "its entry's INSERT; the two API servers took turns, "
        f"{AUDIT_ROUNDS} rounds each. "
    )


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
    refusals: list[Refusal]
    attack: UnderAttack
    load: list[str]  # the load average (1, 5, 15 min) at each phase: others' work shows here
    side_by_side: list[SideBySide] | None = None  # None: npm missing, PostGraphile not run
    sizes: list[SizeComparison] | None = None  # None: --small-scale 0
    small_scale: float = 0.0
    finished: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def table(results: Results) -> list[str]:
    lines = [
        "| workload | API median | API p99 | baseline median | baseline p99 | ratio | target | "
        "| graphql-core field by field | ratio of baseline + that |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    # Deep pages against page 1 of the same list: W3's ledger, W8's audit trail.
    firsts = {
        lat.variant.removesuffix("page 1"): lat
        for lat in results.latencies
        if lat.variant.endswith(", page 1")
    }
    for latency in results.latencies:
        ratio = latency.ratio
        lines.append(
            f"| {latency.variant} | {ms(latency.api.median)} | {ms(latency.api.p99)} | "
            f"{ms(latency.baseline.median)} | {ms(latency.baseline.p99)} | {ratio:.1f}x | "
            f"median ≤ 3x baseline | {verdict(ratio <= 3)} | {ms(latency.graphql_core)} | "
            f"{latency.floor_ratio:.1f}x |"
        )
        stem, _, _ = latency.variant.rpartition("page ")
        page_one = firsts.get(stem) if latency.variant.startswith(("W3", "W8")) else None
        if page_one is not None and latency is not page_one:
            deep = latency.api.median / page_one.api.median
            lines.append(
                f"| {latency.variant} against page 1 | {ms(latency.api.median)} | | "
                f"{ms(page_one.api.median)} (API page 1) | | {deep:.2f}x | ≤ 1.5x page 1 | "
                f"{verdict(deep <= 1.5)} | | |"
            )
    api, raw = results.moves["api"], results.moves["raw"]
    tps = results.pgbench[0]
    move_ratio = api.per_second / tps if tps else math.nan
    lines.append(
        f"| W5 credit moves, {CLIENTS} clients | {api.per_second:.0f}/s | {ms(api.latency.p99)} | "
        f"{tps:.0f} TPC-B tx/s (pgbench) | | {move_ratio:.2f}x | ≥ 0.5x pgbench | "
        f"{verdict(move_ratio >= 0.5)} | | |"
    )
    lines.append(
        f"| W5 raw moves (baseline /move), {CLIENTS} clients | {raw.per_second:.0f}/s | "
        f"{ms(raw.latency.p99)} | {tps:.0f} tx/s | | {raw.per_second / tps:.2f}x | (context) "
        "| | | |"
    )
    unaudited = results.moves.get("unaudited")
    if unaudited is not None and unaudited.per_second:
        kept = api.per_second / unaudited.per_second
        lines.append(
            f"| W5 credit moves with auditing against without, {CLIENTS} clients | "
            f"{api.per_second:.0f}/s | {ms(api.latency.p99)} | {unaudited.per_second:.0f}/s "
            f"without | {ms(unaudited.latency.p99)} | {kept:.2f}x | ≥ 0.9x without | "
            f"{verdict(kept >= 0.9)} | | |"
        )
    rate, parameters = results.argon2
    login = results.login
    lines.append(
        f"| W6 logins, {LOGIN_CLIENTS} clients | {login.per_second:.1f}/s | "
        f"{ms(login.latency.p99)} | {rate:.1f} argon2 verifications/s (one thread) | | "
        f"{login.per_second / rate:.2f}x | reported: {parameters} | | | |"
    )
    return lines


def hostile_table(results: Results) -> list[str]:
    lines = [
        "| hostile document | server CPU per refusal | target | |",
        "|---|---:|---|---|",
    ]
    for refusal in results.refusals:
        lines.append(
            f"| {refusal.document} | {refusal.cpu * 1000:.2f} ms | < 10 ms | "
            f"{verdict(refusal.cpu < 0.010)} |"
        )
    attack = results.attack
    lines += [
        "",
        "| W1 subtree, one client | p99 alone | p99 while "
        f"{ATTACKERS} clients send hostile documents | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
        f"| {len(attack.attacked.seconds)} requests ({attack.hostile_sent:,} hostile meanwhile) | "
        f"{ms(attack.alone.p99)} | {ms(attack.attacked.p99)} | {attack.ratio:.2f}x | ≤ 2x | "
        f"{verdict(attack.ratio <= 2)} |",
    ]
    return lines


def counts_table(results: Results) -> list[str]:
    lines = [
        f"| workload | statements at {SMALL} rows | statements at {LARGE:,} rows "
        "(3 requests each) | target | |",
        "|---|---:|---:|---|---|",
    ]
    for count in results.counts:
        lines.append(
            f"| {count.workload} | {count.spread(count.small)} ({count.small_rows} rows) | "
            f"{count.spread(count.large)} ({count.large_rows:,} rows) | equal | "
            f"{verdict(not count.grows)} |"
        )
    return lines


def growing_statements(results: Results) -> list[str]:
    """The statements of each request whose count grows, grouped by their first words."""
    lines: list[str] = []
    for count in results.counts:
        if not count.grows:
            continue
        shapes = collections.Counter(" ".join(text.split()[:8]) for text in count.statements)
        lines += [f"{count.workload} at {count.large_rows:,} rows:", "", "```"]
        lines += [f"{times} x {shape} ..." for shape, times in shapes.items()]
        lines += ["```", ""]
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


def sizes_section(results: Results) -> list[str]:
    if results.sizes is None:
        return []
    return [
        "### Small platform against full",
        "",
        "bench/sizes.py: the same variants on a platform seeded at scale "
        f"{results.small_scale:g} (a database of its own, its own server and baseline), "
        "API and baseline in turn as above. A plan that flips with the data's size shows here.",
        "",
        *sizes_table(results.sizes, results.small_scale),
        "",
    ]


def peer_section(results: Results) -> list[str]:
    head = ["### Side by side with PostGraphile", ""]
    if results.side_by_side is None:
        return [*head, "Not measured: npm was not found to install PostGraphile.", ""]
    return [
        *head,
        "bench/sidebyside.py: the API, the raw baseline and PostGraphile 4.14 (bench/peer.py: "
        "its CLI with default settings, no authentication, the query log off; the subtree "
        "functions and counts it needs in bench/postgraphile/peer.sql) over the same rows, the "
        "rows of each answer checked equal first. Median: one client, the three in turn. CPU "
        "per request: each server process's user + system time (/proc) over those sequential "
        f"requests. Requests/s: {CLIENTS} concurrent clients, each server alone in turn. "
        "Targets (issue 17): median and CPU per request at most 2x raw, CPU below "
        "PostGraphile's, requests/s at least PostGraphile's.",
        "",
        *side_by_side_table(results.side_by_side),
        "",
    ]


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
        "W1-W4 and W8: sequential requests from one client, API and baseline in turn (so "
        "both sides of a ratio see the same machine); median and 99th percentile of the round trip "
        "(request sent to body received). The baseline is bench/baseline.py: a bare "
        "Starlette route with asyncpg and orjson answering the same JSON from the same rows "
        "(checked equal before measuring"
        + ("" if all(lat.same_json for lat in results.latencies) else ": **some differ**, below")
        + "). *graphql-core field by field*: bench/floor.py executes the workload's document "
        "with graphql-core's standard execution over the baseline's answer (dicts, default "
        "resolvers, no database) and encodes it; *ratio of baseline + that*: the best a "
        "server that executes every field through graphql-core could do. The API goes below "
        "it where schema/execution.py calls plain fields in place.",
        "",
        *table(results),
        "",
        f"| server process | peak RSS (VmHWM) {memory_mib:.0f} MiB | target < 300 MB | "
        f"{verdict(memory_mib * 1.048576 < 300)} |",
        "|---|---|---|---|",
        f"| baseline process | peak RSS {results.baseline_memory.get('VmHWM', 0) / 1024:.0f} MiB"
        " | | |",
        "",
        *peer_section(results),
        *sizes_section(results),
        "### Hostile documents",
        "",
        "bench/hostile.py: each document sent 100 times in a row as the partner's SUPERADMIN; "
        "the server process's CPU time (from /proc) over those requests, HTTP included, per "
        "request. Then W1's p99 from one client, alone and while "
        f"{ATTACKERS} clients loop over those documents (schema/cost.py refuses them "
        "before validation).",
        "",
        *hostile_table(results),
        "",
        "### SQL statements per request",
        "",
        "Counted with a SQLAlchemy `before_cursor_execute` listener on the app run in-process, "
        "as the platform's SUPERADMIN (so 10,000 rows exist for every list), with "
        f"`MAX_PAGE_SIZE` and `MAX_TREE_PAGE_SIZE` raised to {LARGE:,}.",
        "",
        *counts_table(results),
        "",
        *growing_statements(results),
        "### Time in authorization",
        "",
        "The W1-W4 and W8 requests above, in-process, with timing wrappers around "
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
        + f"), median {ms(api.latency.median)}, {_cpu_per(api)} of the server's CPU per move; "
        f"raw: {raw.done:,} in {raw.seconds:.1f} s ({raw.failed} failed), {_cpu_per(raw)} "
        f"of its CPU per move. {_unaudited(results)}pgbench: `{results.pgbench[1]}`. "
        f"The moves alternate between partner {fixture.mover_partner_id} and its customers, "
        "so like TPC-B at scale 1 "
        "(one branch row) every transaction locks one hot row.",
        f"- W6: {results.login.done} logins in {results.login.seconds:.1f} s, median "
        f"{ms(results.login.latency.median)}; argon2 parameters from services/passwords.py: "
        f"{results.argon2[1]}.",
        f"- Workload data: partner {fixture.partner_id} ({fixture.subtree_size:,} companies in "
        f"its subtree, {fixture.ledger_entries:,} ledger entries); W3's deep page is page "
        f"{fixture.ledger_page:,} (pages of {PAGE}); its subtree has "
        f"{fixture.audit_entries:,} audit entries, W8's deep page is page "
        f"{fixture.audit_page:,}.",
        "",
        "## Data",
        "",
        f"Seeded by bench/seed.py at scale {seed.get('scale', '?')} in "
        f"**{seed.get('seconds', math.nan):.0f} s** (target: 10 minutes): {rows}. " + _phases(seed),
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine().items()],
        f"- PostgreSQL: {results.postgres}",
        "- Load average (1, 5, 15 min) when each phase started: "
        + "; ".join(results.load)
        + " (the benchmark itself accounts for up to about 2; more means other processes "
        "competed for the cores).",
        "- Server: `uvicorn server:app`, one process, APP_ENV=production, no access log; "
        "client, server, baseline and PostgreSQL share the machine.",
        "- Client: aiohttp on uvloop in the benchmark's own process, about 0.1 ms of CPU per "
        "request (httpx, used before 2026-12-01, spent 0.5 ms, taken from the servers it "
        "measured; pgbench, in C, takes next to nothing from TPC-B).",
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


def _phases(seed: dict[str, Any]) -> str:
    phases = seed.get("phases") or {}
    if not phases:
        return ""
    listed = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
    return (
        f"Phases: {listed} (the audit trail's entries and seals in `audit`, their indexes "
        "among the others'); the audit entries' MACs are under bench/audit.py's "
        "BENCH_AUDIT_KEY, which the servers are given, so `cli.py audit-verify` checks them."
    )


def kept_analysis() -> str:
    if not REPORT.exists():
        return ""
    _, found, after = REPORT.read_text().partition(ANALYSIS_MARKER)
    return after.lstrip("\n") if found else ""
