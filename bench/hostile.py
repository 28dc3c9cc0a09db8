"""Hostile documents (SPEC section 8, schema/cost.py): what the server spends refusing
them, and what they do to everyone else's requests.

Two measurements against the served API:
- the server's CPU per refusal of each document (its process's CPU time over a run of
  sequential refusals, HTTP included);
- the p99 of a normal request (W1, the partner's subtree) from one client, alone and while
  `ATTACKERS` clients send hostile documents in a loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import workloads as w
from bench.load import Api, Reply, Sample

# Each of F1..F20 spreads the one before twice: about a million fields expanded.
DOUBLING_FRAGMENTS = (
    "fragment F0 on Query { __typename }\n"
    + "\n".join(f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 21))
    + "\n{ ...F20 }"
)
REPEATED_FIELD = "{ " + " ".join(["me { company { id } }"] * 600) + " }"
# Distinct fragments selecting the same field: graphql-core compares every pair.
MANY_FRAGMENTS = (
    "{ "
    + " ".join(f"...F{i}" for i in range(200))
    + " }\n"
    + "\n".join(f"fragment F{i} on Query {{ __typename }}" for i in range(200))
)
TREE_ALIASES = (
    "{ "
    + " ".join(f"a{i}: companyTree(first: 5000) {{ edges {{ node {{ id }} }} }}" for i in range(30))
    + " }"
)
DOCUMENTS = {
    "doubling fragments (F0..F20)": DOUBLING_FRAGMENTS,
    "30 aliases of companyTree(first: 5000)": TREE_ALIASES,
    "`{ me { company { id } } }` x600": REPEATED_FIELD,
}
ATTACKERS = 4
MAX_HOSTILE = 200_000  # a bound on the attack besides its time


@dataclass(frozen=True)
class Refusal:
    document: str
    refused: int
    cpu: float  # seconds of the server's CPU per refusal


@dataclass(frozen=True)
class UnderAttack:
    alone: Sample
    attacked: Sample
    hostile_sent: int

    @property
    def ratio(self) -> float:
        return self.attacked.p99 / self.alone.p99


def refused(reply: Reply) -> bool:
    if reply.status != 200:
        return False
    errors = reply.json().get("errors") or []
    codes = {error.get("extensions", {}).get("code") for error in errors}
    # The 600-fold repetition is over the token limit: refused before parsing.
    refusals = {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}
    return "data" not in reply.json() and bool(codes & refusals)


async def refusal_cpu(
    api: Api, cpu_seconds: Callable[[], float], token: str, repeats: int
) -> list[Refusal]:
    results = []
    for name, document in DOCUMENTS.items():
        for _ in range(3):  # warm-up
            await api.graphql(document, {}, token)
        before, done = cpu_seconds(), 0
        for _ in range(repeats):
            reply = await api.graphql(document, {}, token)
            if not refused(reply):
                raise RuntimeError(f"{name} was not refused: {reply.content[:300]!r}")
            done += 1
        results.append(Refusal(name, done, (cpu_seconds() - before) / done))
    return results


async def _timed(call: Callable[[], Awaitable[Reply]], count: int, deadline: float) -> Sample:
    sample = Sample()
    for _ in range(count):
        start = time.perf_counter()
        (await call()).raise_for_status()
        sample.seconds.append(time.perf_counter() - start)
        if time.monotonic() > deadline:
            break
    return sample


async def under_attack(
    api: Api, token: str, variables: dict[str, object], count: int, seconds: float
) -> UnderAttack:
    """W1's p99 alone, then while ATTACKERS clients loop over the hostile documents."""

    async def normal() -> Reply:
        return await api.graphql(w.TREE, variables, token)

    for _ in range(3):
        (await normal()).raise_for_status()
    alone = await _timed(normal, count, time.monotonic() + seconds)
    stop = asyncio.Event()
    sent = 0

    async def attacker(offset: int) -> None:
        nonlocal sent
        documents = list(DOCUMENTS.values())
        n = offset
        while not stop.is_set() and sent < MAX_HOSTILE:
            await api.graphql(documents[n % len(documents)], {}, token)
            sent += 1
            n += 1

    attackers = [asyncio.create_task(attacker(i)) for i in range(ATTACKERS)]
    try:
        await asyncio.sleep(0.2)  # the attack is under way before the first normal request
        attacked = await _timed(normal, count, time.monotonic() + seconds)
    finally:
        stop.set()
        await asyncio.gather(*attackers)
    return UnderAttack(alone, attacked, sent)
