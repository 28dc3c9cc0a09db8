"""Security headers on every response: the API's answers, its refusals, the explorer page and
its files, the health check, unknown routes and CORS preflights; HSTS only when configured."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from config import Settings
from server import create_app
from tests.graphql import GraphQLClient
from web.headers import API_CSP

JSON = "application/json"
COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}

REQUESTS = {
    "explorer page": ("GET", "/graphql", {"accept": "text/html"}, None),
    "explorer file": ("GET", "/static/explorer/explorer.js", {}, None),
    "GET query": ("GET", "/graphql?query=%7B__typename%7D", {"accept": JSON}, None),
    "POST query": ("POST", "/graphql", {"content-type": JSON}, b'{"query": "{ __typename }"}'),
    "POST unauthenticated": (
        "POST",
        "/graphql",
        {"content-type": JSON},
        b'{"query": "{ me { id } }"}',
    ),
    "POST parse error": ("POST", "/graphql", {"content-type": JSON}, b'{"query": "{"}'),
    "POST not JSON": ("POST", "/graphql", {"content-type": JSON}, b"{"),
    "POST wrong media type": ("POST", "/graphql", {"content-type": "text/plain"}, b"x"),
    "PUT": ("PUT", "/graphql", {}, None),
    "bad bearer": (
        "POST",
        "/graphql",
        {"content-type": JSON, "authorization": "Bearer x"},
        b'{"query": "{ me { id } }"}',
    ),
    "portal page": ("GET", "/portal/accept-invitation?token=x", {}, None),
    "portal asset": ("GET", "/portal/assets/missing.js", {}, None),
    "health": ("GET", "/health", {}, None),
    "unknown route": ("GET", "/nowhere", {}, None),
    "CORS preflight": (
        "OPTIONS",
        "/graphql",
        {"origin": "https://evil.example", "access-control-request-method": "POST"},
        None,
    ),
}


@pytest.mark.parametrize("name", list(REQUESTS))
async def test_every_response_carries_the_security_headers(
    client: GraphQLClient, name: str
) -> None:
    method, path, headers, body = REQUESTS[name]
    response = await client.http.request(method, path, headers=headers, content=body)
    assert response.status_code < 500, response.text
    for header, value in COMMON.items():
        assert response.headers.get(header) == value, (name, header)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    if name not in ("explorer page", "portal page"):
        assert csp == API_CSP
    assert "strict-transport-security" not in response.headers  # not configured


async def test_hsts_when_served_behind_tls(settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, hsts_max_age=31_536_000))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        for response in (
            await http.get("/health"),
            await http.post("/graphql", json={"query": "{ __typename }"}),
            await http.get("/graphql", headers={"accept": "text/html"}),
        ):
            assert (
                response.headers["strict-transport-security"]
                == "max-age=31536000; includeSubDomains"
            )
    await app.state.engine.dispose()


def test_hsts_setting_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "HSTS_MAX_AGE": "63072000"}
    assert Settings.from_env(env).hsts_max_age == 63_072_000
    assert Settings.from_env({"DATA_DIR": str(tmp_path)}).hsts_max_age == 0
