"""Connections that died under the pool (a database restart, a failover) cost at most the
requests in flight: the pool does not ping on every checkout (models/db.py), so the failing
statement is what tells SQLAlchemy to drop the pool, and the next requests reconnect."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.factories import Factory
from tests.graphql import GraphQLClient, signed_in

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ME = "query Me { me { email company { name } } }"


async def _kill_app_connections(database_url: str) -> int:
    url = make_url(database_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        killed: int = await conn.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()) t"
        )
    finally:
        await conn.close()
    return killed


async def test_requests_work_again_after_the_servers_connections_are_killed(
    client: GraphQLClient, factory: Factory, database_url: str
) -> None:
    root = await factory.company(name="Platform")
    user = await factory.user(root)
    token = (await signed_in(client, user))["accessToken"]
    assert (await client(ME, token=token)).data["me"]["email"] == user.email

    assert await _kill_app_connections(database_url) >= 1

    # The request that meets a dead connection may fail (as INTERNAL_SERVER_ERROR, nothing
    # leaked); from then on every request works on fresh connections.
    first = await client(ME, token=token)
    assert first.errors == [] or first.error_codes == ["INTERNAL_SERVER_ERROR"]
    for _ in range(5):
        again = await client(ME, token=token)
        assert again.data == {"me": {"email": user.email, "company": {"name": "Platform"}}}
