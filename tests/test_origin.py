"""The request's origin is visible to everything the request runs, and only to it."""

from __future__ import annotations

import asyncio

import pytest

from resolvers import auth as auth_resolvers
from services import origin
from tests.graphql import GraphQLClient


async def test_bound_origin_is_seen_by_tasks_of_the_request_and_reset_after() -> None:
    assert origin.current() is None
    seen: list[origin.Origin | None] = []

    async def resolver() -> None:
        seen.append(origin.current())

    with origin.bound(origin.Origin(request_id="r1", client_address="10.0.0.1")) as bound:
        await asyncio.gather(resolver(), resolver())  # sibling fields run as tasks
    assert seen == [bound, bound]
    assert origin.current() is None


async def test_the_http_layer_binds_request_id_address_and_user_agent(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured: list[origin.Origin | None] = []

    async def spy(_info: object) -> object:
        captured.append(origin.current())
        raise RuntimeError("stop here")

    monkeypatch.setattr(auth_resolvers, "me", spy)
    await client(
        "query Me { me { id } }", headers={"x-request-id": "req-42", "user-agent": "probe/1.0"}
    )
    assert len(captured) == 1
    seen = captured[0]
    assert seen is not None
    assert (seen.request_id, seen.client_address, seen.user_agent) == (
        "req-42",
        "127.0.0.1",
        "probe/1.0",
    )
    assert origin.current() is None
