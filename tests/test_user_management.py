"""Contract tests of user management (SPEC sections 2 and 3), through HTTP and GraphQL.

The reads (`user`, `users`), the management mutations (`userChangeRole`, `userDeactivate`,
`userReactivate`), the caller's own account (`passwordChange`, `profileUpdate`), and the
sign-in throttle (services/throttle.py). Each mutation: its success and what it changed,
every typed error with its `code` and `field`, NOT_FOUND out of scope answered exactly like
an unknown id, UNAUTHENTICATED and FORBIDDEN as top-level errors; a failure writes nothing
(the rows are read back and compared).

The world most tests act in, with Dora, the customer's ADMINISTRATOR, as the usual caller
(emails are <name>@<company>.test, chosen so that every collation sorts them alike):

    Platform              root (SUPERADMIN)
    |-- Partner           pat (ADMINISTRATOR)
    |   |-- Customer      dora (ADMINISTRATOR), bob (SUPERADMIN), carl (ADVANCED_USER),
    |   |   |             zoe (USER), al (USER, deactivated)
    |   |   |-- North     nina (USER)
    |   |   |   `-- Room  rita (ADMINISTRATOR)
    |   |   `-- South     sam (ADVANCED_USER)
    |   `-- Neighbour     ned (USER)            (sibling branch)
    `-- Other Partner
        `-- Other         otto (USER)           (another branch)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from models.auth import RefreshToken
from models.base import utcnow
from models.company import Company
from models.db import begin_write
from models.user import LoginThrottle, Role, User
from server import token_config
from services import auth, throttle
from services.auth import TokenPair
from services.errors import DomainError, InvalidCredentialsError, LoginThrottledError
from tests.factories import PASSWORD, Factory
from tests.graphql import (
    LOGIN_RESULT,
    GraphQLClient,
    Op,
    Response,
    cid,
    error,
    gid,
    login,
    mutate,
    mutation,
    op_result,
    refresh,
    run,
    signed_in,
    union,
    without_message,
)
from tests.helpers import Maker, get_row, snapshot_of
from tests.worlds import Tree, standard_tree

NEW_PASSWORD = "violet tractor marmalade quasar"

USER_FIELDS = "id email name role isActive"

USERS = """
query Users(
  $companyId: ID, $descendants: Boolean! = false, $role: Role, $active: Boolean,
  $first: Int! = 50, $after: String
) {
  users(
    companyId: $companyId, includeDescendants: $descendants, role: $role, active: $active,
    first: $first, after: $after
  ) {
    edges { cursor node { email } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
USER = f"query One($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} company {{ name }} }} }}"
ME = "{ me { id email role isActive } }"


USER_PAYLOAD = union(f"UserPayload {{ user {{ {USER_FIELDS} }} }}")
CHANGE_ROLE = mutation("userChangeRole", USER_PAYLOAD)
DEACTIVATE = mutation("userDeactivate", USER_PAYLOAD)
REACTIVATE = mutation("userReactivate", USER_PAYLOAD)
PASSWORD_CHANGE = mutation(
    "passwordChange", union("AuthPayload { accessToken refreshToken user { id email } }")
)
PROFILE_UPDATE = mutation("profileUpdate", USER_PAYLOAD)

CHANGE_ROLE_OP = Op("userChangeRole", CHANGE_ROLE, rest={"role": "USER"})
DEACTIVATE_OP = Op("userDeactivate", DEACTIVATE)
REACTIVATE_OP = Op("userReactivate", REACTIVATE)
OPS = [pytest.param(op, id=op.name) for op in (CHANGE_ROLE_OP, DEACTIVATE_OP, REACTIVATE_OP)]


@dataclass
class World(Tree):
    north: Company
    room: Company
    south: Company
    users: dict[str, User]

    def token(self, factory: Factory, name: str) -> str:
        return factory.token(self.users[name])

    def uid(self, name: str) -> str:
        return gid("User", self.users[name].id)


@pytest.fixture
async def world(factory: Factory) -> World:
    tree = await standard_tree(factory)
    north = await factory.company(tree.customer, name="North")
    south = await factory.company(tree.customer, name="South")
    room = await factory.company(north, name="Room")
    people: list[tuple[str, Company, Role, bool]] = [
        ("root", tree.platform, Role.SUPERADMIN, True),
        ("pat", tree.partner, Role.ADMINISTRATOR, True),
        ("dora", tree.customer, Role.ADMINISTRATOR, True),
        ("bob", tree.customer, Role.SUPERADMIN, True),
        ("carl", tree.customer, Role.ADVANCED_USER, True),
        ("zoe", tree.customer, Role.USER, True),
        ("al", tree.customer, Role.USER, False),
        ("nina", north, Role.USER, True),
        ("rita", room, Role.ADMINISTRATOR, True),
        ("sam", south, Role.ADVANCED_USER, True),
        ("ned", tree.neighbour, Role.USER, True),
        ("otto", tree.other, Role.USER, True),
    ]
    users = {}
    for name, company, role, active in people:
        email = f"{name}@{company.name.lower().replace(' ', '-')}.test"
        users[name] = await factory.user(company, role, email=email, active=active)
    return World(**tree.companies(), north=north, room=room, south=south, users=users)


# Every company, user and refresh-token row: equal snapshots mean nothing was written.
snapshot = snapshot_of(Company, User, RefreshToken)


async def user_row(sessionmaker: Maker, user_id: int) -> User:
    return await get_row(sessionmaker, User, user_id)


def assert_top_level(response: Response, code: str) -> None:
    """A top-level error with this code, and no data: null, or the nullable field null."""
    assert response.error_codes == [code], response.body
    data = response.body.get("data")
    assert data is None or all(value is None for value in data.values()), response.body


def emails(response: Response) -> list[str]:
    return [edge["node"]["email"] for edge in response.data["users"]["edges"]]


async def me(client: GraphQLClient, token: str) -> Response:
    return await client(ME, token=token)


# --- users ---------------------------------------------------------------------------

CUSTOMER_STAFF = [
    "al@customer.test",
    "bob@customer.test",
    "carl@customer.test",
    "dora@customer.test",
    "zoe@customer.test",
]
CUSTOMER_SUBTREE = [
    "al@customer.test",
    "bob@customer.test",
    "carl@customer.test",
    "dora@customer.test",
    "nina@north.test",
    "rita@room.test",
    "sam@south.test",
    "zoe@customer.test",
]


@pytest.mark.parametrize("caller", ["dora", "zoe", "carl"])
async def test_users_default_to_the_callers_company(
    client: GraphQLClient, factory: Factory, world: World, caller: str
) -> None:
    # given a user of the customer, whatever its role (user.read is USER level)
    # when it lists users without naming a company
    response = await client(USERS, token=world.token(factory, caller))
    # then it gets its own company's users, active or not, by email, and nothing below
    assert emails(response) == CUSTOMER_STAFF
    assert response.data["users"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("caller", "company", "expected"),
    [
        pytest.param("dora", None, CUSTOMER_SUBTREE, id="own-subtree"),
        pytest.param("zoe", "customer", CUSTOMER_SUBTREE, id="user-role-own-subtree"),
        pytest.param("pat", "north", ["nina@north.test", "rita@room.test"], id="descendant"),
        pytest.param("rita", None, ["rita@room.test"], id="leaf"),
        pytest.param(
            "pat",
            "partner",
            sorted([*CUSTOMER_SUBTREE, "ned@neighbour.test", "pat@partner.test"]),
            id="partner",
        ),
    ],
)
async def test_users_with_descendants_cover_the_subtree_and_nothing_else(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    caller: str,
    company: str | None,
    expected: list[str],
) -> None:
    # given a caller and a company of its tree (or none: its own)
    variables: dict[str, Any] = {"descendants": True}
    if company is not None:
        variables["companyId"] = cid(getattr(world, company))
    # when it lists the users of that company's whole subtree
    response = await client(USERS, variables, token=world.token(factory, caller))
    # then it gets exactly the subtree's users, by email: never an ancestor's or a sibling's
    assert emails(response) == expected


async def test_users_of_a_descendant_without_descendants_is_that_company_only(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    response = await client(
        USERS, {"companyId": cid(world.north)}, token=world.token(factory, "pat")
    )
    assert emails(response) == ["nina@north.test"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(
            {"role": "ADMINISTRATOR"}, ["dora@customer.test", "rita@room.test"], id="admin"
        ),
        pytest.param({"role": "SUPERADMIN"}, ["bob@customer.test"], id="superadmin"),
        pytest.param({"active": False}, ["al@customer.test"], id="inactive"),
        pytest.param(
            {"active": True}, [e for e in CUSTOMER_SUBTREE if e != "al@customer.test"], id="active"
        ),
        pytest.param(
            {"role": "USER", "active": True}, ["nina@north.test", "zoe@customer.test"], id="both"
        ),
        pytest.param({"role": "USER", "active": False}, ["al@customer.test"], id="both-inactive"),
        pytest.param(
            {"role": "ADVANCED_USER"}, ["carl@customer.test", "sam@south.test"], id="advanced"
        ),
    ],
)
async def test_users_filter_by_role_and_active(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    filters: dict[str, Any],
    expected: list[str],
) -> None:
    response = await client(
        USERS, {"descendants": True, **filters}, token=world.token(factory, "dora")
    )
    assert emails(response) == expected


async def test_users_pages_join_up(client: GraphQLClient, factory: Factory, world: World) -> None:
    # given the customer's administrator, paging its subtree's users three at a time
    token = world.token(factory, "dora")
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        response = await client(
            USERS, {"descendants": True, "first": 3, "after": after}, token=token
        )
        page = response.data["users"]
        pages.append(page["pageInfo"])
        seen.extend(emails(response))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then the pages join up into the whole list, in order, without gaps or repeats
    assert seen == CUSTOMER_SUBTREE
    assert [info["hasNextPage"] for info in pages] == [True, True, False]
    assert [info["hasPreviousPage"] for info in pages] == [False, True, True]


@pytest.mark.parametrize("caller", ["dora", "zoe"])
async def test_users_of_a_company_out_of_scope_is_answered_like_an_unknown_one(
    client: GraphQLClient, factory: Factory, world: World, caller: str
) -> None:
    # given a user of the customer and a company id that exists nowhere
    token = world.token(factory, caller)
    unknown = await client(USERS, {"companyId": gid("Company", 999_999)}, token=token)
    assert_top_level(unknown, "NOT_FOUND")
    assert unknown.errors[0]["extensions"]["field"] == "companyId"
    # when it lists the users of companies outside its subtree, with or without descendants
    for company in (world.partner, world.platform, world.neighbour, world.other):
        for descendants in (False, True):
            response = await client(
                USERS, {"companyId": cid(company), "descendants": descendants}, token=token
            )
            # then each answer is the unknown company's, word for word
            assert response.body == unknown.body, company.name
    # and so is the id of something that is not a company
    response = await client(USERS, {"companyId": world.uid("zoe")}, token=token)
    assert response.body == unknown.body


@pytest.mark.parametrize(
    "company_id",
    [
        pytest.param("%%%", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param(gid("Company", 0), id="zero"),
        pytest.param("Q29tcGFueTphYmM", id="not-a-number"),
    ],
)
async def test_users_with_a_malformed_company_id_is_a_client_error(
    client: GraphQLClient, factory: Factory, world: World, company_id: str
) -> None:
    response = await client(USERS, {"companyId": company_id}, token=world.token(factory, "dora"))
    assert_top_level(response, "INVALID_ID")
    assert response.errors[0]["extensions"]["field"] == "companyId"


@pytest.mark.parametrize(
    ("caller", "target", "company"),
    [
        ("dora", "dora", "Customer"),
        ("dora", "al", "Customer"),
        ("dora", "rita", "Room"),
        ("zoe", "sam", "South"),
        ("pat", "rita", "Room"),
        ("root", "otto", "Other"),
    ],
)
async def test_user_in_scope(
    client: GraphQLClient, factory: Factory, world: World, caller: str, target: str, company: str
) -> None:
    response = await client(USER, {"id": world.uid(target)}, token=world.token(factory, caller))
    user = world.users[target]
    assert response.data["user"] == {
        "id": world.uid(target),
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "isActive": user.is_active,
        "company": {"name": company},
    }


@pytest.mark.parametrize("caller", ["dora", "zoe", "rita"])
async def test_user_out_of_scope_is_null_like_an_unknown_id(
    client: GraphQLClient, factory: Factory, world: World, caller: str
) -> None:
    # given a user of the customer's tree, and users above it, beside it, elsewhere
    token = world.token(factory, caller)
    unknown = await client(USER, {"id": gid("User", 999_999)}, token=token)
    assert unknown.body == {"data": {"user": None}}
    outside = ["pat", "root", "ned", "otto"] + (["dora", "nina"] if caller == "rita" else [])
    # when it reads each of them, or a company's id
    # then each answer is null, exactly like the unknown id's
    for name in outside:
        response = await client(USER, {"id": world.uid(name)}, token=token)
        assert response.body == unknown.body, name
    response = await client(USER, {"id": cid(world.customer)}, token=token)
    assert response.body == unknown.body


async def test_user_with_a_malformed_id_is_a_client_error(
    client: GraphQLClient, factory: Factory, world: World
) -> None:
    response = await client(USER, {"id": "%%%"}, token=world.token(factory, "dora"))
    assert_top_level(response, "INVALID_ID")


@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_user_reads_need_a_token(
    client: GraphQLClient, world: World, token: str | None
) -> None:
    for query, variables in ((USERS, {}), (USER, {"id": world.uid("zoe")})):
        response = await client(query, variables, token=token)
        assert_top_level(response, "UNAUTHENTICATED")


# --- userChangeRole ------------------------------------------------------------------


async def test_a_promotion_applies_to_the_targets_next_request(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given Nina, a USER of North holding a token, who may not manage Rita in Room below
    nina = world.token(factory, "nina")
    assert (await me(client, nina)).data["me"]["role"] == "USER"
    demote_rita = CHANGE_ROLE_OP.input(world.uid("rita"), role="ADVANCED_USER")
    assert_top_level(await run(client, CHANGE_ROLE_OP, demote_rita, nina), "FORBIDDEN")
    # when Dora makes her an ADMINISTRATOR
    result = await op_result(
        client,
        CHANGE_ROLE_OP,
        CHANGE_ROLE_OP.input(world.uid("nina"), role="ADMINISTRATOR"),
        world.token(factory, "dora"),
    )
    # then the payload and the row say so
    assert result["__typename"] == "UserPayload", result
    assert result["user"] == {
        "id": world.uid("nina"),
        "email": "nina@north.test",
        "name": world.users["nina"].name,
        "role": "ADMINISTRATOR",
        "isActive": True,
    }
    assert (await user_row(sessionmaker, world.users["nina"].id)).role is Role.ADMINISTRATOR
    # and Nina's very next request, with the same token, has the new role and its rights
    assert (await me(client, nina)).data["me"]["role"] == "ADMINISTRATOR"
    result = await op_result(client, CHANGE_ROLE_OP, demote_rita, nina)
    assert result["__typename"] == "UserPayload", result
    assert result["user"]["role"] == "ADVANCED_USER"


async def test_a_demotion_applies_to_the_targets_next_request(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given Rita, an ADMINISTRATOR of Room holding a token, who manages a USER there
    helper = await factory.user(world.room, Role.USER, email="hal@room.test")
    rita = world.token(factory, "rita")
    promote_helper = CHANGE_ROLE_OP.input(gid("User", helper.id), role="ADVANCED_USER")
    assert (await op_result(client, CHANGE_ROLE_OP, promote_helper, rita))[
        "__typename"
    ] == "UserPayload"
    # when Dora demotes her to USER
    result = await op_result(
        client,
        CHANGE_ROLE_OP,
        CHANGE_ROLE_OP.input(world.uid("rita")),
        world.token(factory, "dora"),
    )
    assert result["__typename"] == "UserPayload", result
    assert result["user"]["role"] == "USER"
    # then Rita's same token reads as USER and may no longer manage anyone
    assert (await me(client, rita)).data["me"]["role"] == "USER"
    before = await snapshot(sessionmaker)
    demote_helper = CHANGE_ROLE_OP.input(gid("User", helper.id), role="USER")
    assert_top_level(await run(client, CHANGE_ROLE_OP, demote_helper, rita), "FORBIDDEN")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("caller", "target", "role", "expected"),
    [
        pytest.param("dora", "dora", "USER", error("CANNOT_ACT_ON_SELF", "id"), id="own-role-down"),
        pytest.param(
            "bob", "bob", "SUPERADMIN", error("CANNOT_ACT_ON_SELF", "id"), id="own-role-same"
        ),
        pytest.param(
            "root", "root", "ADMINISTRATOR", error("CANNOT_ACT_ON_SELF", "id"), id="root-self"
        ),
        pytest.param(
            "dora", "zoe", "SUPERADMIN", error("ROLE_TOO_HIGH", "role"), id="above-own-role"
        ),
        pytest.param(
            "dora", "rita", "SUPERADMIN", error("ROLE_TOO_HIGH", "role"), id="peer-above-own"
        ),
        pytest.param(
            "pat", "nina", "SUPERADMIN", error("ROLE_TOO_HIGH", "role"), id="descendant-above"
        ),
    ],
)
async def test_change_role_refuses_the_role_rules(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: str,
    target: str,
    role: str,
    expected: dict[str, Any],
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(
        client,
        CHANGE_ROLE_OP,
        CHANGE_ROLE_OP.input(world.uid(target), role=role),
        world.token(factory, caller),
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_a_root_superadmin_can_be_demoted_while_another_remains(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a second active SUPERADMIN of the platform, and an inactive third
    rory = await factory.user(world.platform, Role.SUPERADMIN, email="rory@platform.test")
    await factory.user(world.platform, Role.SUPERADMIN, email="ruth@platform.test", active=False)
    # when the first demotes the second
    result = await op_result(
        client,
        CHANGE_ROLE_OP,
        CHANGE_ROLE_OP.input(gid("User", rory.id), role="ADMINISTRATOR"),
        world.token(factory, "root"),
    )
    # then it works, and the second's next request is an ADMINISTRATOR's
    assert result["__typename"] == "UserPayload", result
    assert result["user"]["role"] == "ADMINISTRATOR"
    assert (await me(client, factory.token(rory))).data["me"]["role"] == "ADMINISTRATOR"
    assert (await user_row(sessionmaker, world.users["root"].id)).role is Role.SUPERADMIN


async def test_a_companys_only_superadmin_can_be_demoted_by_the_platform(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given Bob, the customer's only SUPERADMIN: the last-SUPERADMIN rule is the root's only
    result = await op_result(
        client,
        CHANGE_ROLE_OP,
        CHANGE_ROLE_OP.input(world.uid("bob"), role="ADVANCED_USER"),
        world.token(factory, "root"),
    )
    assert result["__typename"] == "UserPayload", result
    assert result["user"]["role"] == "ADVANCED_USER"
    assert (await user_row(sessionmaker, world.users["bob"].id)).role is Role.ADVANCED_USER


@asynccontextmanager
async def demoted_in_flight(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    *,
    held: User,
    demoted: User,
) -> AsyncIterator[asyncio.Event]:
    """Demote `demoted` while a request of theirs is between signing in and acting.

    A write transaction holds `held`'s row (PostgreSQL) or the write lock (SQLite), so the
    request started in the body waits once it has authenticated; the body awaits the event
    that says so; on leaving, `demoted` becomes an ADMINISTRATOR and the lock is released.
    """
    authenticated = asyncio.Event()

    def after_execute(*args: Any) -> None:
        statement = str(args[2])
        if "auth_epoch" in statement and "companies.parent_id" in statement:
            authenticated.set()  # the per-request identity check has run

    async with sessionmaker() as blocker:
        await begin_write(blocker)
        await blocker.execute(select(User.id).where(User.id == held.id).with_for_update())
        event.listen(engine.sync_engine, "after_cursor_execute", after_execute)
        try:
            yield authenticated
        finally:
            event.remove(engine.sync_engine, "after_cursor_execute", after_execute)
        await blocker.execute(
            update(User).where(User.id == demoted.id).values(role=Role.ADMINISTRATOR)
        )
        await blocker.commit()


@pytest.mark.parametrize(
    "op", [pytest.param(op, id=op.name) for op in (CHANGE_ROLE_OP, DEACTIVATE_OP)]
)
async def test_the_last_active_root_superadmin_is_kept(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    op: Op,
) -> None:
    # given two active platform SUPERADMINs, root and Rory. Sequentially the rule cannot be
    # reached (the actor is one of the root's active SUPERADMINs and cannot act on itself),
    # so it is the race it exists for: Rory's request signs in as a SUPERADMIN, then Rory is
    # demoted by another request, then Rory's request demotes or deactivates root.
    rory = await factory.user(world.platform, Role.SUPERADMIN, email="rory@platform.test")
    root = world.users["root"]
    async with demoted_in_flight(sessionmaker, engine, held=root, demoted=rory) as authenticated:
        request = asyncio.ensure_future(
            run(client, op, op.input(world.uid("root")), factory.token(rory))
        )
        await asyncio.wait_for(authenticated.wait(), timeout=10)
    result = (await request).data[op.name]
    # then the answer says why, and root stays an active SUPERADMIN, with its sessions
    assert without_message(result) == error("LAST_SUPERADMIN", "id")
    row = await user_row(sessionmaker, root.id)
    assert (row.role, row.is_active, row.auth_epoch) == (Role.SUPERADMIN, True, root.auth_epoch)


def answer(response: Response, op: Op) -> str:
    """A top-level error's code, a typed error's code, or the payload's type."""
    if response.errors:
        return response.error_codes[0]
    result = response.data[op.name]
    return str(result["code"] if "code" in result else result["__typename"])


@pytest.mark.parametrize(
    "op",
    [
        pytest.param(replace(CHANGE_ROLE_OP, rest={"role": "ADMINISTRATOR"}), id="userChangeRole"),
        pytest.param(DEACTIVATE_OP, id="userDeactivate"),
    ],
)
async def test_two_root_superadmins_removing_each_other_at_once(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
) -> None:
    # given the platform's only two active SUPERADMINs (a few rounds: how the two requests
    # interleave is up to the scheduler and the database)
    platform = await factory.company(name="Platform")
    ids = [(await factory.user(platform, Role.SUPERADMIN)).id for _ in range(2)]
    for attempt in range(8):
        async with sessionmaker() as session:
            await session.execute(update(User).values(role=Role.SUPERADMIN, is_active=True))
            await session.commit()
            first, second = [await session.get(User, user_id) for user_id in ids]
        assert first is not None
        assert second is not None
        # when each demotes or deactivates the other at the same moment
        responses = await asyncio.gather(
            run(client, op, op.input(gid("User", second.id)), factory.token(first)),
            run(client, op, op.input(gid("User", first.id)), factory.token(second)),
        )
        # then one wins and the other is told why (LAST_SUPERADMIN, or its own demotion or
        # deactivation if it signed in after the winner's commit): never an internal error
        answers = sorted(answer(response, op) for response in responses)
        assert answers[1] == "UserPayload", (attempt, answers)
        assert answers[0] in ("FORBIDDEN", "LAST_SUPERADMIN", "UNAUTHENTICATED"), (attempt, answers)
        # and the platform keeps exactly one active SUPERADMIN
        async with sessionmaker() as session:
            remaining = await session.scalars(
                select(User.id).where(User.role == Role.SUPERADMIN, User.is_active.is_(True))
            )
            assert len(list(remaining)) == 1, attempt


# --- every user mutation: self, scope, role, authentication -----------------------------


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("caller", ["dora", "root"])
async def test_acting_on_oneself_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    caller: str,
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(client, op, op.input(world.uid(caller)), world.token(factory, caller))
    assert without_message(result) == error("CANNOT_ACT_ON_SELF", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("caller", ["dora", "pat"])
async def test_acting_on_a_user_of_higher_role_is_forbidden(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    caller: str,
) -> None:
    # given an ADMINISTRATOR of the customer or of the partner, and Bob, the customer's
    # SUPERADMIN, in its scope
    before = await snapshot(sessionmaker)
    # when it acts on Bob
    response = await run(client, op, op.input(world.uid("bob")), world.token(factory, caller))
    # then its rank does not allow it, and nothing is written
    assert_top_level(response, "FORBIDDEN")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("caller", ["zoe", "carl"])
@pytest.mark.parametrize("target", ["nina", "al", "rita", "self"])
async def test_user_management_needs_an_administrator(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    caller: str,
    target: str,
) -> None:
    # given a USER or ADVANCED_USER and a user of its scope (lower, higher, or itself)
    before = await snapshot(sessionmaker)
    # when it acts on them
    target_id = world.uid(caller if target == "self" else target)
    response = await run(client, op, op.input(target_id), world.token(factory, caller))
    # then its role does not allow it, and nothing is written
    assert_top_level(response, "FORBIDDEN")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("caller", ["dora", "zoe", "rita"])
async def test_out_of_scope_is_answered_exactly_like_an_unknown_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    caller: str,
) -> None:
    # given a caller (an administrator, or a USER whose role would not allow it anyway), an
    # id that exists nowhere, and users above it, beside it and elsewhere, active or not
    retired = await factory.user(
        world.neighbour, Role.USER, email="ray@neighbour.test", active=False
    )
    token = world.token(factory, caller)
    before = await snapshot(sessionmaker)
    unknown = await op_result(client, op, op.input(gid("User", 999_999)), token)
    # when it acts on each of them
    targets = {name: world.uid(name) for name in ("pat", "root", "ned", "otto")}
    targets["inactive sibling"] = gid("User", retired.id)
    targets["id of a company"] = cid(world.customer)
    if caller == "rita":
        targets.update({name: world.uid(name) for name in ("dora", "bob", "nina", "zoe")})
    answers = {
        name: await op_result(client, op, op.input(target), token)
        for name, target in targets.items()
    }
    # then each answer is NOT_FOUND, word for word the unknown id's (never FORBIDDEN, which
    # would tell that it exists), and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", "id", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("target", ["%%%", "", gid("User", 0), "VXNlcjphYmM"])
async def test_a_malformed_id_is_invalid_id(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    op: Op,
    target: str,
) -> None:
    before = await snapshot(sessionmaker)
    result = await op_result(client, op, op.input(target), world.token(factory, "dora"))
    assert without_message(result) == error("INVALID_ID", "id")
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
    response = await run(client, op, op.input(world.uid("nina")), token)
    assert_top_level(response, "UNAUTHENTICATED")
    assert await snapshot(sessionmaker) == before


# --- userDeactivate / userReactivate -------------------------------------------------


async def test_deactivation_ends_every_session_and_reactivation_allows_signing_in(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given Nina, signed in
    nina = world.users["nina"]
    pair = await signed_in(client, nina)
    assert (await me(client, pair["accessToken"])).data["me"]["isActive"] is True
    dora = world.token(factory, "dora")
    # when Dora deactivates her
    result = await op_result(client, DEACTIVATE_OP, DEACTIVATE_OP.input(world.uid("nina")), dora)
    assert result["__typename"] == "UserPayload", result
    assert (result["user"]["id"], result["user"]["isActive"]) == (world.uid("nina"), False)
    assert (await user_row(sessionmaker, nina.id)).is_active is False
    # then her access token fails on the next request, her refresh token too,
    assert_top_level(await me(client, pair["accessToken"]), "UNAUTHENTICATED")
    assert (await refresh(client, pair["refreshToken"]))["code"] == "INVALID_TOKEN"
    # and she cannot sign in, although her password is right
    assert (await login(client, nina.email))["__typename"] == "InvalidCredentialsError"
    # when Dora reactivates her
    result = await op_result(client, REACTIVATE_OP, REACTIVATE_OP.input(world.uid("nina")), dora)
    assert result["__typename"] == "UserPayload", result
    assert result["user"]["isActive"] is True
    assert (await user_row(sessionmaker, nina.id)).is_active is True
    # then she signs in again, and her new session works
    fresh = await signed_in(client, nina)
    assert (await me(client, fresh["accessToken"])).data["me"]["id"] == world.uid("nina")
    # but the tokens she held before the deactivation stay dead
    assert_top_level(await me(client, pair["accessToken"]), "UNAUTHENTICATED")
    assert (await refresh(client, pair["refreshToken"]))["__typename"] == "InvalidTokenError"


async def test_reactivating_an_active_user_or_deactivating_an_inactive_one_changes_nothing(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    dora = world.token(factory, "dora")
    before = await snapshot(sessionmaker)
    active = await op_result(client, REACTIVATE_OP, REACTIVATE_OP.input(world.uid("zoe")), dora)
    inactive = await op_result(client, DEACTIVATE_OP, DEACTIVATE_OP.input(world.uid("al")), dora)
    assert (active["__typename"], active["user"]["isActive"]) == ("UserPayload", True)
    assert (inactive["__typename"], inactive["user"]["isActive"]) == ("UserPayload", False)
    assert await snapshot(sessionmaker) == before


async def test_a_deactivated_descendant_can_be_reactivated_by_the_partner(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    result = await op_result(
        client, REACTIVATE_OP, REACTIVATE_OP.input(world.uid("al")), world.token(factory, "pat")
    )
    assert result["__typename"] == "UserPayload", result
    assert (await user_row(sessionmaker, world.users["al"].id)).is_active is True
    assert (await signed_in(client, world.users["al"]))["user"]["email"] == "al@customer.test"


async def test_reactivating_a_user_of_an_archived_company_is_refused(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given a deactivated user of a site that was then archived
    closed = await factory.company(world.customer, name="Closed")
    former = await factory.user(closed, Role.USER, email="fay@closed.test", active=False)
    async with sessionmaker() as session:
        await session.execute(
            update(Company).where(Company.id == closed.id).values(archived_at=utcnow())
        )
        await session.commit()
    before = await snapshot(sessionmaker)
    # when Dora reactivates them
    result = await op_result(
        client,
        REACTIVATE_OP,
        REACTIVATE_OP.input(gid("User", former.id)),
        world.token(factory, "dora"),
    )
    # then the archived company is named as the reason, and nothing is written
    assert without_message(result) == error("COMPANY_ARCHIVED", "id")
    assert await snapshot(sessionmaker) == before


# --- passwordChange ------------------------------------------------------------------


def password_input(current: str, new: str) -> dict[str, Any]:
    return {"currentPassword": current, "newPassword": new}


async def test_password_change_with_a_wrong_current_password_changes_nothing(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given Zoe, signed in
    pair = await signed_in(client, world.users["zoe"])
    before = await snapshot(sessionmaker)
    # when she changes her password but gives a wrong current one
    result = await mutate(
        client,
        PASSWORD_CHANGE,
        "passwordChange",
        password_input("not my password", NEW_PASSWORD),
        pair["accessToken"],
    )
    # then it is refused, naming the field, and her password and sessions are as they were
    assert without_message(result) == error("WRONG_PASSWORD", "currentPassword")
    assert await snapshot(sessionmaker) == before
    assert (await me(client, pair["accessToken"])).data["me"]["id"] == world.uid("zoe")
    assert (await login(client, "zoe@customer.test", NEW_PASSWORD))["__typename"] == (
        "InvalidCredentialsError"
    )


@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        pytest.param("short", "PASSWORD_TOO_SHORT", id="short"),
        pytest.param("x" * 11, "PASSWORD_TOO_SHORT", id="eleven-chars"),
        pytest.param("password1234", "PASSWORD_TOO_COMMON", id="common"),
        pytest.param("aaaaaaaaaaaaaaaa", "PASSWORD_TOO_COMMON", id="repetition"),
        pytest.param("zoe@customer.test", "PASSWORD_TOO_COMMON", id="own-email"),
    ],
)
async def test_password_change_refuses_a_weak_new_password(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    new_password: str,
    code: str,
) -> None:
    before = await snapshot(sessionmaker)
    result = await mutate(
        client,
        PASSWORD_CHANGE,
        "passwordChange",
        password_input(PASSWORD, new_password),
        world.token(factory, "zoe"),
    )
    assert without_message(result) == error(code, "newPassword")
    assert await snapshot(sessionmaker) == before


async def test_password_change_starts_a_new_session_and_ends_every_other(
    client: GraphQLClient,
    world: World,
) -> None:
    # given Zoe signed in twice (say, on her laptop and her phone)
    zoe = world.users["zoe"]
    laptop = await signed_in(client, zoe)
    phone = await signed_in(client, zoe)
    # when she changes her password from the laptop
    result = await mutate(
        client,
        PASSWORD_CHANGE,
        "passwordChange",
        password_input(PASSWORD, NEW_PASSWORD),
        laptop["accessToken"],
    )
    # then she gets a new token pair that works
    assert result["__typename"] == "AuthPayload", result
    assert result["user"] == {"id": world.uid("zoe"), "email": zoe.email}
    assert (await me(client, result["accessToken"])).data["me"]["id"] == world.uid("zoe")
    # while the token used for the call and every token issued before are dead
    for pair in (laptop, phone):
        assert_top_level(await me(client, pair["accessToken"]), "UNAUTHENTICATED")
        assert (await refresh(client, pair["refreshToken"]))["code"] == "INVALID_TOKEN"
    # and the new refresh token rotates as usual
    rotated = await refresh(client, result["refreshToken"])
    assert rotated["__typename"] == "AuthPayload", rotated
    assert (await me(client, rotated["accessToken"])).data["me"]["id"] == world.uid("zoe")
    # and only the new password signs her in
    assert (await login(client, zoe.email))["__typename"] == "InvalidCredentialsError"
    assert (await login(client, zoe.email, NEW_PASSWORD))["__typename"] == "AuthPayload"


@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_password_change_needs_a_token(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    token: str | None,
) -> None:
    before = await snapshot(sessionmaker)
    response = await client(
        PASSWORD_CHANGE, {"input": password_input(PASSWORD, NEW_PASSWORD)}, token=token
    )
    assert_top_level(response, "UNAUTHENTICATED")
    assert await snapshot(sessionmaker) == before


# --- profileUpdate -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        pytest.param("  Zoe  Zimmer \t", "Zoe  Zimmer", id="trimmed"),
        pytest.param("Zoë", "Zoë", id="unicode"),
        pytest.param("z" * 200, "z" * 200, id="longest"),
    ],
)
async def test_profile_update_changes_the_callers_name(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    stored: str,
) -> None:
    zoe = world.users["zoe"]
    result = await mutate(
        client, PROFILE_UPDATE, "profileUpdate", {"name": name}, world.token(factory, "zoe")
    )
    assert result["__typename"] == "UserPayload", result
    assert result["user"] == {
        "id": world.uid("zoe"),
        "email": zoe.email,
        "name": stored,
        "role": "USER",
        "isActive": True,
    }
    row = await user_row(sessionmaker, zoe.id)
    assert (row.name, row.role, row.email) == (stored, zoe.role, zoe.email)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("", error("REQUIRED", "name"), id="empty"),
        pytest.param(" \t ", error("REQUIRED", "name"), id="blank"),
        pytest.param("z" * 201, error("TOO_LONG", "name"), id="too-long"),
        pytest.param(" " + "z" * 201 + " ", error("TOO_LONG", "name"), id="too-long-trimmed"),
    ],
)
async def test_profile_update_rejects_invalid_names(
    client: GraphQLClient,
    factory: Factory,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    expected: dict[str, Any],
) -> None:
    before = await snapshot(sessionmaker)
    result = await mutate(
        client, PROFILE_UPDATE, "profileUpdate", {"name": name}, world.token(factory, "zoe")
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_profile_update_needs_a_token(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    token: str | None,
) -> None:
    before = await snapshot(sessionmaker)
    response = await client(PROFILE_UPDATE, {"input": {"name": "Anyone"}}, token=token)
    assert_top_level(response, "UNAUTHENTICATED")
    assert await snapshot(sessionmaker) == before


# --- login throttling ----------------------------------------------------------------
# services/throttle.py: per account 3 free failures, then waits of 1 s, 2 s, 4 s ... and a
# 15-minute block at 10 failures; per client address 10 free failures, then the same waits.
# Time is moved by calling the service with an explicit `now`, or by editing the rows.

WRONG = "not the password at all"


class Clock:
    """The sign-in service's clock, stopped: waits neither shrink under load nor pass by
    themselves; `advance` moves time on."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    stopped = Clock()
    monkeypatch.setattr(auth, "utcnow", stopped)
    return stopped


@asynccontextmanager
async def client_at(app: Any, settings: Settings, address: str) -> AsyncIterator[GraphQLClient]:
    """A client whose requests come from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 4444))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, settings)


def kind(result: dict[str, Any]) -> str:
    typename: str = result["__typename"]
    return typename


def assert_throttled(result: dict[str, Any], *, at_least: int = 1, at_most: int = 1) -> None:
    assert result["__typename"] == "LoginThrottledError", result
    assert (result["code"], result["field"]) == ("LOGIN_THROTTLED", "email")
    assert at_least <= result["retryAfterSeconds"] <= at_most, result


async def throttle_row(
    sessionmaker: async_sessionmaker[AsyncSession], key: str
) -> LoginThrottle | None:
    async with sessionmaker() as session:
        return await session.get(LoginThrottle, key)


async def attempt(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    email: str,
    password: str,
    now: datetime,
) -> TokenPair | DomainError:
    """One sign-in through the service at the given time (it commits, as the API's does)."""
    try:
        return await auth.login(
            sessionmaker, config=token_config(settings), email=email, password=password, now=now
        )
    except DomainError as exc:
        return exc


async def test_the_fourth_attempt_waits_a_second_after_the_third(
    client: GraphQLClient, world: World, clock: Clock
) -> None:
    email = "zoe@customer.test"
    # given three failed sign-ins for Zoe, which cost nothing
    for _ in range(3):
        assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    # then the fourth must wait a second, even with the right password
    assert_throttled(await login(client, email), at_least=1, at_most=1)
    # and another account from the same address is not affected
    assert kind(await login(client, "carl@customer.test")) == "AuthPayload"
    # when the second has passed, a fourth failure makes her wait two
    clock.advance(1)
    assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    assert_throttled(await login(client, email), at_least=2, at_most=2)
    clock.advance(1)
    assert_throttled(await login(client, email), at_least=1, at_most=1)
    # and once they have passed, her password signs her in
    clock.advance(1)
    assert kind(await login(client, email)) == "AuthPayload"


async def test_waits_grow_until_the_account_is_blocked_for_fifteen_minutes(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    email = "zoe@customer.test"
    key = throttle.account_key(email)
    # given failures spread over the last three minutes, each as soon as the last wait ended
    now = utcnow() - timedelta(minutes=3)
    waits: list[int] = []
    for failure in range(1, 11):
        failed = await attempt(sessionmaker, settings, email, WRONG, now)
        assert isinstance(failed, InvalidCredentialsError), failed
        row = await throttle_row(sessionmaker, key)
        assert row is not None
        assert row.failures == failure
        if row.blocked_until is None:
            waits.append(0)
            continue
        # an attempt a millisecond later is refused, with the right password too
        soon = now + timedelta(milliseconds=1)
        refused = await attempt(sessionmaker, settings, email, PASSWORD, soon)
        assert isinstance(refused, LoginThrottledError), refused
        waits.append(refused.retry_after)
        if failure < 10:
            now = row.blocked_until
    # then the waits are those of the docstring, ending in a 15-minute block
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 64, 15 * 60]
    # and the block holds now, through the API, even with the right password
    assert_throttled(await login(client, email), at_least=12 * 60, at_most=15 * 60)
    # and still a second before the fifteen minutes are over
    late = now + timedelta(minutes=15) - timedelta(seconds=1)
    assert isinstance(
        await attempt(sessionmaker, settings, email, PASSWORD, late), LoginThrottledError
    )
    row = await throttle_row(sessionmaker, key)
    assert row is not None
    assert row.failures == 10
    # when fifteen minutes have passed (the rows are moved back in time)
    async with sessionmaker() as session:
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                blocked_until=utcnow() - timedelta(seconds=1),
                last_failure_at=utcnow() - timedelta(minutes=16),
            )
        )
        await session.commit()
    # then the right password signs her in, and the account's counter is gone
    assert kind(await login(client, email)) == "AuthPayload"
    assert await throttle_row(sessionmaker, key) is None


async def test_a_successful_sign_in_resets_the_account_counter(
    client: GraphQLClient, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    email = "zoe@customer.test"
    # given two failures, then a success
    for _ in range(2):
        assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    assert kind(await login(client, email)) == "AuthPayload"
    # when she fails twice more
    for _ in range(2):
        assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    # then she may still try: without the reset her sixth attempt would have had to wait
    assert kind(await login(client, email)) == "AuthPayload"
    assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    assert kind(await login(client, email, WRONG)) == "InvalidCredentialsError"
    # and the address counts every failure: a success takes back only its own attempt
    address = await throttle_row(sessionmaker, "address:127.0.0.1")
    assert address is not None
    assert address.failures == 6


@pytest.mark.usefixtures("clock")
async def test_failures_on_many_emails_from_one_address_are_throttled(
    app: Any, settings: Settings, world: World
) -> None:
    async with (
        client_at(app, settings, "203.0.113.7") as attacker,
        client_at(app, settings, "198.51.100.1") as office,
    ):
        # given ten failures from one address, each on another email, known or not
        targets = [f"guess{n}@customer.test" for n in range(7)] + [
            "zoe@customer.test",
            "carl@customer.test",
            "dora@customer.test",
        ]
        for email in targets:
            assert kind(await login(attacker, email, WRONG)) == "InvalidCredentialsError"
        # when that address tries again, on a fresh email or a real one with its password
        # then it must wait
        assert_throttled(await login(attacker, "fresh@customer.test", WRONG))
        assert_throttled(await login(attacker, "bob@customer.test"))
        # while the same accounts sign in from another address
        assert kind(await login(office, "bob@customer.test")) == "AuthPayload"
        assert kind(await login(office, "zoe@customer.test")) == "AuthPayload"


@pytest.mark.usefixtures("clock")
async def test_ten_failures_from_one_address_are_free_and_the_eleventh_attempt_waits(
    app: Any, settings: Settings, world: World
) -> None:
    async with client_at(app, settings, "203.0.113.8") as office:
        # given nine failures from one address, then a success, which takes its attempt back
        for n in range(9):
            assert kind(await login(office, f"guess{n}@customer.test", WRONG)) == (
                "InvalidCredentialsError"
            )
        assert kind(await login(office, "bob@customer.test")) == "AuthPayload"
        # when a tenth failure comes
        assert kind(await login(office, "guess9@customer.test", WRONG)) == (
            "InvalidCredentialsError"
        )
        # then the next attempt from there waits a second, the right password too
        assert_throttled(await login(office, "bob@customer.test"), at_least=1, at_most=1)


@pytest.mark.usefixtures("clock")
async def test_unknown_emails_are_throttled_exactly_like_known_ones(
    app: Any, settings: Settings, world: World
) -> None:
    # given the same attempts on a real account and on an address nobody has, each from its
    # own client address
    answers: dict[str, list[dict[str, Any]]] = {}
    for email, address in (
        ("zoe@customer.test", "192.0.2.1"),
        ("nobody@customer.test", "192.0.2.2"),
    ):
        async with client_at(app, settings, address) as client:
            answers[email] = [await login(client, email, WRONG) for _ in range(5)]
    # then the answers are the same, word for word: nothing tells which one exists
    known, unknown = answers["zoe@customer.test"], answers["nobody@customer.test"]
    assert [kind(a) for a in known] == ["InvalidCredentialsError"] * 3 + ["LoginThrottledError"] * 2
    assert unknown == known


def aliased_logins(count: int) -> str:
    fields = "\n".join(
        f"a{n}: login(input: {{email: $email{n}, password: $password{n}}}) {{ {LOGIN_RESULT} }}"
        for n in range(count)
    )
    params = ", ".join(f"$email{n}: String!, $password{n}: String!" for n in range(count))
    return f"mutation Many({params}) {{\n{fields}\n}}"


def aliased_variables(attempts: list[tuple[str, str]]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for n, (email, password) in enumerate(attempts):
        variables[f"email{n}"] = email
        variables[f"password{n}"] = password
    return variables


@pytest.mark.usefixtures("clock")
async def test_aliased_logins_in_one_request_each_count(
    client: GraphQLClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given one request carrying twelve sign-ins of Zoe: eleven guesses, then her password
    attempts = [("zoe@customer.test", f"guess number {n}") for n in range(11)]
    attempts.append(("zoe@customer.test", PASSWORD))
    # when it is sent
    response = await client(aliased_logins(12), aliased_variables(attempts))
    results = [response.data[f"a{n}"] for n in range(12)]
    # then each alias counted as an attempt of its own: after the third failure, the rest
    # (her real password included) are refused until the wait is over
    assert [kind(r) for r in results] == ["InvalidCredentialsError"] * 3 + [
        "LoginThrottledError"
    ] * 9
    for result in results[3:]:
        assert_throttled(result)
    row = await throttle_row(sessionmaker, throttle.account_key("zoe@customer.test"))
    assert row is not None
    assert row.failures == 3


@pytest.mark.usefixtures("clock")
async def test_aliased_logins_on_many_emails_count_against_the_address(
    app: Any, settings: Settings, world: World
) -> None:
    async with client_at(app, settings, "203.0.113.9") as attacker:
        attempts = [(f"guess{n}@customer.test", WRONG) for n in range(11)]
        attempts.append(("bob@customer.test", PASSWORD))
        response = await attacker(aliased_logins(12), aliased_variables(attempts))
        results = [response.data[f"a{n}"] for n in range(12)]
        assert [kind(r) for r in results] == ["InvalidCredentialsError"] * 10 + [
            "LoginThrottledError"
        ] * 2


@pytest.mark.usefixtures("clock")
async def test_sequential_requests_each_count(client: GraphQLClient, world: World) -> None:
    results = [await login(client, "zoe@customer.test", f"guess number {n}") for n in range(11)]
    results.append(await login(client, "zoe@customer.test"))
    assert [kind(r) for r in results] == ["InvalidCredentialsError"] * 3 + [
        "LoginThrottledError"
    ] * 9
