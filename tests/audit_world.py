"""What the audit tests share: a world to act in, and reading back the entries a call wrote.

Platform            desk (ADMINISTRATOR), root (SUPERADMIN)
|-- Partner         partner_admin (ADMINISTRATOR)
|   |-- Customer    boss (SUPERADMIN), admin (ADMINISTRATOR), advanced, viewer
|   `-- Neighbour
`-- Other Partner
    `-- Other       other_admin (ADMINISTRATOR)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from models.audit import AuditEntry
from models.user import Role, User
from tests.factories import Factory
from tests.graphql import GraphQLClient, Response, cid, mutation, union
from tests.helpers import Maker, account_request, license_ids
from tests.worlds import Tree, standard_tree

SECRET_WORDS = ("password", "token")  # in values: no secret may be recorded


@dataclass
class AuditWorld(Tree):
    client: GraphQLClient
    factory: Factory
    sessionmaker: Maker
    desk: User
    root: User
    partner_admin: User
    boss: User
    admin: User
    advanced: User
    viewer: User
    other_admin: User

    def token(self, user: User) -> str:
        return self.factory.token(user)

    async def call(
        self, name: str, data: dict[str, Any], user: User | None, selection: str = ""
    ) -> dict[str, Any]:
        """The mutation's result; the request itself must not fail."""
        response = await self.raw(name, data, user, selection)
        assert not response.errors, response.errors
        result: dict[str, Any] = response.data[name]
        return result

    async def raw(
        self, name: str, data: dict[str, Any], user: User | None, selection: str = ""
    ) -> Response:
        token = self.token(user) if user else None
        document = mutation(name, union(selection) if selection else union())
        return await self.client(document, {"input": data}, token=token)

    async def active_account(self, datapoints: int = 100) -> str:
        """An approved account of the customer: its global id."""
        licenses = await license_ids(self.sessionmaker)
        filed = await self.call(
            "accountRequest",
            account_request(self.customer, licenses["STARTER_DP"], datapoints=datapoints),
            self.boss,
            "ApplicationPayload { application { id account { id } } }",
        )
        application = filed["application"]
        approved = await self.call(
            "applicationApprove",
            {"id": application["id"]},
            self.desk,
            "ApplicationPayload { application { id } }",
        )
        assert approved["__typename"] == "ApplicationPayload", approved
        account_id: str = application["account"]["id"]
        return account_id

    async def grant(self, company: Any, amount: int = 10) -> None:
        granted = await self.call(
            "creditGrant",
            {"companyId": cid(company), "amount": amount},
            self.desk,
            "CreditGrantPayload { entry { id } }",
        )
        assert granted["__typename"] == "CreditGrantPayload", granted


async def audit_world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    tree = await standard_tree(factory)
    return AuditWorld(
        **tree.companies(),
        client=client,
        factory=factory,
        sessionmaker=sessionmaker,
        desk=await factory.user(tree.platform, Role.ADMINISTRATOR, email="desk@example.com"),
        root=await factory.user(tree.platform, Role.SUPERADMIN, email="root@example.com"),
        partner_admin=await factory.user(tree.partner, Role.ADMINISTRATOR, email="pa@example.com"),
        boss=await factory.user(tree.customer, Role.SUPERADMIN, email="boss@example.com"),
        admin=await factory.user(tree.customer, Role.ADMINISTRATOR, email="admin@example.com"),
        advanced=await factory.user(tree.customer, Role.ADVANCED_USER, email="adv@example.com"),
        viewer=await factory.user(tree.customer, Role.USER, email="viewer@example.com"),
        other_admin=await factory.user(tree.other, Role.ADMINISTRATOR, email="oa@example.com"),
    )


async def last_entry_id(sessionmaker: Maker) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


async def entries_since(sessionmaker: Maker, after_id: int) -> list[AuditEntry]:
    """The entries written after `after_id`, oldest first."""
    async with sessionmaker() as session:
        query = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
        return list(await session.scalars(query))


async def all_entries(sessionmaker: Maker) -> list[AuditEntry]:
    return await entries_since(sessionmaker, 0)
