"""The persisted-document protocols over HTTP, request by request (Apollo Client itself drives
them in test_persisted_documents.py): APQ's answers, its store, and the allowlist mode."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import cli
from config import Settings
from server import create_app
from tests.graphql import GraphQLClient
from web.allowlist import build_manifest
from web.persisted import AllowlistError, DocumentCache, load_allowlist, sha256_hex

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def fresh() -> str:
    """A document no other test registered (the session's app keeps its store)."""
    return f"query Fresh{uuid.uuid4().hex} {{ __typename }}"


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(document)}}


async def send(
    http: httpx.AsyncClient,
    *,
    query: str | None = None,
    extensions: dict[str, Any] | None = None,
    method: str = "POST",
    accept: str = JSON,
) -> httpx.Response:
    body: dict[str, Any] = {}
    if query is not None:
        body["query"] = query
    if extensions is not None:
        body["extensions"] = extensions
    if method == "GET":
        params = {k: v if k == "query" else json.dumps(v) for k, v in body.items()}
        return await http.get("/graphql", params=params, headers={"accept": accept})
    return await http.post("/graphql", json=body, headers={"accept": accept, "content-type": JSON})


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unknown_hash_answers_persisted_query_not_found(
    client: GraphQLClient, method: str
) -> None:
    response = await send(client.http, extensions=persisted(fresh()), method=method)
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    strict = await send(
        client.http, extensions=persisted(fresh()), method=method, accept=GRAPHQL_RESPONSE
    )
    assert strict.status_code == 400
    assert codes(strict) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_registered_document_runs_by_its_hash(client: GraphQLClient, method: str) -> None:
    document = fresh()
    registered = await send(
        client.http, query=document, extensions=persisted(document), method=method
    )
    assert registered.json() == {"data": {"__typename": "Query"}}
    for again in ("GET", "POST"):
        response = await send(client.http, extensions=persisted(document), method=again)
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_that_does_not_match_is_refused_and_not_kept(client: GraphQLClient) -> None:
    document, other = fresh(), fresh()
    response = await send(client.http, query=document, extensions=persisted(other))
    assert response.status_code == 400
    assert codes(response) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert codes(await send(client.http, extensions=persisted(other))) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


async def test_documents_that_fail_validation_are_not_kept(client: GraphQLClient) -> None:
    for broken in ("{ nope" + uuid.uuid4().hex, "{ nope" + uuid.uuid4().hex + " }"):
        first = await send(client.http, query=broken, extensions=persisted(broken))
        assert codes(first) in (["GRAPHQL_PARSE_FAILED"], ["GRAPHQL_VALIDATION_FAILED"])
        again = await send(client.http, extensions=persisted(broken))
        assert codes(again) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    ("extension", "code"),
    [
        ({"version": 2, "sha256Hash": "0" * 64}, "PERSISTED_QUERY_VERSION_UNSUPPORTED"),
        ("abc", "PERSISTED_QUERY_VERSION_UNSUPPORTED"),
        ({"version": 1, "sha256Hash": "XYZ"}, "BAD_REQUEST"),
        ({"version": 1}, "BAD_REQUEST"),
    ],
)
async def test_malformed_extensions_are_bad_requests(
    client: GraphQLClient, extension: Any, code: str
) -> None:
    response = await send(client.http, extensions={"persistedQuery": extension})
    assert response.status_code == 400
    assert codes(response) == [code]


async def test_neither_document_nor_hash_is_a_bad_request(client: GraphQLClient) -> None:
    response = await send(client.http, extensions={})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "`query` must be a non-empty string"


async def test_a_persisted_mutation_is_not_run_by_get(client: GraphQLClient) -> None:
    document = (
        f'mutation M{uuid.uuid4().hex} {{ logout(input: {{refreshToken: "x"}}) {{ __typename }} }}'
    )
    await send(client.http, query=document, extensions=persisted(document))
    response = await send(client.http, extensions=persisted(document), method="GET")
    assert response.status_code == 405


@pytest.fixture
async def app_with(settings: Settings) -> AsyncIterator[Any]:
    """Builds apps with other settings (each its own process, as far as the store goes)."""
    apps: list[Starlette] = []

    def build(**changes: Any) -> httpx.AsyncClient:
        app = create_app(dataclasses.replace(settings, **changes))
        apps.append(app)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    yield build
    for app in apps:
        await app.state.engine.dispose()


async def test_each_process_registers_on_its_own(app_with: Any) -> None:
    """Behind a load balancer a process that has not seen a hash says so; the client registers
    it there too (harmless: same hash, same document)."""
    document = fresh()
    async with app_with() as first, app_with() as second:
        await send(first, query=document, extensions=persisted(document))
        assert codes(await send(second, extensions=persisted(document))) == [
            "PERSISTED_QUERY_NOT_FOUND"
        ]
        await send(second, query=document, extensions=persisted(document))
        for process in (first, second):
            assert (await send(process, extensions=persisted(document))).json()["data"]


async def test_without_a_store_apq_is_not_supported(app_with: Any) -> None:
    document = fresh()
    async with app_with(apq_cache_size=0) as http:
        assert codes(await send(http, extensions=persisted(document))) == [
            "PERSISTED_QUERY_NOT_SUPPORTED"
        ]
        # The link then sends documents, which run as usual.
        ran = await send(http, query=document, extensions=persisted(document))
        assert ran.json() == {"data": {"__typename": "Query"}}


def test_the_store_is_bounded_by_count_and_size() -> None:
    cache = DocumentCache(2, max_total=100)
    cache.put("a", "x" * 10)
    cache.put("b", "y" * 10)
    assert cache.get("a")  # a is now the most recent
    cache.put("c", "z" * 10)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("x" * 10, None, "z" * 10)
    cache.put("d", "w" * 95)  # over the total: the oldest go
    assert len(cache) == 1
    assert cache.total == 95
    assert cache.get("d")
    cache.put("e", "v" * (64 * 1024 + 1))  # too large to keep at all
    assert cache.get("e") is None
    assert cache.get("d")


# As printed (graphql-js style), which is what the list keeps and the clients send.
ALLOWED = "query Allowed {\n  __typename\n}"


@pytest.fixture
def allowlist(tmp_path: Path) -> Path:
    source = tmp_path / "ops.graphql"
    source.write_text(ALLOWED)
    path = tmp_path / "allowlist.json"
    assert cli.write_allowlist(path, [source], add_typename=False) == 0
    return path


async def test_allowlist_mode_runs_only_listed_documents(app_with: Any, allowlist: Path) -> None:
    async with app_with(document_allowlist=allowlist) as http:
        by_hash = await send(http, extensions=persisted(ALLOWED), method="GET")
        assert by_hash.json() == {"data": {"__typename": "Query"}}
        in_full = await send(http, query=ALLOWED)
        assert in_full.json() == {"data": {"__typename": "Query"}}
        # Refused by hash before parsing: a broken document is not a parse error here, and
        # an unknown hash is not an invitation to register.
        for request in (
            {"query": "{ __typename }"},
            {"query": "{ this is not graphql"},
            {"query": "{" * 100_000},
            {"extensions": persisted("{ __typename }")},
            {"query": "{ __typename }", "extensions": persisted("{ __typename }")},
        ):
            response = await send(http, **request)
            assert response.status_code == 200
            assert response.json() == {
                "errors": [
                    {
                        "message": "This server runs only the documents of its allowlist",
                        "extensions": {"code": "DOCUMENT_NOT_ALLOWED"},
                    }
                ]
            }
        strict = await send(http, query="{ x", accept=GRAPHQL_RESPONSE)
        assert strict.status_code == 400
        assert codes(strict) == ["DOCUMENT_NOT_ALLOWED"]


def test_a_tampered_allowlist_stops_the_server(allowlist: Path, settings: Settings) -> None:
    manifest = json.loads(allowlist.read_text())
    manifest["operations"][0]["body"] = (
        'mutation { logout(input: {refreshToken: "x"}) { __typename } }'
    )
    allowlist.write_text(json.dumps(manifest))
    with pytest.raises(AllowlistError, match="no body matching its sha256"):
        load_allowlist(allowlist)
    with pytest.raises(AllowlistError):
        create_app(dataclasses.replace(settings, document_allowlist=allowlist))
    allowlist.write_text("[]")
    with pytest.raises(AllowlistError, match="apollo-persisted-query-manifest"):
        load_allowlist(allowlist)


def test_the_build_refuses_operations_the_schema_does_not_have(tmp_path: Path) -> None:
    from schema import build_schema

    schema = build_schema()._schema
    stale = tmp_path / "stale.graphql"
    stale.write_text("query Stale { me { shoeSize } }")
    with pytest.raises(AllowlistError, match="shoeSize"):
        build_manifest([stale], schema, add_typename=False)
    anonymous = tmp_path / "anonymous.graphql"
    anonymous.write_text("{ me { email } }")
    with pytest.raises(AllowlistError, match="needs a name"):
        build_manifest([anonymous], schema, add_typename=False)
    assert cli.write_allowlist(tmp_path / "out.json", [stale], add_typename=False) == 1


def test_the_build_splits_operations_and_merges_manifests(tmp_path: Path) -> None:
    from schema import build_schema

    schema = build_schema()._schema
    source = tmp_path / "app.graphql"
    source.write_text(
        "query A { me { ...F } }\nquery B { __typename }\nfragment F on User { email }\n"
    )
    first = build_manifest([source], schema, add_typename=True)
    bodies = {op["name"]: op["body"] for op in first["operations"]}
    assert bodies == {
        "A": "query A {\n  me {\n    ...F\n    __typename\n  }\n}\n\n"
        "fragment F on User {\n  email\n  __typename\n}",
        "B": "query B {\n  __typename\n}",
    }
    manifest = tmp_path / "apollo.json"
    manifest.write_text(json.dumps(first))
    other = tmp_path / "other.graphql"
    other.write_text("query C { __typename }")
    merged = build_manifest([manifest, other], schema, add_typename=False)
    assert [op["name"] for op in merged["operations"]] == ["A", "B", "C"]


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "APQ_CACHE_SIZE": "50", "DOCUMENT_ALLOWLIST": "/etc/a.json"}
    settings = Settings.from_env(env)
    assert settings.apq_cache_size == 50
    assert settings.document_allowlist == Path("/etc/a.json")
    defaults = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert (defaults.apq_cache_size, defaults.document_allowlist) == (1000, None)
