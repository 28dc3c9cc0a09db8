"""A small GraphQL client for API tests, speaking HTTP to the real ASGI app, and the
helpers the API tests share: ids, mutation documents, typed errors, signing in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from config import Settings
from models.company import Company
from models.user import User
from schema.ids import encode_id, parse_id
from tests.factories import PASSWORD


@dataclass
class Response:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        assert "errors" not in self.body, self.body.get("errors")
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    settings: Settings

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = {"content-type": "application/json", "accept": "application/json"}
        if token:
            sent["authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )
        return Response(response.status_code, response.json())


# --- ids -----------------------------------------------------------------------------


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


def cid(company: Company) -> str:
    return gid("Company", company.id)


def pk(global_id: str) -> int:
    return parse_id(global_id)[1]


# --- mutations -----------------------------------------------------------------------

ERROR_FIELDS = "... on Error { code field message }"
# The numbers of a rule (`union(..., NUMBERS)` where the result has a ValidationError).
NUMBERS = "ValidationError { minimum maximum inUse available }"
_NUMBER_KEYS = ("minimum", "maximum", "inUse", "available")


def union(*members: str) -> str:
    """The selection of a result union: its `__typename`, each member given (such as
    `"CompanyPayload { company { id } }"`), and any error's code, field and message."""
    return " ".join(["__typename", *(f"... on {member}" for member in members), ERROR_FIELDS])


def mutation(name: str, selection: str) -> str:
    """The document of a mutation taking one `input` (of type `<Name>Input`)."""
    input_type = f"{name[0].upper()}{name[1:]}Input"
    return f"mutation Run($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"


async def mutate(
    client: GraphQLClient,
    document: str,
    name: str,
    data: dict[str, Any],
    token: str | None = None,
) -> dict[str, Any]:
    """The mutation's result union member; the request itself must not fail."""
    response = await client(document, {"input": data}, token=token)
    result: dict[str, Any] = response.data[name]
    return result


def error(code: str, field: str | None, typename: str = "ValidationError") -> dict[str, Any]:
    """What a typed error must say, message aside (it is for humans and may change)."""
    return {"__typename": typename, "code": code, "field": field}


def without_message(result: dict[str, Any]) -> dict[str, Any]:
    """A typed error without its message (which must be there) and, for an
    ArchiveBlockedError, its blockers, and the numbers of its rule (which tests check on
    their own, with `numbers`)."""
    assert isinstance(result.get("message"), str), result
    assert result["message"]
    dropped = ("message", "blockers", *_NUMBER_KEYS)
    return {key: value for key, value in result.items() if key not in dropped}


def numbers(result: dict[str, Any]) -> dict[str, int]:
    """The numbers a typed error gives for its rule (those that are not null)."""
    return {key: result[key] for key in _NUMBER_KEYS if result.get(key) is not None}


# --- signing in ----------------------------------------------------------------------

LOGIN_RESULT = union(
    "AuthPayload { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt"
    " user { id email role isActive } }",
    "LoginThrottledError { retryAfterSeconds }",
)
LOGIN = mutation("login", LOGIN_RESULT)
REFRESH = mutation(
    "tokenRefresh", union("AuthPayload { accessToken refreshToken user { id email } }")
)


async def login(client: GraphQLClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    return await mutate(client, LOGIN, "login", {"email": email, "password": password})


async def signed_in(client: GraphQLClient, user: User, password: str = PASSWORD) -> dict[str, Any]:
    """A sign-in that must succeed: the AuthPayload."""
    payload = await login(client, user.email, password)
    assert payload["__typename"] == "AuthPayload", payload
    return payload


async def refresh(client: GraphQLClient, refresh_token: str) -> dict[str, Any]:
    return await mutate(client, REFRESH, "tokenRefresh", {"refreshToken": refresh_token})


# --- mutations on one target ---------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """A mutation on one target: its document, the input field naming the target, and a
    valid rest of the input."""

    name: str
    document: str
    target_field: str = "id"
    rest: dict[str, Any] = field(default_factory=dict)

    def input(self, target: str, **overrides: Any) -> dict[str, Any]:
        return {self.target_field: target, **self.rest, **overrides}


async def run(
    client: GraphQLClient, op: Op, variables: dict[str, Any], token: str | None
) -> Response:
    return await client(op.document, {"input": variables}, token=token)


async def op_result(
    client: GraphQLClient, op: Op, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    """The mutation's result union member; the request itself must not fail."""
    return await mutate(client, op.document, op.name, variables, token)
