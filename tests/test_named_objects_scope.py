"""Mutations that name several objects answer scope before role (SPEC section 3).

An object out of the caller's scope answers NOT_FOUND exactly like one that does not
exist, whichever field names it, whether its id is lower or higher than the in-scope
objects' ids, and whether the caller's role may act at all: FORBIDDEN only when every
object named is in scope. Nothing is written on refusal.

The world; ids grow downwards, so Early's objects have lower ids than the caller's and
Late's higher ones:

    Platform
    |-- Early           out of scope, created first
    |-- Partner         the callers: superadmin, admin, advanced, viewer
    |   `-- Customer
    `-- Late            out of scope, created last
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from models.account import (
    Account,
    Application,
)
from models.company import Company
from models.credit import CreditBalance, IdempotencyKey, LedgerEntry
from models.device import Device
from models.user import Role, User
from tests.factories import Factory
from tests.graphql import (
    GraphQLClient,
    Response,
    cid,
    error,
    gid,
    mutation,
    union,
    without_message,
)
from tests.helpers import Maker, account_request, add_account, license_ids, snapshot_of

# Every row these mutations could write: equal snapshots mean nothing was written.
snapshot = snapshot_of(Account, Application, Device, LedgerEntry, CreditBalance, IdempotencyKey)

APPLICATION = union("ApplicationPayload { application { id } }")
SELECTIONS = {
    "datapointTransferRequest": APPLICATION,
    "accountRequest": APPLICATION,
    "accountLicenseChangeRequest": APPLICATION,
    "creditMove": union("CreditMovePayload { transferId }"),
    "deviceRegister": union("DevicePayload { device { id } }"),
}


@dataclass
class World:
    client: GraphQLClient
    factory: Factory
    early: Company
    partner: Company
    customer: Company
    late: Company
    users: dict[Role, User]  # of the partner
    accounts: dict[str, str]  # "early", "partner", "customer", "late" -> global id
    licenses: dict[str, str]  # code -> global id

    async def call(self, name: str, data: dict[str, Any], role: Role) -> Response:
        token = self.factory.token(self.users[role])
        return await self.client(mutation(name, SELECTIONS[name]), {"input": data}, token=token)


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    licenses = await license_ids(sessionmaker)
    platform = await factory.company(name="Platform")
    early = await factory.company(platform, name="Early")
    early_account = gid("Account", (await add_account(sessionmaker, early)).id)
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    partner_account = gid("Account", (await add_account(sessionmaker, partner)).id)
    customer_account = gid("Account", (await add_account(sessionmaker, customer)).id)
    late = await factory.company(platform, name="Late")
    late_account = gid("Account", (await add_account(sessionmaker, late)).id)
    async with sessionmaker() as session, session.begin():
        # Credits on both sides of a move, so a move wrongly let through would show.
        session.add_all(
            CreditBalance(company_id=company.id, balance=100) for company in (partner, customer)
        )
    return World(
        client=client,
        factory=factory,
        early=early,
        partner=partner,
        customer=customer,
        late=late,
        users={role: await factory.user(partner, role) for role in Role},
        accounts={
            "early": early_account,
            "partner": partner_account,
            "customer": customer_account,
            "late": late_account,
        },
        licenses=licenses,
    )


# --- the mutations, each with a valid input naming only objects in scope -----------------


@dataclass(frozen=True)
class Named:
    """A field of the input that names an object: its type, and the out-of-scope object of
    each id order (None for the global license catalog: a license is never out of scope)."""

    field: str
    type_name: str
    outside: Callable[[World, str], str] | None


def _account(world: World, order: str) -> str:
    return world.accounts[order]


def _company(world: World, order: str) -> str:
    return cid(world.early if order == "early" else world.late)


@dataclass(frozen=True)
class Case:
    mutation: str
    allowed: Role  # the lowest role that may act on in-scope objects
    lacking: Role  # a role below it
    valid: Callable[[World], dict[str, Any]]
    named: tuple[Named, ...]


CASES = [
    Case(
        "datapointTransferRequest",
        Role.SUPERADMIN,
        Role.ADMINISTRATOR,
        lambda w: {
            "accountId": w.accounts["partner"],
            "targetAccountId": w.accounts["customer"],
            "datapoints": 10,
        },
        (
            Named("accountId", "Account", _account),
            Named("targetAccountId", "Account", _account),
        ),
    ),
    Case(
        "creditMove",
        Role.ADMINISTRATOR,
        Role.ADVANCED_USER,
        lambda w: {"fromCompanyId": cid(w.partner), "toCompanyId": cid(w.customer), "amount": 5},
        (
            Named("fromCompanyId", "Company", _company),
            Named("toCompanyId", "Company", _company),
        ),
    ),
    Case(
        "deviceRegister",
        Role.ADVANCED_USER,
        Role.USER,
        lambda w: {
            "companyId": cid(w.customer),
            "accountId": w.accounts["customer"],
            "serialNumber": "SN-SCOPE-1",
            "name": "Boiler room meter",
            "model": "EM-24",
            "datapoints": 10,
        },
        (Named("companyId", "Company", _company), Named("accountId", "Account", _account)),
    ),
    Case(
        "accountRequest",
        Role.SUPERADMIN,
        Role.ADMINISTRATOR,
        lambda w: account_request(w.customer, w.licenses["STARTER_DP"]),
        (Named("companyId", "Company", _company), Named("licenseId", "License", None)),
    ),
    Case(
        "accountLicenseChangeRequest",
        Role.SUPERADMIN,
        Role.ADMINISTRATOR,
        lambda w: {
            "accountId": w.accounts["customer"],
            "licenseId": w.licenses["PROFESSIONAL_DP"],
        },
        (Named("accountId", "Account", _account), Named("licenseId", "License", None)),
    ),
]


def _swaps() -> list[Any]:
    """Every case x named field x id order (early: lower, late: higher) x role."""
    params = []
    for case in CASES:
        for named in case.named:
            orders = ["early", "late"] if named.outside else ["missing"]
            for order in orders:
                for role in ("allowed", "lacking"):
                    params.append(
                        pytest.param(
                            case,
                            named,
                            order,
                            role,
                            id=f"{case.mutation}-{named.field}-{order}-{role}",
                        )
                    )
    return params


@pytest.mark.parametrize(("case", "named", "order", "role"), _swaps())
async def test_an_object_out_of_scope_is_answered_like_an_unknown_one(
    world: World, sessionmaker: Maker, case: Case, named: Named, order: str, role: str
) -> None:
    # given a caller of the partner, allowed to act on in-scope objects or not at all
    caller = case.allowed if role == "allowed" else case.lacking
    valid = case.valid(world)
    before = await snapshot(sessionmaker)
    # when one field names an unknown object, or one out of scope (lower or higher id)
    unknown = await world.call(
        case.mutation, {**valid, named.field: gid(named.type_name, 999_999)}, caller
    )
    if named.outside is not None:
        outside = await world.call(
            case.mutation, {**valid, named.field: named.outside(world, order)}, caller
        )
        assert outside.body == unknown.body
    # then both are the same NotFoundError on that field, and nothing is written
    assert unknown.errors == []
    assert without_message(unknown.data[case.mutation]) == error(
        "NOT_FOUND", named.field, "NotFoundError"
    )
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("case", CASES, ids=[case.mutation for case in CASES])
async def test_a_role_that_may_not_act_is_forbidden_only_when_all_is_in_scope(
    world: World, sessionmaker: Maker, case: Case
) -> None:
    # given a valid input naming only objects in scope, and a role that may not act on them
    before = await snapshot(sessionmaker)
    response = await world.call(case.mutation, case.valid(world), case.lacking)
    # then the role is refused, as a top-level error, and nothing is written
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("order", ["early", "late"])
@pytest.mark.parametrize("role", [Role.SUPERADMIN, Role.ADMINISTRATOR])
async def test_a_transfer_between_two_accounts_out_of_scope(
    world: World, sessionmaker: Maker, order: str, role: Role
) -> None:
    # given both accounts out of scope (the lower id first or second): the source's field
    other = "late" if order == "early" else "early"
    before = await snapshot(sessionmaker)
    response = await world.call(
        "datapointTransferRequest",
        {
            "accountId": world.accounts[order],
            "targetAccountId": world.accounts[other],
            "datapoints": 10,
        },
        role,
    )
    answer = response.data["datapointTransferRequest"]
    assert without_message(answer) == error("NOT_FOUND", "accountId", "NotFoundError")
    assert await snapshot(sessionmaker) == before
