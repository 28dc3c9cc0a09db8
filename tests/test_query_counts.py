"""The N+1 guard (SPEC section 1, STYLE "Sessions and data").

The same nested companyTree query runs over a tree of 10 companies and over one of 1,000;
the number of SQL statements must not grow with the tree: every per-company field is
batched by a DataLoader, so the count depends on the query's shape, not on the data.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.company import Company, path_segment
from models.user import Role, User
from tests.conftest import StatementCounter
from tests.factories import Factory, password_hash
from tests.graphql import GraphQLClient, cid, pk

TREE_QUERY = """
query Tree($first: Int!) {
  companyTree(first: $first) {
    edges {
      node {
        id
        name
        depth
        parent { id name }
        counts { children descendants users }
        ancestors { id }
      }
    }
    pageInfo { hasNextPage }
  }
}
"""


def _placeholder() -> str:
    return f"~{uuid.uuid4().hex}"  # unique, and outside every subtree, until the id is known


async def build_tree(
    sessionmaker: async_sessionmaker[AsyncSession], top: Company, branching: list[int]
) -> list[Company]:
    """`top` and `branching[i]` children under every company of level i, inserted in bulk.

    One session; per level one INSERT batch, flushed for the ids, then the paths. The first
    company of each level gets one active user, so the user counts are not all zero.
    """
    async with sessionmaker() as session:
        everyone, level = [top], [top]
        for width in branching:
            below = [
                Company(
                    parent_id=parent.id,
                    path=_placeholder(),
                    depth=parent.depth + 1,
                    name=f"{parent.name}.{index + 1}",
                    country_code="ES",
                )
                for parent in level
                for index in range(width)
            ]
            session.add_all(below)
            await session.flush()
            paths = {parent.id: parent.path for parent in level}
            for company in below:
                assert company.parent_id is not None
                company.path = paths[company.parent_id] + path_segment(company.id)
            session.add(
                User(
                    company_id=below[0].id,
                    email=f"first-{below[0].id}@example.com",
                    name="First",
                    role=Role.USER,
                    password_hash=password_hash(),
                )
            )
            everyone.extend(below)
            level = below
        await session.commit()
    return everyone


async def statements_for_tree(
    client: GraphQLClient, factory: Factory, counter: StatementCounter, tree: list[Company]
) -> tuple[int, list[str]]:
    """Run TREE_QUERY as a SUPERADMIN of the tree's top company; check it, count it."""
    superadmin = await factory.user(tree[0], Role.SUPERADMIN)
    token = factory.token(superadmin)
    before = counter.count
    result = await client(TREE_QUERY, {"first": len(tree)}, token=token)
    statements = counter.statements[before:]
    connection = result.data["companyTree"]
    edges = [edge["node"] for edge in connection["edges"]]
    # The answer is complete and right, not only cheap.
    assert len(edges) == len(tree)
    assert connection["pageInfo"]["hasNextPage"] is False
    top, deepest = edges[0], edges[-1]
    assert top["parent"] is None
    assert top["ancestors"] == []
    assert top["counts"]["descendants"] == len(tree) - 1
    assert top["counts"]["users"] == 1  # the SUPERADMIN
    assert deepest["ancestors"][0]["id"] == top["id"]
    assert len(deepest["ancestors"]) == deepest["depth"]
    return len(statements), statements


async def test_tree_query_statement_count_does_not_grow_with_the_tree(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    count_statements: StatementCounter,
) -> None:
    # given a platform with two partners: one with a tree of 10 companies (1 + 3 + 6)
    platform = await factory.company(name="Platform")
    small = await build_tree(sessionmaker, await factory.company(platform, name="S"), [3, 2])
    # and one with a tree of 1,000 companies (1 + 9 + 90 + 900)
    large = await build_tree(sessionmaker, await factory.company(platform, name="L"), [9, 10, 10])
    assert (len(small), len(large)) == (10, 1000)

    # when the same nested tree query runs over each, as a SUPERADMIN of the partner
    at_10, small_statements = await statements_for_tree(client, factory, count_statements, small)
    at_1000, large_statements = await statements_for_tree(client, factory, count_statements, large)

    # then the database was asked the same number of times
    print(f"\nSQL statements for companyTree: {at_10} at 10 companies, {at_1000} at 1,000")
    assert at_10 == at_1000, (
        f"N+1: {at_10} statements at 10 companies, {at_1000} at 1,000; at 1,000:\n"
        + "\n".join(statement.split("\n")[0] for statement in large_statements[:50])
    )
    # and that number is small: one per kind of field, plus authentication
    assert at_10 <= 20, f"{at_10} statements at 10 companies:\n" + "\n".join(small_statements)


# Lists on the rows of a list (SPEC section 8): each is one statement for all the rows.
NESTED_QUERY = """
query Nested($first: Int!) {
  companyTree(first: $first) {
    edges {
      node {
        id
        depth
        parent { id }
        ancestors { id }
        children(first: 5) {
          edges { node { id counts { children users } } }
          pageInfo { hasNextPage }
        }
        creditPayer { levelsUp company { id } }
      }
    }
  }
}
"""


async def nested_statements(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    counter: StatementCounter,
    tree: list[Company],
) -> int:
    """Run NESTED_QUERY over a tree whose companies below the top all use their parent's
    credits (so every payer is the top, up the whole chain); check the answer, count it."""
    async with sessionmaker() as session:
        await session.execute(
            update(Company)
            .where(Company.id.in_([company.id for company in tree[1:]]))
            .values(use_parent_credits=True)
        )
        await session.commit()
    superadmin = await factory.user(tree[0], Role.SUPERADMIN)
    before = counter.count
    result = await client(NESTED_QUERY, {"first": len(tree)}, token=factory.token(superadmin))
    statements = counter.count - before
    nodes = [edge["node"] for edge in result.data["companyTree"]["edges"]]
    assert len(nodes) == len(tree)
    children_of: dict[int | None, list[Company]] = {}
    for company in tree:
        children_of.setdefault(company.parent_id, []).append(company)
    for node, company in zip(nodes, sorted(tree, key=lambda c: c.path), strict=True):
        assert pk(node["id"]) == company.id
        below = sorted(children_of.get(company.id, []), key=lambda c: c.path)
        page = node["children"]
        assert [pk(edge["node"]["id"]) for edge in page["edges"]] == [c.id for c in below[:5]]
        assert page["pageInfo"]["hasNextPage"] is (len(below) > 5)
        assert node["creditPayer"] == {"levelsUp": node["depth"], "company": {"id": cid(tree[0])}}
        assert len(node["ancestors"]) == node["depth"]
    return statements


async def test_lists_on_tree_rows_are_batched(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: async_sessionmaker[AsyncSession],
    count_statements: StatementCounter,
) -> None:
    # given a tree of 10 companies and one of 1,000, below a platform
    platform = await factory.company(name="Platform")
    small = await build_tree(sessionmaker, await factory.company(platform, name="S"), [3, 2])
    large = await build_tree(sessionmaker, await factory.company(platform, name="L"), [9, 10, 10])

    # when each row of the tree asks for its parent, breadcrumb, children and payer
    at_10 = await nested_statements(client, factory, sessionmaker, count_statements, small)
    at_1000 = await nested_statements(client, factory, sessionmaker, count_statements, large)

    # then the statements do not grow with the rows: one per field, not one per row
    print(f"\nSQL statements for nested lists on tree rows: {at_10} at 10, {at_1000} at 1,000")
    assert at_10 == at_1000
    assert at_1000 <= 12
