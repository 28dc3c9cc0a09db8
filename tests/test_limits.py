"""Abuse limits applied before validation (SPEC section 8, schema/cost.py): documents that
expand to too many fields and documents over the cost budget are refused, quickly, with
nothing executed; the budget admits what clients need."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from bench import hostile, workloads
from models.user import Role
from tests.conftest import StatementCounter
from tests.factories import Factory
from tests.graphql import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
# In-process (ASGI transport): the CPU of the request is this process's. Generous against a
# busy test machine; the benchmark measures the real figure (docs/benchmarks.md).
REFUSAL_CPU_SECONDS = 0.05

# The nested lists on tree rows of the issue: 1,000 rows x 50 children each.
NESTED_ON_TREE_ROWS = """
{ companyTree { edges { node { id parent { id } ancestors { id }
    children(first: 50) { edges { node { id counts { children users devices } } } }
    creditPayer { levelsUp company { id } } } } } }
"""


async def _post(
    client: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, float]:
    """The response and the CPU seconds this process spent on it."""
    sent = {"accept": GRAPHQL_RESPONSE, **(headers or {})}
    if token:
        sent["authorization"] = f"Bearer {token}"
    started = time.process_time()
    response = await client.http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )
    return response, time.process_time() - started


@pytest.fixture
async def token(factory: Factory) -> str:
    platform = await factory.company(name="Platform")
    return factory.token(await factory.user(platform, Role.SUPERADMIN))


def _refusal(response: httpx.Response, code: str = "GRAPHQL_VALIDATION_FAILED") -> dict[str, Any]:
    """The one error of a document refused before execution: 400, no `data`."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    return dict(error)


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("doubling fragments", hostile.DOUBLING_FRAGMENTS),
        ("250-fold repetition", "{ " + " ".join(["me { company { id } }"] * 250) + " }"),
        ("200 distinct fragments", hostile.MANY_FRAGMENTS),
    ],
)
async def test_documents_expanding_to_too_many_fields_are_refused_quickly(
    client: GraphQLClient, token: str, count_statements: StatementCounter, name: str, document: str
) -> None:
    # given a signed-in client, and what its token check alone asks of the database
    before = count_statements.count
    await _post(client, "{ __typename }", token=token)
    authentication = count_statements.count - before
    before = count_statements.count

    # when it sends a document that expands to a great many fields
    response, cpu = await _post(client, document, token=token)

    # then it is refused before validation, quickly, and nothing ran but the token check
    error = _refusal(response)
    assert "more than" in error["message"] or "times in one selection set" in error["message"]
    assert "maxFields" in error["extensions"] or "maxRepeats" in error["extensions"], error
    assert count_statements.count - before == authentication
    assert cpu < REFUSAL_CPU_SECONDS, f"{name}: {cpu * 1000:.1f} ms of CPU to refuse"


async def test_the_600_fold_repetition_is_over_the_token_limit(
    client: GraphQLClient, token: str
) -> None:
    # 4,202 tokens: refused as it is read, before the parser spends 10 µs a token on it
    response, cpu = await _post(client, hostile.REPEATED_FIELD, token=token)

    error = _refusal(response, "GRAPHQL_PARSE_FAILED")
    assert f"more than {client.settings.max_tokens} tokens" in error["message"]
    assert cpu < REFUSAL_CPU_SECONDS, f"{cpu * 1000:.1f} ms of CPU to refuse"


async def test_thirty_aliases_of_the_whole_tree_are_over_budget(
    client: GraphQLClient, token: str, count_statements: StatementCounter
) -> None:
    before = count_statements.count
    await _post(client, "{ __typename }", token=token)
    authentication = count_statements.count - before
    before = count_statements.count
    response, cpu = await _post(client, hostile.TREE_ALIASES, token=token)

    error = _refusal(response)
    budget = client.settings.cost_budget
    assert error["extensions"] == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "cost": 30 * (1 + 5000 * 2),  # each: the connection, and per row its edge and node
        "budget": budget,
    }
    assert f"over the budget of {budget}" in error["message"]
    assert count_statements.count - before == authentication  # no tree was read
    assert cpu < REFUSAL_CPU_SECONDS, f"{cpu * 1000:.1f} ms of CPU to refuse"


async def test_nested_lists_on_tree_rows_are_over_budget(client: GraphQLClient, token: str) -> None:
    response, _ = await _post(client, NESTED_ON_TREE_ROWS, token=token)

    error = _refusal(response)
    assert error["extensions"]["cost"] > client.settings.cost_budget


async def test_a_subtree_per_row_is_over_budget(client: GraphQLClient, token: str) -> None:
    # descendants is a statement per row: 100 rows asking for theirs cost too much
    query = (
        "{ companyTree(first: 100) { edges { node {"
        " descendants(first: 5) { edges { node { id } } } } } } }"
    )
    response, _ = await _post(client, query, token=token)

    assert _refusal(response)["extensions"]["cost"] > client.settings.cost_budget


WHOLE_SUBTREE = """
query Subtree {
  companyTree(first: 1000) {
    edges { node { id name depth countryCode parent { id }
      counts { children descendants users devices } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (WHOLE_SUBTREE, {}),
        (workloads.TREE, {"first": 5000}),
        (workloads.DEVICES, {"companyId": "Q29tcGFueTox", "first": 100}),
        (workloads.LEDGER, {"companyId": "Q29tcGFueTox", "first": 100}),
        (workloads.DASHBOARD, {"first": 100}),
        ("{ companyTree { edges { node { id name depth counts { children users } } } } }", {}),
        (get_introspection_query(descriptions=True), {}),
    ],
)
async def test_the_budget_admits_what_clients_need(
    client: GraphQLClient, token: str, document: str, variables: dict[str, Any]
) -> None:
    response, _ = await _post(client, document, variables, token=token)

    assert response.status_code == 200, response.text
    codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
    assert "GRAPHQL_VALIDATION_FAILED" not in codes


async def test_the_cost_is_reported_when_asked(client: GraphQLClient, token: str) -> None:
    # W1's document: the connection, and per row its edge, node and counts
    variables = {"first": 1000}

    asked, _ = await _post(
        client, workloads.TREE, variables, token=token, headers={"x-graphql-cost": "true"}
    )
    not_asked, _ = await _post(client, workloads.TREE, variables, token=token)

    assert asked.status_code == 200
    assert asked.json()["extensions"]["cost"] == {
        "estimated": 1 + 1000 * 3 + 1,  # + pageInfo
        "budget": client.settings.cost_budget,
    }
    assert "extensions" not in not_asked.json()


async def test_the_page_size_comes_from_the_literal_the_variable_or_the_default(
    client: GraphQLClient, token: str
) -> None:
    query = "query Q($n: Int! = 7) { companyTree(first: $n) { edges { node { id } } } }"
    headers = {"x-graphql-cost": "1"}

    costs = []
    for document, variables in [
        (query, {"n": 20}),
        (query, {}),
        ("{ companyTree(first: 3) { edges { node { id } } } }", {}),
        ("{ companyTree { edges { node { id } } } }", {}),  # its argument's default, 1,000
    ]:
        response, _ = await _post(client, document, variables, token=token, headers=headers)
        costs.append(response.json()["extensions"]["cost"]["estimated"])

    assert costs == [1 + 20 * 2, 1 + 7 * 2, 1 + 3 * 2, 1 + 1000 * 2]


async def test_a_backward_page_is_priced_by_last(client: GraphQLClient, token: str) -> None:
    query = (
        "query Q($first: Int, $last: Int) {"
        " companyTree(first: $first, last: $last) { edges { node { id } } } }"
    )
    headers = {"x-graphql-cost": "1"}

    asked: list[tuple[str, dict[str, Any]]] = [
        ("{ companyTree(last: 4) { edges { node { id } } } }", {}),
        (query, {"last": 9}),
        (query, {"first": None, "last": 9}),  # a null `first` is not a size
        (query, {}),  # neither: the default page, 1,000
        ("{ me { company { children(last: 6) { edges { node { id } } } } } }", {}),
        ("{ me { company { children { edges { node { id } } } } } }", {}),  # default, 50
    ]
    costs = []
    for document, variables in asked:
        response, _ = await _post(client, document, variables, token=token, headers=headers)
        costs.append(response.json()["extensions"]["cost"]["estimated"])

    assert costs == [1 + 4 * 2, 1 + 9 * 2, 1 + 9 * 2, 1 + 1000 * 2, 3 + 6 * 2, 3 + 50 * 2]


async def test_a_large_last_is_over_budget_like_a_large_first(
    client: GraphQLClient, token: str
) -> None:
    # 5,000 tree rows with 50 children each: the size of `last` counts as `first`'s does
    query = NESTED_ON_TREE_ROWS.replace("companyTree", "companyTree(last: 5000)").replace(
        "children(first: 50)", "children(last: 50)"
    )

    response, _ = await _post(client, query, token=token)

    assert _refusal(response)["extensions"]["budget"] == client.settings.cost_budget


async def test_anonymous_requests_get_the_smaller_budget(client: GraphQLClient, token: str) -> None:
    # a document between the two budgets: 5,000 rows of four objects each
    query = "{ companyTree(first: 5000) { edges { node { id parent { id } counts { users } } } } }"
    settings = client.settings
    assert settings.anonymous_cost_budget < 1 + 5000 * 4 <= settings.cost_budget

    anonymous, _ = await _post(client, query)
    signed_in, _ = await _post(client, query, token=token)

    assert _refusal(anonymous)["extensions"]["budget"] == settings.anonymous_cost_budget
    assert signed_in.status_code == 200
    assert len(signed_in.json()["data"]["companyTree"]["edges"]) == 1


async def test_a_fragment_cycle_is_a_validation_error_not_a_hang(client: GraphQLClient) -> None:
    query = "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"

    response, cpu = await _post(client, query)

    assert response.status_code == 400
    assert "Cannot spread fragment" in response.json()["errors"][0]["message"]
    assert cpu < REFUSAL_CPU_SECONDS


async def test_a_document_far_over_the_token_limit_is_refused_unparsed(
    client: GraphQLClient,
) -> None:
    query = "{ " + "__typename " * 50_000 + "}"

    response, cpu = await _post(client, query)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "more than" in error["message"]
    assert cpu < 2 * REFUSAL_CPU_SECONDS  # a regular expression, no parser


async def test_subtrees_of_a_company_stay_in_budget(client: GraphQLClient, token: str) -> None:
    # one company's own subtree and children are affordable, whatever their weight per row
    query = (
        "{ me { company { descendants(first: 100) { edges { node { id } } }"
        " children { edges { node { id } } } } } }"
    )
    response, _ = await _post(client, query, token=token)

    assert response.status_code == 200
    assert "errors" not in response.json()
