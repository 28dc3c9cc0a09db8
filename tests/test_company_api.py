"""Contract tests of the company API (SPEC sections 1, 3, 6), through HTTP and GraphQL.

Each mutation: its success and what it wrote; every typed error it can return, with its
`code` and `field`; NOT_FOUND out of scope, answered exactly like an unknown id;
UNAUTHENTICATED and FORBIDDEN as top-level errors. A failing mutation writes nothing: the
rows are read back and compared. Then the reads: one company with its relations, `node`,
the tree, the search, the page size limit.

The world most tests act in, with the customer's ADMINISTRATOR as the usual caller:

    Platform
    |-- Partner
    |   |-- Customer            <- the caller's company
    |   |   |-- Site North
    |   |   |   `-- Room
    |   |   `-- Site South
    |   `-- Neighbour Site      (sibling branch)
    `-- Other Site             (another partner's branch)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.company import Company, path_segment
from models.user import Role, User
from tests.factories import Factory
from tests.graphql import (
    GraphQLClient,
    Op,
    cid,
    error,
    gid,
    mutation,
    op_result,
    pk,
    run,
    union,
    without_message,
)
from tests.helpers import Maker, get_row, snapshot_of
from tests.worlds import Tree, standard_tree

COMPANY_FIELDS = "id name countryCode useParentCredits archivedAt depth parent { id }"
COMPANY_PAYLOAD = f"CompanyPayload {{ company {{ {COMPANY_FIELDS} }} }}"

CREATE = mutation("companyCreate", union(COMPANY_PAYLOAD))
RENAME = mutation("companyRename", union(COMPANY_PAYLOAD))
ARCHIVE = mutation("companyArchive", union(COMPANY_PAYLOAD, "ArchiveBlockedError { blockers }"))
SET_USE_PARENT_CREDITS = mutation("companySetUseParentCredits", union(COMPANY_PAYLOAD))

CREATE_OP = Op("companyCreate", CREATE, "parentId", {"name": "New", "countryCode": "ES"})
RENAME_OP = Op("companyRename", RENAME, "id", {"name": "Renamed"})
ARCHIVE_OP = Op("companyArchive", ARCHIVE, "id")
SET_OP = Op("companySetUseParentCredits", SET_USE_PARENT_CREDITS, "id", {"useParentCredits": True})
OPS = [pytest.param(op, id=op.name) for op in (CREATE_OP, RENAME_OP, ARCHIVE_OP, SET_OP)]


@dataclass
class World(Tree):
    north: Company
    room: Company
    south: Company
    root_admin: User  # SUPERADMIN of the platform
    partner_admin: User
    admin: User  # ADMINISTRATOR of the customer: the usual caller
    viewer: User  # USER of the customer


@pytest.fixture
async def world(factory: Factory) -> World:
    tree = await standard_tree(factory, neighbour="Neighbour Site", other="Other Site")
    north = await factory.company(tree.customer, name="Site North")
    south = await factory.company(tree.customer, name="Site South")
    room = await factory.company(north, name="Room")
    return World(
        **tree.companies(),
        north=north,
        room=room,
        south=south,
        root_admin=await factory.user(tree.platform, Role.SUPERADMIN),
        partner_admin=await factory.user(tree.partner, Role.ADMINISTRATOR),
        admin=await factory.user(tree.customer, Role.ADMINISTRATOR),
        viewer=await factory.user(tree.customer, Role.USER),
    )


# Every company and user row, every column: equal snapshots mean nothing was written.
snapshot = snapshot_of(Company, User)


async def company_row(sessionmaker: Maker, company_id: int) -> Company:
    return await get_row(sessionmaker, Company, company_id)


# --- companyCreate -------------------------------------------------------------------


async def test_create_adds_a_child_under_the_callers_company(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given the customer's administrator
    token = factory.token(world.admin)
    # when it creates a company under its own company
    result = await op_result(
        client,
        CREATE_OP,
        {"parentId": cid(world.customer), "name": "  Site East ", "countryCode": "pt"},
        token,
    )
    # then the payload shows it, one level below the caller, cleaned up
    assert result["__typename"] == "CompanyPayload"
    created = result["company"]
    assert created["name"] == "Site East"
    assert created["countryCode"] == "PT"
    assert created["useParentCredits"] is False
    assert created["archivedAt"] is None
    assert created["depth"] == 1
    assert created["parent"] == {"id": cid(world.customer)}
    # and the row sits in the tree under the customer
    async with sessionmaker() as session:
        row = await session.scalar(select(Company).where(Company.name == "Site East"))
    assert row is not None
    assert created["id"] == cid(row)
    assert row.parent_id == world.customer.id
    assert row.path == world.customer.path + path_segment(row.id)
    assert row.depth == world.customer.depth + 1


async def test_create_under_a_descendant_with_use_parent_credits(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given the partner's administrator and a name of the longest accepted length
    name = "x" * 200
    result = await op_result(
        client,
        CREATE_OP,
        {
            "parentId": cid(world.north),
            "name": name,
            "countryCode": "ES",
            "useParentCredits": True,
        },
        factory.token(world.partner_admin),
    )
    assert result["__typename"] == "CompanyPayload"
    assert result["company"]["depth"] == 3  # partner -> customer -> north -> new
    async with sessionmaker() as session:
        row = await session.scalar(
            select(Company).where(Company.parent_id == world.north.id, Company.name == name)
        )
    assert row is not None
    assert row.use_parent_credits is True


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"name": ""}, error("REQUIRED", "name"), id="empty-name"),
        pytest.param({"name": "   "}, error("REQUIRED", "name"), id="blank-name"),
        pytest.param({"name": "x" * 201}, error("TOO_LONG", "name"), id="long-name"),
        pytest.param({"name": "a\u0007b"}, error("INVALID_VALUE", "name"), id="control-char"),
        pytest.param(
            {"countryCode": "XX"}, error("INVALID_COUNTRY_CODE", "countryCode"), id="unknown-cc"
        ),
        pytest.param(
            {"countryCode": "ESP"}, error("INVALID_COUNTRY_CODE", "countryCode"), id="alpha3-cc"
        ),
        pytest.param(
            {"countryCode": ""}, error("INVALID_COUNTRY_CODE", "countryCode"), id="empty-cc"
        ),
        pytest.param({"parentId": "not an id"}, error("INVALID_ID", "parentId"), id="bad-id"),
        pytest.param({"parentId": ""}, error("INVALID_ID", "parentId"), id="empty-id"),
    ],
)
async def test_create_rejects_invalid_input(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(
        client,
        CREATE_OP,
        CREATE_OP.input(cid(world.customer), **overrides),
        factory.token(world.admin),
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_create_under_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an archived site of the customer
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    # when the customer's administrator creates a company under it
    result = await op_result(
        client, CREATE_OP, CREATE_OP.input(cid(archived)), factory.token(world.admin)
    )
    # then the parent is named as the culprit, and nothing is written
    assert without_message(result) == error("COMPANY_ARCHIVED", "parentId")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("role", [Role.USER, Role.ADVANCED_USER])
async def test_create_needs_an_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    role: Role,
) -> None:
    # given a user below ADMINISTRATOR in the customer
    user = await factory.user(world.customer, role)
    before = await snapshot(sessionmaker)
    # when it creates a company under its own company
    response = await run(
        client, CREATE_OP, CREATE_OP.input(cid(world.customer)), factory.token(user)
    )
    # then it is forbidden, as a top-level error, and nothing is written
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- companyRename -------------------------------------------------------------------


@pytest.mark.parametrize("target", ["customer", "room"])
async def test_rename_own_company_or_a_descendant(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    target: str,
) -> None:
    # given the customer's administrator and its own company or one below it
    company: Company = getattr(world, target)
    # when it renames it
    result = await op_result(
        client, RENAME_OP, {"id": cid(company), "name": " Renamed "}, factory.token(world.admin)
    )
    # then the payload and the row carry the new, trimmed name, and nothing else changed
    assert result["__typename"] == "CompanyPayload"
    assert result["company"]["id"] == cid(company)
    assert result["company"]["name"] == "Renamed"
    row = await company_row(sessionmaker, company.id)
    assert row.name == "Renamed"
    assert (row.path, row.parent_id, row.archived_at) == (company.path, company.parent_id, None)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"name": ""}, error("REQUIRED", "name"), id="empty-name"),
        pytest.param({"name": " \t "}, error("REQUIRED", "name"), id="blank-name"),
        pytest.param({"name": "y" * 201}, error("TOO_LONG", "name"), id="long-name"),
        pytest.param({"id": "%%%"}, error("INVALID_ID", "id"), id="bad-id"),
        pytest.param({"id": gid("Company", 0)}, error("INVALID_ID", "id"), id="zero-id"),
    ],
)
async def test_rename_rejects_invalid_input(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(
        client,
        RENAME_OP,
        RENAME_OP.input(cid(world.north), **overrides),
        factory.token(world.admin),
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_rename_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await op_result(
        client, RENAME_OP, RENAME_OP.input(cid(archived)), factory.token(world.admin)
    )
    assert without_message(result) == error("COMPANY_ARCHIVED", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("role", [Role.USER, Role.ADVANCED_USER])
async def test_rename_own_company_needs_an_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    role: Role,
) -> None:
    user = await factory.user(world.customer, role)
    before = await snapshot(sessionmaker)
    response = await run(
        client, RENAME_OP, RENAME_OP.input(cid(world.customer)), factory.token(user)
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- companyArchive ------------------------------------------------------------------


async def test_archive_an_empty_descendant(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an empty site under the customer, with only a deactivated user left
    await factory.user(world.south, active=False)
    # when the customer's administrator archives it
    result = await op_result(
        client, ARCHIVE_OP, {"id": cid(world.south)}, factory.token(world.admin)
    )
    # then the payload and the row say when
    assert result["__typename"] == "CompanyPayload"
    assert result["company"]["archivedAt"] is not None
    row = await company_row(sessionmaker, world.south.id)
    assert row.archived_at is not None
    # and it leaves the tree
    tree = await client(
        "{ companyTree { edges { node { name } } } }", token=factory.token(world.admin)
    )
    assert "Site South" not in [e["node"]["name"] for e in tree.data["companyTree"]["edges"]]


async def test_a_company_whose_children_are_all_archived_can_be_archived(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await factory.company(world.south, name="Closed", archived=True)
    result = await op_result(
        client, ARCHIVE_OP, {"id": cid(world.south)}, factory.token(world.admin)
    )
    assert result["__typename"] == "CompanyPayload"
    assert (await company_row(sessionmaker, world.south.id)).archived_at is not None


@pytest.mark.parametrize(
    ("users", "children", "blockers"),
    [
        pytest.param(1, 0, ["ACTIVE_USERS"], id="users"),
        pytest.param(0, 1, ["CHILDREN"], id="children"),
        pytest.param(2, 2, ["ACTIVE_USERS", "CHILDREN"], id="both"),
    ],
)
async def test_archive_a_company_that_is_not_empty_says_what_blocks_it(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    users: int,
    children: int,
    blockers: list[str],
) -> None:
    # given a site of the customer with active users and/or children
    for _ in range(users):
        await factory.user(world.south)
    for _ in range(children):
        await factory.company(world.south)
    before = await snapshot(sessionmaker)
    # when the customer's administrator archives it
    result = await op_result(
        client, ARCHIVE_OP, {"id": cid(world.south)}, factory.token(world.admin)
    )
    # then the answer lists what is left, and nothing is written
    assert without_message(result) == error("ARCHIVE_BLOCKED", "id", "ArchiveBlockedError")
    assert result["blockers"] == blockers
    assert await snapshot(sessionmaker) == before


async def test_archive_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await op_result(client, ARCHIVE_OP, {"id": cid(archived)}, factory.token(world.admin))
    assert without_message(result) == error("COMPANY_ARCHIVED", "id")
    assert await snapshot(sessionmaker) == before


async def test_archive_rejects_a_malformed_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(
        client,
        ARCHIVE_OP,
        {"id": "Q29tcGFueTp4"},  # "Company:x"
        factory.token(world.admin),
    )
    assert without_message(result) == error("INVALID_ID", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("caller", "target"),
    [
        pytest.param("admin", "customer", id="administrator-own-company"),
        pytest.param("viewer", "south", id="user-descendant"),
    ],
)
async def test_archive_forbidden(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: str,
    target: str,
) -> None:
    # given an administrator facing its own company (archive is for descendants only),
    # or a USER facing an empty descendant
    before = await snapshot(sessionmaker)
    response = await run(
        client,
        ARCHIVE_OP,
        {"id": cid(getattr(world, target))},
        factory.token(getattr(world, caller)),
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- companySetUseParentCredits ------------------------------------------------------


async def test_set_use_parent_credits_on_a_descendant_and_back(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    token = factory.token(world.admin)
    # when the customer's administrator sets the flag on a site
    on = await op_result(client, SET_OP, {"id": cid(world.room), "useParentCredits": True}, token)
    # then the payload and the row have it
    assert on["__typename"] == "CompanyPayload"
    assert on["company"]["useParentCredits"] is True
    assert (await company_row(sessionmaker, world.room.id)).use_parent_credits is True
    # and clearing it clears it
    off = await op_result(client, SET_OP, {"id": cid(world.room), "useParentCredits": False}, token)
    assert off["company"]["useParentCredits"] is False
    assert (await company_row(sessionmaker, world.room.id)).use_parent_credits is False


async def test_set_use_parent_credits_on_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await op_result(
        client, SET_OP, SET_OP.input(cid(archived)), factory.token(world.admin)
    )
    assert without_message(result) == error("COMPANY_ARCHIVED", "id")
    assert await snapshot(sessionmaker) == before


async def test_set_use_parent_credits_rejects_a_malformed_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(client, SET_OP, SET_OP.input("x" * 101), factory.token(world.admin))
    assert without_message(result) == error("INVALID_ID", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("caller", "target"),
    [
        pytest.param("admin", "customer", id="administrator-own-company"),
        pytest.param("viewer", "room", id="user-descendant"),
    ],
)
async def test_set_use_parent_credits_forbidden(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: str,
    target: str,
) -> None:
    # given an administrator facing its own company (the flag is set from above),
    # or a USER facing a descendant
    before = await snapshot(sessionmaker)
    response = await run(
        client,
        SET_OP,
        SET_OP.input(cid(getattr(world, target))),
        factory.token(getattr(world, caller)),
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- every mutation: not found, out of scope, unauthenticated -----------------------


@pytest.mark.parametrize("caller", ["admin", "viewer"])
@pytest.mark.parametrize("op", OPS)
async def test_out_of_scope_is_answered_exactly_like_an_unknown_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    caller: str,
) -> None:
    # given a user of the customer (an administrator, or a USER whose role would not allow
    # the action anyway), an id that exists nowhere, and companies outside its scope:
    # its parent, the platform, a sibling branch, another branch, an archived one there
    archived_elsewhere = await factory.company(world.other, name="Closed", archived=True)
    token = factory.token(getattr(world, caller))
    before = await snapshot(sessionmaker)
    unknown = await op_result(client, op, op.input(gid("Company", 999_999)), token)
    # when it acts on each of them
    answers = {
        name: await op_result(client, op, op.input(cid(company)), token)
        for name, company in [
            ("parent", world.partner),
            ("root", world.platform),
            ("sibling", world.neighbour),
            ("other branch", world.other),
            ("archived elsewhere", archived_elsewhere),
        ]
    }
    answers["id of a user"] = await op_result(
        client, op, op.input(gid("User", world.admin.id)), token
    )
    # then each answer is NOT_FOUND, word for word the unknown id's (never FORBIDDEN nor
    # COMPANY_ARCHIVED, which would tell that it exists), and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", op.target_field, "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_unauthenticated(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    token: str | None,
) -> None:
    before = await snapshot(sessionmaker)
    response = await run(client, op, op.input(cid(world.south)), token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


async def test_a_deactivated_users_token_stops_working(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a token issued to the administrator, who is then deactivated
    token = factory.token(world.admin)
    async with sessionmaker() as session:
        user = await session.get(User, world.admin.id)
        assert user is not None
        user.is_active = False
        await session.commit()
    before = await snapshot(sessionmaker)
    # when the token is used, then it is refused
    response = await run(client, RENAME_OP, RENAME_OP.input(cid(world.customer)), token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert await snapshot(sessionmaker) == before


# --- reading one company -------------------------------------------------------------

COMPANY = """
query One($id: ID!) {
  company(id: $id) {
    id name depth
    parent { id name }
    ancestors { name }
    children { edges { node { name } } }
    descendants { edges { node { name depth } } }
    shallow: descendants(maxDepth: 1) { edges { node { name } } }
    counts { children descendants users }
  }
}
"""


def node_names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


async def test_own_company_with_its_relations(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    # given an inactive user and an archived child in the customer, which do not count
    await factory.user(world.customer, active=False)
    await factory.company(world.customer, name="Closed", archived=True)
    # when the customer's administrator reads its own company
    response = await client(COMPANY, {"id": cid(world.customer)}, token=factory.token(world.admin))
    company = response.data["company"]
    # then its parent and breadcrumb stop at it, and everything below is there
    assert company["name"] == "Customer"
    assert company["depth"] == 0
    assert company["parent"] is None
    assert company["ancestors"] == []
    assert node_names(company["children"]) == ["Site North", "Site South"]
    assert company["descendants"]["edges"] == [
        {"node": {"name": "Site North", "depth": 1}},
        {"node": {"name": "Room", "depth": 2}},
        {"node": {"name": "Site South", "depth": 1}},
    ]
    assert node_names(company["shallow"]) == ["Site North", "Site South"]
    assert company["counts"] == {"children": 2, "descendants": 3, "users": 2}


async def test_a_deep_company_seen_from_the_partner(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    # when the partner's administrator reads the room, three levels below it
    response = await client(
        COMPANY, {"id": cid(world.room)}, token=factory.token(world.partner_admin)
    )
    company = response.data["company"]
    # then the breadcrumb starts at the partner: the platform above it is not shown
    assert company["depth"] == 3
    assert company["parent"] == {"id": cid(world.north), "name": "Site North"}
    assert [a["name"] for a in company["ancestors"]] == ["Partner", "Customer", "Site North"]
    assert company["children"]["edges"] == []
    assert company["counts"] == {"children": 0, "descendants": 0, "users": 0}


@pytest.mark.parametrize("outside", ["partner", "platform", "neighbour", "other"])
async def test_a_company_out_of_scope_reads_as_null(
    client: GraphQLClient, factory: Factory, world: World, outside: str
) -> None:
    token = factory.token(world.admin)
    response = await client(COMPANY, {"id": cid(getattr(world, outside))}, token=token)
    unknown = await client(COMPANY, {"id": gid("Company", 999_999)}, token=token)
    assert response.body == unknown.body == {"data": {"company": None}}


NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Company { name depth }
    ... on User { email role company { name } }
  }
}
"""


async def test_node_finds_companies_and_users_in_scope(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    token = factory.token(world.admin)
    company = await client(NODE, {"id": cid(world.room)}, token=token)
    user = await client(NODE, {"id": gid("User", world.viewer.id)}, token=token)
    assert company.data["node"] == {
        "__typename": "Company",
        "id": cid(world.room),
        "name": "Room",
        "depth": 2,
    }
    assert user.data["node"] == {
        "__typename": "User",
        "id": gid("User", world.viewer.id),
        "email": world.viewer.email,
        "role": "USER",
        "company": {"name": "Customer"},
    }


async def test_node_out_of_scope_is_null(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    # given a user of the sibling branch and one of the platform
    neighbour_user = await factory.user(world.neighbour, Role.ADMINISTRATOR)
    token = factory.token(world.admin)
    for node_id in (
        cid(world.partner),
        cid(world.neighbour),
        cid(world.other),
        gid("User", neighbour_user.id),
        gid("User", world.root_admin.id),
        gid("User", 999_999),
        gid("Device", 1),
    ):
        response = await client(NODE, {"id": node_id}, token=token)
        assert response.body == {"data": {"node": None}}, node_id


# --- the tree and the search --------------------------------------------------------

TREE = "query Tree($first: Int!) { companyTree(first: $first) { edges { node { id depth } } } }"


async def test_tree_is_the_callers_subtree_in_render_order(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    # when the partner's administrator reads the tree
    response = await client(TREE, {"first": 100}, token=factory.token(world.partner_admin))
    nodes = [edge["node"] for edge in response.data["companyTree"]["edges"]]
    # then it is its own subtree, depth-first, depths counted from the partner
    assert nodes == [
        {"id": cid(world.partner), "depth": 0},
        {"id": cid(world.customer), "depth": 1},
        {"id": cid(world.north), "depth": 2},
        {"id": cid(world.room), "depth": 3},
        {"id": cid(world.south), "depth": 2},
        {"id": cid(world.neighbour), "depth": 1},
    ]


async def test_tree_pages_join_up(client: GraphQLClient, factory: Factory, world: World) -> None:
    query = """
    query Page($after: String) {
      companyTree(first: 2, after: $after) {
        edges { node { name } }
        pageInfo { hasNextPage endCursor }
      }
    }"""
    token = factory.token(world.root_admin)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = (await client(query, {"after": after}, token=token)).data["companyTree"]
        seen.extend(node_names(page))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [
        "Platform",
        "Partner",
        "Customer",
        "Site North",
        "Room",
        "Site South",
        "Neighbour Site",
        "Other Partner",
        "Other Site",
    ]


async def test_tree_under_a_root_out_of_scope_is_answered_like_an_unknown_root(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    query = "query T($root: ID!) { companyTree(rootId: $root) { edges { cursor } } }"
    token = factory.token(world.admin)
    unknown = await client(query, {"root": gid("Company", 999_999)}, token=token)
    assert unknown.error_codes == ["NOT_FOUND"]
    for outside in (world.partner, world.neighbour, world.other):
        response = await client(query, {"root": cid(outside)}, token=token)
        assert response.body == unknown.body, outside.name


async def test_tree_under_a_chosen_root_and_depth(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    query = """
    query T($root: ID!) {
      companyTree(rootId: $root, maxDepth: 1) { edges { node { name depth } } }
    }"""
    response = await client(query, {"root": cid(world.customer)}, token=factory.token(world.admin))
    assert [e["node"] for e in response.data["companyTree"]["edges"]] == [
        {"name": "Customer", "depth": 0},
        {"name": "Site North", "depth": 1},
        {"name": "Site South", "depth": 1},
    ]


@pytest.mark.parametrize(
    "query",
    [
        '{ company(id: "%%%") { id } }',
        '{ node(id: "%%%") { id } }',
        '{ companyTree(rootId: "%%%") { edges { cursor } } }',
    ],
)
async def test_a_malformed_id_in_a_query_is_a_client_error(
    client: GraphQLClient, factory: Factory, world: World, query: str
) -> None:
    response = await client(query, token=factory.token(world.admin))
    assert response.error_codes == ["INVALID_ID"]


SEARCH = "query Search($q: String!) { companies(search: $q) { edges { node { name } } } }"


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("admin", ["Site North", "Site South"]),
        ("partner_admin", ["Neighbour Site", "Site North", "Site South"]),
        ("root_admin", ["Neighbour Site", "Other Site", "Site North", "Site South"]),
    ],
)
async def test_search_stays_in_the_callers_subtree(
    client: GraphQLClient, factory: Factory, world: World, caller: str, expected: list[str]
) -> None:
    token = factory.token(getattr(world, caller))
    response = await client(SEARCH, {"q": "SITE"}, token=token)
    assert node_names(response.data["companies"]) == expected


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ companies(first: 101) { edges { cursor } } }", id="companies"),
        pytest.param("{ companyTree(first: 5001) { edges { cursor } } }", id="companyTree"),
        pytest.param("{ companies(first: -1) { edges { cursor } } }", id="negative"),
        pytest.param('{ companyTree(after: "garbage") { edges { cursor } } }', id="cursor"),
        pytest.param(
            "{ me { company { children(first: 101) { edges { cursor } } } } }", id="children"
        ),
    ],
)
async def test_page_size_above_the_maximum_is_bad_user_input(
    client: GraphQLClient, factory: Factory, world: World, query: str
) -> None:
    response = await client(query, token=factory.token(world.admin))
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert response.body["data"] is None


async def test_reads_need_a_token(client: GraphQLClient, world: World) -> None:
    for query in (
        "{ companyTree { edges { cursor } } }",
        '{ companies(search: "x") { edges { cursor } } }',
        f'{{ company(id: "{cid(world.customer)}") {{ id }} }}',
        f'{{ node(id: "{cid(world.customer)}") {{ id }} }}',
    ):
        response = await client(query)
        assert response.error_codes == ["UNAUTHENTICATED"], query


# --- a tree built through the API ---------------------------------------------------


async def test_a_three_level_tree_built_through_the_api(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given only the platform and its SUPERADMIN
    platform = await factory.company(name="Platform")
    superadmin = await factory.user(platform, Role.SUPERADMIN)

    async def create(token: str, parent_id: str, name: str) -> dict[str, Any]:
        result = await op_result(
            client, CREATE_OP, {"parentId": parent_id, "name": name, "countryCode": "ES"}, token
        )
        assert result["__typename"] == "CompanyPayload", result
        company: dict[str, Any] = result["company"]
        return company

    # when the platform creates a partner
    partner = await create(factory.token(superadmin), cid(platform), "Reseller")
    # and the partner's ADMINISTRATOR creates a customer
    partner_row = await company_row(sessionmaker, pk(partner["id"]))
    partner_admin = await factory.user(partner_row, Role.ADMINISTRATOR)
    customer = await create(factory.token(partner_admin), partner["id"], "Factory")
    # and the customer's ADMINISTRATOR creates a site
    customer_row = await company_row(sessionmaker, pk(customer["id"]))
    customer_admin = await factory.user(customer_row, Role.ADMINISTRATOR)
    site = await create(factory.token(customer_admin), customer["id"], "Plant 1")

    # then each creator saw the new company one level below its own
    assert (partner["depth"], customer["depth"], site["depth"]) == (1, 1, 1)
    # and the platform sees the whole chain, depth-first
    tree = await client(
        "{ companyTree { edges { node { name depth parent { name } } } } }",
        token=factory.token(superadmin),
    )
    assert [e["node"] for e in tree.data["companyTree"]["edges"]] == [
        {"name": "Platform", "depth": 0, "parent": None},
        {"name": "Reseller", "depth": 1, "parent": {"name": "Platform"}},
        {"name": "Factory", "depth": 2, "parent": {"name": "Reseller"}},
        {"name": "Plant 1", "depth": 3, "parent": {"name": "Factory"}},
    ]
    # and the site's breadcrumb depends on who asks
    crumbs = "query C($id: ID!) { company(id: $id) { ancestors { name } } }"
    from_platform = await client(crumbs, {"id": site["id"]}, token=factory.token(superadmin))
    from_partner = await client(crumbs, {"id": site["id"]}, token=factory.token(partner_admin))
    assert [a["name"] for a in from_platform.data["company"]["ancestors"]] == [
        "Platform",
        "Reseller",
        "Factory",
    ]
    assert [a["name"] for a in from_partner.data["company"]["ancestors"]] == ["Reseller", "Factory"]
    # and the rows hold a consistent materialized path
    site_row = await company_row(sessionmaker, pk(site["id"]))
    assert site_row.path == (
        path_segment(platform.id)
        + path_segment(partner_row.id)
        + path_segment(customer_row.id)
        + path_segment(site_row.id)
    )
    assert site_row.depth == 3
