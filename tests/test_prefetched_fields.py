"""Fields a list fetches with its page, and the same fields reached one row at a time.

A page of companies, ledger entries, accounts or devices brings what its rows' nested
fields need in its own query (on its row tuples; for accounts, `info.context.prefetched`);
a row reached otherwise (`company(id:)`, `node(id:)`, `me`, a payload, a relation) loads
them through DataLoaders.
Each test asks both ways, through the API, and checks both answers against what the rules
say about the world below, computed here from its rows; the scope rules (an actor above
the viewer's tree, a device's account for a USER) must hold on both paths, for each viewer.

    Platform            desk (ADMINISTRATOR), root (SUPERADMIN)
    |-- Partner         partner_admin (ADMINISTRATOR)
    |   |-- Customer    admin (ADMINISTRATOR), viewer (USER), former (deactivated)
    |   |   |-- Site
    |   |   |   `-- Room
    |   |   `-- Closed  (archived)
    |   `-- Neighbour
    `-- Other Partner
        `-- Other

Accounts: Starter at the customer, Pro at the neighbour. Devices: at the customer "bound"
(Starter, 15 datapoints), "retired" (Starter, 5, unregistered) and "loose" (no account, 7);
at the site "sited" (3); at the neighbour "next door" (Pro, 4). The customer's ledger has
a grant by the desk (above the partner), a move in by the partner's admin, the admin's
registration charges, and charges of the job (no actor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, update

from models.account import Account, AccountRow, License
from models.base import NOT_FETCHED
from models.company import COMPANY_COLUMNS, Company, CompanyRow
from models.credit import ENTRY_COLUMNS
from models.credit import LedgerEntry as LedgerEntryModel
from models.device import DEVICE_COLUMNS, Device, DeviceRow, DeviceStatus
from models.user import SECRET_COLUMNS, Role, User, UserRow
from services import jobs
from services.device import DeviceFilter, list_devices
from services.pagination import PageRequest
from tests.conftest import StatementCounter
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid, gid, union
from tests.helpers import Maker, account_request, actor_of, get_row, ledger, license_ids
from tests.worlds import ApiWorld, standard_tree

RESULTS = {
    "creditGrant": union("CreditGrantPayload { entry { id } }"),
    "creditMove": union(
        "CreditMovePayload { outEntry { id actor { id name } } inEntry { id actor { id name } } }"
    ),
    "deviceRegister": union("DevicePayload { device { id } }"),
    "deviceUnregister": union("DevicePayload { device { id } }"),
    "accountRequest": union("ApplicationPayload { application { id account { id } } }"),
    "accountExtensionRequest": union("ApplicationPayload { application { id } }"),
    "applicationApprove": union("ApplicationPayload { application { status } }"),
    "companyRename": union("CompanyPayload { company { name } }"),
    "profileUpdate": union("UserPayload { user { name company { name } } }"),
}
COUNTS = "counts { children users devices descendants }"


@dataclass
class World(ApiWorld):
    site: Company
    room: Company
    closed: Company
    desk: User
    root: User
    partner_admin: User
    admin: User
    viewer: User
    former: User
    starter: str  # the customer's account
    pro: str  # the neighbour's account
    devices: dict[str, str]  # name -> global id

    def selection(self, name: str) -> str:
        return RESULTS[name]

    async def ok(self, name: str, data: dict[str, Any], user: User) -> dict[str, Any]:
        """A mutation that must succeed: its payload."""
        result = await self.result(name, data, user)
        assert result["__typename"] not in ("ValidationError", "NotFoundError"), result
        return result

    async def account(self, name: str, company: Company, license_id: str, datapoints: int) -> str:
        data = account_request(company, license_id, name=name, datapoints=datapoints)
        filed = await self.ok("accountRequest", data, self.root)
        application = filed["application"]
        await self.ok("applicationApprove", {"id": application["id"]}, self.desk)
        account_id: str = application["account"]["id"]
        return account_id

    async def register(
        self, name: str, company: Company, user: User, datapoints: int, account: str | None
    ) -> None:
        data = {
            "companyId": cid(company),
            "serialNumber": f"SN-{name.upper().replace(' ', '-')}",
            "name": name,
            "model": "EM-24",
            "datapoints": datapoints,
            "accountId": account,
        }
        self.devices[name] = (await self.ok("deviceRegister", data, user))["device"]["id"]


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    tree = await standard_tree(factory)
    site = await factory.company(tree.customer, name="Site")
    world = World(
        **tree.companies(),
        client=client,
        factory=factory,
        sessionmaker=sessionmaker,
        site=site,
        room=await factory.company(site, name="Room"),
        closed=await factory.company(tree.customer, name="Closed", archived=True),
        desk=await factory.user(tree.platform, Role.ADMINISTRATOR),
        root=await factory.user(tree.platform, Role.SUPERADMIN),
        partner_admin=await factory.user(tree.partner, Role.ADMINISTRATOR),
        admin=await factory.user(tree.customer, Role.ADMINISTRATOR),
        viewer=await factory.user(tree.customer, Role.USER),
        former=await factory.user(tree.customer, Role.USER, active=False),
        starter="",  # the accounts and devices come next, through the API
        pro="",
        devices={},
    )
    licenses = await license_ids(sessionmaker)
    world.starter = await world.account("Starter", tree.customer, licenses["STARTER_DP"], 100)
    world.pro = await world.account("Pro", tree.neighbour, licenses["PROFESSIONAL_DP"], 40)
    for company, amount in ((tree.partner, 5), (tree.customer, 10), (site, 5), (tree.neighbour, 5)):
        await world.ok("creditGrant", {"companyId": cid(company), "amount": amount}, world.desk)
    move = {"fromCompanyId": cid(tree.partner), "toCompanyId": cid(tree.customer), "amount": 3}
    await world.ok("creditMove", move, world.partner_admin)
    await world.register("bound", tree.customer, world.admin, 15, world.starter)
    await world.register("retired", tree.customer, world.admin, 5, world.starter)
    await world.register("loose", tree.customer, world.admin, 7, None)
    await world.register("sited", site, world.admin, 3, None)
    await world.register("next door", tree.neighbour, world.partner_admin, 4, world.pro)
    await world.ok("deviceUnregister", {"id": world.devices["retired"]}, world.admin)
    # The job charges every registered device for its next period: entries without an actor.
    async with sessionmaker() as session:
        due = await session.scalar(
            select(func.max(Device.paid_until)).where(Device.unregistered_at.is_(None))
        )
    assert due is not None
    report = await jobs.run_charging(sessionmaker, now=due, period=client.settings.credit_period)
    assert report.charged == 4
    return world


# --- what the rules say, computed from the rows -----------------------------------------


async def rows(sessionmaker: Maker, model: type[Any]) -> list[Any]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(model)))


async def expected_counts(sessionmaker: Maker) -> dict[str, dict[str, int]]:
    """Each company's counts by the rules: live children, active users and registered
    devices of the company itself, live companies at any depth below."""
    companies: list[Company] = await rows(sessionmaker, Company)
    users: list[User] = await rows(sessionmaker, User)
    devices: list[Device] = await rows(sessionmaker, Device)

    def counts(top: Company) -> dict[str, int]:
        live = [c for c in companies if c.archived_at is None]
        return {
            "children": sum(c.parent_id == top.id for c in live),
            "users": sum(u.company_id == top.id and u.is_active for u in users),
            "devices": sum(d.company_id == top.id and d.unregistered_at is None for d in devices),
            "descendants": sum(c.path.startswith(top.path) and c.id != top.id for c in live),
        }

    return {cid(company): counts(company) for company in companies}


def asked(expected: dict[str, dict[str, int]], node: dict[str, Any]) -> dict[str, int]:
    """The expected counts of a node, for the count fields it selected."""
    return {name: expected[node["id"]][name] for name in node["counts"]}


async def test_the_world_exercises_every_count_rule(world: World, sessionmaker: Maker) -> None:
    expected = await expected_counts(sessionmaker)
    # the customer: Closed is archived, `former` inactive, `retired` unregistered
    assert expected[cid(world.customer)] == {
        "children": 1,
        "users": 2,
        "devices": 2,
        "descendants": 2,
    }
    assert expected[cid(world.partner)] == {
        "children": 2,
        "users": 1,
        "devices": 0,
        "descendants": 4,
    }


def aliased(field: str, ids: list[str], selection: str) -> str:
    """One document asking `field(id:)` for each id (as n0, n1, ...): the loaders batch."""
    asks = " ".join(f'n{i}: {field}(id: "{id_}") {{ {selection} }}' for i, id_ in enumerate(ids))
    return f"{{ {asks} }}"


async def one_by_one(
    world: World, user: User, field: str, ids: list[str], selection: str
) -> list[Any]:
    data = (await world.query(aliased(field, ids, selection), user)).data
    return [data[f"n{i}"] for i in range(len(ids))]


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


# --- 1. company counts --------------------------------------------------------------------

PAGES = f"""
query Pages($partner: ID!) {{
  companyTree(includeArchived: true) {{ edges {{ node {{ id {COUNTS} }} }} }}
  companies(search: "", includeArchived: true) {{ edges {{ node {{ id {COUNTS} }} }} }}
  company(id: $partner) {{
    children(includeArchived: true) {{ edges {{ node {{ id {COUNTS} }} }} }}
    descendants(includeArchived: true) {{ edges {{ node {{ id {COUNTS} }} }} }}
  }}
}}
"""


async def test_counts_in_every_page_of_companies_follow_the_rules(
    world: World, sessionmaker: Maker
) -> None:
    expected = await expected_counts(sessionmaker)
    # when the partner's admin lists its tree every way, archived companies included
    data = (await world.query(PAGES, world.partner_admin, partner=cid(world.partner))).data
    pages = {
        "companyTree": nodes(data["companyTree"]),
        "companies": nodes(data["companies"]),
        "children": nodes(data["company"]["children"]),
        "descendants": nodes(data["company"]["descendants"]),
    }
    # then each page has the rows it should (the archived one too), with the right counts
    below = [world.customer, world.site, world.room, world.closed, world.neighbour]
    subtree = {cid(company) for company in [world.partner, *below]}
    assert {n["id"] for n in pages["companyTree"]} == subtree
    assert {n["id"] for n in pages["companies"]} == subtree
    assert {n["id"] for n in pages["children"]} == {cid(world.customer), cid(world.neighbour)}
    assert {n["id"] for n in pages["descendants"]} == {cid(company) for company in below}
    for name, page in pages.items():
        for node in page:
            assert node["counts"] == expected[node["id"]], (name, node)


async def test_counts_outside_pages_match_the_rules(world: World, sessionmaker: Maker) -> None:
    expected = await expected_counts(sessionmaker)
    visible = [world.partner, world.customer, world.site, world.room, world.closed]
    ids = [cid(company) for company in [*visible, world.neighbour]]
    # by id, as a node, and through the relations of a company, an account and a device
    by_id = await one_by_one(world, world.partner_admin, "company", ids, f"id {COUNTS}")
    as_nodes = await one_by_one(
        world, world.partner_admin, "node", ids, f"... on Company {{ id {COUNTS} }}"
    )
    related = f"""
    query Related($room: ID!, $site: ID!, $account: ID!, $device: ID!) {{
      me {{ company {{ id {COUNTS} }} }}
      room: company(id: $room) {{
        parent {{ id {COUNTS} }}
        ancestors {{ id {COUNTS} }}
      }}
      site: company(id: $site) {{ creditPayer {{ company {{ id {COUNTS} }} }} }}
      account(id: $account) {{ company {{ id {COUNTS} }} }}
      device(id: $device) {{ company {{ id {COUNTS} }} }}
    }}
    """
    data = (
        await world.query(
            related,
            world.partner_admin,
            room=cid(world.room),
            site=cid(world.site),
            account=world.starter,
            device=world.devices["sited"],
        )
    ).data
    reached = [
        data["me"]["company"],
        data["room"]["parent"],
        *data["room"]["ancestors"],
        data["site"]["creditPayer"]["company"],
        data["account"]["company"],
        data["device"]["company"],
    ]
    # then every one has the counts the rules say
    assert [node["id"] for node in reached] == [
        cid(world.partner),
        cid(world.site),
        cid(world.partner),
        cid(world.customer),
        cid(world.site),
        cid(world.site),
        cid(world.customer),
        cid(world.site),
    ]
    for node in [*by_id, *as_nodes, *reached]:
        assert node["counts"] == expected[node["id"]], node


FRAGMENTS = """
query Shapes($customer: ID!) {
  companyTree { edges { node { id ...Below counts { children } } } }
  aliased: companyTree {
    edges { node { id few: counts { children users } more: counts { descendants devices } } }
  }
  company(id: $customer) {
    id ...Below counts { users }
    children { edges { node { id ...Below } } }
    descendants { edges { ...Edge } }
  }
}
fragment Below on Company { counts { descendants } }
fragment Edge on CompanyEdge { node { id a: counts { devices } b: counts { children } } }
"""


async def test_counts_asked_through_fragments_and_aliases(
    world: World, sessionmaker: Maker
) -> None:
    expected = await expected_counts(sessionmaker)
    data = (await world.query(FRAGMENTS, world.partner_admin, customer=cid(world.customer))).data
    # a fragment's counts merge with the node's own: both are there, and right
    tree = nodes(data["companyTree"])
    assert len(tree) == 5  # Partner, Customer, Site, Room, Neighbour: Closed is archived
    for node in tree:
        assert set(node["counts"]) == {"descendants", "children"}
        assert node["counts"] == asked(expected, node)
    # aliased counts of one row each have their own fields, all right
    for node in nodes(data["aliased"]):
        assert node["few"] == {k: expected[node["id"]][k] for k in ("children", "users")}
        assert node["more"] == {k: expected[node["id"]][k] for k in ("descendants", "devices")}
    # and the same outside the tree: one company, and its children and descendants pages
    company = data["company"]
    assert company["counts"] == asked(expected, company)
    assert set(company["counts"]) == {"descendants", "users"}
    for node in nodes(company["children"]):
        assert node["counts"] == asked(expected, node)
    descendants = nodes(company["descendants"])
    assert {node["id"] for node in descendants} == {cid(world.site), cid(world.room)}
    for node in descendants:
        assert node["a"] == {"devices": expected[node["id"]]["devices"]}
        assert node["b"] == {"children": expected[node["id"]]["children"]}


@pytest.mark.parametrize(
    ("in_tree", "of_mine"),
    [("children", "descendants children"), ("descendants users", "children devices")],
)
async def test_my_company_in_the_tree_and_as_mine_in_one_query(
    world: World, sessionmaker: Maker, in_tree: str, of_mine: str
) -> None:
    # given a query selecting the viewer's own company through the tree with some counts,
    # and as `me { company }` and `company(id:)` with others
    document = f"""
    query Both($own: ID!) {{
      companyTree {{ edges {{ node {{ id counts {{ {in_tree} }} }} }} }}
      me {{ company {{ id counts {{ {of_mine} }} }} }}
      company(id: $own) {{ id counts {{ {of_mine} }} }}
    }}
    """
    expected = await expected_counts(sessionmaker)
    data = (await world.query(document, world.partner_admin, own=cid(world.partner))).data
    # then each place has exactly its own selection, each value right
    tree = nodes(data["companyTree"])
    assert tree[0]["id"] == cid(world.partner)
    for node in tree:
        assert node["counts"] == asked(expected, node)
        assert list(node["counts"]) == in_tree.split()
    for mine in (data["me"]["company"], data["company"]):
        assert mine["id"] == cid(world.partner)
        assert mine["counts"] == asked(expected, mine)
        assert list(mine["counts"]) == of_mine.split()


# A list's rows are CompanyRow tuples, a company reached one at a time a models.Company:
# every field of the type, and the Node interface, must read the same from both.
EVERY_FIELD = """
fragment Every on Company {
  __typename id name countryCode useParentCredits archivedAt createdAt updatedAt depth
  parent { id name } ancestors { id }
  children(includeArchived: true) { edges { cursor node { id name } } }
  descendants(maxDepth: 1) { edges { node { id depth } } }
  creditBalance
  creditPayer { levelsUp company { id name } }
  counts { children users devices descendants }
  ... on Node { nodeId: id }
}
"""


async def test_every_company_field_reads_alike_in_a_list_and_one_by_one(
    world: World, sessionmaker: Maker
) -> None:
    # given a site that pays from its parent's balance, so the payer is not itself
    async with sessionmaker() as session:
        await session.execute(
            update(Company).where(Company.id == world.site.id).values(use_parent_credits=True)
        )
        await session.commit()
    expected = await expected_counts(sessionmaker)
    # when the partner's admin reads its tree as a list and each company by id and as a node
    listed_data = (
        await world.query(
            EVERY_FIELD
            + "{ companyTree(includeArchived: true, first: 10) { edges { node { ...Every } } } }",
            world.partner_admin,
        )
    ).data
    listed = nodes(listed_data["companyTree"])
    ids = [node["id"] for node in listed]
    one_at_a_time = []
    for field in ("company", "node"):
        document = EVERY_FIELD + aliased(field, ids, "...Every")
        data = (await world.query(document, world.partner_admin)).data
        one_at_a_time.append([data[f"n{i}"] for i in range(len(ids))])
    by_id, as_nodes = one_at_a_time
    assert len(listed) == 6  # Partner, Customer, Site, Room, Closed, Neighbour
    # then every field of every company is the same all three ways
    assert listed == by_id == as_nodes
    # and the values are the rows' own
    site = next(node for node in listed if node["id"] == cid(world.site))
    assert site["__typename"] == "Company"
    assert site["nodeId"] == site["id"]
    assert (site["name"], site["depth"], site["useParentCredits"]) == ("Site", 2, True)
    assert site["parent"] == {"id": cid(world.customer), "name": "Customer"}
    assert site["ancestors"] == [{"id": cid(world.partner)}, {"id": cid(world.customer)}]
    assert site["children"]["edges"][0]["node"] == {"id": cid(world.room), "name": "Room"}
    assert site["creditPayer"] == {
        "levelsUp": 1,
        "company": {"id": cid(world.customer), "name": "Customer"},
    }
    for node in listed:
        assert node["counts"] == expected[node["id"]], node
    closed = next(node for node in listed if node["id"] == cid(world.closed))
    assert closed["archivedAt"] is not None


# --- 2. ledger actors ---------------------------------------------------------------------

LEDGER = """
query Ledger($company: ID!) {
  ledgerEntries(companyId: $company, first: 100) {
    edges { node { id kind actor { id name } } }
  }
}
"""


async def expected_actors(world: World, viewer: User) -> dict[str, dict[str, str] | None]:
    """Each entry of the customer's ledger: its actor, unless there is none (the job) or
    the actor's company lies outside the viewer's subtree."""
    within = (await get_row(world.sessionmaker, Company, viewer.company_id)).path
    users: list[User] = await rows(world.sessionmaker, User)
    companies: list[Company] = await rows(world.sessionmaker, Company)
    paths = {company.id: company.path for company in companies}
    visible = {
        user.id: {"id": gid("User", user.id), "name": user.name}
        for user in users
        if paths[user.company_id].startswith(within)
    }
    return {
        gid("LedgerEntry", entry.id): visible.get(entry.actor_id) if entry.actor_id else None
        for entry in await ledger(world.sessionmaker, world.customer)
    }


async def ledger_both_ways(world: World, viewer: User) -> tuple[dict[str, Any], dict[str, Any]]:
    """The actors of the customer's ledger as the viewer sees them: from the page, and
    each entry as a node."""
    page = await world.query(LEDGER, viewer, company=cid(world.customer))
    listed = {node["id"]: node["actor"] for node in nodes(page.data["ledgerEntries"])}
    ids = list(listed)
    one = await one_by_one(world, viewer, "node", ids, "... on LedgerEntry { actor { id name } }")
    return listed, {entry_id: node["actor"] for entry_id, node in zip(ids, one, strict=True)}


@pytest.mark.parametrize("viewer", ["desk", "partner_admin", "admin"])
async def test_ledger_actors_in_the_page_and_as_nodes(world: World, viewer: str) -> None:
    user: User = getattr(world, viewer)
    expected = await expected_actors(world, user)
    listed, as_nodes = await ledger_both_ways(world, user)
    assert listed == expected
    assert as_nodes == expected


async def test_the_ledger_hides_exactly_the_actors_above_the_viewer(world: World) -> None:
    # Who did what on the customer's ledger, by kind, as each viewer sees it
    def actors(seen: dict[str, Any]) -> list[str | None]:
        return [actor and actor["id"] for actor in seen.values()]

    desk, partner_admin, admin = (
        gid("User", u.id) for u in (world.desk, world.partner_admin, world.admin)
    )
    for viewer, hidden in (
        (world.desk, set()),
        (world.partner_admin, {desk}),
        (world.admin, {desk, partner_admin}),
    ):
        listed, as_nodes = await ledger_both_ways(world, viewer)
        assert actors(listed) == actors(as_nodes)
        seen = set(actors(listed)) - {None}
        assert seen == {desk, partner_admin, admin} - hidden, viewer.role
        assert None in actors(listed)  # the job's charges, for everyone


async def test_a_move_payload_and_its_entries_name_the_actor(world: World) -> None:
    # when the customer's admin moves credits to the site
    data = {"fromCompanyId": cid(world.customer), "toCompanyId": cid(world.site), "amount": 2}
    moved = await world.ok("creditMove", data, world.admin)
    # then both entries of the payload name the admin
    admin = {"id": gid("User", world.admin.id), "name": world.admin.name}
    assert moved["outEntry"]["actor"] == moved["inEntry"]["actor"] == admin
    # and so do the pages of both ledgers, and the entries as nodes, for the partner's admin
    for company, entry in ((world.customer, moved["outEntry"]), (world.site, moved["inEntry"])):
        page = await world.query(LEDGER, world.partner_admin, company=cid(company))
        newest = nodes(page.data["ledgerEntries"])[0]
        assert (newest["id"], newest["actor"]) == (entry["id"], admin)
        (node,) = await one_by_one(
            world,
            world.partner_admin,
            "node",
            [entry["id"]],
            "... on LedgerEntry { actor { id name } }",
        )
        assert node["actor"] == admin


# A page's entries are EntryRow tuples and their actors UserRow tuples; an entry reached
# one at a time is a models.LedgerEntry with a models.User actor: all read the same.
EVERY_ENTRY_FIELD = """
fragment Entry on LedgerEntry {
  __typename id kind amount balanceAfter createdAt reason reference transferId
  company { id name } device { id }
  actor {
    __typename id email name role isActive createdAt lastLoginAt company { id name }
    ... on Node { nodeId: id }
  }
  ... on Node { nodeId: id }
}
"""


@pytest.mark.parametrize("viewer", ["desk", "partner_admin", "admin"])
async def test_every_entry_field_reads_alike_in_the_page_and_as_a_node(
    world: World, viewer: str, count_statements: StatementCounter
) -> None:
    user: User = getattr(world, viewer)
    before = len(count_statements.statements)
    page = await world.query(
        EVERY_ENTRY_FIELD
        + "query Page($company: ID!) {"
        + " ledgerEntries(companyId: $company, first: 100) { edges { node { ...Entry } } } }",
        user,
        company=cid(world.customer),
    )
    # the page's statement never reads a user's secrets, even for the actors it shows
    (page_sql,) = [sql for sql in count_statements.statements[before:] if "ledger_entries" in sql]
    assert "users.name" in page_sql
    assert "password_hash" not in page_sql
    assert "auth_epoch" not in page_sql
    listed = nodes(page.data["ledgerEntries"])
    ids = [entry["id"] for entry in listed]
    data = (await world.query(EVERY_ENTRY_FIELD + aliased("node", ids, "...Entry"), user)).data
    assert listed == [data[f"n{i}"] for i in range(len(ids))]
    # and the page has what the world put there: a grant, a move, charges with devices
    assert {entry["kind"] for entry in listed} == {"GRANT", "MOVE_IN", "CHARGE"}
    assert all(entry["nodeId"] == entry["id"] for entry in listed)
    charged = [entry for entry in listed if entry["kind"] == "CHARGE"]
    assert charged
    assert all(entry["device"] is not None for entry in charged)
    actors = [entry["actor"] for entry in listed if entry["actor"] is not None]
    assert actors
    assert all(actor["nodeId"] == actor["id"] for actor in actors)
    assert {actor["__typename"] for actor in actors} == {"User"}


async def test_entry_rows_have_every_column_and_actor_rows_none_of_the_secrets() -> None:
    assert set(ENTRY_COLUMNS) == set(LedgerEntryModel.__table__.columns.keys())
    public = set(User.__table__.columns.keys()) - SECRET_COLUMNS
    assert set(UserRow._fields) == public
    assert {"password_hash", "auth_epoch"} <= set(User.__table__.columns.keys())


# --- 3. accounts --------------------------------------------------------------------------

ACCOUNT = "id name company { id name } license { name } datapoints datapointsUsed datapointsLeft"


async def expected_accounts(world: World) -> dict[str, dict[str, Any]]:
    """Each account as it should read: its company, license, and the datapoints of the
    registered devices bound to it."""
    devices: list[Device] = await rows(world.sessionmaker, Device)
    companies = {c.id: c for c in await rows(world.sessionmaker, Company)}
    licenses = {lic.id: lic.name for lic in await rows(world.sessionmaker, License)}
    expected = {}
    for account in await rows(world.sessionmaker, Account):
        used = sum(
            d.datapoints
            for d in devices
            if d.account_id == account.id and d.unregistered_at is None
        )
        expected[gid("Account", account.id)] = {
            "id": gid("Account", account.id),
            "name": account.name,
            "company": {
                "id": cid(companies[account.company_id]),
                "name": companies[account.company_id].name,
            },
            "license": {"name": licenses[account.license_id]},
            "datapoints": account.datapoints,
            "datapointsUsed": used,
            "datapointsLeft": account.datapoints - used,
        }
    return expected


@pytest.mark.parametrize(("viewer", "count"), [("partner_admin", 2), ("admin", 1)])
async def test_accounts_in_the_page_and_one_by_one(world: World, viewer: str, count: int) -> None:
    user: User = getattr(world, viewer)
    expected = await expected_accounts(world)
    # the world: a device unregistered and one unbound leave the starter at 15 of 100
    assert (
        expected[world.starter]["datapointsUsed"],
        expected[world.starter]["datapointsLeft"],
    ) == (15, 85)
    assert expected[world.pro]["license"] == {"name": "Professional DP"}
    page = await world.query(f"{{ accounts {{ edges {{ node {{ {ACCOUNT} }} }} }} }}", user)
    listed = nodes(page.data["accounts"])
    assert len(listed) == count
    ids = [account["id"] for account in listed]
    by_id = await one_by_one(world, user, "account", ids, ACCOUNT)
    as_nodes = await one_by_one(world, user, "node", ids, f"... on Account {{ {ACCOUNT} }}")
    for found in (listed, by_id, as_nodes):
        assert found == [expected[account_id] for account_id in ids]
    # a page asking only for what is left still subtracts what is used
    left = await world.query("{ accounts { edges { node { id datapointsLeft } } } }", user)
    assert {n["id"]: n["datapointsLeft"] for n in nodes(left.data["accounts"])} == {
        account_id: expected[account_id]["datapointsLeft"] for account_id in ids
    }


# --- 4. devices ---------------------------------------------------------------------------

DEVICE = "id company { id name } account { id name }"


async def expected_devices(world: World, may_read_accounts: bool) -> dict[str, dict[str, Any]]:
    companies = {c.id: c for c in await rows(world.sessionmaker, Company)}
    accounts = {a.id: a for a in await rows(world.sessionmaker, Account)}
    expected = {}
    for device in await rows(world.sessionmaker, Device):
        company = companies[device.company_id]
        account = accounts.get(device.account_id) if may_read_accounts else None
        expected[gid("Device", device.id)] = {
            "id": gid("Device", device.id),
            "company": {"id": cid(company), "name": company.name},
            "account": account and {"id": gid("Account", account.id), "name": account.name},
        }
    return expected


DEVICES = f"""
{{
  devices {{ edges {{ node {{ {DEVICE} }} }} }}
  retired: devices(status: UNREGISTERED) {{ edges {{ node {{ {DEVICE} }} }} }}
}}
"""


async def devices_both_ways(world: World, user: User) -> list[list[dict[str, Any]]]:
    """The devices of the viewer's subtree, registered and not: from the pages, by id, and
    as nodes."""
    data = (await world.query(DEVICES, user)).data
    listed = nodes(data["devices"]) + nodes(data["retired"])
    ids = [device["id"] for device in listed]
    by_id = await one_by_one(world, user, "device", ids, DEVICE)
    as_nodes = await one_by_one(world, user, "node", ids, f"... on Device {{ {DEVICE} }}")
    return [listed, by_id, as_nodes]


@pytest.mark.parametrize(
    ("viewer", "names"),
    [
        ("partner_admin", {"bound", "retired", "loose", "sited", "next door"}),
        ("admin", {"bound", "retired", "loose", "sited"}),
        ("viewer", {"bound", "retired", "loose", "sited"}),
    ],
)
async def test_devices_in_the_page_and_one_by_one(
    world: World, viewer: str, names: set[str]
) -> None:
    user: User = getattr(world, viewer)
    expected = await expected_devices(world, may_read_accounts=user.role is not Role.USER)
    found = await devices_both_ways(world, user)
    assert {device["id"] for device in found[0]} == {world.devices[name] for name in names}
    for devices in found:
        assert devices == [expected[device["id"]] for device in devices]
    bound = [device for device in found[0] if device["id"] == world.devices["bound"]]
    assert bound[0]["account"] == (
        None if user.role is Role.USER else {"id": world.starter, "name": "Starter"}
    )


async def test_nothing_fetched_for_one_viewer_reaches_another(world: World) -> None:
    # the same reads, one viewer after another, in both orders: each sees only its own
    for user in (world.admin, world.viewer, world.admin, world.partner_admin, world.viewer):
        may_read = user.role is not Role.USER
        expected = await expected_devices(world, may_read_accounts=may_read)
        for devices in await devices_both_ways(world, user):
            assert devices == [expected[device["id"]] for device in devices]
            accounts = [device["account"] for device in devices]
            assert any(accounts) is may_read, user.role
    for user in (world.desk, world.admin, world.partner_admin, world.desk, world.admin):
        expected_actor = await expected_actors(world, user)
        listed, as_nodes = await ledger_both_ways(world, user)
        assert listed == as_nodes == expected_actor


# A page's devices are DeviceRow tuples with their company as a CompanyRow and their
# account as an AccountRow; a device reached one at a time is a models.Device whose company
# and account come from loaders as models: every field must read the same from both.
DEVICE_COMPANY = """
  __typename id name countryCode useParentCredits archivedAt createdAt updatedAt depth
  parent { id name } ancestors { id } children { edges { node { id } } }
  counts { children users devices descendants }
  ... on Node { nodeId: id }
"""
CREDITS = "creditBalance creditPayer { levelsUp company { id } }"  # not for a USER
EVERY_DEVICE_FIELD = """
fragment Device on Device {
  __typename id serialNumber name model datapoints status registeredAt paidUntil
  unregisteredAt forfeitedDays
  company { %(company)s }
  account {
    __typename id name customerName datapoints meters pods realtimeMeters rtcLines
    smsCredits periodMonths sector paymentMethod cardType emailDomain comment startsAt
    expiresAt createdAt status license { id name } company { id name }
    datapointsUsed datapointsLeft pendingApplication { id kind }
    ... on Node { nodeId: id }
  }
  ... on Node { nodeId: id }
}
"""
DEVICE_PAGES = """
{
  devices { edges { node { ...Device } } }
  retired: devices(status: UNREGISTERED) { edges { node { ...Device } } }
}
"""


@pytest.mark.parametrize("viewer", ["desk", "partner_admin", "admin", "viewer"])
async def test_every_device_field_reads_alike_in_the_page_and_as_a_node(
    world: World, viewer: str
) -> None:
    user: User = getattr(world, viewer)
    may_read_accounts = user.role is not Role.USER
    # given an extension of the customer's account under review (the desk may see it)
    filed = await world.ok(
        "accountExtensionRequest", {"accountId": world.starter, "datapoints": 10}, world.root
    )
    company = DEVICE_COMPANY + (CREDITS if may_read_accounts else "")
    fragment = EVERY_DEVICE_FIELD % {"company": company}
    # when the viewer lists its devices, registered and not, and reads each as a node
    data = (await world.query(fragment + DEVICE_PAGES, user)).data
    listed = nodes(data["devices"]) + nodes(data["retired"])
    ids = [device["id"] for device in listed]
    one = (await world.query(fragment + aliased("node", ids, "...Device"), user)).data
    # then every field of every device is the same both ways
    assert listed == [one[f"n{i}"] for i in range(len(ids))]
    # and the values are the rows' own: the viewer's devices, each with its company, and
    # the account only for a viewer who may read accounts
    names = {"bound", "retired", "loose", "sited"}
    if viewer in ("desk", "partner_admin"):
        names.add("next door")  # the neighbour's, outside the customer's subtree
    assert {device["id"] for device in listed} == {world.devices[name] for name in names}
    by_id = {device["id"]: device for device in listed}
    bound, sited = by_id[world.devices["bound"]], by_id[world.devices["sited"]]
    assert (bound["__typename"], bound["nodeId"], bound["name"]) == ("Device", bound["id"], "bound")
    assert (bound["status"], bound["datapoints"], bound["unregisteredAt"]) == ("ACTIVE", 15, None)
    retired = by_id[world.devices["retired"]]
    assert retired["status"] == "UNREGISTERED"
    assert retired["unregisteredAt"] is not None
    assert retired["forfeitedDays"] is not None
    assert bound["company"]["__typename"] == "Company"
    assert bound["company"]["id"] == bound["company"]["nodeId"] == cid(world.customer)
    assert sited["company"]["parent"] == {"id": cid(world.customer), "name": "Customer"}
    assert sited["company"]["counts"]["devices"] == 1
    assert sited["account"] is by_id[world.devices["loose"]]["account"] is None
    if not may_read_accounts:
        assert all(device["account"] is None for device in listed)
        return
    account = bound["account"]
    assert (account["__typename"], account["id"], account["nodeId"]) == (
        "Account",
        world.starter,
        world.starter,
    )
    assert (account["name"], account["status"], account["license"]["name"]) == (
        "Starter",
        "ACTIVE",
        "Starter DP",
    )
    assert (account["datapointsUsed"], account["datapointsLeft"]) == (15, 85)
    assert account["company"] == {"id": cid(world.customer), "name": "Customer"}
    # reading applications is the desk's business, not the partner's or customer's admins'
    pending = {"id": filed["application"]["id"], "kind": "EXTENSION"}
    assert account["pendingApplication"] == (pending if viewer == "desk" else None)
    assert retired["account"] == account


async def test_device_pages_read_rows_with_every_column(world: World, sessionmaker: Maker) -> None:
    # a page's devices, companies and accounts are tuples with exactly the table's columns
    assert set(DEVICE_COLUMNS) == set(Device.__table__.columns.keys())
    assert set(COMPANY_COLUMNS) == set(Company.__table__.columns.keys())
    assert set(AccountRow._fields) == set(Account.__table__.columns.keys())
    async with sessionmaker() as session:
        actor = actor_of(world.partner_admin, world.partner)
        request = PageRequest(size=100)
        pages = {
            (status, related): await list_devices(
                session,
                actor=actor,
                company_id=None,
                filters=DeviceFilter(status=status),
                request=request,
                with_related=related,
            )
            for status in (None, DeviceStatus.UNREGISTERED)
            for related in (False, True)
        }
        models = {device.id: device for device in await session.scalars(select(Device))}
        companies = {c.id: c for c in await session.scalars(select(Company))}
        accounts = {a.id: a for a in await session.scalars(select(Account))}

    def columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: getattr(row, name) for name in names}

    # each row reads what the model reads; its company and account those of its own
    for (status, related), page in pages.items():
        expected = {
            d.id
            for d in models.values()
            if (d.status == status if status else not d.unregistered_at)
        }
        assert [row.id for row in page.items] == sorted(expected)
        for row in page.items:
            assert isinstance(row, DeviceRow)
            assert columns(row, DEVICE_COLUMNS) == columns(models[row.id], DEVICE_COLUMNS)
            if not related:
                assert row.company is row.account is NOT_FETCHED
                continue
            assert isinstance(row.company, CompanyRow)
            assert row.company.counts is None
            assert columns(row.company, COMPANY_COLUMNS) == columns(
                companies[row.company_id], COMPANY_COLUMNS
            )
            if row.account_id is None:
                assert row.account is None
                continue
            assert isinstance(row.account, AccountRow)
            assert row.account == AccountRow(
                **columns(accounts[row.account_id], AccountRow._fields)
            )
            copy = row.account.as_model()
            assert columns(copy, AccountRow._fields) == row.account._asdict()
            assert inspect(copy).transient  # in no session: nothing is written through it
    registered = pages[None, True].items
    assert {row.account_id is None for row in registered} == {True, False}


# --- 5. the signed-in user and company ----------------------------------------------------


def statements(counter: StatementCounter, since: int) -> list[str]:
    """The statements that read or write, without SQLite's transaction bookkeeping."""
    return [
        s
        for s in counter.statements[since:]
        if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))
    ]


async def test_me_and_my_company_need_no_query_beyond_the_sign_in(
    world: World, count_statements: StatementCounter
) -> None:
    own = cid(world.customer)
    company = {"id": own, "name": "Customer"}
    me = {"id": gid("User", world.admin.id), "name": world.admin.name, "company": company}
    for document, answer in (
        ("{ me { id name company { id name } } }", {"me": me}),
        (f'{{ company(id: "{own}") {{ id name }} }}', {"company": company}),
        (
            f'{{ me {{ id name company {{ id name }} }} company(id: "{own}") {{ id name }} }}',
            {"me": me, "company": company},
        ),
    ):
        before = len(count_statements.statements)
        assert (await world.query(document, world.admin)).data == answer
        # the token's check, which loaded the user and its company, and nothing else
        assert len(statements(count_statements, before)) == 1, document


async def test_me_and_my_company_follow_changes(world: World) -> None:
    own = cid(world.customer)
    read = f'{{ me {{ name company {{ name }} }} company(id: "{own}") {{ name }} }}'
    # when the admin renames itself and its company, each in its own request
    await world.ok("profileUpdate", {"name": "Ada"}, world.admin)
    await world.ok("companyRename", {"id": own, "name": "Customer Two"}, world.admin)
    # then a following request shows both
    data = (await world.query(read, world.admin)).data
    assert data == {
        "me": {"name": "Ada", "company": {"name": "Customer Two"}},
        "company": {"name": "Customer Two"},
    }


async def test_a_payload_after_a_rename_in_the_same_request_shows_it(world: World) -> None:
    # Mutations of one document run in order: the second sees what the first wrote.
    document = """
    mutation Both($company: CompanyRenameInput!, $profile: ProfileUpdateInput!) {
      companyRename(input: $company) { ... on CompanyPayload { company { name } } }
      profileUpdate(input: $profile) { ... on UserPayload { user { name company { name } } } }
    }
    """
    company = {"id": cid(world.customer), "name": "Renamed"}
    data = (await world.query(document, world.admin, company=company, profile={"name": "Ada"})).data
    assert data["companyRename"] == {"company": {"name": "Renamed"}}
    assert data["profileUpdate"] == {"user": {"name": "Ada", "company": {"name": "Renamed"}}}
