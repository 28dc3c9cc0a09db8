"""The company tree most API tests act in (`standard_tree`); each test module adds its own
sites and users, and may name the two outer companies as its assertions need:

    Platform
    |-- Partner
    |   |-- Customer
    |   `-- Neighbour       (sibling of the customer)
    `-- Other Partner
        `-- Other           (another partner's branch)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import Any

from models.company import Company
from models.user import User
from tests.factories import Factory
from tests.graphql import GraphQLClient, Response, mutation
from tests.helpers import Maker


@dataclass
class Tree:
    platform: Company
    partner: Company
    other_partner: Company
    customer: Company
    neighbour: Company
    other: Company

    def companies(self) -> dict[str, Any]:
        """The tree's companies by field, to build a world extending it: World(**companies)."""
        return {f.name: getattr(self, f.name) for f in fields(Tree)}


async def standard_tree(
    factory: Factory, *, neighbour: str = "Neighbour", other: str = "Other"
) -> Tree:
    """The tree, created in this order (ids, and so paths, sort alike in every module)."""
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    other_partner = await factory.company(platform, name="Other Partner")
    customer = await factory.company(partner, name="Customer")
    neighbour_company = await factory.company(partner, name=neighbour)
    other_company = await factory.company(other_partner, name=other)
    return Tree(platform, partner, other_partner, customer, neighbour_company, other_company)


@dataclass
class ApiWorld(Tree, ABC):
    """The tree, with the means to call mutations as one of its users."""

    client: GraphQLClient
    factory: Factory
    sessionmaker: Maker

    @abstractmethod
    def selection(self, name: str) -> str:
        """What mutation `name` selects of its result."""

    def token(self, user: User) -> str:
        return self.factory.token(user)

    async def call(self, name: str, data: dict[str, Any], user: User | None) -> Response:
        token = self.token(user) if user else None
        return await self.client(mutation(name, self.selection(name)), {"input": data}, token=token)

    async def result(self, name: str, data: dict[str, Any], user: User) -> dict[str, Any]:
        """The mutation's result union member; the request itself must not fail."""
        response = await self.call(name, data, user)
        result: dict[str, Any] = response.data[name]
        return result

    async def query(self, document: str, user: User, **variables: Any) -> Response:
        return await self.client(document, variables, token=self.token(user))
