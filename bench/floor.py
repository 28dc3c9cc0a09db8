"""What graphql-core's standard, field-by-field execution costs: a workload's document executed
over the baseline's own answer (plain dicts, graphql-core's default resolvers, no database, no
authentication), then encoded with orjson. A server that executes every field through
graphql-core cannot answer in less than the baseline's time plus this, whatever its resolvers
do; schema/execution.py is how the API goes below it."""

from __future__ import annotations

import statistics
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLSchema, build_schema, execute_sync, parse

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


@lru_cache(maxsize=1)
def _schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text())


def graphql_core_seconds(
    query: str, variables: dict[str, Any], data: dict[str, Any], repeat: int = 30
) -> float:
    """Median time to execute `query` over `data` (the expected answer) and encode it."""
    document = parse(query)
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = execute_sync(_schema(), document, root_value=data, variable_values=variables)
        orjson.dumps({"data": result.data})
        times.append(time.perf_counter() - start)
        if result.errors or result.data != data:
            raise RuntimeError(f"the floor did not reproduce the answer: {result.errors}")
    return statistics.median(times)
