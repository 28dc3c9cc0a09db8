"""Every connection pages both ways (Cursor Connections spec): `first`/`after` and
`last`/`before`, with the same rows in the same order; cursors are bound to their list and
arguments; paging mistakes are BAD_USER_INPUT with a `reason`, and change nothing.

Each of the 11 connection fields gets 7 rows of its own and is walked 3 at a time forwards
(following `endCursor`) and backwards (from the end, following `startCursor`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bench import workloads
from models.company import Company
from models.user import Role, User
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid, mutation, pk, union
from tests.helpers import Maker, account_request, license_ids
from tests.worlds import standard_tree

ROWS = 7
PAGE = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


@dataclass
class World:
    client: GraphQLClient
    factory: Factory
    sessionmaker: Maker
    platform: Company
    partner: Company
    customer: Company
    root: User  # SUPERADMIN of the platform: desk and applicant at once

    async def call(self, name: str, selection: str, data: dict[str, Any]) -> dict[str, Any]:
        response = await self.client(
            mutation(name, union(selection)), {"input": data}, token=self.factory.token(self.root)
        )
        result: dict[str, Any] = response.data[name]
        assert "code" not in result, result
        return result

    async def query(self, document: str, **variables: Any) -> Any:
        return await self.client(document, variables, token=self.factory.token(self.root))


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    tree = await standard_tree(factory)
    root = await factory.user(tree.platform, Role.SUPERADMIN)
    return World(client, factory, sessionmaker, tree.platform, tree.partner, tree.customer, root)


# --- each list, with a way to fill it ------------------------------------------------


async def _companies(world: World) -> None:
    for n in range(ROWS):
        await world.factory.company(world.customer, name=f"Paged {n % 3}")


async def _users(world: World) -> None:
    for _ in range(ROWS):
        await world.factory.user(world.customer)


async def _invitations(world: World) -> None:
    for n in range(ROWS):
        data = {"companyId": cid(world.customer), "email": f"paged{n}@example.com", "role": "USER"}
        await world.call("userInvite", "InvitationPayload { invitation { id } }", data)


async def _accounts(world: World) -> None:
    license_id = (await license_ids(world.sessionmaker))["STARTER_DP"]
    for n in range(ROWS):
        data = account_request(world.customer, license_id, name=f"Paged {n}")
        await world.call("accountRequest", "ApplicationPayload { application { id } }", data)


async def _ledger(world: World) -> None:
    for _ in range(ROWS):
        data = {"companyId": cid(world.customer), "amount": 1}
        await world.call("creditGrant", "CreditGrantPayload { entry { id } }", data)


async def _devices(world: World) -> None:
    await world.call(
        "creditGrant",
        "CreditGrantPayload { entry { id } }",
        {"companyId": cid(world.customer), "amount": ROWS},
    )
    for n in range(ROWS):
        data = {
            "companyId": cid(world.customer),
            "serialNumber": f"PAGED-{n}",
            "name": f"Meter {n}",
            "model": "EM-1",
            "datapoints": 1,
        }
        await world.call("deviceRegister", "DevicePayload { device { id } }", data)


@dataclass(frozen=True)
class Listing:
    name: str
    fill: Callable[[World], Awaitable[None]]
    # The field with its own arguments; paging arguments are appended.
    field: Callable[[World], str]
    path: tuple[str, ...] = ()  # where the connection sits below `data`


LISTINGS = [
    Listing("companyTree", _companies, lambda w: f'companyTree(rootId: "{cid(w.customer)}"'),
    Listing("companies", _companies, lambda w: 'companies(search: "paged"'),
    Listing(
        "children",
        _companies,
        lambda w: f'company(id: "{cid(w.customer)}") {{ children(',
        ("company",),
    ),
    Listing(
        "descendants",
        _companies,
        lambda w: f'company(id: "{cid(w.customer)}") {{ descendants(',
        ("company",),
    ),
    Listing("users", _users, lambda w: f'users(companyId: "{cid(w.customer)}"'),
    Listing("invitations", _invitations, lambda w: f'invitations(companyId: "{cid(w.customer)}"'),
    Listing("accounts", _accounts, lambda w: f'accounts(companyId: "{cid(w.customer)}"'),
    Listing("applications", _accounts, lambda w: "applications("),
    Listing("applicationQueue", _accounts, lambda w: "applicationQueue("),
    Listing("devices", _devices, lambda w: f'devices(companyId: "{cid(w.customer)}"'),
    Listing("ledgerEntries", _ledger, lambda w: f'ledgerEntries(companyId: "{cid(w.customer)}"'),
]


def _document(world: World, listing: Listing, paging: str) -> str:
    head = listing.field(world)
    separator = "" if head.endswith("(") else ", "
    close = " }" if listing.path else ""
    variables = "$after: String, $before: String"
    arguments = f"{paging}, after: $after, before: $before"
    return f"query Page({variables}) {{ {head}{separator}{arguments}) {{ {PAGE} }}{close} }}"


async def _page(world: World, listing: Listing, paging: str, **variables: Any) -> dict[str, Any]:
    response = await world.query(_document(world, listing, paging), **variables)
    found: Any = response.data
    for step in listing.path:
        found = found[step]
    page: dict[str, Any] = found[listing.name]
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
async def test_every_connection_pages_both_ways_alike(world: World, listing: Listing) -> None:
    # given a list of at least 7 rows
    await listing.fill(world)
    whole = _ids(await _page(world, listing, "first: 100"))
    assert len(whole) >= ROWS
    # when it is walked forwards 3 at a time
    forwards: list[str] = []
    after: str | None = None
    while True:
        page = await _page(world, listing, "first: 3", after=after)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        forwards.extend(_ids(page))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # and backwards 3 at a time from the end
    backwards: list[str] = []
    before: str | None = None
    while True:
        page = await _page(world, listing, "last: 3", before=before)
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        assert len(page["edges"]) <= 3
        backwards[:0] = _ids(page)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    # then both walks give the whole list, each row once, in the list's own order
    assert forwards == whole
    assert backwards == whole
    # and a window between two cursors is the rows strictly between them
    first = await _page(world, listing, "first: 100")
    cursors = [edge["cursor"] for edge in first["edges"]]
    window = await _page(
        world,
        listing,
        "first: 100",
        after=cursors[1],
        before=cursors[5],
    )
    assert _ids(window) == whole[2:5]
    # and `last` without a cursor is the end of the list
    assert _ids(await _page(world, listing, "last: 2")) == whole[-2:]


# --- paging mistakes ------------------------------------------------------------------


async def _bad(world: World, document: str, **variables: Any) -> dict[str, Any]:
    response = await world.query(document, **variables)
    assert response.body["data"] is None, response.body
    assert response.error_codes == ["BAD_USER_INPUT"], response.body
    extensions: dict[str, Any] = response.errors[0]["extensions"]
    return extensions


@pytest.mark.parametrize(
    ("paging", "reason", "field"),
    [
        ("first: 2, last: 2", "FIRST_AND_LAST", "last"),
        ("first: -1", "PAGE_SIZE_NEGATIVE", "first"),
        ("last: -1", "PAGE_SIZE_NEGATIVE", "last"),
        ("first: 101", "PAGE_SIZE_EXCEEDED", "first"),
        ("last: 101", "PAGE_SIZE_EXCEEDED", "last"),
        ('before: "garbage"', "INVALID_CURSOR", "before"),
    ],
)
async def test_paging_mistakes_are_bad_user_input_with_a_reason(
    world: World, paging: str, reason: str, field: str
) -> None:
    extensions = await _bad(world, f"{{ devices({paging}) {{ {PAGE} }} }}")
    assert (extensions["reason"], extensions["field"]) == (reason, field)
    if reason == "PAGE_SIZE_EXCEEDED":
        assert extensions["maximum"] == 100


async def test_a_cursor_is_refused_by_another_list(world: World) -> None:
    # given a cursor of the devices list
    await _devices(world)
    devices = await world.query(f"{{ devices(first: 1) {{ {PAGE} }} }}")
    cursor = devices.data["devices"]["pageInfo"]["endCursor"]
    # when it is given to the ledger, to devices with other arguments, or as `before`
    # of the same list; then only the last is accepted
    company = cid(world.customer)
    ledger = (
        f'query($c: String) {{ ledgerEntries(companyId: "{company}", after: $c) {{ {PAGE} }} }}'
    )
    assert (await _bad(world, ledger, c=cursor))["reason"] == "INVALID_CURSOR"
    other = f"query($c: String) {{ devices(status: SUSPENDED, after: $c) {{ {PAGE} }} }}"
    assert (await _bad(world, other, c=cursor))["field"] == "after"
    same = await world.query(f"query($c: String) {{ devices(before: $c) {{ {PAGE} }} }}", c=cursor)
    assert same.data["devices"]["edges"] == []


async def test_a_cursor_of_one_companys_children_is_refused_for_anothers(world: World) -> None:
    await _companies(world)
    children = f"children(first: 1, after: $c) {{ {PAGE} }}"
    document = f"query($id: ID!, $c: String) {{ company(id: $id) {{ {children} }} }}"
    mine = await world.query(document, id=cid(world.customer), c=None)
    cursor = mine.data["company"]["children"]["pageInfo"]["endCursor"]
    refused = await world.query(document, id=cid(world.partner), c=cursor)
    assert refused.error_codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["reason"] == "INVALID_CURSOR"


async def test_an_omitted_default_and_the_same_value_given_are_one_list(world: World) -> None:
    await _devices(world)
    first = await world.query(f"{{ devices(first: 2) {{ {PAGE} }} }}")
    cursor = first.data["devices"]["pageInfo"]["endCursor"]
    again = await world.query(
        "query($c: String) { devices(includeDescendants: true, first: 2, after: $c) {"
        f" {PAGE} }} }}",
        c=cursor,
    )
    assert len(again.data["devices"]["edges"]) == 2


async def test_the_benchmarks_cursors_are_the_apis(world: World) -> None:
    # bench/workloads.py writes the API's cursors out again: they must stay the same
    await _devices(world)
    await _ledger(world)
    company = cid(world.customer)
    devices = await world.query(f'{{ devices(companyId: "{company}", first: 1) {{ {PAGE} }} }}')
    ledger = await world.query(
        f'{{ ledgerEntries(companyId: "{company}", first: 1) {{ {PAGE} }} }}'
    )
    for data, name, scope in (
        (devices.data, "devices", workloads.devices_scope(company)),
        (ledger.data, "ledgerEntries", workloads.ledger_scope(company)),
    ):
        edge = data[name]["edges"][0]
        assert workloads.cursor(pk(edge["node"]["id"]), scope=scope) == edge["cursor"]


async def test_the_batched_children_of_list_rows_page_both_ways(world: World) -> None:
    # given two companies with children of their own, read as rows of one list (batched)
    for parent, count in ((world.customer, 5), (world.partner, 3)):
        for n in range(count):
            await world.factory.company(parent, name=f"Child {n}")
    per_row = "query($last: Int, $first: Int) { companyTree(maxDepth: 2) { edges { node { id"
    per_row += f" children(first: $first, last: $last) {{ {PAGE} }} }} }} }} }}"
    alone = "query($id: ID!, $last: Int, $first: Int, $before: String) { company(id: $id) {"
    alone += f" children(first: $first, last: $last, before: $before) {{ {PAGE} }} }} }}"

    for paging in ({"last": 2}, {"first": 2}):
        # when each row asks for a page of its children
        tree = await world.query(per_row, **paging)
        rows = {e["node"]["id"]: e["node"]["children"] for e in tree.data["companyTree"]["edges"]}
        # then each row's page is the page of that company asked on its own
        for parent in (world.customer, world.partner):
            single = await world.query(alone, id=cid(parent), before=None, **paging)
            assert rows[cid(parent)] == single.data["company"]["children"]
            assert len(rows[cid(parent)]["edges"]) == 2

    # and a row's backward page is the end of its list, its cursors its own company's
    tree = await world.query(per_row, last=2)
    rows = {e["node"]["id"]: e["node"]["children"] for e in tree.data["companyTree"]["edges"]}
    page = rows[cid(world.customer)]
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False
    everything = await world.query(alone, id=cid(world.customer), first=100, before=None)
    all_ids = _ids(everything.data["company"]["children"])
    assert _ids(page) == all_ids[-2:]
    earlier = await world.query(
        alone, id=cid(world.customer), last=2, before=page["pageInfo"]["startCursor"]
    )
    assert _ids(earlier.data["company"]["children"]) == all_ids[-4:-2]
    refused = await world.query(
        alone, id=cid(world.partner), last=2, before=page["pageInfo"]["startCursor"]
    )
    assert refused.errors[0]["extensions"]["reason"] == "INVALID_CURSOR"
