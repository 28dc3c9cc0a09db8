"""Contract tests of the credit API (SPEC sections 1, 3, 5, 6), through HTTP and GraphQL.

`creditGrant` and `creditMove`: success and the entries they wrote; every typed error with
its `code` and `field`, and nothing written (the ledger, balance and idempotency-key rows
are read back and compared); NOT_FOUND out of scope, answered exactly like an unknown id;
UNAUTHENTICATED and FORBIDDEN as top-level errors; idempotency keys. Then the reads: the
ledger (order, filters, keyset pages), `creditBalance`, `creditPayer` along
`useParentCredits` chains; registrations paid by a parent; archive blockers for devices
and credits; the ledger's invariants.

The world:

    Platform            root (SUPERADMIN), desk (ADMINISTRATOR), platform_advanced
    |-- Partner         partner_boss (SUPERADMIN), partner_admin (ADMINISTRATOR),
    |   |               partner_advanced (ADVANCED_USER)
    |   |-- Customer    customer_boss (SUPERADMIN), customer_admin (ADMINISTRATOR),
    |   |   |           customer_viewer (USER)
    |   |   `-- Site
    |   `-- Neighbour   (sibling of the customer)
    `-- Other           (another partner's branch)
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from models.company import Company
from models.credit import CreditBalance, EntryKind, IdempotencyKey, LedgerEntry
from models.device import Device
from models.user import Role, User
from services import credit, jobs
from tests.conftest import StatementCounter
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
from tests.helpers import Maker, balance_of, ledger, snapshot_of
from tests.worlds import ApiWorld, standard_tree

ENTRY_FIELDS = """
  id kind amount balanceAfter reason reference transferId createdAt
  company { id } device { id }
"""
RESULTS = {
    "creditGrant": union(f"CreditGrantPayload {{ entry {{ {ENTRY_FIELDS} }} }}", NUMBERS),
    "creditMove": union(
        f"CreditMovePayload {{ transferId outEntry {{ {ENTRY_FIELDS} }}"
        f" inEntry {{ {ENTRY_FIELDS} }} }}",
        NUMBERS,
    ),
    "deviceRegister": union("DevicePayload { device { id company { id } } }", NUMBERS),
    "deviceUnregister": union("DevicePayload { device { id status } }"),
    "companySetUseParentCredits": union("CompanyPayload { company { id useParentCredits } }"),
    "companyArchive": union(
        "CompanyPayload { company { id archivedAt } }", "ArchiveBlockedError { blockers }"
    ),
}


_serials = itertools.count(1)


@dataclass
class World(ApiWorld):
    site: Company
    root: User
    desk: User
    platform_advanced: User
    partner_boss: User
    partner_admin: User
    partner_advanced: User
    customer_boss: User
    customer_admin: User
    customer_viewer: User

    def selection(self, name: str) -> str:
        return RESULTS[name]

    async def grant(self, company: Company, amount: int, **extra: Any) -> dict[str, Any]:
        data = {"companyId": cid(company), "amount": amount, **extra}
        result = await self.result("creditGrant", data, self.desk)
        assert result["__typename"] == "CreditGrantPayload", result
        entry: dict[str, Any] = result["entry"]
        return entry

    async def move(
        self, source: Company, target: Company, amount: int, user: User | None = None
    ) -> dict[str, Any]:
        data = {"fromCompanyId": cid(source), "toCompanyId": cid(target), "amount": amount}
        result = await self.result("creditMove", data, user or self.partner_admin)
        assert result["__typename"] == "CreditMovePayload", result
        return result

    async def register(self, company: Company, user: User | None = None) -> dict[str, Any]:
        data = {
            "companyId": cid(company),
            "serialNumber": f"CR-{next(_serials):06d}",
            "name": "Meter",
            "model": "EM-1",
            "datapoints": 5,
        }
        result = await self.result("deviceRegister", data, user or self.partner_admin)
        assert result["__typename"] == "DevicePayload", result
        device: dict[str, Any] = result["device"]
        return device

    async def use_parent_credits(self, company: Company, value: bool = True) -> None:
        result = await self.result(
            "companySetUseParentCredits",
            {"id": cid(company), "useParentCredits": value},
            self.partner_admin,
        )
        assert result["__typename"] == "CompanyPayload", result
        assert result["company"]["useParentCredits"] is value


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> World:
    tree = await standard_tree(factory)
    platform, partner, customer = tree.platform, tree.partner, tree.customer
    site = await factory.company(customer, name="Site")
    return World(
        **tree.companies(),
        client=client,
        factory=factory,
        sessionmaker=sessionmaker,
        site=site,
        root=await factory.user(platform, Role.SUPERADMIN),
        desk=await factory.user(platform, Role.ADMINISTRATOR),
        platform_advanced=await factory.user(platform, Role.ADVANCED_USER),
        partner_boss=await factory.user(partner, Role.SUPERADMIN),
        partner_admin=await factory.user(partner, Role.ADMINISTRATOR),
        partner_advanced=await factory.user(partner, Role.ADVANCED_USER),
        customer_boss=await factory.user(customer, Role.SUPERADMIN),
        customer_admin=await factory.user(customer, Role.ADMINISTRATOR),
        customer_viewer=await factory.user(customer, Role.USER),
    )


# --- reading rows back ------------------------------------------------------------------


# Every row a credit mutation could write: equal snapshots mean nothing was written.
snapshot = snapshot_of(LedgerEntry, CreditBalance, IdempotencyKey, Device, Company)


async def balances(sessionmaker: Maker, *companies: Company) -> list[int]:
    return [await balance_of(sessionmaker, company) for company in companies]


async def problems(sessionmaker: Maker) -> list[str]:
    async with sessionmaker() as session:
        return await credit.check_invariants(session)


# --- creditGrant ------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["desk", "root"])
async def test_grant_sells_credits_to_any_company(
    world: World, sessionmaker: Maker, caller: str
) -> None:
    # given the platform's ADMINISTRATOR or SUPERADMIN
    user: User = getattr(world, caller)
    # when it grants credits to a customer, twice
    first = await world.result(
        "creditGrant",
        {
            "companyId": cid(world.customer),
            "amount": 25,
            "reason": "  Order 2024-17 ",
            "reference": "INV-2024-17",
        },
        user,
    )
    second = await world.result(
        "creditGrant", {"companyId": cid(world.customer), "amount": 5}, user
    )
    # then each answer is the GRANT entry with the balance after it
    assert first["__typename"] == "CreditGrantPayload", first
    entry = first["entry"]
    assert {k: v for k, v in entry.items() if k not in ("id", "createdAt")} == {
        "kind": "GRANT",
        "amount": 25,
        "balanceAfter": 25,
        "reason": "Order 2024-17",
        "reference": "INV-2024-17",
        "transferId": None,
        "company": {"id": cid(world.customer)},
        "device": None,
    }
    assert (second["entry"]["amount"], second["entry"]["balanceAfter"]) == (5, 30)
    # and the ledger says who granted them; the balance is their sum
    rows = await ledger(sessionmaker, world.customer)
    assert [(r.kind, r.amount, r.actor_id) for r in rows] == [
        (EntryKind.GRANT, 25, user.id),
        (EntryKind.GRANT, 5, user.id),
    ]
    assert entry["id"] == gid("LedgerEntry", rows[0].id)
    assert await balance_of(sessionmaker, world.customer) == 30
    assert await problems(sessionmaker) == []


async def test_grant_to_the_platform_itself_and_deep_down(
    world: World, sessionmaker: Maker
) -> None:
    await world.grant(world.platform, 7)
    await world.grant(world.site, 3)
    assert await balances(sessionmaker, world.platform, world.site) == [7, 3]


@pytest.mark.parametrize(
    ("caller", "target"),
    [
        ("partner_boss", "partner"),
        ("partner_boss", "customer"),
        ("partner_admin", "customer"),
        ("customer_boss", "customer"),
        ("platform_advanced", "partner"),
        ("platform_advanced", "platform"),
    ],
)
async def test_grant_is_for_the_platforms_administrators(
    world: World, sessionmaker: Maker, caller: str, target: str
) -> None:
    before = await snapshot(sessionmaker)
    response = await world.call(
        "creditGrant",
        {"companyId": cid(getattr(world, target)), "amount": 10},
        getattr(world, caller),
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"amount": 0}, error("BELOW_MINIMUM", "amount"), id="zero"),
        pytest.param({"amount": -5}, error("BELOW_MINIMUM", "amount"), id="negative"),
        pytest.param(
            {"amount": 1_000_001},
            error("OUT_OF_RANGE", "amount"),
            id="over-a-million",
        ),
        pytest.param({"reason": "r" * 501}, error("TOO_LONG", "reason"), id="long-reason"),
        # The column holds 100 characters: PostgreSQL fails the insert (an internal error),
        # SQLite stores it. Either way the client deserves a typed error.
        pytest.param({"reference": "R" * 101}, error("TOO_LONG", "reference"), id="long-reference"),
        pytest.param({"companyId": "nonsense"}, error("INVALID_ID", "companyId"), id="bad-id"),
        pytest.param(
            {"idempotencyKey": ""}, error("INVALID_VALUE", "idempotencyKey"), id="empty-key"
        ),
    ],
)
async def test_grant_rejects_invalid_input(
    world: World, sessionmaker: Maker, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = await snapshot(sessionmaker)
    data = {"companyId": cid(world.customer), "amount": 10, **overrides}
    result = await world.result("creditGrant", data, world.desk)
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


async def test_grant_accepts_the_edges_of_valid_input(world: World, sessionmaker: Maker) -> None:
    entry = await world.grant(world.customer, 1_000_000, reason="r" * 500, reference="R" * 100)
    assert (entry["amount"], len(entry["reason"]), len(entry["reference"])) == (1_000_000, 500, 100)
    await world.grant(world.customer, 1)
    assert await balance_of(sessionmaker, world.customer) == 1_000_001


async def test_grant_to_an_unknown_or_unseen_company(world: World, sessionmaker: Maker) -> None:
    before = await snapshot(sessionmaker)

    async def grant(company_id: str, user: User) -> dict[str, Any]:
        return await world.result("creditGrant", {"companyId": company_id, "amount": 1}, user)

    unknown = await grant(gid("Company", 999_999), world.desk)
    # a partner's SUPERADMIN may not grant at all, but out of its scope it learns nothing more
    answers = {
        "unknown (partner)": await grant(gid("Company", 999_999), world.partner_boss),
        "platform": await grant(cid(world.platform), world.partner_boss),
        "other": await grant(cid(world.other), world.partner_boss),
        "id of a user": await grant(gid("User", world.desk.id), world.desk),
    }
    assert without_message(unknown) == error("NOT_FOUND", "companyId", "NotFoundError")
    assert answers == dict.fromkeys(answers, unknown)
    assert await snapshot(sessionmaker) == before


async def test_a_grant_retried_with_its_key_applies_once(world: World, sessionmaker: Maker) -> None:
    data = {"companyId": cid(world.customer), "amount": 40, "idempotencyKey": "order-17"}
    first = await world.result("creditGrant", data, world.desk)
    second = await world.result("creditGrant", data, world.desk)
    assert first == second
    assert first["__typename"] == "CreditGrantPayload"
    assert len(await ledger(sessionmaker, world.customer)) == 1
    assert await balance_of(sessionmaker, world.customer) == 40
    # the same key for another request is refused, and nothing is written
    before = await snapshot(sessionmaker)
    other = await world.result("creditGrant", {**data, "amount": 41}, world.desk)
    assert without_message(other) == error("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert await snapshot(sessionmaker) == before


async def test_concurrent_grants_with_one_key_apply_once(world: World, sessionmaker: Maker) -> None:
    data = {"companyId": cid(world.customer), "amount": 3, "idempotencyKey": "retry-storm"}
    results = await asyncio.gather(
        *(world.result("creditGrant", data, world.desk) for _ in range(4))
    )
    assert {r["__typename"] for r in results} == {"CreditGrantPayload"}, results
    assert len({r["entry"]["id"] for r in results}) == 1
    assert await balance_of(sessionmaker, world.customer) == 3


@pytest.mark.parametrize("name", ["creditGrant", "creditMove"])
@pytest.mark.parametrize("token", [None, "not.a.jwt"], ids=["no-token", "bad-token"])
async def test_unauthenticated(
    world: World, sessionmaker: Maker, name: str, token: str | None
) -> None:
    await world.grant(world.partner, 5)
    data: dict[str, Any] = {
        "creditGrant": {"companyId": cid(world.customer), "amount": 1},
        "creditMove": {
            "fromCompanyId": cid(world.partner),
            "toCompanyId": cid(world.customer),
            "amount": 1,
        },
    }[name]
    before = await snapshot(sessionmaker)
    response = await world.client(mutation(name, RESULTS[name]), {"input": data}, token=token)
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


# --- creditMove -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "parent", "child"),
    [
        ("partner_admin", "partner", "customer"),
        ("partner_boss", "partner", "customer"),
        ("partner_admin", "customer", "site"),
        ("customer_admin", "customer", "site"),
        ("desk", "platform", "partner"),
    ],
)
async def test_move_between_a_company_and_its_child_either_way(
    world: World, sessionmaker: Maker, caller: str, parent: str, child: str
) -> None:
    # given 10 credits in the parent
    user: User = getattr(world, caller)
    upper: Company = getattr(world, parent)
    lower: Company = getattr(world, child)
    await world.grant(upper, 10)
    # when 4 move down
    down = await world.move(upper, lower, 4, user)
    # then two entries share one transfer id and sum to zero
    out_entry, in_entry = down["outEntry"], down["inEntry"]
    assert down["transferId"]
    assert out_entry["transferId"] == in_entry["transferId"] == down["transferId"]
    assert (out_entry["kind"], out_entry["amount"], out_entry["balanceAfter"]) == (
        "MOVE_OUT",
        -4,
        6,
    )
    assert (in_entry["kind"], in_entry["amount"], in_entry["balanceAfter"]) == ("MOVE_IN", 4, 4)
    assert out_entry["company"] == {"id": cid(upper)}
    assert in_entry["company"] == {"id": cid(lower)}
    assert out_entry["amount"] + in_entry["amount"] == 0
    assert await balances(sessionmaker, upper, lower) == [6, 4]
    # when 3 move back up
    up = await world.move(lower, upper, 3, user)
    assert (up["outEntry"]["company"], up["outEntry"]["amount"]) == ({"id": cid(lower)}, -3)
    assert (up["inEntry"]["company"], up["inEntry"]["amount"]) == ({"id": cid(upper)}, 3)
    assert up["transferId"] != down["transferId"]
    assert await balances(sessionmaker, upper, lower) == [9, 1]
    # and the rows record the actor; the ledger stays sound
    async with sessionmaker() as session:
        rows = list(
            await session.scalars(
                select(LedgerEntry).where(LedgerEntry.transfer_id == down["transferId"])
            )
        )
    assert sorted((r.company_id, r.amount, r.actor_id) for r in rows) == sorted(
        [(upper.id, -4, user.id), (lower.id, 4, user.id)]
    )
    assert await problems(sessionmaker) == []


async def test_a_move_between_existing_balances_writes_in_one_statement_on_postgresql(
    world: World, sessionmaker: Maker, engine: AsyncEngine, count_statements: StatementCounter
) -> None:
    # given a parent and a child that both have a balance row
    await world.grant(world.partner, 10)
    await world.move(world.partner, world.customer, 4)
    # when credits move back up
    before = count_statements.count
    up = await world.move(world.customer, world.partner, 3)
    # then the balances and the ledger were written by one statement on PostgreSQL (the lock
    # on the busy parent lasts one statement), step by step on SQLite
    writes = [
        statement
        for statement in count_statements.statements[before:]
        if "credit_balances" in statement or "ledger_entries" in statement
    ]
    if engine.dialect.name == "postgresql":
        assert len(writes) == 1, writes
    else:  # the balance rows ensured, two updates, the entries
        assert len(writes) >= 4, writes
    # and the answer and the rows are what a step-by-step move gives
    assert (up["outEntry"]["amount"], up["outEntry"]["balanceAfter"]) == (-3, 1)
    assert (up["inEntry"]["amount"], up["inEntry"]["balanceAfter"]) == (3, 9)
    assert await balances(sessionmaker, world.partner, world.customer) == [9, 1]
    assert await problems(sessionmaker) == []


async def test_moving_the_whole_balance_leaves_zero(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.partner, 5)
    await world.move(world.partner, world.customer, 5)
    assert await balances(sessionmaker, world.partner, world.customer) == [0, 5]


@pytest.mark.parametrize(
    ("caller", "source", "target"),
    [
        ("partner_admin", "partner", "site"),  # grandparent -> grandchild
        ("partner_admin", "site", "partner"),  # grandchild -> grandparent
        ("partner_admin", "customer", "neighbour"),  # siblings
        ("partner_admin", "customer", "customer"),  # itself
        ("desk", "platform", "customer"),  # two levels down
        ("desk", "customer", "other"),  # different branches
    ],
)
async def test_moves_only_between_a_parent_and_its_child(
    world: World, sessionmaker: Maker, caller: str, source: str, target: str
) -> None:
    await world.grant(getattr(world, source), 10)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "creditMove",
        {
            "fromCompanyId": cid(getattr(world, source)),
            "toCompanyId": cid(getattr(world, target)),
            "amount": 1,
        },
        getattr(world, caller),
    )
    assert without_message(result) == error("NOT_PARENT_AND_CHILD", "toCompanyId")
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("granted", [3, 0])
async def test_moving_more_than_the_balance(
    world: World, sessionmaker: Maker, granted: int
) -> None:
    if granted:
        await world.grant(world.partner, granted)
    before = await snapshot(sessionmaker)
    result = await world.result(
        "creditMove",
        {"fromCompanyId": cid(world.partner), "toCompanyId": cid(world.customer), "amount": 4},
        world.partner_admin,
    )
    assert without_message(result) == error("INSUFFICIENT_CREDITS", "amount")
    assert numbers(result) == {"available": granted}  # what the client can still move
    assert await snapshot(sessionmaker) == before
    assert await balances(sessionmaker, world.partner, world.customer) == [granted, 0]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"amount": 0}, error("BELOW_MINIMUM", "amount"), id="zero"),
        pytest.param({"amount": -2}, error("BELOW_MINIMUM", "amount"), id="negative"),
        pytest.param(
            {"amount": 1_000_001},
            error("OUT_OF_RANGE", "amount"),
            id="over-a-million",
        ),
        pytest.param({"reason": "r" * 501}, error("TOO_LONG", "reason"), id="long-reason"),
        pytest.param(
            {"fromCompanyId": "nonsense"}, error("INVALID_ID", "fromCompanyId"), id="bad-from"
        ),
        pytest.param({"toCompanyId": "x"}, error("INVALID_ID", "toCompanyId"), id="bad-to"),
    ],
)
async def test_move_rejects_invalid_input(
    world: World, sessionmaker: Maker, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    await world.grant(world.partner, 10)
    before = await snapshot(sessionmaker)
    data = {
        "fromCompanyId": cid(world.partner),
        "toCompanyId": cid(world.customer),
        "amount": 2,
        **overrides,
    }
    result = await world.result("creditMove", data, world.partner_admin)
    assert without_message(result) == expected
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("caller", ["customer_admin", "customer_boss"])
async def test_a_child_can_never_reach_its_parents_credits(
    world: World, sessionmaker: Maker, caller: str
) -> None:
    # given credits in the partner and in the customer
    await world.grant(world.partner, 10)
    await world.grant(world.customer, 10)
    user: User = getattr(world, caller)
    before = await snapshot(sessionmaker)

    async def move(source: str, target: str) -> dict[str, Any]:
        data = {"fromCompanyId": source, "toCompanyId": target, "amount": 1}
        return await world.result("creditMove", data, user)

    # when the customer's administrator (or SUPERADMIN) takes from its parent
    taking = await move(cid(world.partner), cid(world.customer))
    unknown_source = await move(gid("Company", 999_999), cid(world.customer))
    # then the parent is out of its scope: exactly an unknown company
    assert without_message(taking) == error("NOT_FOUND", "fromCompanyId", "NotFoundError")
    assert taking == unknown_source
    # and giving to its parent is just as unknown, on the target
    giving = await move(cid(world.customer), cid(world.partner))
    unknown_target = await move(cid(world.customer), gid("Company", 999_999))
    assert without_message(giving) == error("NOT_FOUND", "toCompanyId", "NotFoundError")
    assert giving == unknown_target
    assert await snapshot(sessionmaker) == before
    assert await balances(sessionmaker, world.partner, world.customer) == [10, 10]


@pytest.mark.parametrize("caller", ["partner_advanced", "customer_viewer"])
async def test_move_needs_an_administrator(world: World, sessionmaker: Maker, caller: str) -> None:
    await world.grant(world.customer, 10)
    before = await snapshot(sessionmaker)
    response = await world.call(
        "creditMove",
        {"fromCompanyId": cid(world.customer), "toCompanyId": cid(world.site), "amount": 1},
        getattr(world, caller),
    )
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(sessionmaker) == before


async def test_a_move_retried_with_its_key_applies_once(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.partner, 10)
    data = {
        "fromCompanyId": cid(world.partner),
        "toCompanyId": cid(world.customer),
        "amount": 3,
        "idempotencyKey": "move-1",
    }
    first = await world.result("creditMove", data, world.partner_admin)
    second = await world.result("creditMove", data, world.partner_admin)
    assert first["__typename"] == "CreditMovePayload", first
    assert first == second
    assert await balances(sessionmaker, world.partner, world.customer) == [7, 3]
    before = await snapshot(sessionmaker)
    reused = await world.result("creditMove", {**data, "amount": 4}, world.partner_admin)
    assert without_message(reused) == error("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert await snapshot(sessionmaker) == before


async def test_concurrent_moves_never_overdraw(world: World, sessionmaker: Maker) -> None:
    # given 5 credits, and three moves of 2 at once
    await world.grant(world.partner, 5)
    data = {"fromCompanyId": cid(world.partner), "toCompanyId": cid(world.customer), "amount": 2}
    results = await asyncio.gather(
        *(world.result("creditMove", data, world.partner_admin) for _ in range(3))
    )
    # then two apply and the third finds too few credits
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["CreditMovePayload", "CreditMovePayload", "ValidationError"], results
    assert await balances(sessionmaker, world.partner, world.customer) == [1, 4]
    assert await problems(sessionmaker) == []


# --- ledgerEntries ----------------------------------------------------------------------

LEDGER = """
query Ledger(
  $companyId: ID!, $kinds: [EntryKind!], $since: DateTime, $until: DateTime,
  $first: Int, $after: String
) {
  ledgerEntries(
    companyId: $companyId, kinds: $kinds, since: $since, until: $until,
    first: $first, after: $after
  ) {
    edges { cursor node { id kind amount balanceAfter transferId device { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def partner_history(world: World) -> list[str]:
    """GRANT 10, MOVE_OUT 4, GRANT 5, MOVE_IN 1, CHARGE 1 on the partner's ledger."""
    await world.grant(world.partner, 10)
    await world.move(world.partner, world.customer, 4)
    await world.grant(world.partner, 5)
    await world.move(world.customer, world.partner, 1)
    await world.register(world.partner)
    rows = await ledger(world.sessionmaker, world.partner)
    return [gid("LedgerEntry", row.id) for row in rows]


def nodes(response: Response) -> list[dict[str, Any]]:
    return [edge["node"] for edge in response.data["ledgerEntries"]["edges"]]


async def test_the_ledger_newest_first(world: World) -> None:
    ids = await partner_history(world)
    response = await world.query(LEDGER, world.partner_admin, companyId=cid(world.partner))
    entries = nodes(response)
    assert [e["id"] for e in entries] == ids[::-1]
    assert [(e["kind"], e["amount"], e["balanceAfter"]) for e in entries] == [
        ("CHARGE", -1, 11),
        ("MOVE_IN", 1, 12),
        ("GRANT", 5, 11),
        ("MOVE_OUT", -4, 6),
        ("GRANT", 10, 10),
    ]
    assert entries[0]["device"] is not None
    assert all(e["device"] is None for e in entries[1:])
    assert entries[1]["transferId"]
    assert entries[3]["transferId"]
    assert entries[1]["transferId"] != entries[3]["transferId"]


async def test_the_ledger_filtered_by_kind(world: World) -> None:
    ids = await partner_history(world)
    grants = await world.query(
        LEDGER, world.partner_admin, companyId=cid(world.partner), kinds=["GRANT"]
    )
    moves = await world.query(
        LEDGER, world.partner_admin, companyId=cid(world.partner), kinds=["MOVE_IN", "MOVE_OUT"]
    )
    assert [e["id"] for e in nodes(grants)] == [ids[2], ids[0]]
    assert [e["id"] for e in nodes(moves)] == [ids[3], ids[1]]


async def test_the_ledger_between_two_dates(world: World, sessionmaker: Maker) -> None:
    # given five entries, one on the first of each month from January to May 2024
    ids = await partner_history(world)
    async with sessionmaker() as session, session.begin():
        for month, entry_id in enumerate(ids, start=1):
            await session.execute(
                update(LedgerEntry)
                .where(LedgerEntry.id == pk(entry_id))
                .values(created_at=datetime(2024, month, 1, tzinfo=UTC))
            )
    # when it is read from February (inclusive) until April (exclusive)
    response = await world.query(
        LEDGER,
        world.partner_admin,
        companyId=cid(world.partner),
        since="2024-02-01T00:00:00+00:00",
        until="2024-04-01T00:00:00+00:00",
    )
    # then February's and March's entries come, newest first
    assert [e["id"] for e in nodes(response)] == [ids[2], ids[1]]
    only_since = await world.query(
        LEDGER, world.partner_admin, companyId=cid(world.partner), since="2024-04-15T00:00:00Z"
    )
    assert [e["id"] for e in nodes(only_since)] == [ids[4]]


@pytest.mark.parametrize("bound", ["since", "until"])
async def test_a_date_without_an_offset_is_never_an_internal_error(
    world: World, sessionmaker: Maker, bound: str
) -> None:
    # given entries in January and March 2024
    ids = await partner_history(world)
    async with sessionmaker() as session, session.begin():
        for month, entry_id in zip((1, 3, 3, 3, 3), ids, strict=True):
            await session.execute(
                update(LedgerEntry)
                .where(LedgerEntry.id == pk(entry_id))
                .values(created_at=datetime(2024, month, 1, tzinfo=UTC))
            )
    # when a client sends a date and time without an offset (a common slip)
    response = await world.query(
        LEDGER,
        world.partner_admin,
        companyId=cid(world.partner),
        **{bound: "2024-02-01T00:00:00"},
    )
    # then it is read as UTC, or refused as the client's mistake: never a server fault
    assert "INTERNAL_SERVER_ERROR" not in response.error_codes, response.body
    if response.errors:
        assert set(response.error_codes) <= {"BAD_USER_INPUT", "INVALID_VALUE"}, response.body
    else:
        expected = ids[:0:-1] if bound == "since" else [ids[0]]
        assert [e["id"] for e in nodes(response)] == expected


async def test_ledger_pages_visit_every_entry_once(world: World) -> None:
    ids = await partner_history(world)
    await world.grant(world.partner, 1)
    await world.grant(world.partner, 2)
    expected = await partner_ids(world)
    assert len(expected) == len(ids) + 2
    seen: list[str] = []
    after: str | None = None
    while True:
        variables: dict[str, Any] = {"companyId": cid(world.partner), "first": 3}
        if after is not None:
            variables["after"] = after
        response = await world.query(LEDGER, world.partner_admin, **variables)
        page = response.data["ledgerEntries"]
        assert len(page["edges"]) <= 3
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert len(set(seen)) == len(seen)


async def partner_ids(world: World) -> list[str]:
    rows = await ledger(world.sessionmaker, world.partner)
    return [gid("LedgerEntry", row.id) for row in reversed(rows)]


@pytest.mark.parametrize("caller", ["partner_advanced", "customer_viewer"])
async def test_the_ledger_needs_an_administrator(world: World, caller: str) -> None:
    user: User = getattr(world, caller)
    own = world.partner if caller.startswith("partner") else world.customer
    response = await world.query(LEDGER, user, companyId=cid(own))
    assert response.error_codes == ["FORBIDDEN"]


async def test_the_ledger_needs_a_token(world: World) -> None:
    await world.grant(world.customer, 1)
    response = await world.client(LEDGER, {"companyId": cid(world.customer)})
    assert response.error_codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("outside", ["partner", "platform", "neighbour", "other"])
async def test_a_ledger_out_of_scope_is_not_found(world: World, outside: str) -> None:
    company: Company = getattr(world, outside)
    await world.grant(company, 3)
    unknown = await world.query(LEDGER, world.customer_admin, companyId=gid("Company", 999_999))
    response = await world.query(LEDGER, world.customer_admin, companyId=cid(company))
    assert unknown.error_codes == ["NOT_FOUND"]
    assert response.body == unknown.body


async def test_ledger_entries_through_node(world: World) -> None:
    entry = await world.grant(world.partner, 3)
    document = "query N($id: ID!) { node(id: $id) { __typename id ... on LedgerEntry { amount } } }"
    seen = await world.query(document, world.partner_admin, id=entry["id"])
    assert seen.data["node"] == {"__typename": "LedgerEntry", "id": entry["id"], "amount": 3}
    hidden = await world.query(document, world.customer_admin, id=entry["id"])
    assert hidden.body == {"data": {"node": None}}


# --- creditBalance and creditPayer -------------------------------------------------------

BALANCE = "query B($id: ID!) { company(id: $id) { name creditBalance } }"


async def test_a_balance_is_for_administrators(world: World) -> None:
    await world.grant(world.customer, 12)
    admin = await world.query(BALANCE, world.customer_admin, id=cid(world.customer))
    assert admin.data["company"] == {"name": "Customer", "creditBalance": 12}
    # a USER gets the company, with a null balance and a FORBIDDEN error for that field
    viewer = await world.query(BALANCE, world.customer_viewer, id=cid(world.customer))
    assert viewer.body["data"]["company"] == {"name": "Customer", "creditBalance": None}
    assert viewer.error_codes == ["FORBIDDEN"]
    assert viewer.errors[0]["path"] == ["company", "creditBalance"]
    # a company that never had credits has a balance of 0
    site = await world.query(BALANCE, world.customer_admin, id=cid(world.site))
    assert site.data["company"]["creditBalance"] == 0


async def test_balances_in_a_list_leave_no_hole_for_a_user(world: World) -> None:
    response = await world.query(
        "{ companyTree { edges { node { name creditBalance } } } }", world.customer_viewer
    )
    assert [e["node"] for e in response.body["data"]["companyTree"]["edges"]] == [
        {"name": "Customer", "creditBalance": None},
        {"name": "Site", "creditBalance": None},
    ]
    assert response.error_codes == ["FORBIDDEN", "FORBIDDEN"]


PAYER = "query P($id: ID!) { company(id: $id) { creditPayer { levelsUp company { id } } } }"


async def payer(world: World, user: User, company: Company) -> Any:
    response = await world.query(PAYER, user, id=cid(company))
    return response.data["company"]["creditPayer"]


async def test_a_company_pays_itself_by_default(world: World) -> None:
    assert await payer(world, world.partner_admin, world.customer) == {
        "levelsUp": 0,
        "company": {"id": cid(world.customer)},
    }


async def test_use_parent_credits_chains_up(world: World) -> None:
    # the site alone: its parent, the customer, pays
    await world.use_parent_credits(world.site)
    assert await payer(world, world.partner_admin, world.site) == {
        "levelsUp": 1,
        "company": {"id": cid(world.customer)},
    }
    # the customer too: the chain goes on to the partner
    await world.use_parent_credits(world.customer)
    assert await payer(world, world.partner_admin, world.site) == {
        "levelsUp": 2,
        "company": {"id": cid(world.partner)},
    }
    assert await payer(world, world.partner_admin, world.customer) == {
        "levelsUp": 1,
        "company": {"id": cid(world.partner)},
    }
    # seen from the customer, the paying company is above its tree: levels, no company
    assert await payer(world, world.customer_admin, world.site) == {
        "levelsUp": 2,
        "company": None,
    }
    assert await payer(world, world.customer_admin, world.customer) == {
        "levelsUp": 1,
        "company": None,
    }
    # and the chain stops where the flag is off
    await world.use_parent_credits(world.site, False)
    assert await payer(world, world.customer_admin, world.site) == {
        "levelsUp": 0,
        "company": {"id": cid(world.site)},
    }


async def test_the_payer_is_for_administrators(world: World) -> None:
    response = await world.query(PAYER, world.customer_viewer, id=cid(world.customer))
    assert response.body["data"]["company"] == {"creditPayer": None}
    assert response.error_codes == ["FORBIDDEN"]


async def test_a_registration_is_paid_along_the_chain(world: World, sessionmaker: Maker) -> None:
    # given credits in the partner and the customer, and the customer using its parent's
    await world.grant(world.partner, 5)
    await world.grant(world.customer, 5)
    await world.use_parent_credits(world.customer)
    # when the customer's administrator registers a device in the customer
    device = await world.register(world.customer, world.customer_admin)
    # then the partner pays it: the CHARGE is on the partner's ledger, naming the device
    assert await balances(sessionmaker, world.partner, world.customer) == [4, 5]
    charge = (await ledger(sessionmaker, world.partner))[-1]
    assert (charge.kind, charge.amount, charge.device_id) == (
        EntryKind.CHARGE,
        -1,
        pk(device["id"]),
    )
    # when the site uses its parent's too, its registrations go two levels up
    await world.use_parent_credits(world.site)
    await world.register(world.site, world.customer_admin)
    assert await balances(sessionmaker, world.partner, world.customer, world.site) == [3, 5, 0]
    assert await problems(sessionmaker) == []


async def test_a_registration_paid_by_an_empty_parent(world: World, sessionmaker: Maker) -> None:
    # given credits in the customer only, and the customer using its parent's
    await world.grant(world.customer, 5)
    await world.use_parent_credits(world.customer)
    before = await snapshot(sessionmaker)
    data = {
        "companyId": cid(world.customer),
        "serialNumber": "CR-EMPTY-PARENT",
        "name": "Meter",
        "model": "EM-1",
        "datapoints": 1,
    }
    # then the customer's own credits do not pay for it
    result = await world.result("deviceRegister", data, world.customer_admin)
    assert without_message(result) == error("INSUFFICIENT_CREDITS", "companyId")
    assert await snapshot(sessionmaker) == before


# --- archiving needs no devices and no credits ---------------------------------------------

ARCHIVE = "companyArchive"


async def test_archive_is_blocked_by_devices_and_credits_until_both_are_gone(
    world: World, factory: Factory, sessionmaker: Maker
) -> None:
    # given an empty shop under the partner, given 3 credits, with a device registered
    shop = await factory.company(world.partner, name="Shop")
    await world.grant(world.partner, 3)
    await world.move(world.partner, shop, 3)
    device = await world.register(shop)
    # then archiving it says both devices and credits block it, and nothing is written
    before = await snapshot(sessionmaker)
    blocked = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert without_message(blocked) == error("ARCHIVE_BLOCKED", "id", "ArchiveBlockedError")
    assert blocked["blockers"] == ["DEVICES", "CREDITS"]
    assert await snapshot(sessionmaker) == before
    # when the device is unregistered, only the credits block it
    unregistered = await world.result("deviceUnregister", {"id": device["id"]}, world.partner_admin)
    assert unregistered["__typename"] == "DevicePayload", unregistered
    blocked = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert blocked["blockers"] == ["CREDITS"]
    # when the credits go back to the parent, it is archived
    await world.move(shop, world.partner, 2)
    archived = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert archived["__typename"] == "CompanyPayload", archived
    assert archived["company"]["archivedAt"] is not None
    assert await balances(sessionmaker, world.partner, shop) == [2, 0]


async def test_archive_blocked_by_a_device_paid_by_the_parent(
    world: World, factory: Factory
) -> None:
    shop = await factory.company(world.partner, name="Shop")
    await world.grant(world.partner, 1)
    await world.use_parent_credits(shop)
    await world.register(shop)
    blocked = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert blocked["blockers"] == ["DEVICES"]


async def test_archive_blocked_by_credits_alone(world: World, factory: Factory) -> None:
    shop = await factory.company(world.partner, name="Shop")
    await world.grant(shop, 1)
    blocked = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert blocked["blockers"] == ["CREDITS"]


async def test_a_spent_balance_does_not_block(world: World, factory: Factory) -> None:
    # a balance row at zero, and only unregistered devices: the shop is empty
    shop = await factory.company(world.partner, name="Shop")
    await world.grant(shop, 1)
    device = await world.register(shop)
    await world.result("deviceUnregister", {"id": device["id"]}, world.partner_admin)
    archived = await world.result(ARCHIVE, {"id": cid(shop)}, world.partner_admin)
    assert archived["__typename"] == "CompanyPayload", archived


# --- the ledger's invariants --------------------------------------------------------------


async def mixed_history(world: World) -> None:
    """Grants, moves both ways, registrations paid directly and by parents, charging."""
    await world.grant(world.partner, 20, idempotencyKey="g-1")
    await world.grant(world.partner, 20, idempotencyKey="g-1")  # a retry: applies once
    await world.grant(world.other, 2)
    await world.move(world.partner, world.customer, 9)
    await world.move(world.customer, world.site, 3, world.customer_admin)
    await world.move(world.site, world.customer, 1, world.customer_admin)
    await world.move(world.customer, world.partner, 2)
    await world.register(world.customer)
    await world.register(world.site)
    await world.use_parent_credits(world.site)
    await world.register(world.site)
    device = await world.register(world.partner)
    await world.result("deviceUnregister", {"id": device["id"]}, world.partner_admin)
    await world.register(world.other, world.desk)
    await world.register(world.other, world.desk)
    # a period later: the customer pays 3 devices; the other, spent, has 2 suspended
    period = world.client.settings.credit_period
    report = await jobs.run_charging(
        world.sessionmaker, now=datetime.now(UTC) + period + timedelta(hours=1), period=period
    )
    assert (report.charged, report.suspended) == (3, 2)


async def test_the_ledger_is_sound_after_a_mixed_history(world: World, sessionmaker: Maker) -> None:
    await mixed_history(world)
    assert await problems(sessionmaker) == []
    # and the sum of all balances is what was granted minus what was charged
    async with sessionmaker() as session:
        total = sum(await session.scalars(select(CreditBalance.balance)))
        entries = list(await session.scalars(select(LedgerEntry)))
    granted = sum(e.amount for e in entries if e.kind is EntryKind.GRANT)
    charged = -sum(e.amount for e in entries if e.kind is EntryKind.CHARGE)
    assert (granted, charged) == (22, 9)
    assert total == granted - charged


async def test_a_corrupted_balance_is_reported(world: World, sessionmaker: Maker) -> None:
    await mixed_history(world)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(CreditBalance)
            .where(CreditBalance.company_id == world.customer.id)
            .values(balance=CreditBalance.balance + 5)
        )
    found = await problems(sessionmaker)
    assert found
    # named as its people know it, with the id an operator looks it up by
    customer = f"company {world.customer.name!r} (id {world.customer.id})"
    assert any(problem.startswith(f"{customer}: balance") for problem in found), found


async def test_an_unbalanced_transfer_is_reported(world: World, sessionmaker: Maker) -> None:
    await world.grant(world.partner, 10)
    moved = await world.move(world.partner, world.customer, 4)
    # a MOVE_IN forged into the transfer, with the balance kept in step with it
    async with sessionmaker() as session, session.begin():
        await session.execute(
            insert(LedgerEntry).values(
                company_id=world.customer.id,
                kind=EntryKind.MOVE_IN,
                amount=1,
                balance_after=5,
                created_at=datetime.now(UTC),
                reason="",
                transfer_id=moved["transferId"],
            )
        )
        await session.execute(
            update(CreditBalance)
            .where(CreditBalance.company_id == world.customer.id)
            .values(balance=5)
        )
    found = await problems(sessionmaker)
    assert any(moved["transferId"] in problem for problem in found), found
