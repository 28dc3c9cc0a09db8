"""The remote-management flows of a reseller platform, end to end through the API.

The platform creates a partner and invites its administrator, who accepts the mailed link
and signs in; the platform sells the partner credits; the partner creates customers,
registers their devices (paid by the customer, or by the partner when the customer uses
its parent's credits), moves credits down and back up, and gives a device to another
customer by unregistering and registering it again, the history keeping both rows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from models.mail import OutboxMessage
from models.user import Role
from services import credit, jobs
from tests.factories import Factory
from tests.graphql import GraphQLClient, gid, mutate, mutation, union
from tests.helpers import Maker

PASSWORD = "violet hammock orbit 42"
ADMIN_EMAIL = "ana@acme-energy.example"

RESULTS = {
    "companyCreate": union("CompanyPayload { company { id name depth } }"),
    "companySetUseParentCredits": union("CompanyPayload { company { id useParentCredits } }"),
    "userInvite": union("InvitationPayload { invitation { id email role status } }"),
    "invitationAccept": union("AuthPayload { accessToken user { email role company { id } } }"),
    "login": union("AuthPayload { accessToken user { email } }"),
    "creditGrant": union("CreditGrantPayload { entry { amount balanceAfter } }"),
    "creditMove": union(
        "CreditMovePayload { transferId outEntry { amount balanceAfter }"
        " inEntry { amount balanceAfter } }"
    ),
    "deviceRegister": union("DevicePayload { device { id serialNumber status company { id } } }"),
    "deviceUnregister": union(
        "DevicePayload { device { id status forfeitedDays unregisteredAt } }"
    ),
}


class Api:
    """The GraphQL API as one signed-in user sees it."""

    def __init__(self, client: GraphQLClient, token: str | None) -> None:
        self.client = client
        self.token = token

    async def mutate(self, name: str, /, **data: Any) -> dict[str, Any]:
        return await mutate(self.client, mutation(name, RESULTS[name]), name, data, self.token)

    async def ok(self, name: str, /, **data: Any) -> dict[str, Any]:
        """A mutation that must succeed; returns its payload."""
        result = await self.mutate(name, **data)
        assert "code" not in result, result
        return result

    async def read(self, document: str, **variables: Any) -> Any:
        response = await self.client(document, variables, token=self.token)
        return response.data

    async def balance(self, company_id: str) -> int:
        data = await self.read(
            "query B($id: ID!) { company(id: $id) { creditBalance } }", id=company_id
        )
        balance: int = data["company"]["creditBalance"]
        return balance

    async def devices(self, **variables: Any) -> list[tuple[str, str, str]]:
        data = await self.read(
            "query D($status: DeviceStatus, $companyId: ID) { devices(status: $status, "
            "companyId: $companyId) { edges { node { id serialNumber company { name } } } } }",
            **variables,
        )
        return [
            (edge["node"]["id"], edge["node"]["serialNumber"], edge["node"]["company"]["name"])
            for edge in data["devices"]["edges"]
        ]


def link_token(body: str, base_url: str) -> str:
    """The `token` of the one accept-invitation link in a mail body."""
    links = re.findall(re.escape(f"{base_url}/accept-invitation?") + r"\S+", body)
    assert len(links) == 1, body
    tokens: list[str] = parse_qs(urlsplit(links[0]).query, strict_parsing=True)["token"]
    assert len(tokens) == 1, links[0]
    return tokens[0]


async def invitation_mail(sessionmaker: Maker, to: str) -> OutboxMessage:
    async with sessionmaker() as session:
        mails = list(
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.to_address == to, OutboxMessage.kind == "invitation"
                )
            )
        )
    assert len(mails) == 1, mails
    return mails[0]


def device_input(company_id: str, serial: str, **extra: Any) -> dict[str, Any]:
    return {
        "companyId": company_id,
        "serialNumber": serial,
        "name": "Main switchboard analyser",
        "model": "CVM-C10",
        "datapoints": 24,
        **extra,
    }


async def test_a_partner_runs_its_customers_devices_on_credits(
    client: GraphQLClient, factory: Factory, sessionmaker: Maker
) -> None:
    # given the platform with its first SUPERADMIN, as the bootstrap leaves it
    platform = await factory.company(name="Platform")
    root = Api(client, factory.token(await factory.user(platform, Role.SUPERADMIN)))

    # the platform creates a partner and invites its administrator
    partner = (
        await root.ok(
            "companyCreate",
            parentId=gid("Company", platform.id),
            name="Acme Energy",
            countryCode="ES",
        )
    )["company"]
    invited = await root.ok(
        "userInvite",
        companyId=partner["id"],
        email=ADMIN_EMAIL,
        role="ADMINISTRATOR",
        name="Ana",
    )
    assert invited["invitation"]["status"] == "PENDING"

    # the administrator follows the link in the mail, sets a password, and signs in
    mail = await invitation_mail(sessionmaker, ADMIN_EMAIL)
    accepted = await Api(client, None).ok(
        "invitationAccept",
        token=link_token(mail.body_text, client.settings.app_base_url),
        password=PASSWORD,
    )
    assert accepted["user"] == {
        "email": ADMIN_EMAIL,
        "role": "ADMINISTRATOR",
        "company": {"id": partner["id"]},
    }
    signed_in = await Api(client, None).ok("login", email=ADMIN_EMAIL, password=PASSWORD)
    acme = Api(client, signed_in["accessToken"])
    me = await acme.read("{ me { email role company { name } } }")
    assert me["me"] == {
        "email": ADMIN_EMAIL,
        "role": "ADMINISTRATOR",
        "company": {"name": "Acme Energy"},
    }

    # the platform sells the partner 10 credits
    granted = await root.ok(
        "creditGrant", companyId=partner["id"], amount=10, reason="Order 7", reference="INV-7"
    )
    assert granted["entry"] == {"amount": 10, "balanceAfter": 10}
    assert await acme.balance(partner["id"]) == 10

    # the partner creates two customers
    sol = (
        await acme.ok("companyCreate", parentId=partner["id"], name="Hotel Sol", countryCode="ES")
    )["company"]
    luna = (
        await acme.ok("companyCreate", parentId=partner["id"], name="Hotel Luna", countryCode="ES")
    )["company"]
    assert (sol["depth"], luna["depth"]) == (1, 1)

    # a device for Hotel Sol: Hotel Sol pays its own devices, and has no credits
    refused = await acme.mutate("deviceRegister", **device_input(sol["id"], "CIR-0001"))
    assert (refused["code"], refused["field"]) == ("INSUFFICIENT_CREDITS", "companyId")

    # the partner lets Hotel Sol use its credits; the next registration is paid by the partner
    flagged = await acme.ok("companySetUseParentCredits", id=sol["id"], useParentCredits=True)
    assert flagged["company"]["useParentCredits"] is True
    first = (await acme.ok("deviceRegister", **device_input(sol["id"], "CIR-0001")))["device"]
    assert (first["status"], first["company"]) == ("ACTIVE", {"id": sol["id"]})
    assert await acme.balance(partner["id"]) == 9
    assert await acme.balance(sol["id"]) == 0
    payer = await acme.read(
        "query P($id: ID!) { company(id: $id) { creditPayer { levelsUp company { name } } } }",
        id=sol["id"],
    )
    assert payer["company"]["creditPayer"] == {"levelsUp": 1, "company": {"name": "Acme Energy"}}
    charge = await acme.read(
        "query L($id: ID!) { ledgerEntries(companyId: $id, first: 1) "
        "{ edges { node { kind amount balanceAfter device { id } } } } }",
        id=partner["id"],
    )
    assert charge["ledgerEntries"]["edges"][0]["node"] == {
        "kind": "CHARGE",
        "amount": -1,
        "balanceAfter": 9,
        "device": {"id": first["id"]},
    }

    # the partner moves credits to a customer and back
    down = await acme.ok(
        "creditMove", fromCompanyId=partner["id"], toCompanyId=luna["id"], amount=3
    )
    up = await acme.ok("creditMove", fromCompanyId=luna["id"], toCompanyId=partner["id"], amount=1)
    assert (down["outEntry"], down["inEntry"]) == (
        {"amount": -3, "balanceAfter": 6},
        {"amount": 3, "balanceAfter": 3},
    )
    assert (up["outEntry"], up["inEntry"]) == (
        {"amount": -1, "balanceAfter": 2},
        {"amount": 1, "balanceAfter": 7},
    )
    assert [await acme.balance(c["id"]) for c in (partner, sol, luna)] == [7, 0, 2]

    # the device goes from Hotel Sol to Hotel Luna: unregistered there, registered here
    before = datetime.now(UTC)
    gone = (await acme.ok("deviceUnregister", id=first["id"]))["device"]
    assert gone["status"] == "UNREGISTERED"
    assert gone["forfeitedDays"] == 30  # the unused days of its first period are lost
    assert datetime.fromisoformat(gone["unregisteredAt"]) >= before
    again = (await acme.ok("deviceRegister", **device_input(luna["id"], "CIR-0001")))["device"]
    assert again["id"] != first["id"]
    assert again["company"] == {"id": luna["id"]}
    # paid by Hotel Luna, which pays its own devices
    assert [await acme.balance(c["id"]) for c in (partner, sol, luna)] == [7, 0, 1]

    # and the registration history shows both
    assert await acme.devices() == [(again["id"], "CIR-0001", "Hotel Luna")]
    assert await acme.devices(status="UNREGISTERED") == [(first["id"], "CIR-0001", "Hotel Sol")]
    assert await acme.devices(companyId=sol["id"]) == []
    assert await acme.devices(companyId=sol["id"], status="UNREGISTERED") == [
        (first["id"], "CIR-0001", "Hotel Sol")
    ]

    # the platform sees the partner's whole tree, and the ledger is sound
    assert await root.devices() == [(again["id"], "CIR-0001", "Hotel Luna")]
    async with sessionmaker() as session:
        assert await credit.check_invariants(session) == []


async def test_a_customers_own_user_registers_devices_within_the_credits_it_is_given(
    client: GraphQLClient, factory: Factory, sessionmaker: Maker
) -> None:
    # given a partner with credits, and a customer whose IT person (ADVANCED_USER) it invited
    platform = await factory.company(name="Platform")
    root = Api(client, factory.token(await factory.user(platform, Role.SUPERADMIN)))
    partner = await factory.company(platform, name="Acme Energy")
    acme = Api(client, factory.token(await factory.user(partner, Role.ADMINISTRATOR)))
    await root.ok("creditGrant", companyId=gid("Company", partner.id), amount=5)
    sol = (
        await acme.ok(
            "companyCreate", parentId=gid("Company", partner.id), name="Hotel Sol", countryCode="ES"
        )
    )["company"]
    await acme.ok(
        "userInvite", companyId=sol["id"], email="it@hotelsol.example", role="ADVANCED_USER"
    )
    mail = await invitation_mail(sessionmaker, "it@hotelsol.example")
    accepted = await Api(client, None).ok(
        "invitationAccept",
        token=link_token(mail.body_text, client.settings.app_base_url),
        password=PASSWORD,
    )
    hotel = Api(client, accepted["accessToken"])

    # the partner gives the customer two credits
    await acme.ok(
        "creditMove", fromCompanyId=gid("Company", partner.id), toCompanyId=sol["id"], amount=2
    )

    # the customer's user registers two devices; a third finds no credit left
    for serial in ("SOL-1", "SOL-2"):
        await hotel.ok("deviceRegister", **device_input(sol["id"], serial))
    third = await hotel.mutate("deviceRegister", **device_input(sol["id"], "SOL-3"))
    assert third["code"] == "INSUFFICIENT_CREDITS"
    # and it can neither take credits from its partner nor read balances
    taken = await hotel.mutate(
        "creditMove", fromCompanyId=gid("Company", partner.id), toCompanyId=sol["id"], amount=1
    )
    assert (taken["__typename"], taken["code"], taken["field"]) == (
        "NotFoundError",
        "NOT_FOUND",
        "fromCompanyId",
    )
    balance = await client(
        "query B($id: ID!) { company(id: $id) { creditBalance } }",
        {"id": sol["id"]},
        token=hotel.token,
    )
    assert balance.error_codes == ["FORBIDDEN"]
    # while it sees its devices, and the partner sees them too
    assert [serial for _, serial, _ in await hotel.devices()] == ["SOL-1", "SOL-2"]
    assert [serial for _, serial, _ in await acme.devices()] == ["SOL-1", "SOL-2"]

    # a period later the charging job finds the customer empty: its devices are suspended
    period = client.settings.credit_period
    report = await jobs.run_charging(
        sessionmaker, now=datetime.now(UTC) + period + timedelta(minutes=1), period=period
    )
    assert (report.charged, report.suspended) == (0, 2)
    statuses = await hotel.read("{ devices { edges { node { status } } } }")
    assert [e["node"]["status"] for e in statuses["devices"]["edges"]] == ["SUSPENDED"] * 2
