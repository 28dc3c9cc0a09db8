"""Who may read the schema (SPEC section 6, schema/introspection.py): with INTROSPECTION=policy
(production's default) only the platform's staff introspect and get "Did you mean"
suggestions; strangers and tenants get neither; `off` refuses everyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from config import Settings
from models.user import Role
from server import create_app
from tests.factories import Factory
from tests.graphql import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
TYPE_IN_A_FRAGMENT = """
query Sneaky { ...Q }
fragment Q on Query { me { id } ... on Query { __type(name: "Company") { fields { name } } } }
"""
MISSPELT_FIELD = "{ mee { id } }"


async def _client(settings: Settings, introspection: str) -> AsyncIterator[GraphQLClient]:
    application = create_app(replace(settings, introspection=introspection))
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 5555))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(http, application.state.settings)
    finally:
        await application.state.engine.dispose()


@pytest.fixture
async def policy(app: Any, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A server as production runs it: introspection by policy."""
    async for client in _client(settings, "policy"):
        yield client


@pytest.fixture
async def off(app: Any, settings: Settings) -> AsyncIterator[GraphQLClient]:
    async for client in _client(settings, "off"):
        yield client


@pytest.fixture
async def tokens(factory: Factory) -> dict[str, str]:
    platform = await factory.company(name="Platform")
    tenant = await factory.company(platform, name="Tenant")
    return {
        "platform user": factory.token(await factory.user(platform, Role.USER)),
        "platform superadmin": factory.token(await factory.user(platform, Role.SUPERADMIN)),
        "tenant superadmin": factory.token(await factory.user(tenant, Role.SUPERADMIN)),
    }


async def _post(client: GraphQLClient, query: str, token: str | None) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await client.http.post("/graphql", json={"query": query}, headers=headers)


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", error
    return str(error["message"])


@pytest.mark.parametrize("document", [get_introspection_query(), TYPE_IN_A_FRAGMENT])
@pytest.mark.parametrize("who", [None, "tenant superadmin"])
async def test_strangers_and_tenants_may_not_introspect_by_policy(
    policy: GraphQLClient, tokens: dict[str, str], document: str, who: str | None
) -> None:
    # given a production server and a caller who is not the platform's staff
    # when it introspects, however the fields are tucked away
    response = await _post(policy, document, tokens[who] if who else None)
    # then the document is refused before execution, saying why
    message = _refused(response)
    assert "Introspection is not allowed" in message


@pytest.mark.parametrize("who", ["platform user", "platform superadmin"])
async def test_the_platforms_staff_introspect_by_policy(
    policy: GraphQLClient, tokens: dict[str, str], who: str
) -> None:
    # given a production server and a member of the platform's staff, any role
    # when they run the explorer's introspection query
    response = await _post(policy, get_introspection_query(), tokens[who])
    # then they get the schema
    assert response.status_code == 200, response.text
    types = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert {"Company", "Query", "Mutation"} <= types


async def test_typename_is_open_to_everyone(policy: GraphQLClient) -> None:
    response = await _post(policy, "{ __typename }", None)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_off_refuses_the_platforms_staff_too(
    off: GraphQLClient, tokens: dict[str, str]
) -> None:
    token = tokens["platform superadmin"]
    response = await _post(off, "{ __schema { queryType { name } } }", token)
    assert "disabled" in _refused(response)


@pytest.mark.parametrize("who", [None, "tenant superadmin"])
async def test_no_suggestions_for_those_who_may_not_read_the_schema(
    policy: GraphQLClient, tokens: dict[str, str], who: str | None
) -> None:
    # given a production server and a caller who may not read the schema
    # when it misspells a field
    message = _refused(await _post(policy, MISSPELT_FIELD, tokens[who] if who else None))
    # then the error says what is wrong but suggests nothing
    assert message == "Cannot query field 'mee' on type 'Query'."


async def test_no_enum_suggestions_in_variable_errors(
    policy: GraphQLClient, tokens: dict[str, str]
) -> None:
    # given a tenant's administrator who sends a misspelt enum value in a variable
    response = await policy.http.post(
        "/graphql",
        json={
            "query": "mutation M($input: UserInviteInput!) { userInvite(input: $input) "
            "{ __typename } }",
            "variables": {
                "input": {"companyId": "x", "email": "a@example.com", "role": "SUPERADMN"}
            },
        },
        headers={"authorization": f"Bearer {tokens['tenant superadmin']}"},
    )
    # then the error names the value, not the one it resembles
    [error] = response.json()["errors"]
    assert "SUPERADMN" in error["message"]
    assert "Did you mean" not in error["message"]
    assert "SUPERADMIN" not in error["message"]


@pytest.mark.parametrize("introspection", ["all", "policy"])
async def test_suggestions_stay_for_those_who_may_read_the_schema(
    client: GraphQLClient, policy: GraphQLClient, tokens: dict[str, str], introspection: str
) -> None:
    # given a development server (anyone) or a production one (the platform's staff)
    server, token = (client, None) if introspection == "all" else (policy, tokens["platform user"])
    # when they misspell a field
    message = _refused(await _post(server, MISSPELT_FIELD, token))
    # then they are told what they meant
    assert message == "Cannot query field 'mee' on type 'Query'. Did you mean 'me'?"


def test_production_introspects_by_policy_and_development_for_all() -> None:
    key = {"JWT_SECRET_KEY": "k" * 40}
    assert Settings.from_env({"APP_ENV": "production", **key}).introspection == "policy"
    assert Settings.from_env({"APP_ENV": "development", **key}).introspection == "all"
    setting = {"APP_ENV": "production", "INTROSPECTION": "off", **key}
    assert Settings.from_env(setting).introspection == "off"
