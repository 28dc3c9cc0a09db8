"""GraphQL over HTTP: methods, media types, status codes, limits and error masking.

Through httpx against the ASGI app. The full conformance audit is test_graphql_http_audit.py.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from config import Settings
from schema.extensions import INTERNAL_MESSAGE
from server import create_app
from tests.graphql import GraphQLClient

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(
    http: httpx.AsyncClient,
    body: dict[str, Any] | bytes,
    *,
    accept: str | None = JSON,
    content_type: str | None = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if accept is not None:
        sent["accept"] = accept
    if content_type is not None:
        sent["content-type"] = content_type
    if isinstance(body, dict):
        return await http.post("/graphql", json=body, headers=sent)
    return await http.post("/graphql", content=body, headers=sent)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def error_messages(response: httpx.Response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


class ResolverSpy:
    """Stands in for the `me` resolver: records calls, so a test can prove nothing ran."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, info: Any) -> Any:
        self.calls += 1
        raise RuntimeError("secret detail: the spy was executed")


@pytest.fixture
def me_spy(monkeypatch: pytest.MonkeyPatch) -> ResolverSpy:
    spy = ResolverSpy()
    monkeypatch.setattr("resolvers.auth.me", spy)
    return spy


# GET


async def test_get_runs_a_query(client: GraphQLClient) -> None:
    response = await client.http.get(
        "/graphql",
        params={
            "query": "query Type($name: String!) { __type(name: $name) { name } }",
            "variables": '{"name": "Company"}',
        },
        headers={"accept": JSON},
    )

    assert response.status_code == 200
    assert media_type(response) == JSON
    assert response.json() == {"data": {"__type": {"name": "Company"}}}


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_get_refuses_a_mutation_with_405(client: GraphQLClient, accept: str) -> None:
    response = await client.http.get(
        "/graphql",
        params={"query": 'mutation { logout(input: {refreshToken: "x"}) { __typename } }'},
        headers={"accept": accept},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert media_type(response) == accept
    assert "data" not in response.json()
    assert error_messages(response) == ["Only queries may be sent with GET; use POST"]


async def test_get_from_a_browser_serves_graphiql(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


# Request media types and bodies


async def test_post_without_content_type_is_415(client: GraphQLClient) -> None:
    response = await post(client.http, b'{"query": "{ __typename }"}', content_type=None)

    assert response.status_code == 415
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize(
    ("method", "body", "headers", "status", "code"),
    [
        ("PUT", b"{}", {"content-type": JSON}, 405, "METHOD_NOT_ALLOWED"),
        (
            "POST",
            b'{"query": "{ __typename }"}',
            {"content-type": JSON, "accept": "text/csv"},
            406,
            "NOT_ACCEPTABLE",
        ),
        ("POST", b"{not json", {"content-type": JSON}, 400, "BAD_REQUEST"),
        ("POST", b'{"query": 1}', {"content-type": JSON}, 400, "BAD_REQUEST"),
    ],
)
async def test_transport_errors_carry_a_code_per_status(
    client: GraphQLClient,
    method: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await client.http.request(method, "/graphql", content=body, headers=headers)

    assert response.status_code == status
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


@pytest.mark.parametrize("content_type", ["text/plain", "application/json; charset=latin-1"])
async def test_post_with_another_content_type_is_415(
    client: GraphQLClient, content_type: str
) -> None:
    response = await post(client.http, b'{"query": "{ __typename }"}', content_type=content_type)

    assert response.status_code == 415


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_invalid_json_is_400(client: GraphQLClient, accept: str) -> None:
    response = await post(client.http, b'{ "not a JSON', accept=accept)

    assert response.status_code == 400
    assert media_type(response) == accept
    assert "data" not in response.json()
    assert error_messages(response) == ["The request body is not valid JSON"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"notquery": "{ __typename }"}, "`query` must be a non-empty string"),
        ({"query": 1}, "`query` must be a non-empty string"),
        ({"query": "{ __typename }", "variables": "x"}, "`variables` must be a map"),
        ({"query": "{ __typename }", "operationName": 0}, "`operationName` must be a string"),
    ],
)
async def test_invalid_parameters_are_400(
    client: GraphQLClient, body: dict[str, Any], message: str
) -> None:
    response = await post(client.http, body)

    assert response.status_code == 400
    assert error_messages(response) == [message]


async def test_a_json_batch_is_refused(client: GraphQLClient) -> None:
    response = await post(client.http, b'[{"query": "{ __typename }"}]')

    assert response.status_code == 400


# Response media types


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
    ],
)
async def test_response_media_type_follows_accept(
    client: GraphQLClient, accept: str | None, expected: str
) -> None:
    response = await post(client.http, {"query": "{ __typename }"}, accept=accept)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", ["text/html", f"{JSON};q=0"])
async def test_unacceptable_accept_is_406(client: GraphQLClient, accept: str) -> None:
    response = await post(client.http, {"query": "{ __typename }"}, accept=accept)

    assert response.status_code == 406
    assert media_type(response) == JSON


# GraphQL request errors: 200 with application/json, 400 with graphql-response+json; never `data`


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_parse_error(client: GraphQLClient, accept: str, status: int) -> None:
    response = await post(client.http, {"query": "{"}, accept=accept)

    assert response.status_code == status
    assert media_type(response) == accept
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_validation_error(client: GraphQLClient, accept: str, status: int) -> None:
    response = await post(client.http, {"query": "{ noSuchField }"}, accept=accept)

    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "noSuchField" in body["errors"][0]["message"]


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_variable_coercion_error(client: GraphQLClient, accept: str, status: int) -> None:
    body = {"query": "query Q($id: ID!) { __typename }", "variables": {"id": None}}

    response = await post(client.http, body, accept=accept)

    assert response.status_code == status
    assert "data" not in response.json()


@pytest.mark.parametrize(
    ("query", "operation_name", "message"),
    [
        ("query A { __typename }", "B", 'Unknown operation named "B".'),
        ("fragment F on Query { __typename }", None, "The document contains no operation"),
        (
            "query A { __typename } query B { __typename }",
            None,
            "Must provide operation name if query contains multiple operations.",
        ),
        (
            "subscription { anything }",
            None,
            "Subscriptions are not served over HTTP",
        ),
    ],
)
async def test_no_runnable_operation_is_a_request_error(
    client: GraphQLClient, query: str, operation_name: str | None, message: str
) -> None:
    body = {"query": query, "operationName": operation_name}

    as_json = await post(client.http, body)
    as_graphql_response = await post(client.http, body, accept=GRAPHQL_RESPONSE)

    assert as_json.status_code == 200
    assert as_graphql_response.status_code == 400
    for response in (as_json, as_graphql_response):
        assert "data" not in response.json()
        assert error_messages(response) == [message]


async def test_field_error_keeps_data_and_status_200(client: GraphQLClient) -> None:
    response = await post(client.http, {"query": "{ me { email } }"}, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# Body size limit


@pytest.fixture
async def small_body_app(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(dataclasses.replace(settings, max_body_bytes=200))
    yield app
    await app.state.engine.dispose()


async def _chunks(payload: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(payload), 64):
        yield payload[start : start + 64]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_body_over_the_limit_is_413(small_body_app: Starlette, declared: bool) -> None:
    payload = b'{"query": "{ __typename }", "extensions": {"pad": "' + b"x" * 300 + b'"}}'
    transport = httpx.ASGITransport(app=small_body_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        small = await post(http, {"query": "{ __typename }"})
        # Without a Content-Length the limit is enforced while the body streams in.
        content = payload if declared else _chunks(payload)
        large = await http.post("/graphql", content=content, headers={"content-type": JSON})

    assert small.status_code == 200
    assert ("content-length" in large.request.headers) is declared
    assert large.status_code == 413
    assert error_messages(large) == ["The request body exceeds 200 bytes"]


# Masking and request ids


async def test_resolver_exceptions_are_masked(
    client: GraphQLClient, me_spy: ResolverSpy, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="fleet.graphql"):
        response = await post(
            client.http, {"query": "{ me { email } }"}, headers={"x-request-id": "req-resolver-1"}
        )

    assert me_spy.calls == 1
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-resolver-1"
    assert "secret" not in response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-resolver-1"}
    # The detail goes to the log, under the same request id.
    assert any("req-resolver-1" in record.getMessage() for record in caplog.records)


async def test_transport_exceptions_are_masked(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_authenticate(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail: database unreachable")

    monkeypatch.setattr("services.auth.authenticate", broken_authenticate)
    with caplog.at_level(logging.ERROR, logger="fleet.http"):
        response = await post(
            client.http,
            {"query": "{ __typename }"},
            accept=GRAPHQL_RESPONSE,
            headers={"authorization": "Bearer abc.def.ghi", "x-request-id": "req-transport-1"},
        )

    assert response.status_code == 500
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.headers["x-request-id"] == "req-transport-1"
    assert "secret" not in response.text
    assert response.json() == {
        "errors": [
            {
                "message": INTERNAL_MESSAGE,
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-transport-1"},
            }
        ]
    }
    assert any("req-transport-1" in record.getMessage() for record in caplog.records)


async def test_request_id_is_echoed(client: GraphQLClient) -> None:
    response = await post(
        client.http, {"query": "{ __typename }"}, headers={"x-request-id": "abc-123_x.y"}
    )

    assert response.headers["x-request-id"] == "abc-123_x.y"


@pytest.mark.parametrize("sent", [None, "", "has spaces", "x" * 65, "semi;colon"])
async def test_request_id_is_generated_when_missing_or_unsafe(
    client: GraphQLClient, sent: str | None
) -> None:
    headers = {} if sent is None else {"x-request-id": sent}

    response = await post(client.http, {"query": "{ __typename }"}, headers=headers)

    generated = response.headers["x-request-id"]
    assert generated != sent
    assert len(generated) == 32
    assert all(c in "0123456789abcdef" for c in generated)


async def test_request_errors_carry_the_request_id_too(client: GraphQLClient) -> None:
    response = await post(client.http, b"{", headers={"x-request-id": "req-bad-json"})

    assert response.status_code == 400
    assert response.headers["x-request-id"] == "req-bad-json"


# Abuse limits: refused before execution, with a message naming the limit


async def test_a_query_within_the_limits_runs(client: GraphQLClient, me_spy: ResolverSpy) -> None:
    await client("{ me { email } }")

    assert me_spy.calls == 1  # the spy works, so the zero counts below mean something


async def test_query_deeper_than_max_query_depth(
    client: GraphQLClient, me_spy: ResolverSpy
) -> None:
    depth = client.settings.max_query_depth
    query = "{ me { company { " + "parent { " * depth + "name" + " }" * (depth + 2) + " }"

    result = await client(query)

    assert result.status == 200
    assert "data" not in result.body
    assert [e["message"] for e in result.errors] == [
        f"'anonymous' exceeds maximum operation depth of {depth}"
    ]
    assert result.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert me_spy.calls == 0


async def test_more_aliases_than_max_aliases(client: GraphQLClient, me_spy: ResolverSpy) -> None:
    limit = client.settings.max_aliases
    query = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(limit + 1)) + " }"

    result = await client(query)

    assert result.status == 200
    assert "data" not in result.body
    assert [e["message"] for e in result.errors] == [f"{limit + 1} aliases found. Allowed: {limit}"]
    assert me_spy.calls == 0


async def test_more_tokens_than_max_tokens(client: GraphQLClient, me_spy: ResolverSpy) -> None:
    limit = client.settings.max_tokens
    query = "{ me { email } " + "__typename " * limit + "}"

    result = await client(query)

    assert result.status == 200
    assert "data" not in result.body
    [error] = result.errors
    assert error["message"] == (
        f"Syntax Error: Document contains more than {limit} tokens. Parsing aborted."
    )
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert me_spy.calls == 0


async def test_limits_give_400_with_graphql_response_json(
    client: GraphQLClient, me_spy: ResolverSpy
) -> None:
    limit = client.settings.max_aliases
    query = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(limit + 1)) + " }"

    response = await post(client.http, {"query": query}, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert "data" not in response.json()
    assert me_spy.calls == 0
