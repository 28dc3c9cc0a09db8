"""Contract tests of the device API (SPEC sections 3, 5, 6), through HTTP and GraphQL.

Each mutation: its success and what it wrote (the device row, the CHARGE entry on the
payer's ledger, the balance); every typed error it can return, with its `code` and
`field`, and nothing written (the device, ledger, balance, idempotency-key and account rows
are read back and compared); NOT_FOUND out of scope, answered exactly like an unknown id;
UNAUTHENTICATED and FORBIDDEN as top-level errors. Then the reads: `devices` (scope,
filters, pages), `device(id:)` and `node(id:)`, `counts { devices }`, and the datapoint
usage of accounts.

The world, with the customer's ADMINISTRATOR (`admin`) as the usual caller:

    Platform            desk (ADMINISTRATOR), root (SUPERADMIN: files account applications)
    |-- Partner         partner_admin (ADMINISTRATOR)
    |   |-- Customer    admin (ADMINISTRATOR), advanced (ADVANCED_USER), viewer (USER)
    |   |   `-- Site
    |   `-- Neighbour   (sibling branch)
    `-- Other           (another partner's branch)
"""

from __future__ import annotations

import asyncio
import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models.account import Account
from models.company import Company
from models.credit import CreditBalance, EntryKind, IdempotencyKey, LedgerEntry
from models.device import Device, DeviceStatus
from models.user import Role, User
from tests.factories import Factory
from tests.graphql import (
    NUMBERS,
    GraphQLClient,
    cid,
    error,
    gid,
    mutation,
    numbers,
    pk,
    union,
    without_message,
)
from tests.helpers import (
    Maker,
    account_request,
    balance_of,
    get_row,
    ledger,
    license_ids,
    snapshot_of,
)
from tests.worlds import ApiWorld, standard_tree

DEVICE_FIELDS = """
  id serialNumber name model datapoints status registeredAt paidUntil unregisteredAt
  forfeitedDays company { id } account { id }
"""
DEVICE_RESULT = union(f"DevicePayload {{ device {{ {DEVICE_FIELDS} }} }}", NUMBERS)
GRANT_RESULT = union("CreditGrantPayload { entry { id kind amount balanceAfter } }")
APPLICATION_RESULT = union("ApplicationPayload { application { id status account { id } } }")
RESULTS = {
    "deviceRegister": DEVICE_RESULT,
    "deviceRename": DEVICE_RESULT,
    "deviceUnregister": DEVICE_RESULT,
    "creditGrant": GRANT_RESULT,
    "accountRequest": APPLICATION_RESULT,
    "applicationApprove": APPLICATION_RESULT,
}


_serials = itertools.count(1)


def new_serial() -> str:
    return f"SN-{next(_serials):06d}"


@dataclass
class World(ApiWorld):
    site: Company
    desk: User  # ADMINISTRATOR of the platform: grants credits, approves applications
    root: User  # SUPERADMIN of the platform: files account applications
    partner_admin: User
    admin: User  # ADMINISTRATOR of the customer: the usual caller
    advanced: User  # ADVANCED_USER of the customer
    viewer: User  # USER of the customer
    licenses: dict[str, str]  # code -> global id

    def selection(self, name: str) -> str:
        return RESULTS[name]

    async def grant(self, company: Company, amount: int) -> None:
        result = await self.result(
            "creditGrant", {"companyId": cid(company), "amount": amount}, self.desk
        )
        assert result["__typename"] == "CreditGrantPayload", result

    async def register(
        self, company: Company | None = None, user: User | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """A registration that must succeed; returns the device."""
        data = register_input(company or self.customer, **overrides)
        result = await self.result("deviceRegister", data, user or self.admin)
        assert result["__typename"] == "DevicePayload", result
        device: dict[str, Any] = result["device"]
        return device

    async def unregister(self, device_id: str, user: User | None = None) -> dict[str, Any]:
        result = await self.result("deviceUnregister", {"id": device_id}, user or self.admin)
        assert result["__typename"] == "DevicePayload", result
        device: dict[str, Any] = result["device"]
        return device

    async def account(
        self, company: Company | None = None, *, approve: bool = True, **overrides: Any
    ) -> str:
        """An account filed by the platform's SUPERADMIN (and approved by the desk)."""
        data = account_request(company or self.customer, self.licenses["STARTER_DP"], **overrides)
        filed = await self.result("accountRequest", data, self.root)
        assert filed["__typename"] == "ApplicationPayload", filed
        application = filed["application"]
        if approve:
            decided = await self.result("applicationApprove", {"id": application["id"]}, self.desk)
            assert decided["__typename"] == "ApplicationPayload", decided
            assert decided["application"]["status"] == "APPROVED"
        account_id: str = application["account"]["id"]
        return account_id


def register_input(company: Company, **overrides: Any) -> dict[str, Any]:
    return {
        "companyId": cid(company),
        "serialNumber": new_serial(),
        "name": "Boiler room meter",
        "model": "EM-24",
        "datapoints": 10,
        **overrides,
    }


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    tree = await standard_tree(factory)
    platform, customer = tree.platform, tree.customer
    site = await factory.company(customer, name="Site")
    return World(
        **tree.companies(),
        client=client,
        factory=factory,
        sessionmaker=sessionmaker,
        site=site,
        desk=await factory.user(platform, Role.ADMINISTRATOR),
        root=await factory.user(platform, Role.SUPERADMIN),
        partner_admin=await factory.user(tree.partner, Role.ADMINISTRATOR),
        admin=await factory.user(customer, Role.ADMINISTRATOR),
        advanced=await factory.user(customer, Role.ADVANCED_USER),
        viewer=await factory.user(customer, Role.USER),
        licenses=await license_ids(sessionmaker),
    )


# --- reading rows back ------------------------------------------------------------------


# Every row a device mutation could write: equal snapshots mean nothing was written.
snapshot = snapshot_of(Device, LedgerEntry, CreditBalance, IdempotencyKey, Account)


async def device_rows(sessionmaker: Maker, serial: str | None = None) -> list[Device]:
    async with sessionmaker() as session:
        query = select(Device).order_by(Device.id)
        if serial is not None:
            query = query.where(Device.serial_number == serial)
        return list(await session.scalars(query))


async def device_row(sessionmaker: Maker, device_id: str) -> Device:
    return await get_row(sessionmaker, Device, pk(device_id))


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- deviceRegister: success ------------------------------------------------------------


async def test_register_charges_one_credit_and_starts_a_paid_period(
    world: World, sessionmaker: Maker
) -> None:
    # given a customer with 3 credits
    await world.grant(world.customer, 3)
    period = world.client.settings.credit_period
    assert period == timedelta(days=30)
    # when its administrator registers a device
    before = datetime.now(UTC)
    device = await world.register(
        serialNumber="  SN-BOILER-1  ", name=" Boiler ", model="EM-24", datapoints=12
    )
    after = datetime.now(UTC)
    # then the device is ACTIVE, cleaned up, and paid for one period from now
    assert device["serialNumber"] == "SN-BOILER-1"
    assert (device["name"], device["model"], device["datapoints"]) == ("Boiler", "EM-24", 12)
    assert device["status"] == "ACTIVE"
    assert device["company"] == {"id": cid(world.customer)}
    assert device["account"] is None
    assert device["unregisteredAt"] is None
    assert device["forfeitedDays"] is None
    assert before <= at(device["registeredAt"]) <= after
    assert at(device["paidUntil"]) == at(device["registeredAt"]) + period
    # and one CHARGE of -1 on the customer's ledger names the device
    entries = await ledger(sessionmaker, world.customer)
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        (EntryKind.GRANT, 3, 3),
        (EntryKind.CHARGE, -1, 2),
    ]
    assert entries[1].device_id == pk(device["id"])
    assert entries[1].actor_id == world.admin.id
    # and the balance went down by one
    assert await balance_of(sessionmaker, world.customer) == 2
    balance = await world.query(
        "query B($id: ID!) { company(id: $id) { creditBalance } }",
        world.admin,
        id=cid(world.customer),
    )
    assert balance.data["company"]["creditBalance"] == 2
    # and the row says who registered it
    row = await device_row(sessionmaker, device["id"])
    assert row.registered_by_id == world.admin.id
    assert row.company_id == world.customer.id


@pytest.mark.parametrize("caller", ["advanced", "admin", "partner_admin", "desk"])
async def test_an_advanced_user_or_above_registers_in_its_subtree(
    world: World, sessionmaker: Maker, caller: str
) -> None:
    # given credits in the customer's site
    await world.grant(world.site, 1)
    # when a user of the customer or above registers a device there
    device = await world.register(world.site, getattr(world, caller))
    # then the site pays for it
    assert device["company"] == {"id": cid(world.site)}
    assert await balance_of(sessionmaker, world.site) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"serialNumber": "S" * 100}, id="serial-of-100"),
        pytest.param({"serialNumber": "a.b_c:d/e-9"}, id="serial-punctuation"),
        pytest.param({"datapoints": 0}, id="no-datapoints"),
        pytest.param({"datapoints": 100_000}, id="most-datapoints"),
        pytest.param({"name": "n" * 200}, id="name-of-200"),
    ],
)
async def test_register_accepts_the_edges_of_valid_input(
    world: World, overrides: dict[str, Any]
) -> None:
    await world.grant(world.customer, 1)
    device = await world.register(**overrides)
    for key, value in overrides.items():
        assert device[key] == value


# --- deviceRegister: typed errors, nothing written --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"serialNumber": ""}, error("INVALID_FORMAT", "serialNumber"), id="empty"),
        pytest.param({"serialNumber": "   "}, error("INVALID_FORMAT", "serialNumber"), id="blank"),
        pytest.param(
            {"serialNumber": "SN 0001"}, error("INVALID_FORMAT", "serialNumber"), id="inner-space"
        ),
        pytest.param(
            {"serialNumber": "S" * 101}, error("INVALID_FORMAT", "serialNumber"), id="101-chars"
        ),
        pytest.param(
            {"serialNumber": "-SN1"}, error("INVALID_FORMAT", "serialNumber"), id="leading-dash"
        ),
        pytest.param({"datapoints": -1}, error("BELOW_MINIMUM", "datapoints"), id="negative-dp"),
        pytest.param(
            {"datapoints": 100_001},
            error("OUT_OF_RANGE", "datapoints"),
            id="too-many-dp",
        ),
        pytest.param({"name": ""}, error("REQUIRED", "name"), id="empty-name"),
        pytest.param({"name": "   "}, error("REQUIRED", "name"), id="blank-name"),
        pytest.param({"name": "n" * 201}, error("TOO_LONG", "name"), id="long-name"),
        pytest.param({"model": ""}, error("REQUIRED", "model"), id="empty-model"),
        pytest.param({"companyId": "nonsense"}, error("INVALID_ID", "companyId"), id="bad-id"),
        pytest.param(
            {"accountId": "nonsense"}, error("INVALID_ID", "accountId"), id="bad-account-id"
        ),
        pytest.param(
            {"idempotencyKey": "   "}, error("INVALID_VALUE", "idempotencyKey"), id="blank-key"
        ),
        pytest.param(
            {"idempotencyKey": "k" * 101}, error("INVALID_VALUE", "idempotencyKey"), id="long-key"
        ),
    ],
)
async def test_register_rejects_invalid_input(
    world: World, sessionmaker: Maker, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    # given a customer that could pay
    await world.grant(world.customer, 5)
    before = await snapshot(sessionmaker)
    # when the input is malformed
    result = await world.result(
        "deviceRegister", register_input(world.customer, **overrides), world.admin
    )
    # then the culprit is named and nothing is written (no device, no charge)
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before
    assert await balance_of(sessionmaker, world.customer) == 5


@pytest.mark.parametrize("where", ["customer", "neighbour", "other"])
async def test_a_serial_registered_anywhere_is_refused_until_unregistered_there(
    world: World, sessionmaker: Maker, where: str
) -> None:
    # given a serial registered in the customer itself, a sibling branch or another branch
    company: Company = getattr(world, where)
    await world.grant(company, 1)
    await world.grant(world.customer, 2)
    first = await world.register(company, world.desk, serialNumber="SN-MOVING")
    before = await snapshot(sessionmaker)
    # when the customer's administrator registers it in the customer
    data = register_input(world.customer, serialNumber="SN-MOVING")
    refused = await world.result("deviceRegister", data, world.admin)
    # then it is a conflict that says what to do, and nothing is written
    assert without_message(refused) == error("SERIAL_REGISTERED", "serialNumber", "ConflictError")
    assert "unregister" in refused["message"].lower()
    assert await snapshot(sessionmaker) == before
    # when it is unregistered there, registering it here works
    await world.unregister(first["id"], world.desk)
    second = await world.register(world.customer, serialNumber="SN-MOVING")
    assert second["id"] != first["id"]
    # and the history keeps both rows: the old one unregistered, the new one registered
    rows = await device_rows(sessionmaker, "SN-MOVING")
    assert [(r.company_id, r.status) for r in rows] == [
        (company.id, DeviceStatus.UNREGISTERED),
        (world.customer.id, DeviceStatus.ACTIVE),
    ]
    history = await world.query(
        "{ devices(status: UNREGISTERED) { edges { node { id serialNumber company { id } } } } }",
        world.desk,
    )
    assert [e["node"] for e in history.data["devices"]["edges"]] == [
        {"id": first["id"], "serialNumber": "SN-MOVING", "company": {"id": cid(company)}}
    ]
    current = await world.query("{ devices { edges { node { id serialNumber } } } }", world.desk)
    assert [e["node"] for e in current.data["devices"]["edges"]] == [
        {"id": second["id"], "serialNumber": "SN-MOVING"}
    ]


async def test_a_serial_is_compared_after_trimming(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.customer, 2)
    await world.register(serialNumber="SN-TRIM")
    before = await snapshot(sessionmaker)
    result = await world.result(
        "deviceRegister", register_input(world.customer, serialNumber=" SN-TRIM "), world.admin
    )
    assert without_message(result) == error("SERIAL_REGISTERED", "serialNumber", "ConflictError")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("granted", [0, None], ids=["spent", "never-granted"])
async def test_register_without_credits(
    world: World, sessionmaker: Maker, granted: int | None
) -> None:
    # given a customer whose credits are spent (or that never had a balance)
    if granted is not None:
        await world.grant(world.customer, 1)
        await world.register()
    before = await snapshot(sessionmaker)
    # when a device is registered
    result = await world.result("deviceRegister", register_input(world.customer), world.admin)
    # then there are not enough credits (none available), and nothing is written
    assert without_message(result) == error("INSUFFICIENT_CREDITS", "companyId")
    assert numbers(result) == {"available": 0}
    assert await snapshot(sessionmaker) == before
    assert await balance_of(sessionmaker, world.customer) == 0


async def test_register_with_an_account_of_another_company_is_not_found(
    world: World, sessionmaker: Maker
) -> None:
    # given accounts of the customer's site (in scope), of the neighbour (out of scope)
    await world.grant(world.customer, 2)
    of_site = await world.account(world.site)
    of_neighbour = await world.account(world.neighbour)
    before = await snapshot(sessionmaker)
    # when a device of the customer is bound to each of them, or to an unknown account
    answers = {
        name: await world.result(
            "deviceRegister", register_input(world.customer, accountId=account), world.admin
        )
        for name, account in [
            ("unknown", gid("Account", 999_999)),
            ("site", of_site),
            ("neighbour", of_neighbour),
            ("a company id", cid(world.customer)),
        ]
    }
    # then each is the same NotFoundError on accountId, and nothing is written
    assert without_message(answers["unknown"]) == error("NOT_FOUND", "accountId", "NotFoundError")
    assert answers == dict.fromkeys(answers, answers["unknown"])
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("state", ["expired", "pending"])
async def test_register_with_an_account_that_is_not_running(
    world: World, sessionmaker: Maker, state: str
) -> None:
    # given an account of the customer whose term ended, or not yet approved
    await world.grant(world.customer, 2)
    account_id = await world.account(approve=state != "pending")
    if state == "expired":
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Account)
                .where(Account.id == pk(account_id))
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
    before = await snapshot(sessionmaker)
    # when a device is bound to it
    result = await world.result(
        "deviceRegister", register_input(world.customer, accountId=account_id), world.admin
    )
    # then no new device can be bound to it, each rule with its code, and nothing is written
    code = "ACCOUNT_EXPIRED" if state == "expired" else "ACCOUNT_CLOSED"
    assert without_message(result) == error(code, "accountId")
    assert await snapshot(sessionmaker) == before


async def test_register_with_a_meter_license_account(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.customer, 2)
    account_id = await world.account(
        licenseId=world.licenses["STARTER_MTR"], datapoints=0, meters=5
    )
    before = await snapshot(sessionmaker)
    result = await world.result(
        "deviceRegister", register_input(world.customer, accountId=account_id), world.admin
    )
    assert without_message(result) == error("NOT_BILLED_BY_DATAPOINTS", "accountId")
    assert await snapshot(sessionmaker) == before


async def test_an_account_quota_is_used_exactly_up_to_full(
    world: World, sessionmaker: Maker
) -> None:
    # given an account of 20 datapoints with a device of 15 bound to it
    await world.grant(world.customer, 5)
    account_id = await world.account(datapoints=20)
    bound = await world.register(accountId=account_id, datapoints=15)
    assert bound["account"] == {"id": account_id}
    before = await snapshot(sessionmaker)
    # when a device of 6 is bound: one too many
    short = await world.result(
        "deviceRegister",
        register_input(world.customer, accountId=account_id, datapoints=6),
        world.admin,
    )
    # then the quota is short, on the datapoints, and nothing is written
    assert without_message(short) == error("QUOTA_EXCEEDED", "datapoints")
    assert numbers(short) == {"available": 5, "inUse": 15, "maximum": 20}
    assert await snapshot(sessionmaker) == before
    # when a device of exactly the 5 left is bound, it is accepted
    await world.register(accountId=account_id, datapoints=5)
    usage = "query A($id: ID!) { account(id: $id) { datapoints datapointsUsed datapointsLeft } }"
    full = await world.query(usage, world.admin, id=account_id)
    assert full.data["account"] == {"datapoints": 20, "datapointsUsed": 20, "datapointsLeft": 0}
    # and unregistering a device gives its datapoints back
    await world.unregister(bound["id"])
    freed = await world.query(usage, world.admin, id=account_id)
    assert freed.data["account"] == {"datapoints": 20, "datapointsUsed": 5, "datapointsLeft": 15}
    # and a device without an account uses no quota
    await world.register(datapoints=1000)
    unchanged = await world.query(usage, world.admin, id=account_id)
    assert unchanged.data["account"]["datapointsUsed"] == 5


async def test_register_in_an_archived_company(
    world: World, factory: Factory, sessionmaker: Maker
) -> None:
    # given an archived site of the customer (which cannot have credits, but even so)
    archived = await factory.company(world.customer, name="Closed", archived=True)
    before = await snapshot(sessionmaker)
    result = await world.result("deviceRegister", register_input(archived), world.admin)
    assert without_message(result) == error("COMPANY_ARCHIVED", "companyId")
    assert await snapshot(sessionmaker) == before


async def test_register_out_of_scope_is_answered_like_an_unknown_company(
    world: World, factory: Factory, sessionmaker: Maker
) -> None:
    # given companies outside the customer's scope, all able to pay
    archived_elsewhere = await factory.company(world.other, name="Closed", archived=True)
    for company in (world.partner, world.platform, world.neighbour, world.other):
        await world.grant(company, 1)
    before = await snapshot(sessionmaker)
    unknown = await world.result(
        "deviceRegister",
        register_input(world.customer, companyId=gid("Company", 999_999)),
        world.admin,
    )
    # when the customer's administrator registers a device in each
    answers = {
        name: await world.result("deviceRegister", register_input(company), world.admin)
        for name, company in [
            ("parent", world.partner),
            ("root", world.platform),
            ("sibling", world.neighbour),
            ("other branch", world.other),
            ("archived elsewhere", archived_elsewhere),
        ]
    }
    answers["id of a user"] = await world.result(
        "deviceRegister",
        register_input(world.customer, companyId=gid("User", world.admin.id)),
        world.admin,
    )
    # then every answer is the unknown company's, word for word, and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", "companyId", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


# --- idempotency -------------------------------------------------------------------------


async def test_a_retry_with_the_same_key_registers_once(world: World, sessionmaker: Maker) -> None:
    # given credits, and an input carrying an idempotency key
    await world.grant(world.customer, 5)
    data = register_input(world.customer, idempotencyKey="register-boiler-1")
    # when it is sent twice
    first = await world.result("deviceRegister", data, world.admin)
    second = await world.result("deviceRegister", data, world.admin)
    # then both answers name the same device
    assert first["__typename"] == second["__typename"] == "DevicePayload"
    assert first["device"]["id"] == second["device"]["id"]
    assert first["device"]["paidUntil"] == second["device"]["paidUntil"]
    # and there is one device and one charge
    assert len(await device_rows(sessionmaker, data["serialNumber"])) == 1
    charges = [e for e in await ledger(sessionmaker, world.customer) if e.kind is EntryKind.CHARGE]
    assert len(charges) == 1
    assert await balance_of(sessionmaker, world.customer) == 4


async def test_a_key_reused_for_another_input_is_refused(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.customer, 5)
    await world.register(idempotencyKey="key-1")
    before = await snapshot(sessionmaker)
    # when the same key comes with another serial
    result = await world.result(
        "deviceRegister", register_input(world.customer, idempotencyKey="key-1"), world.admin
    )
    # then it is refused, and nothing is written
    assert without_message(result) == error("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert await snapshot(sessionmaker) == before


async def test_a_key_is_per_user(world: World, sessionmaker: Maker) -> None:
    # given a key used by the administrator
    await world.grant(world.customer, 5)
    await world.register(idempotencyKey="shared-key")
    # when another user uses the same key for its own registration, it applies
    await world.register(user=world.advanced, idempotencyKey="shared-key")
    assert len(await device_rows(sessionmaker)) == 2
    assert await balance_of(sessionmaker, world.customer) == 3


async def test_a_failed_attempt_does_not_burn_its_key(world: World, sessionmaker: Maker) -> None:
    # given a registration that fails for want of credits
    data = register_input(world.customer, idempotencyKey="retry-me")
    failed = await world.result("deviceRegister", data, world.admin)
    assert failed["code"] == "INSUFFICIENT_CREDITS"
    # when credits arrive and the same request is retried, it applies
    await world.grant(world.customer, 1)
    retried = await world.result("deviceRegister", data, world.admin)
    assert retried["__typename"] == "DevicePayload", retried
    assert await balance_of(sessionmaker, world.customer) == 0


async def test_two_concurrent_retries_register_once(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.customer, 5)
    data = register_input(world.customer, idempotencyKey="double-click")
    results = await asyncio.gather(
        *(world.result("deviceRegister", data, world.admin) for _ in range(3))
    )
    assert {r["__typename"] for r in results} == {"DevicePayload"}, results
    assert len({r["device"]["id"] for r in results}) == 1
    assert len(await device_rows(sessionmaker)) == 1
    assert await balance_of(sessionmaker, world.customer) == 4


async def test_two_concurrent_registrations_of_one_serial_without_key(
    world: World, sessionmaker: Maker
) -> None:
    # given credits for both
    await world.grant(world.customer, 5)
    serial = new_serial()
    results = await asyncio.gather(
        *(
            world.result(
                "deviceRegister", register_input(world.customer, serialNumber=serial), world.admin
            )
            for _ in range(2)
        )
    )
    # then one registers it and the other is told it is registered; one credit is charged
    assert sorted(r["__typename"] for r in results) == ["ConflictError", "DevicePayload"]
    assert len(await device_rows(sessionmaker, serial)) == 1
    assert await balance_of(sessionmaker, world.customer) == 4


async def test_concurrent_registrations_spend_one_credit_once(
    world: World, sessionmaker: Maker
) -> None:
    # given one credit, and three registrations of different devices at once
    await world.grant(world.customer, 1)
    results = await asyncio.gather(
        *(
            world.result("deviceRegister", register_input(world.customer), world.admin)
            for _ in range(3)
        )
    )
    # then one is registered and the others find no credit; the balance never goes below 0
    outcomes = sorted((r["__typename"], r.get("code")) for r in results)
    assert outcomes == [
        ("DevicePayload", None),
        ("ValidationError", "INSUFFICIENT_CREDITS"),
        ("ValidationError", "INSUFFICIENT_CREDITS"),
    ], results
    assert len(await device_rows(sessionmaker)) == 1
    assert await balance_of(sessionmaker, world.customer) == 0


async def test_concurrent_registrations_never_overfill_an_account(
    world: World, sessionmaker: Maker
) -> None:
    # given an account of 20 datapoints, and three devices of 10 registered into it at once
    await world.grant(world.customer, 5)
    account_id = await world.account(datapoints=20)
    results = await asyncio.gather(
        *(
            world.result(
                "deviceRegister",
                register_input(world.customer, accountId=account_id, datapoints=10),
                world.admin,
            )
            for _ in range(3)
        )
    )
    # then two fit and the third finds the quota short
    outcomes = sorted((r["__typename"], r.get("code")) for r in results)
    assert outcomes == [
        ("DevicePayload", None),
        ("DevicePayload", None),
        ("ValidationError", "QUOTA_EXCEEDED"),
    ], results
    usage = await world.query(
        "query A($id: ID!) { account(id: $id) { datapointsUsed datapointsLeft } }",
        world.admin,
        id=account_id,
    )
    assert usage.data["account"] == {"datapointsUsed": 20, "datapointsLeft": 0}
    assert await balance_of(sessionmaker, world.customer) == 3


# --- authentication and authorization ------------------------------------------------------


@pytest.mark.parametrize("name", ["deviceRegister", "deviceRename", "deviceUnregister"])
@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_unauthenticated(
    world: World, sessionmaker: Maker, name: str, token: str | None
) -> None:
    await world.grant(world.customer, 2)
    device = await world.register()
    data = {
        "deviceRegister": register_input(world.customer),
        "deviceRename": {"id": device["id"], "name": "Renamed"},
        "deviceUnregister": {"id": device["id"]},
    }[name]
    before = await snapshot(sessionmaker)
    response = await world.client(mutation(name, RESULTS[name]), {"input": data}, token=token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("name", ["deviceRegister", "deviceRename", "deviceUnregister"])
async def test_a_user_may_not_manage_devices(world: World, sessionmaker: Maker, name: str) -> None:
    # given a device of the customer, and the customer's USER
    await world.grant(world.customer, 2)
    device = await world.register()
    data = {
        "deviceRegister": register_input(world.customer),
        "deviceRename": {"id": device["id"], "name": "Renamed"},
        "deviceUnregister": {"id": device["id"]},
    }[name]
    before = await snapshot(sessionmaker)
    # when the USER acts, then it is forbidden, as a top-level error, and nothing is written
    response = await world.call(name, data, world.viewer)
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- deviceRename ------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["advanced", "admin", "partner_admin"])
async def test_rename(world: World, sessionmaker: Maker, caller: str) -> None:
    await world.grant(world.site, 1)
    device = await world.register(world.site)
    balance = await balance_of(sessionmaker, world.site)
    result = await world.result(
        "deviceRename", {"id": device["id"], "name": "  Chiller 2 "}, getattr(world, caller)
    )
    assert result["__typename"] == "DevicePayload", result
    assert result["device"] == {**device, "name": "Chiller 2"}
    assert (await device_row(sessionmaker, device["id"])).name == "Chiller 2"
    assert await balance_of(sessionmaker, world.site) == balance  # renaming costs nothing


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("", error("REQUIRED", "name"), id="empty"),
        pytest.param("  ", error("REQUIRED", "name"), id="blank"),
        pytest.param("n" * 201, error("TOO_LONG", "name"), id="long"),
    ],
)
async def test_rename_rejects_invalid_names(
    world: World, sessionmaker: Maker, name: str, expected: dict[str, Any]
) -> None:
    await world.grant(world.customer, 1)
    device = await world.register()
    before = await snapshot(sessionmaker)
    result = await world.result("deviceRename", {"id": device["id"], "name": name}, world.admin)
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("name", ["deviceRename", "deviceUnregister"])
async def test_a_device_out_of_scope_is_answered_like_an_unknown_device(
    world: World, sessionmaker: Maker, name: str
) -> None:
    # given devices in the partner itself, a sibling branch and another branch
    outside = {}
    for company in (world.partner, world.neighbour, world.other):
        await world.grant(company, 1)
        outside[company.name] = (await world.register(company, world.desk))["id"]
    before = await snapshot(sessionmaker)

    async def act(device_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"id": device_id}
        if name == "deviceRename":
            data["name"] = "Mine now"
        return await world.result(name, data, world.admin)

    unknown = await act(gid("Device", 999_999))
    answers = {key: await act(device_id) for key, device_id in outside.items()}
    answers["a company id"] = await act(cid(world.customer))
    # then each is the unknown device's answer, and nothing is written
    assert without_message(unknown) == error("NOT_FOUND", "id", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


# --- deviceUnregister --------------------------------------------------------------------


async def test_unregister_forfeits_the_unused_days_and_refunds_nothing(
    world: World, sessionmaker: Maker
) -> None:
    # given a device registered just now: 30 days paid
    await world.grant(world.customer, 2)
    device = await world.register()
    entries_before = [(e.id, e.amount) for e in await ledger(sessionmaker, world.customer)]
    # when it is unregistered
    before = datetime.now(UTC)
    result = await world.result("deviceUnregister", {"id": device["id"]}, world.admin)
    after = datetime.now(UTC)
    # then it is UNREGISTERED and the unused days of its period are lost
    assert result["__typename"] == "DevicePayload", result
    gone = result["device"]
    assert gone["status"] == "UNREGISTERED"
    assert before <= at(gone["unregisteredAt"]) <= after
    assert gone["forfeitedDays"] == 30
    assert gone["paidUntil"] == device["paidUntil"]
    # and no credit comes back
    entries_after = [(e.id, e.amount) for e in await ledger(sessionmaker, world.customer)]
    assert entries_after == entries_before
    assert await balance_of(sessionmaker, world.customer) == 1


@pytest.mark.parametrize("days_left", [12, 1])
async def test_forfeited_days_are_those_left_in_the_period(
    world: World, sessionmaker: Maker, days_left: int
) -> None:
    # given a device part-way through its period: `days_left` days of it remain
    await world.grant(world.customer, 1)
    device = await world.register()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Device)
            .where(Device.id == pk(device["id"]))
            .values(paid_until=datetime.now(UTC) + timedelta(days=days_left))
        )
    # when it is unregistered, those days are forfeited
    gone = await world.unregister(device["id"])
    assert gone["forfeitedDays"] == days_left
    assert (await device_row(sessionmaker, device["id"])).forfeited_days == days_left


async def test_a_suspended_device_forfeits_nothing(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.customer, 1)
    device = await world.register()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Device)
            .where(Device.id == pk(device["id"]))
            .values(status=DeviceStatus.SUSPENDED, paid_until=datetime.now(UTC) - timedelta(days=2))
        )
    gone = await world.unregister(device["id"])
    assert (gone["status"], gone["forfeitedDays"]) == ("UNREGISTERED", 0)


@pytest.mark.parametrize("name", ["deviceRename", "deviceUnregister"])
async def test_an_unregistered_device_cannot_be_changed(
    world: World, sessionmaker: Maker, name: str
) -> None:
    await world.grant(world.customer, 1)
    device = await world.register()
    await world.unregister(device["id"])
    before = await snapshot(sessionmaker)
    data: dict[str, Any] = {"id": device["id"]}
    if name == "deviceRename":
        data["name"] = "Renamed"
    result = await world.result(name, data, world.admin)
    assert without_message(result) == error("DEVICE_UNREGISTERED", "id")
    assert await snapshot(sessionmaker) == before


# --- reads ------------------------------------------------------------------------------

DEVICES = """
query Devices(
  $companyId: ID, $includeDescendants: Boolean, $status: DeviceStatus, $accountId: ID,
  $first: Int, $after: String
) {
  devices(
    companyId: $companyId, includeDescendants: $includeDescendants, status: $status,
    accountId: $accountId, first: $first, after: $after
  ) {
    edges { cursor node { id serialNumber status } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


@dataclass
class Fleet:
    """Devices across the world, by name: global ids."""

    bound: str  # customer, bound to `account`
    plain: str  # customer
    suspended: str  # customer, SUSPENDED
    retired: str  # customer, UNREGISTERED
    at_site: str  # the customer's site
    at_neighbour: str  # sibling branch
    at_other: str  # another branch
    account: str  # an account of the customer


@pytest.fixture
async def fleet(world: World, sessionmaker: Maker) -> Fleet:
    await world.grant(world.customer, 10)
    await world.grant(world.site, 1)
    await world.grant(world.neighbour, 1)
    await world.grant(world.other, 1)
    account = await world.account()
    bound = await world.register(accountId=account, serialNumber="A-BOUND")
    plain = await world.register(serialNumber="B-PLAIN")
    suspended = await world.register(serialNumber="C-SUSPENDED")
    retired = await world.register(serialNumber="D-RETIRED")
    at_site = await world.register(world.site, serialNumber="E-SITE")
    at_neighbour = await world.register(world.neighbour, world.partner_admin, serialNumber="F-N")
    at_other = await world.register(world.other, world.desk, serialNumber="G-OTHER")
    await world.unregister(retired["id"])
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Device)
            .where(Device.id == pk(suspended["id"]))
            .values(status=DeviceStatus.SUSPENDED)
        )
    return Fleet(
        bound=bound["id"],
        plain=plain["id"],
        suspended=suspended["id"],
        retired=retired["id"],
        at_site=at_site["id"],
        at_neighbour=at_neighbour["id"],
        at_other=at_other["id"],
        account=account,
    )


async def listed(world: World, user: User, **variables: Any) -> list[str]:
    response = await world.query(DEVICES, user, **variables)
    return [edge["node"]["id"] for edge in response.data["devices"]["edges"]]


@pytest.mark.parametrize("caller", ["viewer", "admin"])
async def test_devices_of_the_callers_subtree_by_default(
    world: World, fleet: Fleet, caller: str
) -> None:
    # the registered devices of the customer and below, by id; never the neighbour's
    assert await listed(world, getattr(world, caller)) == [
        fleet.bound,
        fleet.plain,
        fleet.suspended,
        fleet.at_site,
    ]


async def test_devices_of_one_company_or_its_subtree(world: World, fleet: Fleet) -> None:
    own = await listed(world, world.admin, includeDescendants=False)
    site = await listed(world, world.admin, companyId=cid(world.site))
    partner = await listed(world, world.partner_admin)
    partner_only = await listed(
        world, world.partner_admin, companyId=cid(world.partner), includeDescendants=False
    )
    assert own == [fleet.bound, fleet.plain, fleet.suspended]
    assert site == [fleet.at_site]
    assert partner == [
        fleet.bound,
        fleet.plain,
        fleet.suspended,
        fleet.at_site,
        fleet.at_neighbour,
    ]
    assert partner_only == []


async def test_devices_filtered_by_status_and_account(world: World, fleet: Fleet) -> None:
    assert await listed(world, world.admin, status="ACTIVE") == [
        fleet.bound,
        fleet.plain,
        fleet.at_site,
    ]
    assert await listed(world, world.admin, status="SUSPENDED") == [fleet.suspended]
    assert await listed(world, world.admin, status="UNREGISTERED") == [fleet.retired]
    assert await listed(world, world.admin, accountId=fleet.account) == [fleet.bound]
    assert await listed(world, world.partner_admin, status="UNREGISTERED") == [fleet.retired]
    assert await listed(world, world.desk, status="ACTIVE", includeDescendants=False) == []


async def test_device_pages_join_up(world: World, fleet: Fleet) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        variables: dict[str, Any] = {"first": 2}
        if after is not None:
            variables["after"] = after
        response = await world.query(DEVICES, world.desk, **variables)
        page = response.data["devices"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    every = [
        fleet.bound,
        fleet.plain,
        fleet.suspended,
        fleet.at_site,
        fleet.at_neighbour,
        fleet.at_other,
    ]
    assert seen == every
    assert pages == math.ceil(len(every) / 2)


@pytest.mark.parametrize("outside", ["partner", "platform", "neighbour", "other"])
async def test_devices_of_a_company_out_of_scope_is_not_found(
    world: World, fleet: Fleet, outside: str
) -> None:
    unknown = await world.query(DEVICES, world.admin, companyId=gid("Company", 999_999))
    response = await world.query(DEVICES, world.admin, companyId=cid(getattr(world, outside)))
    assert response.error_codes == unknown.error_codes == ["NOT_FOUND"]
    assert response.body == unknown.body


@pytest.mark.parametrize(
    "query",
    [
        '{ device(id: "not an id") { id } }',
        '{ devices(companyId: "not an id") { edges { node { id } } } }',
        '{ devices(accountId: "%%%") { edges { node { id } } } }',
        '{ ledgerEntries(companyId: "") { edges { node { id } } } }',
    ],
)
async def test_a_malformed_id_in_a_query_is_a_client_error(world: World, query: str) -> None:
    response = await world.client(query, token=world.token(world.admin))
    assert response.error_codes == ["INVALID_ID"]


async def test_devices_need_a_token(world: World, fleet: Fleet) -> None:
    response = await world.client(DEVICES, {})
    assert response.error_codes == ["UNAUTHENTICATED"]


DEVICE = """
query One($id: ID!) {
  device(id: $id) { id serialNumber status company { id } }
  node(id: $id) { __typename id ... on Device { serialNumber } }
}
"""


async def test_one_device_in_scope(world: World, fleet: Fleet) -> None:
    for user in (world.viewer, world.admin, world.partner_admin):
        response = await world.query(DEVICE, user, id=fleet.at_site)
        assert response.data == {
            "device": {
                "id": fleet.at_site,
                "serialNumber": "E-SITE",
                "status": "ACTIVE",
                "company": {"id": cid(world.site)},
            },
            "node": {"__typename": "Device", "id": fleet.at_site, "serialNumber": "E-SITE"},
        }
    # an unregistered device is still readable: it is the registration history
    retired = await world.query(DEVICE, world.admin, id=fleet.retired)
    assert retired.data["device"]["status"] == "UNREGISTERED"


async def test_one_device_out_of_scope_is_null(world: World, fleet: Fleet) -> None:
    for device_id in (fleet.at_neighbour, fleet.at_other, gid("Device", 999_999)):
        response = await world.query(DEVICE, world.admin, id=device_id)
        assert response.body == {"data": {"device": None, "node": None}}, device_id
    seen_from_partner = await world.query(DEVICE, world.partner_admin, id=fleet.at_neighbour)
    assert seen_from_partner.data["device"]["id"] == fleet.at_neighbour


async def test_counts_of_registered_devices(world: World, fleet: Fleet) -> None:
    document = "query C($id: ID!) { company(id: $id) { counts { devices } } }"
    counts = {
        company.name: (await world.query(document, world.partner_admin, id=cid(company))).data[
            "company"
        ]["counts"]["devices"]
        for company in (world.partner, world.customer, world.site, world.neighbour)
    }
    # of each company itself: registered (ACTIVE or SUSPENDED), not unregistered
    assert counts == {"Partner": 0, "Customer": 3, "Site": 1, "Neighbour": 1}


async def test_a_user_does_not_see_the_account_of_a_device(world: World, fleet: Fleet) -> None:
    # Accounts and their datapoint usage are for ADVANCED_USER and above (SPEC section 3);
    # a USER reads devices, but the account behind one must not leak through it.
    document = """
    query D($id: ID!) { device(id: $id) { id account { id name datapointsUsed } } }
    """
    advanced = await world.query(document, world.advanced, id=fleet.bound)
    assert advanced.data["device"]["account"]["id"] == fleet.account
    viewer = await world.query(document, world.viewer, id=fleet.bound)
    assert viewer.body["data"]["device"] == {"id": fleet.bound, "account": None}
    assert viewer.error_codes in ([], ["FORBIDDEN"])
