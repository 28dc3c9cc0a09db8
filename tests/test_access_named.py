"""`authorize_named`, the access helper of mutations that name several objects: scope
first for every object (NOT_FOUND, on the first such field named), then the role at each
object's relation (FORBIDDEN); one query per model; locks only on rows in scope.

    Platform
    |-- Early           out of scope, created first (lower ids)
    |-- Partner         the actor's company
    |   `-- Customer
    `-- Late            out of scope, created last (higher ids)
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from models.account import Account, License
from models.company import Company
from models.user import Role
from policies.actor import Actor
from policies.enforcer import Action
from services.access import Lock, Named, authorize_named
from services.errors import ForbiddenError, NotFoundError
from tests.conftest import StatementCounter
from tests.factories import Factory
from tests.helpers import Maker, actor_of, add_account

MISSING = 999_999


@dataclass
class Tree:
    early: Company
    partner: Company
    customer: Company
    late: Company
    accounts: dict[str, Account]  # by company name, lower case

    async def actor(self, factory: Factory, role: Role) -> Actor:
        return actor_of(await factory.user(self.partner, role), self.partner)


@pytest.fixture
async def tree(factory: Factory, sessionmaker: Maker) -> Tree:
    platform = await factory.company(name="Platform")
    early = await factory.company(platform, name="Early")
    partner = await factory.company(platform, name="Partner")
    customer = await factory.company(partner, name="Customer")
    late = await factory.company(platform, name="Late")
    accounts = {c.name.lower(): await add_account(sessionmaker, c) for c in (early, partner)}
    accounts |= {c.name.lower(): await add_account(sessionmaker, c) for c in (customer, late)}
    return Tree(early, partner, customer, late, accounts)


def account(tree: Tree, name: str, field: str, lock: Lock = Lock.NONE) -> Named[Account]:
    return Named(Account, tree.accounts[name].id, field, lock)


async def test_the_rows_named_in_one_query_per_model(
    tree: Tree, factory: Factory, session: AsyncSession, count_statements: StatementCounter
) -> None:
    actor = await tree.actor(factory, Role.SUPERADMIN)
    source, target = account(tree, "customer", "accountId"), account(tree, "partner", "to")
    company = Named(Company, tree.customer.id, "companyId")
    license = Named(License, tree.accounts["customer"].license_id, "licenseId")
    count_statements.statements.clear()
    found = await authorize_named(
        session, actor, Action.APPLICATION_REQUEST, source, target, company, license
    )
    assert (found[source].id, found[target].id) == (source.id, target.id)
    assert (found[company].id, found[license].id) == (company.id, license.id)
    run = [s.split()[0] for s in count_statements.statements if not s.startswith("BEGIN")]
    assert run == ["SELECT"] * 3  # accounts, companies, licenses


async def test_one_object_named_twice_is_one_row(
    tree: Tree, factory: Factory, session: AsyncSession
) -> None:
    actor = await tree.actor(factory, Role.ADMINISTRATOR)
    first, second = (Named(Company, tree.customer.id, f) for f in ("from", "to"))
    found = await authorize_named(session, actor, Action.CREDIT_MOVE, first, second)
    assert found[first] is found[second]


@pytest.mark.parametrize("role", [Role.SUPERADMIN, Role.ADMINISTRATOR, Role.USER])
@pytest.mark.parametrize("outside", ["early", "late", "missing"])
@pytest.mark.parametrize("position", [0, 1])
async def test_out_of_scope_or_missing_is_not_found_on_its_field_whatever_the_role(
    tree: Tree, factory: Factory, session: AsyncSession, role: Role, outside: str, position: int
) -> None:
    # given a pair of accounts, one in scope, the other out of scope (lower or higher id)
    # or missing, in either position
    actor = await tree.actor(factory, role)
    other_id = MISSING if outside == "missing" else tree.accounts[outside].id
    ids = [tree.accounts["customer"].id, tree.accounts["customer"].id]
    ids[position] = other_id
    named = [Named(Account, ids[0], "accountId"), Named(Account, ids[1], "targetAccountId")]
    # then NOT_FOUND names that field, also for roles that may not act at all
    with pytest.raises(NotFoundError) as refused:
        await authorize_named(session, actor, Action.APPLICATION_REQUEST, *named)
    assert refused.value.field == named[position].field
    assert refused.value.message == "Account not found"


@pytest.mark.parametrize("order", [("late", "early"), ("early", "late")])
async def test_the_first_field_named_is_reported_not_the_lowest_id(
    tree: Tree, factory: Factory, session: AsyncSession, order: tuple[str, str]
) -> None:
    actor = await tree.actor(factory, Role.USER)
    named = [account(tree, order[0], "first"), account(tree, order[1], "second")]
    with pytest.raises(NotFoundError) as refused:
        await authorize_named(session, actor, Action.APPLICATION_REQUEST, *named)
    assert refused.value.field == "first"


async def test_forbidden_only_when_every_object_named_is_in_scope(
    tree: Tree, factory: Factory, session: AsyncSession
) -> None:
    actor = await tree.actor(factory, Role.ADMINISTRATOR)  # may not file applications
    in_scope = [account(tree, "partner", "accountId"), account(tree, "customer", "to")]
    with pytest.raises(ForbiddenError):
        await authorize_named(session, actor, Action.APPLICATION_REQUEST, *in_scope)
    missing_license = Named(License, MISSING, "licenseId")
    with pytest.raises(NotFoundError) as refused:
        await authorize_named(
            session, actor, Action.APPLICATION_REQUEST, in_scope[0], missing_license
        )
    assert refused.value.field == "licenseId"


async def test_the_role_is_asked_at_each_objects_relation(
    tree: Tree, factory: Factory, session: AsyncSession
) -> None:
    # company.archive is allowed on descendants, never on one's own company
    actor = await tree.actor(factory, Role.ADMINISTRATOR)
    child = Named(Company, tree.customer.id, "a")
    await authorize_named(session, actor, Action.COMPANY_ARCHIVE, child)
    with pytest.raises(ForbiddenError):
        await authorize_named(
            session, actor, Action.COMPANY_ARCHIVE, child, Named(Company, tree.partner.id, "b")
        )


async def test_locks_are_taken_in_id_order_and_only_in_scope(
    tree: Tree,
    factory: Factory,
    sessionmaker: Maker,
    count_statements: StatementCounter,
) -> None:
    actor = await tree.actor(factory, Role.SUPERADMIN)
    async with sessionmaker() as session, session.begin():
        # the higher id named first: still locked in ascending id
        named = [
            account(tree, "customer", "accountId", Lock.UPDATE),
            account(tree, "partner", "to", Lock.UPDATE),
        ]
        await authorize_named(session, actor, Action.APPLICATION_REQUEST, *named)
        statement = count_statements.statements[-1]
        if session.get_bind().dialect.name != "postgresql":
            return  # SQLite locks the whole database on write: no row locks to see
        assert "FOR UPDATE OF accounts" in statement
        assert "ORDER BY accounts.id" in statement
        # an out-of-scope row named beside an in-scope one is refused, and left unlocked
        with pytest.raises(NotFoundError):
            await authorize_named(
                session,
                actor,
                Action.APPLICATION_REQUEST,
                account(tree, "partner", "accountId", Lock.UPDATE),
                account(tree, "late", "to", Lock.UPDATE),
            )
        async with sessionmaker() as other, other.begin():
            late = select(Account).where(Account.id == tree.accounts["late"].id)
            assert await other.scalar(late.with_for_update(nowait=True)) is not None
            held = select(Account).where(Account.id == tree.accounts["partner"].id)
            with pytest.raises(DBAPIError):
                await other.scalar(held.with_for_update(nowait=True))


async def test_a_company_is_share_locked(
    tree: Tree, factory: Factory, session: AsyncSession, count_statements: StatementCounter
) -> None:
    actor = await tree.actor(factory, Role.ADVANCED_USER)
    company = Named(Company, tree.customer.id, "companyId", Lock.SHARE)
    await authorize_named(session, actor, Action.DEVICE_REGISTER, company)
    if session.get_bind().dialect.name == "postgresql":
        assert "FOR SHARE OF companies" in count_statements.statements[-1]
