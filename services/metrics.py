"""Prometheus metrics of this process (prometheus-client), served by web/ops.py at /metrics.

One registry per process, not per app: counters describe the process. What is recorded on
each request is a few dictionary lookups and additions (measured in docs/operations.md);
what needs the database (the outbox) or the pool is read when /metrics is scraped.
"""

from __future__ import annotations

import re
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "fleet_graphql_requests",
    "GraphQL requests by operation name, operation type and outcome (ok, error, rejected).",
    ["operation", "type", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "fleet_graphql_request_duration_seconds",
    "Time from receiving a GraphQL request to its answer, by operation type.",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
GRAPHQL_ERRORS = Counter(
    "fleet_graphql_errors",
    "Top-level GraphQL errors answered, by extensions.code.",
    ["code"],
    registry=REGISTRY,
)
MUTATION_ERRORS = Counter(
    "fleet_mutation_errors",
    "Typed errors returned by mutations (members of their result unions), by code.",
    ["code"],
    registry=REGISTRY,
)
POOL_IN_USE = Gauge(
    "fleet_db_pool_in_use",
    "Database connections checked out of the pool.",
    ["pool"],
    registry=REGISTRY,
)
POOL_WAITING = Gauge(
    "fleet_db_pool_waiting",
    "Tasks waiting for a database connection (the pool is exhausted).",
    ["pool"],
    registry=REGISTRY,
)
OUTBOX_DUE = Gauge(
    "fleet_mail_outbox_due",
    "Unsent mails due now (not waiting for a retry and not given up).",
    registry=REGISTRY,
)
OUTBOX_UNSENT = Gauge(
    "fleet_mail_outbox_unsent",
    "Unsent mails, retries and given-up ones included.",
    registry=REGISTRY,
)
OUTBOX_OLDEST_DUE_AGE = Gauge(
    "fleet_mail_outbox_oldest_due_age_seconds",
    "How long the oldest due mail has been due (0 when none is).",
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "fleet_job_runs",
    "Runs of the periodic jobs and mail delivery passes, by job and outcome.",
    ["job", "outcome"],
    registry=REGISTRY,
)
JOB_LAST_SUCCESS = Gauge(
    "fleet_job_last_success_timestamp_seconds",
    "Unix time of the last successful run of each job in this process.",
    ["job"],
    registry=REGISTRY,
)
WS_CONNECTIONS = Gauge(
    "fleet_ws_connections",
    "Open graphql-transport-ws connections (accepted, initialised or not).",
    registry=REGISTRY,
)
WS_CLOSES = Counter(
    "fleet_ws_closes",
    "WebSocket connections the server closed, by close code (4401 token expired or access "
    "changed, 1013 slow consumer, 1001 shutdown, ...).",
    ["code"],
    registry=REGISTRY,
)
SUBSCRIPTIONS = Gauge(
    "fleet_subscriptions",
    "Subscriptions streaming in this process, by topic.",
    ["topic"],
    registry=REGISTRY,
)
SUBSCRIPTION_EVENTS = Counter(
    "fleet_subscription_events",
    "Events handed to subscribers (after the per-event authorization), by topic.",
    ["topic"],
    registry=REGISTRY,
)

# Operation names come from clients: only well-formed ones, and a bounded number of them,
# become label values, so a client cannot grow the registry without end.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_known_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _known_operations:
        return name
    if len(_known_operations) >= MAX_OPERATION_NAMES or not _NAME.fullmatch(name):
        return "other"
    _known_operations.add(name)
    return name


def record_request(
    *, operation: str | None, kind: str, outcome: str, seconds: float, codes: list[str]
) -> None:
    REQUESTS.labels(operation_label(operation), kind, outcome).inc()
    LATENCY.labels(kind).observe(seconds)
    for code in codes:
        GRAPHQL_ERRORS.labels(code).inc()


def record_job(job: str, *, ok: bool) -> None:
    JOB_RUNS.labels(job, "success" if ok else "failure").inc()
    if ok:
        JOB_LAST_SUCCESS.labels(job).set(time.time())
