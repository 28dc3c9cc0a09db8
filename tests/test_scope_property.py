"""The SQL relation and scope predicates against a pure model of the tree, on random trees.

For random company trees and a random actor company A, every company T must get from
`relation_to(actor)` what the parent links say: SELF if T is A, CHILD if T's parent is A,
DESCENDANT if A is a proper ancestor of T, and NULL otherwise; `visible_to(actor)` must select
exactly the companies with a relation.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.company import Company
from models.user import Role
from policies.actor import Actor
from policies.enforcer import Relation
from policies.scope import RELATION_TO_ACTOR, actor_parameters, relation_to, visible_to
from tests.factories import Factory

MAX_COMPANIES = 25


@dataclass(frozen=True)
class Tree:
    """parents[i] is the index of company i's parent; company 0 is the root."""

    parents: tuple[int | None, ...]
    actor: int

    def ancestors(self, index: int) -> list[int]:
        found: list[int] = []
        parent = self.parents[index]
        while parent is not None:
            found.append(parent)
            parent = self.parents[parent]
        return found

    def expected_relation(self, target: int) -> Relation | None:
        if target == self.actor:
            return Relation.SELF
        if self.parents[target] == self.actor:
            return Relation.CHILD
        if self.actor in self.ancestors(target):
            return Relation.DESCENDANT
        return None


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    size = draw(st.integers(min_value=1, max_value=MAX_COMPANIES))
    # Leaning towards recent parents gives deep chains as well as wide fans.
    parents: list[int | None] = [None]
    for index in range(1, size):
        parents.append(
            draw(
                st.one_of(
                    st.integers(min_value=0, max_value=index - 1),
                    st.integers(min_value=max(0, index - 3), max_value=index - 1),
                )
            )
        )
    actor = draw(st.integers(min_value=0, max_value=size - 1))
    return Tree(tuple(parents), actor)


async def _build(factory: Factory, tree: Tree, created: list[Company]) -> None:
    for parent in tree.parents:
        created.append(await factory.company(created[parent] if parent is not None else None))


async def _delete(sessionmaker: async_sessionmaker[AsyncSession], created: list[Company]) -> None:
    async with sessionmaker() as session:
        for company in reversed(created):  # children before their parents
            await session.execute(delete(Company).where(Company.id == company.id))
        await session.commit()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tree=trees())
async def test_relation_and_scope_match_the_tree(
    factory: Factory, sessionmaker: async_sessionmaker[AsyncSession], tree: Tree
) -> None:
    created: list[Company] = []
    try:
        # given a random company tree in the database and an actor in one of its companies
        await _build(factory, tree, created)
        home = created[tree.actor]
        actor = Actor(
            user_id=1,
            company_id=home.id,
            company_path=home.path,
            role=Role.USER,
            is_platform=home.parent_id is None,
        )
        # when the database computes each company's relation, and the visible set
        async with sessionmaker() as session:
            rows = await session.execute(select(Company.id, relation_to(actor)))
            relations = {company_id: relation for company_id, relation in rows}
            # (and its prebuilt form, the actor given as parameters)
            bound = await session.execute(
                select(Company.id, RELATION_TO_ACTOR), actor_parameters(actor)
            )
            bound_relations = {company_id: relation for company_id, relation in bound}
            visible = set(await session.scalars(select(Company.id).where(visible_to(actor))))
        # then both agree with the parent links
        expected = {
            company.id: tree.expected_relation(index) for index, company in enumerate(created)
        }
        assert relations == {
            company_id: relation.value if relation else None
            for company_id, relation in expected.items()
        }
        assert bound_relations == relations
        assert visible == {company_id for company_id, relation in expected.items() if relation}
    finally:
        await _delete(sessionmaker, created)
