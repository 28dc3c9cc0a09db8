"""The company tree at the service level: the materialized path, the scoped reads, paging.

Most tests share one small tree (`tree`), built breadth-first so that neither id order nor
name order is the depth-first order the services must return:

    Platform                (root)
    |-- Partner A
    |   |-- Customer A1
    |   |   |-- Site A1a
    |   |   `-- Site A1b
    |   `-- Customer A2
    `-- Partner B
        `-- Customer B1
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from models.company import (
    COMPANY_COLUMNS,
    PATH_SEGMENT,
    Company,
    CompanyCounts,
    CompanyRead,
    CompanyRow,
    ancestor_paths,
    depth_of,
    path_segment,
    subtree_upper_bound,
)
from models.user import Role
from policies.actor import Actor
from server import token_config
from services import auth
from services import company as service
from services.errors import BadInputError, NotFoundError
from services.pagination import PageRequest, encode_cursor
from tests.conftest import StatementCounter
from tests.factories import Factory

ALL = PageRequest(size=1000)


@dataclass
class Tree:
    root: Company
    a: Company
    b: Company
    a1: Company
    a2: Company
    b1: Company
    a1a: Company
    a1b: Company

    @property
    def depth_first(self) -> list[Company]:
        return [self.root, self.a, self.a1, self.a1a, self.a1b, self.a2, self.b, self.b1]


@pytest.fixture
async def tree(factory: Factory) -> Tree:
    root = await factory.company(name="Platform")
    a = await factory.company(root, name="Partner A")
    b = await factory.company(root, name="Partner B")
    a1 = await factory.company(a, name="Customer A1")
    a2 = await factory.company(a, name="Customer A2")
    b1 = await factory.company(b, name="Customer B1")
    a1a = await factory.company(a1, name="Site A1a")
    a1b = await factory.company(a1, name="Site A1b")
    return Tree(root, a, b, a1, a2, b1, a1a, a1b)


class ActorOf(Protocol):
    async def __call__(self, company: Company, role: Role = Role.USER) -> Actor: ...


@pytest.fixture
def actor_of(
    factory: Factory, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> ActorOf:
    """An Actor exactly as a request builds it: a user of `company`, authenticated by token."""

    async def build(company: Company, role: Role = Role.USER) -> Actor:
        user = await factory.user(company, role)
        async with sessionmaker() as session:
            return await auth.authenticate(
                session, config=token_config(settings), access_token=factory.token(user)
            )

    return build


def names(companies: Sequence[CompanyRead]) -> list[str]:
    return [company.name for company in companies]


def selects(counter: StatementCounter) -> list[str]:
    """The statements that read or write, without SQLite's transaction bookkeeping."""
    return [s for s in counter.statements if not s.lstrip().upper().startswith("BEGIN")]


def assert_depth_first(companies: Sequence[CompanyRead]) -> None:
    """Each company comes right after its parent or after a finished sibling subtree:
    walking the list with a stack of open ancestors never has to look back further."""
    open_ancestors: list[int] = []
    for company in companies:
        while open_ancestors and open_ancestors[-1] != company.parent_id:
            open_ancestors.pop()
        assert open_ancestors or company is companies[0], (
            f"{company.name} does not follow its parent's subtree in {names(companies)}"
        )
        open_ancestors.append(company.id)


# --- the materialized path -------------------------------------------------------------


def test_a_path_segment_is_the_zero_padded_id_and_a_slash() -> None:
    assert path_segment(7) == "0000000007/"
    assert len(path_segment(1)) == len(path_segment(10**PATH_SEGMENT - 1)) == PATH_SEGMENT + 1


def test_segments_sort_as_numbers_and_paths_sort_depth_first() -> None:
    # given the paths of companies 9 and 10 under 1, and of 99 under 9
    nine = path_segment(1) + path_segment(9)
    ten = path_segment(1) + path_segment(10)
    under_nine = nine + path_segment(99)
    # when sorted as the database sorts them (bytes)
    ordered = sorted([ten, under_nine, nine], key=str.encode)
    # then 9 comes before 10 and 9's subtree sits between them
    assert ordered == [nine, under_nine, ten]


def test_subtree_upper_bound_splits_a_subtree_from_what_follows() -> None:
    # given a company's path, a deep descendant, and the next sibling
    path = path_segment(1) + path_segment(9)
    descendant = path + path_segment(9_999_999_999) + path_segment(5)
    sibling = path_segment(1) + path_segment(10)
    # when the upper bound of the subtree is taken
    upper = subtree_upper_bound(path)
    # then the subtree is exactly [path, upper)
    assert path < descendant < upper <= sibling
    assert not path.startswith(upper)


def test_ancestor_paths_are_the_prefixes_root_first_without_the_path_itself() -> None:
    root, child, grandchild = path_segment(1), path_segment(7), path_segment(12)
    assert ancestor_paths(root + child + grandchild) == [root, root + child]
    assert ancestor_paths(root) == []


def test_depth_counts_segments_below_the_root() -> None:
    assert depth_of(path_segment(1)) == 0
    assert depth_of(path_segment(1) + path_segment(7) + path_segment(12)) == 2


async def test_create_company_stores_the_path_and_depth_under_its_parent(
    tree: Tree,
    actor_of: ActorOf,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # given an administrator of Partner A
    actor = await actor_of(tree.a, Role.ADMINISTRATOR)
    # when it creates a company under Customer A1
    created = await service.create_company(
        session, actor=actor, parent_id=tree.a1.id, name="  New site ", country_code="de"
    )
    await session.commit()
    # then the row, read back afresh, carries the parent's path plus its own segment
    async with sessionmaker() as fresh:
        row = await fresh.get(Company, created.id)
    assert row is not None
    assert row.path == tree.a1.path + path_segment(created.id)
    assert (row.depth, row.parent_id) == (3, tree.a1.id)
    assert (row.name, row.country_code) == ("New site", "DE")


# --- company_tree --------------------------------------------------------------------


async def test_tree_lists_the_subtree_depth_first(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    # given a user of the platform
    actor = await actor_of(tree.root)
    # when it reads the tree
    page = await service.company_tree(session, actor=actor, request=ALL)
    # then every company comes right after its parent, siblings together
    assert names(page.items) == names(tree.depth_first)
    assert_depth_first(page.items)
    assert not page.has_next_page


async def test_tree_defaults_to_the_actors_company_and_never_shows_above_or_beside_it(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    # given a user of Partner A
    actor = await actor_of(tree.a)
    # when it reads the tree
    page = await service.company_tree(session, actor=actor, request=ALL)
    # then it sees Partner A and below, not the platform nor Partner B's branch
    assert names(page.items) == ["Partner A", "Customer A1", "Site A1a", "Site A1b", "Customer A2"]


async def test_tree_under_a_chosen_root(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    actor = await actor_of(tree.root)
    page = await service.company_tree(session, actor=actor, request=ALL, root_id=tree.a1.id)
    assert names(page.items) == ["Customer A1", "Site A1a", "Site A1b"]


@pytest.mark.parametrize("outside", ["root", "b", "b1"])
async def test_tree_under_a_root_out_of_scope_is_not_found(
    tree: Tree, actor_of: ActorOf, session: AsyncSession, outside: str
) -> None:
    # given a user of Partner A and a company above it or in another branch
    actor = await actor_of(tree.a)
    # when it asks for the tree under that company, then it does not exist for it
    with pytest.raises(NotFoundError) as raised:
        await service.company_tree(
            session, actor=actor, request=ALL, root_id=getattr(tree, outside).id
        )
    assert raised.value.field == "rootId"


@pytest.mark.parametrize(
    ("max_depth", "expected"),
    [
        (0, ["Platform"]),
        (1, ["Platform", "Partner A", "Partner B"]),
        (2, ["Platform", "Partner A", "Customer A1", "Customer A2", "Partner B", "Customer B1"]),
        (
            None,
            [
                "Platform",
                "Partner A",
                "Customer A1",
                "Site A1a",
                "Site A1b",
                "Customer A2",
                "Partner B",
                "Customer B1",
            ],
        ),
    ],
)
async def test_tree_max_depth_counts_levels_below_the_root(
    tree: Tree,
    actor_of: ActorOf,
    session: AsyncSession,
    max_depth: int | None,
    expected: list[str],
) -> None:
    actor = await actor_of(tree.root)
    page = await service.company_tree(session, actor=actor, request=ALL, max_depth=max_depth)
    assert names(page.items) == expected


async def test_tree_max_depth_is_relative_to_a_chosen_root(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    actor = await actor_of(tree.root)
    page = await service.company_tree(
        session, actor=actor, request=ALL, root_id=tree.a.id, max_depth=1
    )
    assert names(page.items) == ["Partner A", "Customer A1", "Customer A2"]


async def test_tree_leaves_out_archived_companies_unless_asked(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    # given an archived customer under Partner B
    await factory.company(tree.b, name="Old customer", archived=True)
    actor = await actor_of(tree.b)
    # when the tree is read with and without the archived
    default = await service.company_tree(session, actor=actor, request=ALL)
    everything = await service.company_tree(
        session, actor=actor, request=ALL, filters=service.CompanyFilter(include_archived=True)
    )
    # then only the second shows it
    assert names(default.items) == ["Partner B", "Customer B1"]
    assert names(everything.items) == ["Partner B", "Customer B1", "Old customer"]


async def test_descendants_and_children_of_a_company(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    actor = await actor_of(tree.root)
    company = await service.get_company(session, actor=actor, company_id=tree.a.id)
    assert company is not None
    below = await service.company_descendants(session, company=company, request=ALL)
    one_level = await service.company_descendants(
        session, company=company, request=ALL, max_depth=1
    )
    children = await service.company_children(session, company=company, request=ALL)
    assert names(below.items) == ["Customer A1", "Site A1a", "Site A1b", "Customer A2"]
    assert names(one_level.items) == names(children.items) == ["Customer A1", "Customer A2"]


async def test_list_rows_read_every_column_as_the_model_does(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    # a list's rows are CompanyRow tuples with exactly the table's columns (and counts)
    assert set(COMPANY_COLUMNS) == set(Company.__table__.columns.keys())
    actor = await actor_of(tree.root)
    page = await service.company_tree(
        session, actor=actor, request=ALL, counts=service.WithCounts.ALL
    )
    models = {company.id: company for company in await session.scalars(select(Company))}
    assert len(page.items) == len(models)

    def columns(company: CompanyRead) -> dict[str, object]:
        return {name: getattr(company, name) for name in COMPANY_COLUMNS}

    for row in page.items:
        # each reads what the model reads, and so does its detached model copy
        assert columns(row) == columns(models[row.id])
        copy = row.as_model()
        assert columns(copy) == columns(row)
        assert inspect(copy).transient  # in no session: nothing is written through it
        # and its counts are its own
        assert row.counts is not None
        assert row.counts.company_id == row.id
    by_name = {row.name: row for row in page.items}
    assert by_name["Partner A"].counts == CompanyCounts(tree.a.id, 2, 0, 0, 4)
    # without counts asked, a row has none
    bare = await service.company_tree(session, actor=actor, request=ALL)
    assert [row.counts for row in bare.items] == [None] * len(models)


# --- company_ancestors ---------------------------------------------------------------


async def test_ancestors_are_the_breadcrumb_root_first(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    actor = await actor_of(tree.root)
    crumbs = await service.company_ancestors(session, actor=actor, company=tree.a1a)
    assert names(crumbs) == ["Platform", "Partner A", "Customer A1"]


async def test_ancestors_are_cut_at_the_actors_company(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    # given a user of Partner A
    actor = await actor_of(tree.a)
    # when it asks for the breadcrumb of a site, and of its own company
    crumbs = await service.company_ancestors(session, actor=actor, company=tree.a1a)
    own = await service.company_ancestors(session, actor=actor, company=tree.a)
    # then the platform above it is left out, and its own company has none
    assert names(crumbs) == ["Partner A", "Customer A1"]
    assert own == []


async def test_ancestors_of_many_companies_are_one_query(
    tree: Tree,
    actor_of: ActorOf,
    session: AsyncSession,
    count_statements: StatementCounter,
) -> None:
    # given a user of Partner A and three companies at different depths
    actor = await actor_of(tree.a)
    companies = [tree.a1a, tree.a2, tree.a]
    # when their breadcrumbs are loaded as a DataLoader does
    before = len(selects(count_statements))
    found = await service.ancestors_by_path(
        session, [c.path for c in companies], within=actor.company_path
    )
    # then one query answers them all, each cut at the actor's company
    assert len(selects(count_statements)) - before == 1
    assert {path: names(crumbs) for path, crumbs in found.items()} == {
        tree.a1a.path: ["Partner A", "Customer A1"],
        tree.a2.path: ["Partner A"],
        tree.a.path: [],
    }


# --- search ------------------------------------------------------------------------


async def test_search_ignores_case(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    # given companies whose names differ from the term only in case
    await factory.company(tree.a1, name="ACME Solar")
    await factory.company(tree.a1, name="acme wind")
    await factory.company(tree.a1, name="Acmé Hydro")  # not "acme": the accent differs
    actor = await actor_of(tree.a)
    # when searching in either case
    for term in ("acme", "ACME", "aCmE"):
        page = await service.search_companies(session, actor=actor, term=term, request=ALL)
        # then both match, by name
        assert names(page.items) == ["ACME Solar", "acme wind"], term


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("100%", ["Solar 100% green"]),  # a bare % would also match "Solar 1000 green"
        ("site_a", ["site_a"]),  # a bare _ would also match "siteXa"
        ("back\\slash", ["back\\slash"]),  # the escape character itself
        ("%", ["Solar 100% green"]),
        ("_", ["site_a"]),
    ],
)
async def test_search_treats_like_wildcards_as_plain_characters(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
    term: str,
    expected: list[str],
) -> None:
    # given names that a LIKE wildcard would confuse
    for name in (
        "Solar 100% green",
        "Solar 1000 green",
        "site_a",
        "siteXa",
        "back\\slash",
        "backslash",
    ):
        await factory.company(tree.a1, name=name)
    actor = await actor_of(tree.a)
    # when searching for a term with a wildcard character
    page = await service.search_companies(session, actor=actor, term=term, request=ALL)
    # then only the literal match comes back
    assert names(page.items) == expected


async def test_search_never_leaves_the_actors_subtree(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    # given a company named "Target" in every part of the tree
    for where in (tree.root, tree.a, tree.b, tree.a1, tree.b1):
        await factory.company(where, name=f"Target under {where.name}")
    # and a user of Customer A1, whose subtree holds exactly one of them
    actor = await actor_of(tree.a1)
    # when it searches for "target" (and for everything)
    found = await service.search_companies(session, actor=actor, term="target", request=ALL)
    everything = await service.search_companies(session, actor=actor, term="", request=ALL)
    # then its parent, the platform, the sibling branch and their children stay hidden
    assert names(found.items) == ["Target under Customer A1"]
    assert names(everything.items) == [
        "Customer A1",
        "Site A1a",
        "Site A1b",
        "Target under Customer A1",
    ]


async def test_search_leaves_out_archived_companies_unless_asked(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    await factory.company(tree.a2, name="Archived site", archived=True)
    actor = await actor_of(tree.a)
    default = await service.search_companies(session, actor=actor, term="site", request=ALL)
    everything = await service.search_companies(
        session,
        actor=actor,
        term="site",
        request=ALL,
        filters=service.CompanyFilter(include_archived=True),
    )
    assert names(default.items) == ["Site A1a", "Site A1b"]
    assert names(everything.items) == ["Archived site", "Site A1a", "Site A1b"]


# --- keyset pagination ---------------------------------------------------------------


async def wide_tree(factory: Factory) -> list[Company]:
    """31 companies: a root, 3 partners, 3 customers each, 2 sites each; many equal names."""
    root = await factory.company(name="Platform")
    companies = [root]
    for p in range(3):
        partner = await factory.company(root, name=f"Partner {p}")
        companies.append(partner)
        for _ in range(3):
            customer = await factory.company(partner, name="Customer")
            companies.append(customer)
            for _ in range(2):
                companies.append(await factory.company(customer, name="Site"))
    return companies


async def walk(
    fetch: Callable[[PageRequest], Awaitable[service.CompanyPage]], size: int
) -> tuple[list[CompanyRow], int]:
    """Every page of a list, `size` at a time, following end cursors; and the page count."""
    items: list[CompanyRow] = []
    after: str | None = None
    pages = 0
    while True:
        page = await fetch(PageRequest.parse(size, after, max_size=100))
        pages += 1
        assert len(page.items) <= size
        assert page.has_previous_page is (after is not None)
        items.extend(page.items)
        if not page.has_next_page:
            return items, pages
        assert len(page.items) == size
        after = page.cursors[-1]


@pytest.mark.parametrize("size", [1, 4, 7])
async def test_tree_pages_return_every_company_once_in_order(
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
    size: int,
) -> None:
    # given a tree of 31 companies
    companies = await wide_tree(factory)
    actor = await actor_of(companies[0])
    whole = await service.company_tree(session, actor=actor, request=ALL)
    # when it is read `size` companies at a time
    walked, pages = await walk(
        lambda request: service.company_tree(session, actor=actor, request=request), size
    )
    # then the pages join up into the whole tree, in the same depth-first order
    ids = [c.id for c in walked]
    assert len(ids) == len(set(ids)) == 31
    assert set(ids) == {c.id for c in companies}
    assert ids == [c.id for c in whole.items]
    assert_depth_first(walked)
    assert pages == -(-31 // size)


async def test_search_pages_break_ties_between_equal_names(
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    # given 18 companies all named "Site"
    companies = await wide_tree(factory)
    sites = sorted(c.id for c in companies if c.name == "Site")
    actor = await actor_of(companies[0])
    # when searching for them 4 at a time
    walked, _ = await walk(
        lambda request: service.search_companies(
            session, actor=actor, term="site", request=request
        ),
        4,
    )
    # then each comes exactly once, equal names ordered by id
    assert [c.id for c in walked] == sites


async def test_children_pages_walk_all_children(factory: Factory, session: AsyncSession) -> None:
    companies = await wide_tree(factory)
    root = companies[0]
    walked, _ = await walk(
        lambda request: service.company_children(session, company=root, request=request), 2
    )
    assert names(walked) == ["Partner 0", "Partner 1", "Partner 2"]


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    ["not a cursor", "%%%", _cursor({"path": "x"}), _cursor([True]), _cursor([1.5])],
)
def test_a_malformed_cursor_is_bad_input(cursor: str) -> None:
    with pytest.raises(BadInputError):
        PageRequest.parse(10, cursor, max_size=100)


@pytest.mark.parametrize("first", [-1, 101])
def test_a_page_size_out_of_bounds_is_bad_input(first: int) -> None:
    with pytest.raises(BadInputError):
        PageRequest.parse(first, None, max_size=100)


async def test_a_cursor_of_another_list_is_bad_input(
    tree: Tree, actor_of: ActorOf, session: AsyncSession
) -> None:
    # given a tree cursor (a path) and a search cursor (a name and an id)
    actor = await actor_of(tree.root)
    tree_cursor = PageRequest.parse(2, encode_cursor((tree.a.path,)), max_size=100)
    search_cursor = PageRequest.parse(2, encode_cursor(("Partner A", tree.a.id)), max_size=100)
    # when each is given to the other list, then it is refused, not misread
    with pytest.raises(BadInputError):
        await service.company_tree(session, actor=actor, request=search_cursor)
    with pytest.raises(BadInputError):
        await service.search_companies(session, actor=actor, term="", request=tree_cursor)
    with pytest.raises(BadInputError):
        await service.company_children(session, company=tree.root, request=search_cursor)


# --- counts, batched -----------------------------------------------------------------


async def test_count_children_batches_and_skips_archived(
    tree: Tree,
    factory: Factory,
    session: AsyncSession,
    count_statements: StatementCounter,
) -> None:
    # given an archived extra child of Partner B
    await factory.company(tree.b, name="Gone", archived=True)
    ids = [tree.root.id, tree.a.id, tree.b.id, tree.a1.id, tree.a1a.id]
    # when the children of five companies are counted
    before = len(selects(count_statements))
    counts = await service.count_children(session, ids)
    # then one query answers for all; leaves are simply absent (a loader's default 0)
    assert len(selects(count_statements)) - before == 1
    assert counts == {tree.root.id: 2, tree.a.id: 2, tree.b.id: 1, tree.a1.id: 2}


async def test_count_descendants_batches_and_skips_archived(
    tree: Tree,
    factory: Factory,
    session: AsyncSession,
    count_statements: StatementCounter,
) -> None:
    await factory.company(tree.b1, name="Gone", archived=True)
    ids = [tree.root.id, tree.a.id, tree.b.id, tree.a1.id, tree.a1a.id]
    before = len(selects(count_statements))
    counts = await service.count_descendants(session, ids)
    assert len(selects(count_statements)) - before == 1
    assert counts == {tree.root.id: 7, tree.a.id: 4, tree.b.id: 1, tree.a1.id: 2}


async def test_count_descendants_of_a_leaf_ignores_its_many_siblings(
    factory: Factory, session: AsyncSession
) -> None:
    # given companies 1..12 so that ids of one and two digits sit side by side
    root = await factory.company(name="Platform")
    first = await factory.company(root)
    for _ in range(10):
        await factory.company(root)
    # when the descendants of company `first` (a leaf) are counted
    counts = await service.count_descendants(session, [first.id, root.id])
    # then its siblings, whose paths share its digits, are not its descendants
    assert counts == {root.id: 11}


async def test_count_active_users_batches_and_skips_inactive(
    tree: Tree,
    factory: Factory,
    session: AsyncSession,
    count_statements: StatementCounter,
) -> None:
    # given two active and one inactive user in Partner A, one in Customer B1
    await factory.user(tree.a, Role.ADMINISTRATOR)
    await factory.user(tree.a)
    await factory.user(tree.a, active=False)
    await factory.user(tree.b1, Role.SUPERADMIN)
    # when the users of four companies are counted
    before = len(selects(count_statements))
    counts = await service.count_active_users(
        session, [tree.root.id, tree.a.id, tree.b1.id, tree.a1.id]
    )
    # then one query answers, counting only active users of the company itself
    assert len(selects(count_statements)) - before == 1
    assert counts == {tree.a.id: 2, tree.b1.id: 1}


async def test_search_ignores_case_beyond_ascii(
    tree: Tree,
    factory: Factory,
    actor_of: ActorOf,
    session: AsyncSession,
) -> None:
    # given Spanish and German names with accented capitals
    await factory.company(tree.a1, name="ÁRBOL Energía")
    await factory.company(tree.a1, name="Straße ÖKO")
    actor = await actor_of(tree.a)
    # when searching in lower case
    arbol = await service.search_companies(session, actor=actor, term="árbol", request=ALL)
    oko = await service.search_companies(session, actor=actor, term="öko", request=ALL)
    energia = await service.search_companies(session, actor=actor, term="ENERGÍA", request=ALL)
    # then the accented capitals match too
    assert names(arbol.items) == ["ÁRBOL Energía"]
    assert names(oko.items) == ["Straße ÖKO"]
    assert names(energia.items) == ["ÁRBOL Energía"]
