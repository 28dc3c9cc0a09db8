"""Contract tests of the account API (SPEC sections 3, 4, 6), through HTTP and GraphQL.

Each mutation: its success and what it wrote; every typed error it can return, with its
`code` and `field`; NOT_FOUND out of scope, answered exactly like an unknown id;
UNAUTHENTICATED and FORBIDDEN as top-level errors. A failing mutation writes nothing: the
account, application, device, license and outbox rows are read back and compared.
Then the rules of applications (one pending per account, validation again at approval,
two deciders at once), the views, and the decision mails.

The world, with the customer's SUPERADMIN (`boss`) as the usual applicant and the
platform's ADMINISTRATOR (`desk`) as the usual decider:

    Platform            desk (ADMINISTRATOR), root (SUPERADMIN)
    |-- Partner         partner_boss (SUPERADMIN)
    |   |-- Customer    boss (SUPERADMIN), admin, advanced, viewer     <- applicant side
    |   |   |-- Site    (no users)
    |   |   `-- Berlin  (no users; in Germany: no RTC lines)
    |   `-- Neighbour   neighbour_boss (SUPERADMIN)                     (sibling branch)
    `-- Other Partner
        `-- Other       (another branch)
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models.account import Account, Application, ApplicationStatus, License
from models.base import utcnow
from models.company import Company
from models.device import Device, DeviceStatus
from models.mail import OutboxMessage
from models.user import Role, User
from services.account import MAX_AMOUNT, MAX_PERIOD_MONTHS
from tests.factories import Factory
from tests.graphql import (
    NUMBERS,
    GraphQLClient,
    Response,
    cid,
    error,
    gid,
    mutation,
    numbers,
    pk,
    union,
    without_message,
)
from tests.helpers import Maker, account_request, get_row, license_ids, snapshot_of
from tests.worlds import ApiWorld, standard_tree

APPLICATION_FIELDS = union(
    """ApplicationPayload {
    application {
      id kind status reason
      request {
        __typename
        ... on NewAccountRequest { terms { datapoints paymentMethod license { id } } }
        ... on DatapointTransferRequest { datapoints targetAccount { id } }
      }
      account { id status datapoints meters emailDomain license { code }
                pendingApplication { id } }
      targetAccount { id datapoints pendingApplication { id } }
    }
  }""",
    NUMBERS,
)

MUTATIONS = [
    "accountRequest",
    "accountExtensionRequest",
    "accountLicenseChangeRequest",
    "accountRenewalRequest",
    "datapointTransferRequest",
    "applicationApprove",
    "applicationReject",
    "applicationCancel",
]
FILING = MUTATIONS[:5]  # the rest decide on or cancel applications
DECIDING = ["applicationApprove", "applicationReject"]

LICENSE_CREATE = """
mutation Create($input: LicenseCreateInput!) {
  licenseCreate(input: $input) {
    __typename
    ... on LicensePayload { license { id code name billingUnit rank isCustom } }
    ... on Error { code field message }
  }
}
"""


def document(name: str) -> str:
    return mutation(name, APPLICATION_FIELDS)


@dataclass
class World(ApiWorld):
    site: Company
    berlin: Company
    desk: User  # ADMINISTRATOR of the platform: the desk that decides
    root: User  # SUPERADMIN of the platform
    partner_boss: User
    boss: User  # SUPERADMIN of the customer: the usual applicant
    admin: User
    advanced: User
    viewer: User
    neighbour_boss: User
    licenses: dict[str, str]  # code -> global id

    def selection(self, name: str) -> str:
        return APPLICATION_FIELDS

    async def file(
        self, mutation: str, data: dict[str, Any], user: User | None = None
    ) -> dict[str, Any]:
        """A filing that must succeed; returns the application."""
        result = await self.result(mutation, data, user or self.boss)
        assert result["__typename"] == "ApplicationPayload", result
        assert result["application"]["status"] == "PENDING"
        application: dict[str, Any] = result["application"]
        return application

    async def decide(
        self, verb: str, application_id: str, user: User | None = None, reason: str = "No"
    ) -> dict[str, Any]:
        mutation = f"application{verb.title()}"
        data: dict[str, Any] = {"id": application_id}
        if verb == "reject":
            data["reason"] = reason
        default = self.boss if verb == "cancel" else self.desk
        return await self.result(mutation, data, user or default)

    async def approved(self, application_id: str) -> dict[str, Any]:
        result = await self.decide("approve", application_id)
        assert result["__typename"] == "ApplicationPayload", result
        assert result["application"]["status"] == "APPROVED"
        application: dict[str, Any] = result["application"]
        return application

    async def account(
        self, company: Company | None = None, user: User | None = None, **overrides: Any
    ) -> str:
        """An ACTIVE account, filed and approved through the API; returns its global id."""
        filed = await self.file(
            "accountRequest", new_account(self, company or self.customer, **overrides), user
        )
        approved = await self.approved(filed["id"])
        account_id: str = approved["account"]["id"]
        return account_id


_serials = itertools.count(1)


def new_account(world: World, company: Company | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid accountRequest input; `licenseId` may be given as a catalog code."""
    data = account_request(company or world.customer, "STARTER_DP", **overrides)
    data["licenseId"] = world.licenses.get(data["licenseId"], data["licenseId"])
    return data


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    tree = await standard_tree(factory)
    platform, partner, customer = tree.platform, tree.partner, tree.customer
    site = await factory.company(customer, name="Site")
    berlin = await factory.company(customer, name="Berlin", country_code="DE")
    return World(
        **tree.companies(),
        client=client,
        factory=factory,
        sessionmaker=sessionmaker,
        site=site,
        berlin=berlin,
        desk=await factory.user(platform, Role.ADMINISTRATOR, email="desk@platform.es"),
        root=await factory.user(platform, Role.SUPERADMIN, email="root@platform.es"),
        partner_boss=await factory.user(partner, Role.SUPERADMIN, email="boss@partner.es"),
        boss=await factory.user(customer, Role.SUPERADMIN, email="boss@customer.es"),
        admin=await factory.user(customer, Role.ADMINISTRATOR, email="admin@customer.es"),
        advanced=await factory.user(customer, Role.ADVANCED_USER, email="adv@customer.es"),
        viewer=await factory.user(customer, Role.USER, email="viewer@customer.es"),
        neighbour_boss=await factory.user(
            tree.neighbour, Role.SUPERADMIN, email="boss@neighbour.es"
        ),
        licenses=await license_ids(sessionmaker),
    )


# --- reading rows back ------------------------------------------------------------------


# Every row a filing or decision could write: equal snapshots mean nothing was written.
snapshot = snapshot_of(Account, Application, Device, License, OutboxMessage)


async def account_row(sessionmaker: Maker, account_id: str) -> Account:
    return await get_row(sessionmaker, Account, pk(account_id))


async def application_row(sessionmaker: Maker, application_id: str) -> Application:
    return await get_row(sessionmaker, Application, pk(application_id))


async def count(sessionmaker: Maker, model: type[Account | Application]) -> int:
    async with sessionmaker() as session:
        return len(list(await session.scalars(select(model.id))))


async def bind_devices(sessionmaker: Maker, account_id: str, *datapoints: int) -> None:
    """Registered, paid devices bound to the account (the device API is not ours to test)."""
    async with sessionmaker() as session, session.begin():
        account = await session.get(Account, pk(account_id))
        assert account is not None
        for amount in datapoints:
            session.add(
                Device(
                    serial_number=f"SN-{next(_serials)}",
                    name="Meter",
                    model="EM-1",
                    datapoints=amount,
                    company_id=account.company_id,
                    account_id=account.id,
                    status=DeviceStatus.ACTIVE,
                    paid_until=utcnow() + timedelta(days=30),
                    unregistered_at=None,
                )
            )


async def decision_mails(sessionmaker: Maker) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "application_decision")
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def clear_mails(sessionmaker: Maker) -> None:
    async with sessionmaker() as session, session.begin():
        for message in await session.scalars(select(OutboxMessage)):
            await session.delete(message)


# --- accountRequest: success --------------------------------------------------------------


async def test_account_request_files_a_pending_new_account(
    world: World, sessionmaker: Maker
) -> None:
    # when the customer's SUPERADMIN asks for an account
    result = await world.result(
        "accountRequest",
        new_account(
            world,
            name="  Hotel Sol ",
            emailDomain="Mail.HotelSol.ES.",
            comment="Signed on site",
            smsCredits=500,
            periodMonths=24,
            paymentMethod="CREDIT_CARD",
            cardType="VISA",
        ),
        world.boss,
    )
    # then the application and its account are pending, the account held by it
    assert result["__typename"] == "ApplicationPayload", result
    application = result["application"]
    assert (application["kind"], application["status"], application["reason"]) == (
        "NEW_ACCOUNT",
        "PENDING",
        None,
    )
    account = application["account"]
    assert account["status"] == "PENDING"
    assert account["pendingApplication"] == {"id": application["id"]}
    assert account["emailDomain"] == "mail.hotelsol.es"
    asked = application["request"]["terms"]
    assert (asked["datapoints"], asked["paymentMethod"]) == (100, "CREDIT_CARD")
    # and the rows say the same, cleaned up, with no dates until approval
    row = await account_row(sessionmaker, account["id"])
    assert (row.name, row.company_id, row.datapoints, row.sms_credits) == (
        "Hotel Sol",
        world.customer.id,
        100,
        500,
    )
    assert (row.period_months, row.card_type, row.comment) == (24, "VISA", "Signed on site")
    assert (row.starts_at, row.expires_at) == (None, None)
    filed = await application_row(sessionmaker, application["id"])
    assert (filed.company_id, filed.account_id, filed.requested_by_id) == (
        world.customer.id,
        row.id,
        world.boss.id,
    )
    # and nobody is mailed before a decision
    assert await decision_mails(sessionmaker) == []


DOMAIN_300 = ".".join(["a" * 59] * 4 + ["b" * 60])  # valid labels, 300 characters in all

INVALID_REQUESTS = [
    pytest.param({"name": ""}, error("REQUIRED", "name"), id="name-empty"),
    pytest.param({"name": "   "}, error("REQUIRED", "name"), id="name-blank"),
    pytest.param({"name": "x" * 201}, error("TOO_LONG", "name"), id="name-too-long"),
    pytest.param({"customerName": ""}, error("REQUIRED", "customerName"), id="customer-empty"),
    pytest.param(
        {"customerName": "y" * 201}, error("TOO_LONG", "customerName"), id="customer-too-long"
    ),
    pytest.param(
        {"licenseId": gid("License", 999_999)},
        error("NOT_FOUND", "licenseId", "NotFoundError"),
        id="license-unknown",
    ),
    pytest.param(
        {"licenseId": gid("Company", 1)},
        error("NOT_FOUND", "licenseId", "NotFoundError"),
        id="license-id-of-another-type",
    ),
    pytest.param({"licenseId": "%%%"}, error("INVALID_ID", "licenseId"), id="license-malformed"),
    pytest.param({"companyId": "%%%"}, error("INVALID_ID", "companyId"), id="company-malformed"),
    pytest.param(
        {"companyId": gid("Company", 999_999)},
        error("NOT_FOUND", "companyId", "NotFoundError"),
        id="company-unknown",
    ),
    pytest.param(
        {"datapoints": 19}, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="dp-below-20"
    ),
    pytest.param({"datapoints": 0}, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="dp-none"),
    pytest.param(
        {"licenseId": "STARTER_MTR", "meters": 2, "datapoints": 20},
        error("NOT_BILLED_BY_DATAPOINTS", "datapoints"),
        id="datapoints-on-a-meter-license",
    ),
    pytest.param(
        {"licenseId": "PROFESSIONAL_MTR", "datapoints": 0, "meters": 0},
        error("METERS_BELOW_MINIMUM", "meters"),
        id="no-meters-on-a-meter-license",
    ),
    pytest.param({"meters": 1}, error("NOT_BILLED_BY_METERS", "meters"), id="meters-on-dp"),
    pytest.param({"pods": 1}, error("NOT_BILLED_BY_METERS", "pods"), id="pods-on-dp"),
    pytest.param(
        {"realtimeMeters": 1}, error("NOT_BILLED_BY_METERS", "realtimeMeters"), id="rtm-on-dp"
    ),
    pytest.param({"datapoints": -1}, error("BELOW_MINIMUM", "datapoints"), id="dp-negative"),
    pytest.param(
        {"licenseId": "STARTER_MTR", "datapoints": 0, "meters": -1},
        error("BELOW_MINIMUM", "meters"),
        id="meters-negative",
    ),
    pytest.param({"pods": -1}, error("BELOW_MINIMUM", "pods"), id="pods-negative"),
    pytest.param(
        {"realtimeMeters": -1}, error("BELOW_MINIMUM", "realtimeMeters"), id="rtm-negative"
    ),
    pytest.param({"rtcLines": -1}, error("BELOW_MINIMUM", "rtcLines"), id="rtc-negative"),
    pytest.param({"smsCredits": -1}, error("BELOW_MINIMUM", "smsCredits"), id="sms-negative"),
    pytest.param(
        {"datapoints": MAX_AMOUNT + 1}, error("OUT_OF_RANGE", "datapoints"), id="dp-above-max"
    ),
    pytest.param(
        {"licenseId": "STARTER_MTR", "datapoints": 0, "meters": MAX_AMOUNT + 1},
        error("OUT_OF_RANGE", "meters"),
        id="meters-above-max",
    ),
    pytest.param({"pods": MAX_AMOUNT + 1}, error("OUT_OF_RANGE", "pods"), id="pods-above-max"),
    pytest.param(
        {"realtimeMeters": MAX_AMOUNT + 1},
        error("OUT_OF_RANGE", "realtimeMeters"),
        id="rtm-above-max",
    ),
    pytest.param(
        {"rtcLines": MAX_AMOUNT + 1}, error("OUT_OF_RANGE", "rtcLines"), id="rtc-above-max"
    ),
    pytest.param(
        {"smsCredits": MAX_AMOUNT + 1}, error("OUT_OF_RANGE", "smsCredits"), id="sms-above-max"
    ),
    pytest.param({"periodMonths": 0}, error("OUT_OF_RANGE", "periodMonths"), id="period-0"),
    pytest.param({"periodMonths": -1}, error("OUT_OF_RANGE", "periodMonths"), id="period-neg"),
    pytest.param({"periodMonths": 121}, error("OUT_OF_RANGE", "periodMonths"), id="period-121"),
    pytest.param(
        {"paymentMethod": "CREDIT_CARD"},
        error("CARD_TYPE_REQUIRED", "cardType"),
        id="credit-card-without-type",
    ),
    pytest.param(
        {"paymentMethod": "DIRECT_DEBIT", "cardType": "VISA"},
        error("CARD_TYPE_NOT_APPLICABLE", "cardType"),
        id="card-type-with-direct-debit",
    ),
    pytest.param(
        {"paymentMethod": "BANK_TRANSFER", "cardType": "MASTERCARD"},
        error("CARD_TYPE_NOT_APPLICABLE", "cardType"),
        id="card-type-with-bank-transfer",
    ),
    pytest.param(
        {"emailDomain": "not a domain"},
        error("INVALID_EMAIL_DOMAIN", "emailDomain"),
        id="domain-spaces",
    ),
    pytest.param(
        {"emailDomain": "a..b.com"},
        error("INVALID_EMAIL_DOMAIN", "emailDomain"),
        id="domain-empty-label",
    ),
    pytest.param(
        {"emailDomain": "-x.com"}, error("INVALID_EMAIL_DOMAIN", "emailDomain"), id="domain-hyphen"
    ),
    pytest.param(
        {"emailDomain": DOMAIN_300},
        error("INVALID_EMAIL_DOMAIN", "emailDomain"),
        id="domain-300-chars",
    ),
    pytest.param(
        {"emailDomain": "a" * 296 + ".com"},
        error("INVALID_EMAIL_DOMAIN", "emailDomain"),
        id="domain-label-too-long",
    ),
    pytest.param(
        {"emailDomain": "localhost"},
        error("INVALID_EMAIL_DOMAIN", "emailDomain"),
        id="domain-one-label",
    ),
    pytest.param({"comment": "c" * 2001}, error("TOO_LONG", "comment"), id="comment-too-long"),
]


@pytest.mark.parametrize(("overrides", "expected"), INVALID_REQUESTS)
async def test_account_request_rejects_invalid_input(
    world: World, sessionmaker: Maker, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    result = await world.result("accountRequest", new_account(world, **overrides), world.boss)
    assert without_message(result) == expected
    # nothing written: no account, no application
    assert await snapshot(sessionmaker) == before
    assert await count(sessionmaker, Account) == await count(sessionmaker, Application) == 0


@pytest.mark.parametrize(
    ("overrides", "stored_domain"),
    [
        pytest.param({"name": "n" * 200, "customerName": "c" * 200}, None, id="longest-names"),
        pytest.param({"datapoints": 20}, None, id="dp-20"),
        pytest.param({"datapoints": MAX_AMOUNT, "smsCredits": MAX_AMOUNT}, None, id="dp-max"),
        pytest.param({"periodMonths": 1}, None, id="period-1"),
        pytest.param({"periodMonths": 120}, None, id="period-120"),
        pytest.param({"comment": "c" * 2000}, None, id="longest-comment"),
        pytest.param({"paymentMethod": "CREDIT_CARD", "cardType": "AMERICAN_EXPRESS"}, None),
        pytest.param({"paymentMethod": "BANK_TRANSFER"}, None, id="bank-transfer"),
        pytest.param(
            {
                "licenseId": "PROFESSIONAL_MTR",
                "datapoints": 0,
                "meters": 1,
                "pods": 3,
                "realtimeMeters": 2,
            },
            None,
            id="meter-license",
        ),
        pytest.param({"emailDomain": "mail.example.com"}, "mail.example.com", id="subdomain"),
        pytest.param({"emailDomain": "ejemplo.es"}, "ejemplo.es", id="two-labels"),
        pytest.param({"emailDomain": "bücher.de"}, "bücher.de", id="idn"),
        pytest.param({"emailDomain": " Mail.Example.COM. "}, "mail.example.com", id="normalised"),
        pytest.param({"emailDomain": ""}, None, id="domain-empty-is-none"),
    ],
)
async def test_account_request_accepts_the_edges_of_valid_input(
    world: World, sessionmaker: Maker, overrides: dict[str, Any], stored_domain: str | None
) -> None:
    application = await world.file("accountRequest", new_account(world, **overrides))
    row = await account_row(sessionmaker, application["account"]["id"])
    assert row.email_domain == stored_domain
    assert application["account"]["emailDomain"] == stored_domain
    assert await count(sessionmaker, Account) == 1


async def test_rtc_lines_only_for_companies_in_spain(world: World, sessionmaker: Maker) -> None:
    # given the customer's German site
    before = await snapshot(sessionmaker)
    # when RTC lines are asked for it, then they are refused, naming the field
    for license_overrides in (
        {},
        {"licenseId": "STARTER_MTR", "datapoints": 0, "meters": 3},
    ):
        refused = await world.result(
            "accountRequest",
            new_account(world, world.berlin, rtcLines=2, **license_overrides),
            world.boss,
        )
        assert without_message(refused) == error("RTC_ONLY_IN_SPAIN", "rtcLines")
    assert await snapshot(sessionmaker) == before
    # but without RTC lines the German site may have an account
    await world.file("accountRequest", new_account(world, world.berlin))
    # and in Spain RTC lines are accepted
    spanish = await world.file("accountRequest", new_account(world, world.site, rtcLines=2))
    assert (await account_row(sessionmaker, spanish["account"]["id"])).rtc_lines == 2


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"sector": "SPACE"}, id="sector"),
        pytest.param({"paymentMethod": "CASH"}, id="payment-method"),
        pytest.param({"paymentMethod": "CREDIT_CARD", "cardType": "DINERS"}, id="card-type"),
        pytest.param({"sector": None}, id="sector-null"),
    ],
)
async def test_an_unknown_enum_value_is_a_graphql_validation_error(
    world: World, sessionmaker: Maker, overrides: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    response = await world.call("accountRequest", new_account(world, **overrides), world.boss)
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body.get("data") is None
    assert await snapshot(sessionmaker) == before


async def test_account_request_for_an_archived_company(
    world: World, factory: Factory, sessionmaker: Maker
) -> None:
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await world.result("accountRequest", new_account(world, archived), world.boss)
    assert without_message(result) == error("COMPANY_ARCHIVED", "companyId")
    assert await snapshot(sessionmaker) == before


# --- authorization ----------------------------------------------------------------------


@dataclass
class Scene:
    """Two active accounts of the customer and a pending extension of a third one."""

    account: str
    other: str
    held: str  # an account with the pending application
    pending: str  # an application

    def input(self, world: World, mutation: str) -> dict[str, Any]:
        return {
            "accountRequest": new_account(world),
            "accountExtensionRequest": {"accountId": self.account, "datapoints": 10},
            "accountLicenseChangeRequest": {
                "accountId": self.account,
                "licenseId": world.licenses["PROFESSIONAL_DP"],
            },
            "accountRenewalRequest": {"accountId": self.account},
            "datapointTransferRequest": {
                "accountId": self.account,
                "targetAccountId": self.other,
                "datapoints": 10,
            },
            "applicationApprove": {"id": self.pending},
            "applicationReject": {"id": self.pending, "reason": "Not this time"},
            "applicationCancel": {"id": self.pending},
        }[mutation]


@pytest.fixture
async def scene(world: World) -> Scene:
    account = await world.account()
    other = await world.account(name="Other")
    held = await world.account(name="Held")
    pending = await world.file("accountExtensionRequest", {"accountId": held, "datapoints": 5})
    return Scene(account=account, other=other, held=held, pending=pending["id"])


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_unauthenticated(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, token: str | None
) -> None:
    before = await snapshot(sessionmaker)
    response = await world.client(
        document(mutation), {"input": scene.input(world, mutation)}, token=token
    )
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", FILING)
@pytest.mark.parametrize("caller", ["viewer", "advanced", "admin", "desk"])
async def test_filing_needs_a_superadmin(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, caller: str
) -> None:
    # given a USER, ADVANCED_USER or ADMINISTRATOR of the customer, or the platform desk
    # (ADMINISTRATOR of the root: it decides, it does not apply)
    before = await snapshot(sessionmaker)
    response = await world.call(mutation, scene.input(world, mutation), getattr(world, caller))
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", FILING)
@pytest.mark.parametrize(
    "caller", ["boss", "partner_boss", "root"], ids=["self", "parent", "platform"]
)
async def test_a_superadmin_of_the_company_or_above_files(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, caller: str
) -> None:
    user: User = getattr(world, caller)
    application = await world.file(mutation, scene.input(world, mutation), user)
    row = await application_row(sessionmaker, application["id"])
    assert (row.requested_by_id, row.company_id) == (user.id, world.customer.id)


@pytest.mark.parametrize("outside", ["neighbour", "partner", "platform", "other"])
async def test_account_request_out_of_scope_is_answered_like_an_unknown_company(
    world: World, sessionmaker: Maker, outside: str
) -> None:
    before = await snapshot(sessionmaker)
    unknown = await world.result(
        "accountRequest",
        new_account(world, companyId=gid("Company", 999_999)),
        world.boss,
    )
    answer = await world.result(
        "accountRequest", new_account(world, getattr(world, outside)), world.boss
    )
    assert without_message(unknown) == error("NOT_FOUND", "companyId", "NotFoundError")
    assert answer == unknown
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", FILING[1:])
async def test_filing_on_an_account_out_of_scope_is_answered_like_an_unknown_account(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str
) -> None:
    # given accounts of the sibling company and of the customer's parent
    neighbours = await world.account(world.neighbour, world.neighbour_boss)
    parents = await world.account(world.partner, world.partner_boss)
    before = await snapshot(sessionmaker)
    valid = scene.input(world, mutation)
    unknown = await world.result(
        mutation, {**valid, "accountId": gid("Account", 999_999)}, world.boss
    )
    assert without_message(unknown) == error("NOT_FOUND", "accountId", "NotFoundError")
    for outside in (neighbours, parents):
        answer = await world.result(mutation, {**valid, "accountId": outside}, world.boss)
        assert answer == unknown
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", DECIDING)
@pytest.mark.parametrize("caller", ["boss", "partner_boss", "admin", "platform_advanced"])
async def test_deciding_needs_the_platform_desk(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, caller: str
) -> None:
    # given SUPERADMINs of the applicant's side, or platform staff below ADMINISTRATOR
    if caller == "platform_advanced":
        user = await world.factory.user(world.platform, Role.ADVANCED_USER)
    else:
        user = getattr(world, caller)
    before = await snapshot(sessionmaker)
    response = await world.call(mutation, scene.input(world, mutation), user)
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", [*DECIDING, "applicationCancel"])
async def test_an_application_out_of_scope_is_answered_like_an_unknown_one(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str
) -> None:
    # given the customer's pending application, seen by the neighbour's SUPERADMIN
    before = await snapshot(sessionmaker)
    valid = scene.input(world, mutation)
    unknown = await world.result(
        mutation, {**valid, "id": gid("Application", 999_999)}, world.neighbour_boss
    )
    answer = await world.result(mutation, valid, world.neighbour_boss)
    assert without_message(unknown) == error("NOT_FOUND", "id", "NotFoundError")
    assert answer == unknown
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("verb", ["approve", "reject"])
@pytest.mark.parametrize("decider", ["desk", "root"])
async def test_the_platform_desk_decides(
    world: World, scene: Scene, sessionmaker: Maker, verb: str, decider: str
) -> None:
    user: User = getattr(world, decider)
    result = await world.decide(verb, scene.pending, user, reason="Contract missing")
    assert result["__typename"] == "ApplicationPayload", result
    status = "APPROVED" if verb == "approve" else "REJECTED"
    assert result["application"]["status"] == status
    row = await application_row(sessionmaker, scene.pending)
    assert (row.status, row.decided_by_id) == (status, user.id)
    assert row.decided_at is not None
    assert result["application"]["account"]["pendingApplication"] is None


@pytest.mark.parametrize(
    "caller", ["boss", "partner_boss", "root"], ids=["self", "parent", "platform"]
)
async def test_the_applicant_side_cancels(
    world: World, scene: Scene, sessionmaker: Maker, caller: str
) -> None:
    result = await world.decide("cancel", scene.pending, getattr(world, caller))
    assert result["__typename"] == "ApplicationPayload", result
    assert result["application"]["status"] == "CANCELLED"
    assert result["application"]["account"]["pendingApplication"] is None
    row = await application_row(sessionmaker, scene.pending)
    assert (row.status, row.decided_by_id) == ("CANCELLED", None)
    # and a cancellation mails nobody
    assert len(await decision_mails(sessionmaker)) == 3  # the three approvals of the scene


@pytest.mark.parametrize("caller", ["desk", "admin", "advanced"])
async def test_cancel_is_for_the_applicant_side_superadmins(
    world: World, scene: Scene, sessionmaker: Maker, caller: str
) -> None:
    # given the platform desk (ADMINISTRATOR, not SUPERADMIN) or the customer's staff
    before = await snapshot(sessionmaker)
    response = await world.call("applicationCancel", {"id": scene.pending}, getattr(world, caller))
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("mutation", [*DECIDING, "applicationCancel"])
@pytest.mark.parametrize("bad_id", ["%%%", gid("Account", 1)], ids=["malformed", "other-type"])
async def test_deciding_a_malformed_or_wrongly_typed_id(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, bad_id: str
) -> None:
    before = await snapshot(sessionmaker)
    user = world.boss if mutation == "applicationCancel" else world.desk
    result = await world.result(mutation, {**scene.input(world, mutation), "id": bad_id}, user)
    expected = (
        error("INVALID_ID", "id") if bad_id == "%%%" else error("NOT_FOUND", "id", "NotFoundError")
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


# --- licenseCreate --------------------------------------------------------------------------


async def create_license(world: World, user: User | None, **data: Any) -> Response:
    values: dict[str, Any] = {
        "code": "ENTERPRISE_DP",
        "name": "Enterprise DP",
        "billingUnit": "DATAPOINTS",
        "rank": 30,
        **data,
    }
    token = world.token(user) if user else None
    return await world.client(LICENSE_CREATE, {"input": values}, token=token)


@pytest.mark.parametrize("caller", ["desk", "root"])
async def test_platform_staff_add_a_custom_license(
    world: World, sessionmaker: Maker, caller: str
) -> None:
    response = await create_license(world, getattr(world, caller), code=" enterprise_dp ")
    result = response.data["licenseCreate"]
    assert result["__typename"] == "LicensePayload", result
    license = result["license"]
    assert {key: value for key, value in license.items() if key != "id"} == {
        "code": "ENTERPRISE_DP",
        "name": "Enterprise DP",
        "billingUnit": "DATAPOINTS",
        "rank": 30,
        "isCustom": True,
    }
    # and it is in the catalog, and an account can be asked for with it
    catalog = await world.client("{ licenses { code } }", token=world.token(world.boss))
    assert "ENTERPRISE_DP" in [lic["code"] for lic in catalog.data["licenses"]]
    filed = await world.file("accountRequest", new_account(world, licenseId=license["id"]))
    assert filed["account"]["license"] == {"code": "ENTERPRISE_DP"}


@pytest.mark.parametrize(
    "caller", ["boss", "partner_boss", "platform_advanced", "platform_user", "anonymous"]
)
async def test_license_create_is_for_platform_administrators(
    world: World, sessionmaker: Maker, caller: str
) -> None:
    user: User | None
    if caller == "anonymous":
        user = None
    elif caller.startswith("platform_"):
        role = Role.ADVANCED_USER if caller == "platform_advanced" else Role.USER
        user = await world.factory.user(world.platform, role)
    else:
        user = getattr(world, caller)
    before = await snapshot(sessionmaker)
    response = await create_license(world, user)
    assert response.error_codes == ["UNAUTHENTICATED" if user is None else "FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"code": ""}, error("INVALID_FORMAT", "code"), id="code-empty"),
        pytest.param({"code": "E"}, error("INVALID_FORMAT", "code"), id="code-one-char"),
        pytest.param({"code": "1DP"}, error("INVALID_FORMAT", "code"), id="code-digit-first"),
        pytest.param({"code": "ENT-DP"}, error("INVALID_FORMAT", "code"), id="code-hyphen"),
        pytest.param({"code": "ÉNTERPRISE"}, error("INVALID_FORMAT", "code"), id="code-accent"),
        pytest.param({"code": "E" * 51}, error("INVALID_FORMAT", "code"), id="code-51-chars"),
        pytest.param(
            {"code": "starter_dp"}, error("LICENSE_CODE_TAKEN", "code"), id="code-duplicate"
        ),
        pytest.param({"name": ""}, error("REQUIRED", "name"), id="name-empty"),
        pytest.param({"name": "n" * 101}, error("TOO_LONG", "name"), id="name-too-long"),
        pytest.param({"rank": -1}, error("OUT_OF_RANGE", "rank"), id="rank-negative"),
        pytest.param({"rank": 1001}, error("OUT_OF_RANGE", "rank"), id="rank-above-1000"),
    ],
)
async def test_license_create_rejects_invalid_input(
    world: World, sessionmaker: Maker, data: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    response = await create_license(world, world.desk, **data)
    assert without_message(response.data["licenseCreate"]) == expected
    assert await snapshot(sessionmaker) == before


async def test_license_create_twice_with_one_code(world: World, sessionmaker: Maker) -> None:
    first = await create_license(world, world.desk, code="ENTERPRISE_DP")
    assert first.data["licenseCreate"]["__typename"] == "LicensePayload"
    before = await snapshot(sessionmaker)
    second = await create_license(world, world.root, code="Enterprise_DP", name="Another")
    assert without_message(second.data["licenseCreate"]) == error("LICENSE_CODE_TAKEN", "code")
    assert await snapshot(sessionmaker) == before


# --- one pending application per account --------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        pytest.param("accountExtensionRequest", "accountId", id="extension"),
        pytest.param("accountLicenseChangeRequest", "accountId", id="license-change"),
        pytest.param("accountRenewalRequest", "accountId", id="renewal"),
        pytest.param("datapointTransferRequest", "accountId", id="transfer-from"),
        pytest.param("datapointTransferRequest", "targetAccountId", id="transfer-to"),
    ],
)
async def test_a_second_application_while_one_is_pending(
    world: World, scene: Scene, sessionmaker: Maker, mutation: str, field: str
) -> None:
    # given an account with an extension under review
    held = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "smsCredits": 100}
    )
    before = await snapshot(sessionmaker)
    # when another application concerns it, as its subject or a transfer's target
    data = scene.input(world, mutation)
    if field == "targetAccountId":
        data = {**data, "accountId": scene.other, "targetAccountId": scene.account}
    result = await world.result(mutation, data, world.boss)
    # then it is refused, naming the held account's field, and nothing is written
    assert without_message(result) == error("APPLICATION_PENDING", field)
    assert await snapshot(sessionmaker) == before
    assert (await account_row(sessionmaker, scene.account)).pending_application_id == pk(held["id"])


@pytest.mark.parametrize("verb", ["approve", "reject", "cancel"])
async def test_after_a_decision_a_new_application_can_be_filed(
    world: World, scene: Scene, sessionmaker: Maker, verb: str
) -> None:
    first = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": 10}
    )
    decided = await world.decide(verb, first["id"])
    assert decided["__typename"] == "ApplicationPayload", decided
    assert decided["application"]["account"]["pendingApplication"] is None
    second = await world.file("accountRenewalRequest", {"accountId": scene.account})
    assert second["account"]["pendingApplication"] == {"id": second["id"]}
    assert (await account_row(sessionmaker, scene.account)).pending_application_id == pk(
        second["id"]
    )


async def test_a_transfer_holds_both_accounts(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # given a transfer from one account to another under review
    transfer = await world.file(
        "datapointTransferRequest",
        {"accountId": scene.account, "targetAccountId": scene.other, "datapoints": 30},
    )
    assert transfer["account"]["pendingApplication"] == {"id": transfer["id"]}
    assert transfer["targetAccount"]["pendingApplication"] == {"id": transfer["id"]}
    # when the target is asked to change, or to receive from a third account
    third = await world.account(name="Third")
    before = await snapshot(sessionmaker)
    extension = await world.result(
        "accountExtensionRequest", {"accountId": scene.other, "datapoints": 10}, world.boss
    )
    incoming = await world.result(
        "datapointTransferRequest",
        {"accountId": third, "targetAccountId": scene.other, "datapoints": 10},
        world.boss,
    )
    renewal = await world.result("accountRenewalRequest", {"accountId": scene.account}, world.boss)
    # then each is refused while the transfer is pending
    assert without_message(extension) == error("APPLICATION_PENDING", "accountId")
    assert without_message(incoming) == error("APPLICATION_PENDING", "targetAccountId")
    assert without_message(renewal) == error("APPLICATION_PENDING", "accountId")
    assert await snapshot(sessionmaker) == before
    # and once it is decided both accounts take applications again
    await world.decide("reject", transfer["id"])
    await world.file("accountExtensionRequest", {"accountId": scene.other, "datapoints": 10})
    await world.file("accountRenewalRequest", {"accountId": scene.account})


@pytest.mark.parametrize(
    "verb", [None, "reject", "cancel"], ids=["pending", "rejected", "cancelled"]
)
async def test_an_account_that_is_not_active_takes_no_application(
    world: World, sessionmaker: Maker, verb: str | None
) -> None:
    filed = await world.file("accountRequest", new_account(world))
    if verb:
        await world.decide(verb, filed["id"])
    before = await snapshot(sessionmaker)
    result = await world.result(
        "accountExtensionRequest",
        {"accountId": filed["account"]["id"], "datapoints": 10},
        world.boss,
    )
    assert without_message(result) == error("ACCOUNT_CLOSED", "accountId")
    assert await snapshot(sessionmaker) == before


async def test_two_filings_at_once_leave_one_pending(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # when the customer's and the partner's SUPERADMINs file on one account at the same time
    before = await count(sessionmaker, Application)
    results = await asyncio.gather(
        world.result(
            "accountExtensionRequest", {"accountId": scene.account, "datapoints": 10}, world.boss
        ),
        world.result("accountRenewalRequest", {"accountId": scene.account}, world.partner_boss),
    )
    # then one is filed and the other is told one is pending
    typenames = sorted(result["__typename"] for result in results)
    assert typenames == ["ApplicationPayload", "ValidationError"], results
    refused = next(r for r in results if r["__typename"] == "ValidationError")
    assert without_message(refused) == error("APPLICATION_PENDING", "accountId")
    assert await count(sessionmaker, Application) == before + 1


# --- deciding -----------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["approve", "reject", "cancel"])
@pytest.mark.parametrize("second", ["approve", "reject", "cancel"])
async def test_a_decided_application_cannot_be_decided_again(
    world: World, scene: Scene, sessionmaker: Maker, first: str, second: str
) -> None:
    decided = await world.decide(first, scene.pending)
    assert decided["__typename"] == "ApplicationPayload", decided
    before = await snapshot(sessionmaker)
    again = await world.decide(second, scene.pending)
    assert without_message(again) == error("APPLICATION_DECIDED", "id")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        pytest.param("", error("REQUIRED", "reason"), id="empty"),
        pytest.param(" \n ", error("REQUIRED", "reason"), id="blank"),
        pytest.param("r" * 2001, error("TOO_LONG", "reason"), id="too-long"),
    ],
)
async def test_a_rejection_needs_a_reason(
    world: World, scene: Scene, sessionmaker: Maker, reason: str, expected: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    result = await world.decide("reject", scene.pending, reason=reason)
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before
    assert (await application_row(sessionmaker, scene.pending)).status == "PENDING"


async def test_a_rejection_by_someone_who_may_not_decide_is_forbidden_whatever_the_reason(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # the role question comes before the input: a customer SUPERADMIN learns nothing else
    before = await snapshot(sessionmaker)
    response = await world.call(
        "applicationReject", {"id": scene.pending, "reason": ""}, world.boss
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert await snapshot(sessionmaker) == before


async def test_two_approvers_at_once_apply_the_change_once(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    for round_ in range(3):
        # given an extension of 50 datapoints under review
        before = await account_row(sessionmaker, scene.account)
        mails_before = len(await decision_mails(sessionmaker))
        filed = await world.file(
            "accountExtensionRequest", {"accountId": scene.account, "datapoints": 50}
        )
        # when two desk members approve it at the same moment
        results = await asyncio.gather(
            world.decide("approve", filed["id"], world.desk),
            world.decide("approve", filed["id"], world.root),
        )
        # then one approval wins and the other is told it is decided
        typenames = sorted(result["__typename"] for result in results)
        assert typenames == ["ApplicationPayload", "ValidationError"], (round_, results)
        won = next(r for r in results if r["__typename"] == "ApplicationPayload")
        lost = next(r for r in results if r["__typename"] == "ValidationError")
        assert won["application"]["status"] == "APPROVED"
        assert without_message(lost) == error("APPLICATION_DECIDED", "id")
        # and the datapoints were added once, and the applicant mailed once
        after = await account_row(sessionmaker, scene.account)
        assert after.datapoints == before.datapoints + 50
        assert after.pending_application_id is None
        assert len(await decision_mails(sessionmaker)) == mails_before + 1


async def test_an_approval_and_a_rejection_at_once(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    before = await account_row(sessionmaker, scene.account)
    filed = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": 50}
    )
    mails_before = len(await decision_mails(sessionmaker))
    results = await asyncio.gather(
        world.decide("approve", filed["id"], world.desk),
        world.decide("reject", filed["id"], world.root, reason="Over budget"),
    )
    assert sorted(result["__typename"] for result in results) == [
        "ApplicationPayload",
        "ValidationError",
    ], results
    won = next(r for r in results if r["__typename"] == "ApplicationPayload")
    row = await application_row(sessionmaker, filed["id"])
    after = await account_row(sessionmaker, scene.account)
    assert row.status == won["application"]["status"]
    added = 50 if row.status == ApplicationStatus.APPROVED else 0
    assert after.datapoints == before.datapoints + added
    assert len(await decision_mails(sessionmaker)) == mails_before + 1


# --- validation again at approval ---------------------------------------------------------


async def test_an_approval_revalidates_a_freeing_extension(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # given an account of 100 datapoints, and an application to free 50 of them
    filed = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": -50}
    )
    # and, before the desk decides, devices using 80 datapoints bound to the account
    await bind_devices(sessionmaker, scene.account, 50, 30)
    before = await snapshot(sessionmaker)
    # when the desk approves
    result = await world.decide("approve", filed["id"])
    # then the approval is refused on the datapoints, and nothing changes
    assert without_message(result) == error("DATAPOINTS_IN_USE", "datapoints")
    assert await snapshot(sessionmaker) == before
    account = await account_row(sessionmaker, scene.account)
    assert (account.datapoints, account.pending_application_id) == (100, pk(filed["id"]))
    assert (await application_row(sessionmaker, filed["id"])).status == "PENDING"
    # and the desk can still reject it
    rejected = await world.decide("reject", filed["id"], reason="Devices use them")
    assert rejected["application"]["status"] == "REJECTED"


async def test_a_freeing_extension_that_still_fits_is_approved(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    filed = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": -50}
    )
    await bind_devices(sessionmaker, scene.account, 40)
    approved = await world.approved(filed["id"])
    assert approved["account"]["datapoints"] == 50
    view = await world.client(
        "query($id: ID!) { account(id: $id) { datapoints datapointsUsed datapointsLeft } }",
        {"id": scene.account},
        token=world.token(world.boss),
    )
    assert view.data["account"] == {"datapoints": 50, "datapointsUsed": 40, "datapointsLeft": 10}


async def test_a_new_account_of_a_company_archived_meanwhile_is_not_approved(
    world: World, sessionmaker: Maker
) -> None:
    # given a NEW_ACCOUNT for the site under review (filing checks the company is not archived)
    filed = await world.file("accountRequest", new_account(world, world.site))
    # and the site archived before the desk decides (it is empty: accounts do not block it)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Company).where(Company.id == world.site.id).values(archived_at=utcnow())
        )
    before = await snapshot(sessionmaker)
    # when the desk approves
    result = await world.decide("approve", filed["id"])
    # then the check made at filing is made again: no account goes live in an archived company
    assert result["__typename"] == "ValidationError", result
    assert result["code"] == "COMPANY_ARCHIVED"
    assert await snapshot(sessionmaker) == before
    assert (await application_row(sessionmaker, filed["id"])).status == "PENDING"


@pytest.mark.parametrize(
    ("devices", "data", "expected"),
    [
        pytest.param(
            (), {"datapoints": -81}, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="to-19"
        ),
        pytest.param(
            (), {"datapoints": -100}, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="to-0"
        ),
        pytest.param(
            (), {"datapoints": -101}, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="to-neg"
        ),
        pytest.param(
            (30, 30), {"datapoints": -50}, error("DATAPOINTS_IN_USE", "datapoints"), id="below-used"
        ),
        pytest.param((), {}, error("EXTENSION_EMPTY", "datapoints"), id="nothing-asked"),
        pytest.param((), {"meters": -1}, error("BELOW_MINIMUM", "meters"), id="meters-negative"),
        pytest.param((), {"smsCredits": -5}, error("BELOW_MINIMUM", "smsCredits"), id="sms-neg"),
        pytest.param((), {"pods": 2}, error("NOT_BILLED_BY_METERS", "pods"), id="pods-on-dp"),
        pytest.param(
            (), {"datapoints": MAX_AMOUNT}, error("OUT_OF_RANGE", "datapoints"), id="above-max"
        ),
    ],
)
async def test_an_extension_is_checked_when_filed(
    world: World,
    scene: Scene,
    sessionmaker: Maker,
    devices: tuple[int, ...],
    data: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    await bind_devices(sessionmaker, scene.account, *devices)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "accountExtensionRequest", {"accountId": scene.account, **data}, world.boss
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_rtc_lines_extension_outside_spain(world: World, sessionmaker: Maker) -> None:
    german = await world.account(world.berlin, licenseId="STARTER_MTR", datapoints=0, meters=2)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "accountExtensionRequest", {"accountId": german, "rtcLines": 1}, world.boss
    )
    assert without_message(result) == error("RTC_ONLY_IN_SPAIN", "rtcLines")
    assert await snapshot(sessionmaker) == before


# --- DATAPOINT_TRANSFER ---------------------------------------------------------------------


async def test_a_transfer_moves_datapoints_in_one_approval(
    world: World, sessionmaker: Maker
) -> None:
    # given two datapoint accounts, of 100 (30 in use) and 50 datapoints
    source = await world.account(datapoints=100)
    target = await world.account(world.site, datapoints=50, name="Site")
    await bind_devices(sessionmaker, source, 30)
    # when 40 are moved from one to the other and the desk approves
    filed = await world.file(
        "datapointTransferRequest",
        {"accountId": source, "targetAccountId": target, "datapoints": 40},
    )
    assert (filed["kind"], filed["request"]) == (
        "DATAPOINT_TRANSFER",
        {
            "__typename": "DatapointTransferRequest",
            "datapoints": 40,
            "targetAccount": {"id": target},
        },
    )
    approved = await world.approved(filed["id"])
    # then both change together, and both are free again
    assert approved["account"] == {**approved["account"], "id": source, "datapoints": 60}
    assert approved["targetAccount"] == {"id": target, "datapoints": 90, "pendingApplication": None}
    assert approved["account"]["pendingApplication"] is None
    rows = [await account_row(sessionmaker, a) for a in (source, target)]
    assert [(r.datapoints, r.pending_application_id) for r in rows] == [(60, None), (90, None)]


async def test_a_transfer_between_companies_by_their_common_ancestor(
    world: World, sessionmaker: Maker
) -> None:
    source = await world.account()
    target = await world.account(world.neighbour, world.neighbour_boss, datapoints=20)
    filed = await world.file(
        "datapointTransferRequest",
        {"accountId": source, "targetAccountId": target, "datapoints": 80},
        world.partner_boss,
    )
    await world.approved(filed["id"])
    rows = [await account_row(sessionmaker, a) for a in (source, target)]
    assert [r.datapoints for r in rows] == [20, 100]


@pytest.mark.parametrize(
    ("devices", "datapoints", "expected"),
    [
        pytest.param((), 81, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="source-below-20"),
        pytest.param((), 100, error("DATAPOINTS_BELOW_MINIMUM", "datapoints"), id="everything"),
        pytest.param((70,), 40, error("DATAPOINTS_IN_USE", "datapoints"), id="source-below-used"),
        pytest.param((), 0, error("BELOW_MINIMUM", "datapoints"), id="zero"),
        pytest.param((), -10, error("BELOW_MINIMUM", "datapoints"), id="negative"),
        pytest.param(
            (),
            MAX_AMOUNT,
            error("DATAPOINTS_BELOW_MINIMUM", "datapoints"),
            id="more-than-the-source-has",
        ),
    ],
)
async def test_a_transfer_keeps_the_source_above_its_floor(
    world: World,
    scene: Scene,
    sessionmaker: Maker,
    devices: tuple[int, ...],
    datapoints: int,
    expected: dict[str, Any],
) -> None:
    await bind_devices(sessionmaker, scene.account, *devices)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "datapointTransferRequest",
        {"accountId": scene.account, "targetAccountId": scene.other, "datapoints": datapoints},
        world.boss,
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_a_transfer_is_revalidated_at_approval(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # given a transfer of 40 of the source's 100 datapoints under review
    filed = await world.file(
        "datapointTransferRequest",
        {"accountId": scene.account, "targetAccountId": scene.other, "datapoints": 40},
    )
    # and then devices using 70 bound to the source
    await bind_devices(sessionmaker, scene.account, 70)
    before = await snapshot(sessionmaker)
    result = await world.decide("approve", filed["id"])
    assert without_message(result) == error("DATAPOINTS_IN_USE", "datapoints")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("meter_side", ["source", "target"])
async def test_a_transfer_needs_two_datapoint_accounts(
    world: World, scene: Scene, sessionmaker: Maker, meter_side: str
) -> None:
    meter = await world.account(licenseId="STARTER_MTR", datapoints=0, meters=5, name="Meters")
    source, target = (meter, scene.account) if meter_side == "source" else (scene.account, meter)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "datapointTransferRequest",
        {"accountId": source, "targetAccountId": target, "datapoints": 10},
        world.boss,
    )
    assert without_message(result) == error("NOT_BILLED_BY_DATAPOINTS", "targetAccountId")
    assert await snapshot(sessionmaker) == before


async def test_a_transfer_to_an_account_out_of_scope_is_answered_like_an_unknown_one(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    neighbours = await world.account(world.neighbour, world.neighbour_boss)
    parents = await world.account(world.partner, world.partner_boss)
    before = await snapshot(sessionmaker)

    async def transfer_to(target: str) -> dict[str, Any]:
        return await world.result(
            "datapointTransferRequest",
            {"accountId": scene.account, "targetAccountId": target, "datapoints": 10},
            world.boss,
        )

    unknown = await transfer_to(gid("Account", 999_999))
    assert without_message(unknown) == error("NOT_FOUND", "targetAccountId", "NotFoundError")
    assert await transfer_to(neighbours) == unknown
    assert await transfer_to(parents) == unknown
    assert await transfer_to(gid("Company", world.customer.id)) == unknown
    assert await snapshot(sessionmaker) == before


async def test_a_transfer_to_the_same_account(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    before = await snapshot(sessionmaker)
    result = await world.result(
        "datapointTransferRequest",
        {"accountId": scene.account, "targetAccountId": scene.account, "datapoints": 10},
        world.boss,
    )
    assert without_message(result) == error("SAME_ACCOUNT", "targetAccountId")
    assert await snapshot(sessionmaker) == before


async def test_two_opposite_transfers_at_once(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # when one SUPERADMIN moves datapoints from A to B while another moves them from B to A
    results = await asyncio.gather(
        world.result(
            "datapointTransferRequest",
            {"accountId": scene.account, "targetAccountId": scene.other, "datapoints": 10},
            world.boss,
        ),
        world.result(
            "datapointTransferRequest",
            {"accountId": scene.other, "targetAccountId": scene.account, "datapoints": 10},
            world.partner_boss,
        ),
    )
    # then neither deadlocks: one is filed, the other finds the accounts held
    assert sorted(r["__typename"] for r in results) == ["ApplicationPayload", "ValidationError"]
    refused = next(r for r in results if r["__typename"] == "ValidationError")
    assert refused["code"] == "APPLICATION_PENDING"
    won = next(r for r in results if r["__typename"] == "ApplicationPayload")
    rows = [await account_row(sessionmaker, a) for a in (scene.account, scene.other)]
    assert {r.pending_application_id for r in rows} == {pk(won["application"]["id"])}


# --- LICENSE_CHANGE -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("license", "expected"),
    [
        pytest.param("STARTER_DP", error("LICENSE_UNCHANGED", "licenseId"), id="same-license"),
        pytest.param("STARTER_MTR", error("BILLING_UNIT_CHANGE", "licenseId"), id="to-meters"),
        pytest.param(
            "PROFESSIONAL_MTR", error("BILLING_UNIT_CHANGE", "licenseId"), id="to-pro-meters"
        ),
        pytest.param(
            gid("License", 999_999),
            error("NOT_FOUND", "licenseId", "NotFoundError"),
            id="unknown",
        ),
        pytest.param("%%%", error("INVALID_ID", "licenseId"), id="malformed"),
    ],
)
async def test_a_license_change_stays_within_the_billing_unit(
    world: World, scene: Scene, sessionmaker: Maker, license: str, expected: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    result = await world.result(
        "accountLicenseChangeRequest",
        {"accountId": scene.account, "licenseId": world.licenses.get(license, license)},
        world.boss,
    )
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_a_meter_account_changes_license_among_meter_licenses(
    world: World, sessionmaker: Maker
) -> None:
    meter = await world.account(licenseId="STARTER_MTR", datapoints=0, meters=5)
    refused = await world.result(
        "accountLicenseChangeRequest",
        {"accountId": meter, "licenseId": world.licenses["PROFESSIONAL_DP"]},
        world.boss,
    )
    assert without_message(refused) == error("BILLING_UNIT_CHANGE", "licenseId")
    filed = await world.file(
        "accountLicenseChangeRequest",
        {"accountId": meter, "licenseId": world.licenses["PROFESSIONAL_MTR"]},
    )
    approved = await world.approved(filed["id"])
    assert approved["account"]["license"] == {"code": "PROFESSIONAL_MTR"}


# --- views --------------------------------------------------------------------------------

ACCOUNTS = """
query Accounts($status: AccountStatus, $company: ID) {
  accounts(status: $status, companyId: $company) {
    edges { node { id name status datapoints datapointsUsed datapointsLeft company { name } } }
  }
}
"""


async def expire(sessionmaker: Maker, account_id: str) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Account)
            .where(Account.id == pk(account_id))
            .values(expires_at=utcnow() - timedelta(days=1))
        )


async def unregister_device(sessionmaker: Maker, account_id: str, datapoints: int) -> None:
    """A device that was bound to the account, since unregistered: it uses nothing now."""
    async with sessionmaker() as session, session.begin():
        account = await session.get(Account, pk(account_id))
        assert account is not None
        session.add(
            Device(
                serial_number=f"SN-{next(_serials)}",
                name="Old meter",
                model="EM-0",
                datapoints=datapoints,
                company_id=account.company_id,
                account_id=account.id,
                status=DeviceStatus.UNREGISTERED,
                paid_until=utcnow() - timedelta(days=3),
                unregistered_at=utcnow() - timedelta(days=2),
            )
        )


async def list_accounts(
    world: World, user: User, status: str | None = None, company: Company | None = None
) -> list[dict[str, Any]]:
    response = await world.client(
        ACCOUNTS,
        {"status": status, "company": cid(company) if company else None},
        token=world.token(user),
    )
    return [edge["node"] for edge in response.data["accounts"]["edges"]]


async def test_accounts_by_status_with_their_datapoint_usage(
    world: World, sessionmaker: Maker
) -> None:
    # given, in the customer's subtree, an active account with devices bound to it,
    active = await world.account(name="Active", datapoints=100)
    await bind_devices(sessionmaker, active, 30, 5)
    await unregister_device(sessionmaker, active, 50)
    # an expired one, a pending one, and an active one of the site
    expired = await world.account(name="Expired")
    await expire(sessionmaker, expired)
    pending = (await world.file("accountRequest", new_account(world, name="Pending")))["account"]
    site = await world.account(world.site, name="Site", datapoints=20)
    await bind_devices(sessionmaker, site, 20)
    # and an account of the sibling company
    await world.account(world.neighbour, world.neighbour_boss, name="Neighbour")

    # when the customer's ADVANCED_USER lists them by status
    def brief(node: dict[str, Any]) -> tuple[str, str, int, int]:
        return node["name"], node["status"], node["datapointsUsed"], node["datapointsLeft"]

    actives = await list_accounts(world, world.advanced, "ACTIVE")
    expireds = await list_accounts(world, world.advanced, "EXPIRED")
    pendings = await list_accounts(world, world.advanced, "PENDING")
    everything = await list_accounts(world, world.advanced)
    # then each list holds its own, newest first, with datapoints used and left
    assert [brief(n) for n in actives] == [("Site", "ACTIVE", 20, 0), ("Active", "ACTIVE", 35, 65)]
    assert [n["id"] for n in actives] == [site, active]
    assert [brief(n) for n in expireds] == [("Expired", "EXPIRED", 0, 100)]
    assert [n["id"] for n in expireds] == [expired]
    assert [(n["id"], n["status"]) for n in pendings] == [(pending["id"], "PENDING")]
    # and the sibling's account never appears
    assert [n["name"] for n in everything] == ["Site", "Pending", "Expired", "Active"]
    # while the partner, above both, sees it too
    partner_view = await list_accounts(world, world.partner_boss, "ACTIVE")
    assert [n["name"] for n in partner_view] == ["Neighbour", "Site", "Active"]
    # and one company's list holds that company's only; a company out of scope, nothing
    assert [n["name"] for n in await list_accounts(world, world.boss, None, world.site)] == ["Site"]
    assert await list_accounts(world, world.boss, None, world.neighbour) == []


async def test_reading_accounts_needs_an_advanced_user(world: World) -> None:
    account = await world.account()
    token = world.token(world.viewer)
    listed = await world.client("{ accounts { edges { node { id } } } }", token=token)
    one = await world.client(
        "query($id: ID!) { account(id: $id) { id } }", {"id": account}, token=token
    )
    node = await world.client(
        "query($id: ID!) { node(id: $id) { id } }", {"id": account}, token=token
    )
    assert listed.error_codes == one.error_codes == node.error_codes == ["FORBIDDEN"]
    for user in (world.advanced, world.admin, world.boss):
        seen = await list_accounts(world, user)
        assert [n["id"] for n in seen] == [account]


APPLICATIONS = """
query Applications($status: ApplicationStatus, $account: ID) {
  applications(status: $status, accountId: $account) {
    edges { node { id kind status company { name } } }
  }
}
"""
QUEUE = """
query Queue($status: ApplicationStatus) {
  applicationQueue(status: $status) { edges { node { id kind status company { name } } } }
}
"""


async def applications_of(
    world: World, user: User, *, status: str | None = None, account: str | None = None
) -> list[dict[str, Any]]:
    response = await world.client(
        APPLICATIONS, {"status": status, "account": account}, token=world.token(user)
    )
    return [edge["node"] for edge in response.data["applications"]["edges"]]


async def queue_of(world: World, user: User, status: str | None = "PENDING") -> Response:
    variables = {"status": status} if status else {}
    return await world.client(QUEUE, variables, token=world.token(user))


@dataclass
class Filed:
    """Applications of four companies, in the order filed."""

    customer_account: str
    customer_new: str  # NEW_ACCOUNT, approved
    site_new: str  # NEW_ACCOUNT, pending
    neighbour_new: str  # NEW_ACCOUNT, pending
    partner_new: str  # NEW_ACCOUNT, pending
    customer_extension: str  # EXTENSION, pending


@pytest.fixture
async def filed(world: World) -> Filed:
    customer = await world.file("accountRequest", new_account(world, name="Customer's"))
    await world.approved(customer["id"])
    site = await world.file("accountRequest", new_account(world, world.site, name="Site's"))
    neighbour = await world.file(
        "accountRequest", new_account(world, world.neighbour), world.neighbour_boss
    )
    partner = await world.file(
        "accountRequest", new_account(world, world.partner), world.partner_boss
    )
    extension = await world.file(
        "accountExtensionRequest", {"accountId": customer["account"]["id"], "datapoints": 20}
    )
    return Filed(
        customer_account=customer["account"]["id"],
        customer_new=customer["id"],
        site_new=site["id"],
        neighbour_new=neighbour["id"],
        partner_new=partner["id"],
        customer_extension=extension["id"],
    )


async def test_applications_of_the_applicant_side_newest_first(world: World, filed: Filed) -> None:
    # the customer's SUPERADMIN: its own company and the site below it, never above or beside
    mine = await applications_of(world, world.boss)
    assert [n["id"] for n in mine] == [filed.customer_extension, filed.site_new, filed.customer_new]
    pending = await applications_of(world, world.boss, status="PENDING")
    assert [n["id"] for n in pending] == [filed.customer_extension, filed.site_new]
    # the partner's SUPERADMIN: its own and both branches below it
    partners = await applications_of(world, world.partner_boss)
    assert [n["id"] for n in partners] == [
        filed.customer_extension,
        filed.partner_new,
        filed.neighbour_new,
        filed.site_new,
        filed.customer_new,
    ]
    # the neighbour's: its own only
    assert [n["id"] for n in await applications_of(world, world.neighbour_boss)] == [
        filed.neighbour_new
    ]


@pytest.mark.parametrize("caller", ["admin", "advanced", "viewer", "desk"])
async def test_reading_applications_is_for_the_applicant_sides_superadmins(
    world: World, filed: Filed, caller: str
) -> None:
    response = await world.client(APPLICATIONS, {}, token=world.token(getattr(world, caller)))
    assert response.error_codes == ["FORBIDDEN"]


async def test_the_desk_queue_holds_every_companys_pending_oldest_first(
    world: World, filed: Filed
) -> None:
    for user in (world.desk, world.root):
        queue = (await queue_of(world, user)).data["applicationQueue"]["edges"]
        assert [e["node"]["id"] for e in queue] == [
            filed.site_new,
            filed.neighbour_new,
            filed.partner_new,
            filed.customer_extension,
        ]
        assert {e["node"]["status"] for e in queue} == {"PENDING"}
    approved = (await queue_of(world, world.desk, "APPROVED")).data["applicationQueue"]["edges"]
    assert [e["node"]["id"] for e in approved] == [filed.customer_new]


@pytest.mark.parametrize("caller", ["boss", "partner_boss", "admin", "platform_advanced"])
async def test_the_desk_queue_is_for_the_desk(world: World, filed: Filed, caller: str) -> None:
    if caller == "platform_advanced":
        user = await world.factory.user(world.platform, Role.ADVANCED_USER)
    else:
        user = getattr(world, caller)
    response = await queue_of(world, user)
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_an_accounts_history(world: World, scene: Scene, sessionmaker: Maker) -> None:
    # given an account that was extended, received a transfer, and has a renewal pending
    extension = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": 10}
    )
    await world.approved(extension["id"])
    transfer = await world.file(
        "datapointTransferRequest",
        {"accountId": scene.other, "targetAccountId": scene.account, "datapoints": 10},
    )
    await world.decide("reject", transfer["id"])
    renewal = await world.file("accountRenewalRequest", {"accountId": scene.account})
    # when its history is read
    history = await applications_of(world, world.boss, account=scene.account)
    # then it lists every application that concerned it, newest first
    assert [(n["kind"], n["status"]) for n in history] == [
        ("RENEWAL", "PENDING"),
        ("DATAPOINT_TRANSFER", "REJECTED"),
        ("EXTENSION", "APPROVED"),
        ("NEW_ACCOUNT", "APPROVED"),
    ]
    assert [n["id"] for n in history][:3] == [renewal["id"], transfer["id"], extension["id"]]
    # and someone outside the account's company sees none of it
    assert await applications_of(world, world.neighbour_boss, account=scene.account) == []


async def test_pages_of_applications_and_of_the_queue_join_up(world: World, filed: Filed) -> None:
    async def pages(query: str, field: str, user: User) -> list[str]:
        seen: list[str] = []
        after: str | None = None
        while True:
            response = await world.client(query, {"after": after}, token=world.token(user))
            page = response.data[field]
            seen.extend(edge["node"]["id"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return seen
            after = page["pageInfo"]["endCursor"]

    fields = "edges { node { id } } pageInfo { hasNextPage endCursor }"
    mine = await pages(
        f"query($after: String) {{ applications(first: 2, after: $after) {{ {fields} }} }}",
        "applications",
        world.partner_boss,
    )
    assert mine == [n["id"] for n in await applications_of(world, world.partner_boss)]
    assert len(mine) == 5
    queue = await pages(
        f"query($after: String) {{ applicationQueue(first: 1, after: $after) {{ {fields} }} }}",
        "applicationQueue",
        world.desk,
    )
    assert queue == [
        filed.site_new,
        filed.neighbour_new,
        filed.partner_new,
        filed.customer_extension,
    ]


NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Account { name accountStatus: status }
    ... on Application { kind applicationStatus: status account { id } }
  }
}
"""


async def test_node_finds_accounts_and_applications_in_scope(world: World, scene: Scene) -> None:
    for user in (world.boss, world.partner_boss, world.desk):
        token = world.token(user)
        account = await world.client(NODE, {"id": scene.account}, token=token)
        application = await world.client(NODE, {"id": scene.pending}, token=token)
        assert account.data["node"] == {
            "__typename": "Account",
            "id": scene.account,
            "name": "Hotel Sol energy savings",
            "accountStatus": "ACTIVE",
        }
        assert application.data["node"]["__typename"] == "Application"
        assert application.data["node"]["kind"] == "EXTENSION"
        assert application.data["node"]["applicationStatus"] == "PENDING"
        assert application.data["node"]["account"] == {"id": scene.held}


async def test_node_out_of_scope_is_null(world: World, scene: Scene) -> None:
    # given an account and an application of the sibling company
    neighbours = await world.account(world.neighbour, world.neighbour_boss)
    neighbour_application = await world.file(
        "accountRenewalRequest", {"accountId": neighbours}, world.neighbour_boss
    )
    token = world.token(world.boss)
    for node_id in (
        neighbours,
        neighbour_application["id"],
        gid("Account", 999_999),
        gid("Application", 999_999),
    ):
        for query in (
            NODE,
            "query($id: ID!) { account(id: $id) { id } }",
            "query($id: ID!) { application(id: $id) { id } }",
        ):
            response = await world.client(query, {"id": node_id}, token=token)
            assert response.errors == [], (node_id, query)
            assert list(response.body["data"].values()) == [None], (node_id, query)
    # and from the neighbour's side, the customer's are out of scope just the same
    theirs = world.token(world.neighbour_boss)
    for node_id in (scene.account, scene.pending):
        assert (await world.client(NODE, {"id": node_id}, token=theirs)).body == {
            "data": {"node": None}
        }


async def test_applications_are_not_read_by_the_customers_staff(world: World, scene: Scene) -> None:
    token = world.token(world.admin)
    response = await world.client(
        "query($id: ID!) { application(id: $id) { id } }", {"id": scene.pending}, token=token
    )
    assert response.error_codes == ["FORBIDDEN"]


async def test_a_pending_application_is_not_shown_through_the_account_to_who_may_not_read_it(
    world: World, scene: Scene
) -> None:
    # given an account with an application under review: an ADVANCED_USER reads accounts
    # but not applications (SPEC section 3: those are the SUPERADMINs')
    held = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "smsCredits": 100}
    )
    for user in (world.advanced, world.admin):
        response = await world.client(
            "query($id: ID!) { account(id: $id) "
            "{ id pendingApplication { id before { datapoints } } } }",
            {"id": scene.account},
            token=world.token(user),
        )
        # then the account reads, but the application does not come with it
        account = response.body["data"]["account"]
        assert account["id"] == scene.account
        assert account["pendingApplication"] is None, (user.role, held["id"])
    # while the applicant's SUPERADMIN sees it
    boss_view = await world.client(
        "query($id: ID!) { account(id: $id) { pendingApplication { id } } }",
        {"id": scene.account},
        token=world.token(world.boss),
    )
    assert boss_view.data["account"]["pendingApplication"] == {"id": held["id"]}


# --- decision mails -----------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["approve", "reject"])
async def test_a_decision_mails_each_active_superadmin_of_the_company(
    world: World, factory: Factory, sessionmaker: Maker, verb: str
) -> None:
    # given a second SUPERADMIN of the customer, an inactive one, and other staff
    await factory.user(world.customer, Role.SUPERADMIN, email="second@customer.es")
    await factory.user(world.customer, Role.SUPERADMIN, email="gone@customer.es", active=False)
    filed = await world.file("accountRequest", new_account(world, name="Hotel Luna"))
    # when the desk decides
    result = await world.decide(verb, filed["id"], reason="Contract unsigned")
    assert result["__typename"] == "ApplicationPayload", result
    # then each active SUPERADMIN of the customer gets one mail, nobody else
    mails = await decision_mails(sessionmaker)
    assert sorted(m.to_address for m in mails) == ["boss@customer.es", "second@customer.es"]
    verdict = "approved" if verb == "approve" else "rejected"
    assert all(verdict in m.subject.lower() and "Hotel Luna" in m.subject for m in mails)
    if verb == "reject":
        assert all("Contract unsigned" in m.body_text for m in mails)


@pytest.mark.parametrize("verb", ["approve", "reject"])
async def test_a_decision_for_a_company_without_superadmins_mails_the_nearest_ancestors(
    world: World, factory: Factory, sessionmaker: Maker, verb: str
) -> None:
    # given an account asked for the site, which has no SUPERADMIN, only an ADMINISTRATOR;
    # and a grandchild below it, with no users at all
    await factory.user(world.site, Role.ADMINISTRATOR, email="admin@site.es")
    room = await factory.company(world.site, name="Room")
    for company in (world.site, room):
        filed = await world.file("accountRequest", new_account(world, company))
        await clear_mails(sessionmaker)
        # when the desk decides
        await world.decide(verb, filed["id"])
        # then the customer's SUPERADMIN, the nearest above with one, is mailed, and only it
        mails = await decision_mails(sessionmaker)
        assert [m.to_address for m in mails] == ["boss@customer.es"], company.name


async def test_a_cancellation_or_a_refused_approval_mails_nobody(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    await clear_mails(sessionmaker)
    await world.decide("cancel", scene.pending)
    freeing = await world.file(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": -60}
    )
    await bind_devices(sessionmaker, scene.account, 50)
    refused = await world.decide("approve", freeing["id"])
    assert refused["__typename"] == "ValidationError"
    assert await decision_mails(sessionmaker) == []


# --- the numbers of a rule, for a client's own message ---------------------------------


@pytest.mark.parametrize(
    ("data", "code", "expected"),
    [
        pytest.param({"datapoints": 19}, "DATAPOINTS_BELOW_MINIMUM", {"minimum": 20}, id="dp"),
        pytest.param(
            {"periodMonths": 0},
            "OUT_OF_RANGE",
            {"minimum": 1, "maximum": MAX_PERIOD_MONTHS},
            id="period",
        ),
        pytest.param(
            {"licenseId": "STARTER_MTR", "datapoints": 0, "meters": 0},
            "METERS_BELOW_MINIMUM",
            {"minimum": 1},
            id="meters",
        ),
        pytest.param({"comment": "c" * 2001}, "TOO_LONG", {"maximum": 2000}, id="comment"),
        pytest.param({"rtcLines": 1}, "RTC_ONLY_IN_SPAIN", {}, id="rtc-no-numbers"),
    ],
)
async def test_an_account_request_error_gives_the_rules_numbers(
    world: World, data: dict[str, Any], code: str, expected: dict[str, int]
) -> None:
    result = await world.result(
        "accountRequest", new_account(world, world.berlin, **data), world.boss
    )
    assert result["code"] == code, result
    assert numbers(result) == expected


async def test_an_extension_error_gives_the_datapoints_in_use(
    world: World, scene: Scene, sessionmaker: Maker
) -> None:
    # given an account of 100 datapoints with 60 in use
    await bind_devices(sessionmaker, scene.account, 30, 30)
    # when 50 are to be freed, then it cannot go below 60, and says so in numbers
    result = await world.result(
        "accountExtensionRequest", {"accountId": scene.account, "datapoints": -50}, world.boss
    )
    assert result["code"] == "DATAPOINTS_IN_USE"
    assert numbers(result) == {"minimum": 60, "inUse": 60}


@pytest.mark.parametrize(
    ("used", "moved", "code", "expected"),
    [
        pytest.param(
            30, 90, "DATAPOINTS_IN_USE", {"minimum": 30, "inUse": 30, "available": 70}, id="used"
        ),
        pytest.param(
            0, 90, "DATAPOINTS_BELOW_MINIMUM", {"minimum": 20, "inUse": 0, "available": 80}, id="20"
        ),
    ],
)
async def test_a_transfer_error_gives_what_the_source_can_give(
    world: World, sessionmaker: Maker, used: int, moved: int, code: str, expected: dict[str, int]
) -> None:
    source = await world.account(datapoints=100)
    target = await world.account(world.site, datapoints=50, name="Site")
    if used:
        await bind_devices(sessionmaker, source, used)
    result = await world.result(
        "datapointTransferRequest",
        {"accountId": source, "targetAccountId": target, "datapoints": moved},
        world.boss,
    )
    assert result["code"] == code, result
    assert numbers(result) == expected
