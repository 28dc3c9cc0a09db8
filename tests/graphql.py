"""A small GraphQL client for API tests, speaking HTTP to the real ASGI app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from config import Settings
from schema.ids import encode_id


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


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)
