"""The account flows a customer-success desk runs, end to end through the API:
create an account, extend it, free datapoints, upgrade the license, renew, reject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from models.account import Account
from models.company import Company
from models.mail import OutboxMessage
from models.user import Role
from services.account import add_months
from tests.factories import Factory
from tests.graphql import GraphQLClient, mutate, mutation, union
from tests.helpers import Maker, account_request, license_ids

APPLICATION = union("""ApplicationPayload {
    application { id kind status reason
      account { id status datapoints datapointsUsed datapointsLeft expiresAt
                license { code } pendingApplication { id } } }
  }""")


class Desk:
    """A customer's SUPERADMIN files applications; the platform's ADMINISTRATOR decides."""

    def __init__(self, client: GraphQLClient, customer_token: str, desk_token: str) -> None:
        self.client = client
        self.customer = customer_token
        self.desk = desk_token

    async def file(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return await mutate(self.client, mutation(name, APPLICATION), name, data, self.customer)

    async def decide(self, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        name = f"application{verb.title()}"
        return await mutate(self.client, mutation(name, APPLICATION), name, data, self.desk)

    async def approved(self, mutation: str, data: dict[str, Any]) -> dict[str, Any]:
        filed = await self.file(mutation, data)
        assert filed["__typename"] == "ApplicationPayload", filed
        decided = await self.decide("approve", {"id": filed["application"]["id"]})
        assert decided["__typename"] == "ApplicationPayload", decided
        assert decided["application"]["status"] == "APPROVED"
        account: dict[str, Any] = decided["application"]["account"]
        return account


async def _setup(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> tuple[Desk, Company, dict[str, str]]:
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer", country_code="ES")
    desk_user = await factory.user(platform, Role.ADMINISTRATOR)
    customer_admin = await factory.user(customer, Role.SUPERADMIN, email="boss@customer.es")
    desk = Desk(client, factory.token(customer_admin), factory.token(desk_user))
    return desk, customer, await license_ids(sessionmaker)


def _new_account(customer: Company, licenses: dict[str, str], **overrides: Any) -> dict[str, Any]:
    data = account_request(customer, licenses["STARTER_DP"], emailDomain="hotelsol.es")
    return data | overrides


async def test_the_license_catalog_is_seeded(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, _, _ = await _setup(factory, client, sessionmaker)
    result = await client("{ licenses { code name billingUnit rank isCustom } }", token=desk.desk)
    assert {(lic["code"], lic["billingUnit"]) for lic in result.data["licenses"]} == {
        ("STARTER_DP", "DATAPOINTS"),
        ("PROFESSIONAL_DP", "DATAPOINTS"),
        ("STARTER_MTR", "METERS"),
        ("PROFESSIONAL_MTR", "METERS"),
    }


async def test_create_extend_free_upgrade_and_renew(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, customer, licenses = await _setup(factory, client, sessionmaker)

    # Create: the account is PENDING until the desk approves, then runs 12 months from approval.
    filed = await desk.file("accountRequest", _new_account(customer, licenses))
    assert filed["application"]["status"] == "PENDING"
    assert filed["application"]["account"]["status"] == "PENDING"
    before_approval = datetime.now(UTC)
    account = await desk.approved("accountRequest", _new_account(customer, licenses, name="B"))
    assert account["status"] == "ACTIVE"
    expires = datetime.fromisoformat(account["expiresAt"])
    assert add_months(before_approval, 12) <= expires <= add_months(datetime.now(UTC), 12)
    account_id = account["id"]

    # Extend by datapoints.
    account = await desk.approved(
        "accountExtensionRequest", {"accountId": account_id, "datapoints": 50}
    )
    assert (account["datapoints"], account["datapointsUsed"], account["datapointsLeft"]) == (
        150,
        0,
        150,
    )

    # Free datapoints with a negative extension.
    account = await desk.approved(
        "accountExtensionRequest", {"accountId": account_id, "datapoints": -30}
    )
    assert account["datapoints"] == 120

    # Upgrade Starter DP to Professional DP.
    account = await desk.approved(
        "accountLicenseChangeRequest",
        {"accountId": account_id, "licenseId": licenses["PROFESSIONAL_DP"]},
    )
    assert account["license"]["code"] == "PROFESSIONAL_DP"

    # Renew: 12 months from the later of now and the current expiry.
    account = await desk.approved("accountRenewalRequest", {"accountId": account_id})
    assert datetime.fromisoformat(account["expiresAt"]) == add_months(expires, 12)
    assert account["pendingApplication"] is None

    # The history shows every application with the account before it and the change asked.
    history = await client(
        "query($id: ID!) { applications(accountId: $id) { edges { node { kind status "
        "before { datapoints } after { datapoints } request { ... on ExtensionRequest "
        "{ datapoints } } } } } }",
        {"id": account_id},
        token=desk.customer,
    )
    kinds = [edge["node"]["kind"] for edge in history.data["applications"]["edges"]]
    assert kinds == ["RENEWAL", "LICENSE_CHANGE", "EXTENSION", "EXTENSION", "NEW_ACCOUNT"]
    extension = history.data["applications"]["edges"][3]["node"]
    assert extension["before"] == {"datapoints": 100}
    assert extension["request"] == {"datapoints": 50}
    assert extension["after"] == {"datapoints": 150}


async def test_renewal_of_an_expired_account_runs_from_now(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, customer, licenses = await _setup(factory, client, sessionmaker)
    account = await desk.approved("accountRequest", _new_account(customer, licenses))
    long_ago = datetime.now(UTC) - timedelta(days=40)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Account).values(expires_at=long_ago))
    listed = await client(
        "{ accounts(status: EXPIRED) { edges { node { id status } } } }", token=desk.customer
    )
    assert [e["node"]["id"] for e in listed.data["accounts"]["edges"]] == [account["id"]]

    before = datetime.now(UTC)
    renewed = await desk.approved("accountRenewalRequest", {"accountId": account["id"]})

    assert renewed["status"] == "ACTIVE"
    assert datetime.fromisoformat(renewed["expiresAt"]) >= add_months(before, 12)


async def test_a_rejection_says_why_and_mails_the_applicant(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, customer, licenses = await _setup(factory, client, sessionmaker)
    filed = await desk.file("accountRequest", _new_account(customer, licenses))

    rejected = await desk.decide(
        "reject", {"id": filed["application"]["id"], "reason": "Missing the signed contract"}
    )

    assert rejected["application"]["status"] == "REJECTED"
    assert rejected["application"]["reason"] == "Missing the signed contract"
    assert rejected["application"]["account"]["status"] == "REJECTED"
    async with sessionmaker() as session:
        mails = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "application_decision")
            )
        )
    assert [m.to_address for m in mails] == ["boss@customer.es"]
    assert "Missing the signed contract" in mails[0].body_text
