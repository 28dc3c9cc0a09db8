"""An application read as typed objects, as a typed client reads it: `before` (the terms
when filed), `request` (what each kind asks for) and `after` (the terms approval gives),
every object named by a global ID the API takes back; and the audit trail's values as
text, identifiers as the same global IDs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.account import Account, Application, ApplicationKind, ApplicationStatus
from models.company import Company
from models.user import Role, User
from services.account import add_months, snapshot
from tests.conftest import StatementCounter
from tests.factories import Factory
from tests.graphql import GraphQLClient, cid, gid, mutation, pk, union
from tests.helpers import Maker, account_request, add_account, license_ids

TERMS = """
  name customerName datapoints meters pods realtimeMeters rtcLines smsCredits periodMonths
  sector paymentMethod cardType emailDomain comment startsAt expiresAt license { id code }
"""
REQUEST = (
    "__typename ... on NewAccountRequest { terms { "
    + TERMS
    + " } } ... on ExtensionRequest { datapoints meters pods realtimeMeters rtcLines smsCredits }"
    " ... on LicenseChangeRequest { license { id code } } ... on RenewalRequest { months }"
    " ... on DatapointTransferRequest { datapoints targetAccount { id name } }"
)
APPLICATION = f"""
  id kind status decidedAt
  before {{ {TERMS} }}
  after {{ {TERMS} }}
  request {{ {REQUEST} }}
  account {{ id {TERMS} }}
"""
PAYLOAD = union(f"ApplicationPayload {{ application {{ {APPLICATION} }} }}")
READ = f"query($id: ID!) {{ node(id: $id) {{ ... on Application {{ {APPLICATION} }} }} }}"


class Desk:
    def __init__(self, client: GraphQLClient, factory: Factory, boss: User, desk: User) -> None:
        self.client = client
        self.boss = factory.token(boss)
        self.desk = factory.token(desk)

    async def call(self, name: str, data: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.client(mutation(name, PAYLOAD), {"input": data}, token=token)
        result: dict[str, Any] = response.data[name]
        assert result["__typename"] == "ApplicationPayload", result
        application: dict[str, Any] = result["application"]
        return application

    async def file(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return await self.call(name, data, self.boss)

    async def approve(self, application: dict[str, Any]) -> dict[str, Any]:
        return await self.call("applicationApprove", {"id": application["id"]}, self.desk)

    async def read(self, node_id: str, token: str | None = None) -> Any:
        return (await self.client(READ, {"id": node_id}, token=token or self.boss)).data["node"]


async def _desk(factory: Factory, client: GraphQLClient) -> tuple[Desk, Company, Company]:
    platform = await factory.company(name="Platform")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer", country_code="ES")
    boss = await factory.user(customer, Role.SUPERADMIN, email="boss@customer.es")
    desk = await factory.user(platform, Role.ADMINISTRATOR, email="desk@platform.es")
    return Desk(client, factory, boss, desk), partner, customer


def _terms_of(account: dict[str, Any]) -> dict[str, Any]:
    """The account's own fields that AccountTerms has too."""
    return {key: value for key, value in account.items() if key != "id"}


async def test_every_kind_reads_typed_with_ids_the_api_takes_back(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, _, customer = await _desk(factory, client)
    licenses = await license_ids(sessionmaker)
    new = account_request(
        customer,
        licenses["STARTER_DP"],
        paymentMethod="CREDIT_CARD",
        cardType="VISA",
        emailDomain="hotelsol.es",
        comment="Signed on site",
    )

    # NEW_ACCOUNT: no before; the request is the terms asked, without dates until approved
    filed = await desk.file("accountRequest", new)
    assert (filed["kind"], filed["before"]) == ("NEW_ACCOUNT", None)
    asked = filed["request"]["terms"]
    assert filed["request"]["__typename"] == "NewAccountRequest"
    assert asked == {
        "name": "Hotel Sol energy savings",
        "customerName": "Hotel Sol S.L.",
        "datapoints": 100,
        "meters": 0,
        "pods": 0,
        "realtimeMeters": 0,
        "rtcLines": 0,
        "smsCredits": 0,
        "periodMonths": 12,
        "sector": "HOSPITALITY",
        "paymentMethod": "CREDIT_CARD",
        "cardType": "VISA",
        "emailDomain": "hotelsol.es",
        "comment": "Signed on site",
        "startsAt": None,
        "expiresAt": None,
        "license": {"id": licenses["STARTER_DP"], "code": "STARTER_DP"},
    }
    # pending, `after` is what approving it now would give
    pending_after = filed["after"]
    assert {**pending_after, "startsAt": None, "expiresAt": None} == asked
    starts = datetime.fromisoformat(pending_after["startsAt"])
    assert datetime.fromisoformat(pending_after["expiresAt"]) == add_months(starts, 12)
    # approved, `after` is what the account got, to the microsecond
    approved = await desk.approve(filed)
    account_id = approved["account"]["id"]
    assert approved["after"] == _terms_of(approved["account"])
    assert approved["after"]["startsAt"] == approved["decidedAt"]

    # EXTENSION: amounts added to the terms as filed
    extension = {"accountId": account_id, "datapoints": 50, "smsCredits": 200}
    filed = await desk.file("accountExtensionRequest", extension)
    assert filed["request"] == {
        "__typename": "ExtensionRequest",
        "datapoints": 50,
        "meters": 0,
        "pods": 0,
        "realtimeMeters": 0,
        "rtcLines": 0,
        "smsCredits": 200,
    }
    assert filed["before"] == _terms_of(filed["account"])
    assert filed["after"] == {**filed["before"], "datapoints": 150, "smsCredits": 200}
    approved = await desk.approve(filed)
    assert approved["after"] == _terms_of(approved["account"])

    # LICENSE_CHANGE: the license asked for, by the ID the license list gives
    change = {"accountId": account_id, "licenseId": licenses["PROFESSIONAL_DP"]}
    filed = await desk.file("accountLicenseChangeRequest", change)
    professional = {"id": licenses["PROFESSIONAL_DP"], "code": "PROFESSIONAL_DP"}
    assert filed["request"] == {"__typename": "LicenseChangeRequest", "license": professional}
    assert filed["before"]["license"]["code"] == "STARTER_DP"
    assert filed["after"] == {**filed["before"], "license": professional}
    approved = await desk.approve(filed)
    assert approved["after"] == _terms_of(approved["account"])
    # and node(id:) answers the license by the ID the application gave
    found = await client(
        "query($id: ID!) { node(id: $id) { __typename ... on License { code } } }",
        {"id": filed["request"]["license"]["id"]},
        token=desk.boss,
    )
    assert found.data["node"] == {"__typename": "License", "code": "PROFESSIONAL_DP"}

    # RENEWAL: 12 months from the expiry (not yet passed)
    filed = await desk.file("accountRenewalRequest", {"accountId": account_id})
    assert filed["request"] == {"__typename": "RenewalRequest", "months": 12}
    expiry = datetime.fromisoformat(filed["before"]["expiresAt"])
    assert {**filed["after"], "expiresAt": None} == {**filed["before"], "expiresAt": None}
    assert datetime.fromisoformat(filed["after"]["expiresAt"]) == add_months(expiry, 12)
    approved = await desk.approve(filed)
    assert approved["after"] == _terms_of(approved["account"])

    # DATAPOINT_TRANSFER: to another account, named by its global ID
    site = await factory.company(customer, name="Site", country_code="ES")
    other = await desk.approve(
        await desk.file("accountRequest", account_request(site, licenses["STARTER_DP"], name="S"))
    )
    target_id = other["account"]["id"]
    transfer = {"accountId": account_id, "targetAccountId": target_id, "datapoints": 40}
    filed = await desk.file("datapointTransferRequest", transfer)
    assert filed["request"] == {
        "__typename": "DatapointTransferRequest",
        "datapoints": 40,
        "targetAccount": {"id": target_id, "name": "S"},
    }
    assert filed["after"] == {**filed["before"], "datapoints": filed["before"]["datapoints"] - 40}
    approved = await desk.approve(filed)
    assert approved["after"] == _terms_of(approved["account"])
    target = await client(
        "query($id: ID!) { account(id: $id) { datapoints } }",
        {"id": approved["request"]["targetAccount"]["id"]},
        token=desk.boss,
    )
    assert target.data["account"] == {"datapoints": 140}

    # read again later through node(id:), each application still says what it gave
    again = await desk.read(approved["id"])
    assert again["after"] == approved["after"]


async def test_a_renewal_of_an_expired_account_runs_from_its_approval(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, _, customer = await _desk(factory, client)
    account = await add_account(sessionmaker, customer)
    async with sessionmaker() as session, session.begin():
        row = await session.get(Account, account.id)
        assert row is not None
        row.starts_at = datetime(2024, 1, 1, tzinfo=UTC)
        row.expires_at = datetime(2025, 1, 1, tzinfo=UTC)
    filed = await desk.file("accountRenewalRequest", {"accountId": cid_of(account)})
    approved = await desk.approve(filed)
    decided = datetime.fromisoformat(approved["decidedAt"])
    assert datetime.fromisoformat(approved["after"]["expiresAt"]) == add_months(decided, 12)
    assert approved["after"] == _terms_of(approved["account"])


def cid_of(account: Account) -> str:
    return gid("Account", account.id)


async def test_a_transfer_target_outside_the_readers_tree_is_not_shown(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    # given a transfer filed by the partner's SUPERADMIN from the customer to the neighbour
    desk, partner, customer = await _desk(factory, client)
    neighbour = await factory.company(partner, name="Neighbour", country_code="ES")
    source = await add_account(sessionmaker, customer)
    target = await add_account(sessionmaker, neighbour)
    partner_boss = await factory.user(partner, Role.SUPERADMIN, email="boss@partner.es")
    data = {"accountId": cid_of(source), "targetAccountId": cid_of(target), "datapoints": 30}
    filed = await desk.call("datapointTransferRequest", data, factory.token(partner_boss))
    assert filed["request"]["targetAccount"]["id"] == cid_of(target)
    # when the customer's SUPERADMIN reads it, the target is not shown, nor its ID
    seen = await desk.read(filed["id"])
    assert seen["request"] == {
        "__typename": "DatapointTransferRequest",
        "datapoints": 30,
        "targetAccount": None,
    }
    assert seen["after"]["datapoints"] == seen["before"]["datapoints"] - 30


PAGE = f"""
query {{ applicationQueue(first: 100) {{ edges {{ node {{
  {APPLICATION} targetAccount {{ id }} company {{ name }}
}} }} }} }}
"""


async def _queue(sessionmaker: Maker, customer: Company, accounts: int) -> None:
    """`accounts` accounts with one pending application of each kind that has a before
    (a transfer to the next account), written as filing writes them."""
    made = [await add_account(sessionmaker, customer) for _ in range(accounts)]
    async with sessionmaker() as session, session.begin():
        licenses = {
            code: pk(global_id) for code, global_id in (await license_ids(sessionmaker)).items()
        }
        for index, account in enumerate(made):
            row = await session.get(Account, account.id)
            assert row is not None
            changes: list[tuple[ApplicationKind, dict[str, Any], int | None]] = [
                (ApplicationKind.EXTENSION, _extension(10), None),
                (ApplicationKind.LICENSE_CHANGE, {"licenseId": licenses["PROFESSIONAL_DP"]}, None),
                (ApplicationKind.RENEWAL, {"months": 12}, None),
                (
                    ApplicationKind.DATAPOINT_TRANSFER,
                    {"datapoints": 20, "targetAccountId": made[index - 1].id},
                    made[index - 1].id,
                ),
            ]
            for kind, change, target in changes:
                session.add(
                    Application(
                        kind=kind,
                        status=ApplicationStatus.PENDING,
                        company_id=row.company_id,
                        account_id=row.id,
                        target_account_id=target,
                        change=change,
                        before=snapshot(row),
                    )
                )


def _extension(datapoints: int) -> dict[str, int]:
    keys = ("meters", "pods", "realtimeMeters", "rtcLines", "smsCredits")
    return {"datapoints": datapoints, **dict.fromkeys(keys, 0)}


async def test_a_page_of_applications_with_their_terms_costs_the_same_for_4_or_84(
    factory: Factory,
    client: GraphQLClient,
    sessionmaker: Maker,
    count_statements: StatementCounter,
) -> None:
    desk, partner, customer = await _desk(factory, client)
    await _queue(sessionmaker, customer, 1)
    before = count_statements.count
    small = (await client(PAGE, token=desk.desk)).data["applicationQueue"]["edges"]
    at_small = count_statements.count - before

    other = await factory.company(partner, name="Other", country_code="ES")
    await _queue(sessionmaker, other, 20)
    before = count_statements.count
    large = (await client(PAGE, token=desk.desk)).data["applicationQueue"]["edges"]
    at_large = count_statements.count - before

    assert (len(small), len(large)) == (4, 84)
    kinds = {edge["node"]["request"]["__typename"] for edge in large}
    assert len(kinds) == 4
    assert all(edge["node"]["after"]["license"]["code"] for edge in large)
    print(f"\nSQL statements for a page of applications: {at_small} at 4, {at_large} at 84")
    assert at_small == at_large
    assert at_large <= 12


async def test_the_trail_shows_values_as_text_and_objects_by_global_id(
    factory: Factory, client: GraphQLClient, sessionmaker: Maker
) -> None:
    desk, _, customer = await _desk(factory, client)
    licenses = await license_ids(sessionmaker)
    account = await add_account(sessionmaker, customer)
    change = {"accountId": cid_of(account), "licenseId": licenses["PROFESSIONAL_DP"]}
    await desk.approve(await desk.file("accountLicenseChangeRequest", change))
    history = await client(
        "query($id: ID!) { account(id: $id) { history(first: 10) { edges { node { "
        "actionName changes { field before after } } } } } }",
        {"id": cid_of(account)},
        token=desk.desk,
    )
    entries = {
        edge["node"]["actionName"]: edge["node"]["changes"]
        for edge in history.data["account"]["history"]["edges"]
    }
    assert entries["account.change"] == [
        {"field": "license", "before": licenses["STARTER_DP"], "after": licenses["PROFESSIONAL_DP"]}
    ]
    # the application's own entry: its request part by part, its kind by name
    applications = await client(
        "{ applicationQueue(status: APPROVED, first: 1) { edges { node { id } } } }",
        token=desk.desk,
    )
    application_id = applications.data["applicationQueue"]["edges"][0]["node"]["id"]
    trail = await client(
        "query($id: ID!, $company: ID!) { auditEvents(companyId: $company, targetId: $id, "
        "first: 10) { edges { node { actionName changes { field before after } } } } }",
        {"id": application_id, "company": cid(customer)},
        token=desk.desk,
    )
    filed = next(
        edge["node"]["changes"]
        for edge in trail.data["auditEvents"]["edges"]
        if edge["node"]["actionName"] == "application.request"
    )
    assert {"field": "kind", "before": None, "after": "LICENSE_CHANGE"} in filed
    assert {"field": "request.license", "before": None, "after": licenses["PROFESSIONAL_DP"]} in (
        filed
    )
    # numbers and booleans as text: an extension asked for, a company's setting changed
    await desk.file(
        "accountExtensionRequest", {"accountId": cid_of(account), "pods": 0, "smsCredits": 7}
    )
    setting = await client(
        "mutation($input: CompanySetUseParentCreditsInput!) { companySetUseParentCredits("
        "input: $input) { __typename } }",
        {"input": {"id": cid(customer), "useParentCredits": True}},
        token=desk.desk,
    )
    assert setting.data["companySetUseParentCredits"]["__typename"] == "CompanyPayload"
    recent = await client(
        "query($company: ID!) { auditEvents(companyId: $company, first: 2) { edges { node { "
        "actionName changes { field before after } } } } }",
        {"company": cid(customer)},
        token=desk.desk,
    )
    latest = {
        edge["node"]["actionName"]: edge["node"]["changes"]
        for edge in recent.data["auditEvents"]["edges"]
    }
    assert latest["company.set_use_parent_credits"] == [
        {"field": "useParentCredits", "before": "false", "after": "true"}
    ]
    assert {"field": "request.smsCredits", "before": None, "after": "7"} in (
        latest["application.request"]
    )
    # each ID is one the API answers
    found = await client(
        "query($id: ID!) { node(id: $id) { ... on License { code } } }",
        {"id": entries["account.change"][0]["after"]},
        token=desk.boss,
    )
    assert found.data["node"] == {"code": "PROFESSIONAL_DP"}
