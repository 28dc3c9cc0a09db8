"""Security events, what a failing mutation leaves, the jobs' entries, and reading the log by
the hierarchy: who sees which entries, the filters and their bad input, paging both ways."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from config import Settings
from models.auth import RefreshToken
from models.base import utcnow
from models.company import Company
from models.mail import OutboxMessage
from models.user import Role, User
from server import token_config
from services import audit, auth, jobs, passwords
from services.audit import AuditAction as Act
from services.errors import InvalidCredentialsError
from services.mail_delivery import deliver_due
from tests.audit_world import AuditWorld, all_entries, audit_world, entries_since, last_entry_id
from tests.conftest import StatementCounter
from tests.factories import PASSWORD, Factory
from tests.graphql import GraphQLClient, Response, cid, gid
from tests.helpers import Maker


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    return await audit_world(client, factory, sessionmaker)


async def login_as(w: AuditWorld, email: str, password: str) -> dict[str, Any]:
    data = {"email": email, "password": password}
    return await w.call("login", data, None, "AuthPayload { refreshToken }")


# --- security events ------------------------------------------------------------------------


async def test_a_failed_sign_in_is_recorded_on_the_user_it_names(world: AuditWorld) -> None:
    at = await last_entry_id(world.sessionmaker)
    result = await login_as(world, world.admin.email, "wrong password entirely")
    assert result["code"] == "INVALID_CREDENTIALS"
    (entry,) = await entries_since(world.sessionmaker, at)
    assert entry.action == Act.SIGN_IN_FAILED
    assert (entry.actor_kind, entry.actor_user_id) == ("ANONYMOUS", None)
    assert (entry.target_type, entry.target_id) == ("User", world.admin.id)
    assert entry.company_id == world.customer.id
    assert entry.changes == {"email": [None, world.admin.email], "known": [None, True]}
    assert "wrong password" not in str(entry.changes)
    assert entry.client_address == "127.0.0.1"


async def test_a_failed_sign_in_of_an_unknown_email_goes_to_the_platform(
    world: AuditWorld,
) -> None:
    at = await last_entry_id(world.sessionmaker)
    await login_as(world, "Nobody@Example.com", "whatever it is")
    (entry,) = await entries_since(world.sessionmaker, at)
    assert entry.action == Act.SIGN_IN_FAILED
    assert entry.target_type is None
    assert entry.company_id == world.platform.id
    assert entry.changes == {"email": [None, "Nobody@Example.com"], "known": [None, False]}


async def test_a_throttled_sign_in_is_recorded(world: AuditWorld) -> None:
    # Three free failures, then waits that grow: keep failing until one is refused.
    for _ in range(12):
        at = await last_entry_id(world.sessionmaker)
        result = await login_as(world, world.viewer.email, "not the password")
        if result["code"] == "LOGIN_THROTTLED":
            break
    assert result["code"] == "LOGIN_THROTTLED"
    (entry,) = await entries_since(world.sessionmaker, at)
    assert entry.action == Act.SIGN_IN_THROTTLED
    assert (entry.target_type, entry.target_id) == ("User", world.viewer.id)


async def test_a_user_deactivated_during_the_password_check_is_a_recorded_failure(
    world: AuditWorld, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sign-in checks the password holding no transaction; a user deactivated meanwhile
    is refused on the second step, and that refusal is recorded like a wrong password."""
    check = passwords.verify_password_async

    async def deactivating(password_hash: str | None, password: str) -> bool:
        async with world.sessionmaker() as session:
            await session.execute(
                update(User).where(User.id == world.admin.id).values(is_active=False)
            )
            await session.commit()
        return await check(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password_async", deactivating)
    at = await last_entry_id(world.sessionmaker)
    with pytest.raises(InvalidCredentialsError):
        await auth.login(
            world.sessionmaker,
            config=token_config(settings),
            email=world.admin.email,
            password=PASSWORD,
            client_address="192.0.2.7",
        )
    (entry,) = await entries_since(world.sessionmaker, at)
    assert (entry.action, entry.actor_kind) == (Act.SIGN_IN_FAILED, "ANONYMOUS")
    assert (entry.target_type, entry.target_id) == ("User", world.admin.id)
    async with world.sessionmaker() as session:
        sessions = await session.scalar(
            select(func.count()).where(RefreshToken.user_id == world.admin.id)
        )
    assert sessions == 0


async def test_refresh_token_reuse_is_recorded_with_the_revocation(world: AuditWorld) -> None:
    first = await login_as(world, world.admin.email, PASSWORD)
    rotated = await world.call("tokenRefresh", {"refreshToken": first["refreshToken"]}, None)
    assert rotated["__typename"] == "AuthPayload"
    at = await last_entry_id(world.sessionmaker)
    reused = await world.call("tokenRefresh", {"refreshToken": first["refreshToken"]}, None)
    assert reused["code"] == "INVALID_TOKEN"
    (entry,) = await entries_since(world.sessionmaker, at)
    assert entry.action == Act.REFRESH_REUSE
    assert (entry.target_type, entry.target_id) == ("User", world.admin.id)
    assert entry.changes == {"sessionRevoked": [False, True]}


async def test_a_forbidden_mutation_is_recorded_and_changes_nothing(world: AuditWorld) -> None:
    at = await last_entry_id(world.sessionmaker)
    response = await world.raw(
        "companyRename", {"id": cid(world.customer), "name": "X"}, world.viewer
    )
    assert [e["extensions"]["code"] for e in response.errors] == ["FORBIDDEN"]
    (entry,) = await entries_since(world.sessionmaker, at)
    assert entry.action == Act.FORBIDDEN
    assert (entry.actor_user_id, entry.actor_role) == (world.viewer.id, "USER")
    assert (entry.target_type, entry.target_id) == ("Company", world.customer.id)
    assert entry.changes == {
        "mutation": [None, "companyRename"],
        "policyAction": [None, "company.rename"],
    }


async def test_acting_on_a_higher_role_is_a_recorded_forbidden(world: AuditWorld) -> None:
    at = await last_entry_id(world.sessionmaker)
    response = await world.raw("userDeactivate", {"id": gid("User", world.boss.id)}, world.admin)
    assert [e["extensions"]["code"] for e in response.errors] == ["FORBIDDEN"]
    (entry,) = await entries_since(world.sessionmaker, at)
    assert (entry.action, entry.target_type, entry.target_id) == (
        Act.FORBIDDEN,
        "User",
        world.boss.id,
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("companyRename", lambda w: {"id": cid(w.customer), "name": " "}),
        (
            "companyCreate",
            lambda w: {"parentId": cid(w.customer), "name": "A", "countryCode": "XX"},
        ),
        (
            "creditMove",
            lambda w: {
                "fromCompanyId": cid(w.customer),
                "toCompanyId": cid(w.partner),
                "amount": 5,
            },
        ),
        ("userChangeRole", lambda w: {"id": gid("User", w.viewer.id), "role": "SUPERADMIN"}),
        ("companyArchive", lambda w: {"id": cid(w.other)}),  # out of scope: NOT_FOUND
    ],
)
async def test_a_failed_mutation_writes_no_entry(world: AuditWorld, name: str, data: Any) -> None:
    at = await last_entry_id(world.sessionmaker)
    result = await world.call(name, data(world), world.admin)
    assert "code" in result, result
    assert await entries_since(world.sessionmaker, at) == []


# --- jobs -------------------------------------------------------------------------------------


async def test_charging_suspending_and_resuming_are_recorded_as_the_system(
    world: AuditWorld,
) -> None:
    await world.grant(world.customer, 1)
    data = {
        "companyId": cid(world.customer),
        "serialNumber": "SN-9",
        "name": "Meter",
        "model": "M",
        "datapoints": 5,
    }
    await world.call("deviceRegister", data, world.advanced)
    later = utcnow() + timedelta(days=31)
    at = await last_entry_id(world.sessionmaker)
    await jobs.run_charging(world.sessionmaker, now=later, period=timedelta(days=30))
    await world.grant(world.customer, 5)
    await jobs.run_charging(world.sessionmaker, now=later, period=timedelta(days=30))
    await jobs.run_charging(
        world.sessionmaker, now=later + timedelta(days=31), period=timedelta(days=30)
    )
    written = [e for e in await entries_since(world.sessionmaker, at) if e.target_type == "Device"]
    assert [e.action for e in written] == [Act.DEVICE_SUSPEND, Act.DEVICE_RESUME, Act.DEVICE_CHARGE]
    assert {(e.actor_kind, e.actor_user_id, e.company_id) for e in written} == {
        ("SYSTEM", None, world.customer.id)
    }
    assert written[0].changes == {"status": ["ACTIVE", "SUSPENDED"]}


async def test_a_reminder_sent_is_recorded(world: AuditWorld) -> None:
    account = await world.active_account()
    at = await last_entry_id(world.sessionmaker)
    async with world.sessionmaker() as session:
        from models.account import Account
        from tests.graphql import pk

        row = await session.get(Account, pk(account))
        assert row is not None
        expires_at = row.expires_at
    assert expires_at is not None
    await jobs.run_reminders(world.sessionmaker, now=expires_at - timedelta(days=3))
    (entry, *_) = await entries_since(world.sessionmaker, at)
    assert (entry.action, entry.actor_kind, entry.target_type) == (
        Act.REMINDER_SEND,
        "SYSTEM",
        "Account",
    )
    assert entry.changes["reminder"] == [None, "WEEK_BEFORE"]


async def test_an_expiry_is_recorded_once(world: AuditWorld) -> None:
    # given an active account of the customer
    account = await world.active_account()
    async with world.sessionmaker() as session:
        from models.account import Account
        from tests.graphql import pk

        row = await session.get(Account, pk(account))
        assert row is not None
        expires_at = row.expires_at
    assert expires_at is not None
    at = await last_entry_id(world.sessionmaker)
    # when the jobs run after its expiry date, twice
    await jobs.run_expiries(world.sessionmaker, now=expires_at + timedelta(minutes=1))
    await jobs.run_expiries(world.sessionmaker, now=expires_at + timedelta(minutes=2))
    # then one entry says so, written by the system in the customer's log
    expiries = [
        e for e in await entries_since(world.sessionmaker, at) if e.target_type == "Account"
    ]
    assert [(e.action, e.actor_kind, e.company_id) for e in expiries] == [
        (Act.ACCOUNT_EXPIRE, "SYSTEM", world.customer.id)
    ]
    assert expiries[0].changes == {"status": ["ACTIVE", "EXPIRED"]}


class Refusing:
    async def send(self, message: OutboxMessage) -> None:
        raise ConnectionRefusedError("no SMTP here")


async def test_mail_given_up_is_recorded_for_the_platform(world: AuditWorld) -> None:
    await world.call("passwordResetRequest", {"email": world.admin.email}, None)
    at = await last_entry_id(world.sessionmaker)
    await deliver_due(world.sessionmaker, Refusing(), max_attempts=1)
    (entry,) = await entries_since(world.sessionmaker, at)
    assert (entry.action, entry.actor_kind, entry.company_id) == (
        Act.MAIL_GIVE_UP,
        "SYSTEM",
        world.platform.id,
    )
    assert entry.changes["to"] == [None, world.admin.email]


# --- reading by the hierarchy -----------------------------------------------------------------

EVENTS = """
query Events($company: ID!, $descendants: Boolean, $actions: [AuditAction!], $actor: ID,
             $target: ID, $since: DateTime, $until: DateTime, $first: Int, $after: String,
             $last: Int, $before: String) {
  auditEvents(companyId: $company, includeDescendants: $descendants, actions: $actions,
              actorId: $actor, targetId: $target, since: $since, until: $until,
              first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id action actionName actorKind actor { email } actorRole
                          company { name } targetType targetId changes { field before after }
                          requestId clientAddress } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def events(w: AuditWorld, user: User, company: Any, **variables: Any) -> Response:
    return await w.client(EVENTS, {"company": cid(company), **variables}, token=w.token(user))


def nodes(response: Response) -> list[dict[str, Any]]:
    assert not response.errors, response.errors
    return [edge["node"] for edge in response.data["auditEvents"]["edges"]]


def codes(response: Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.errors]


async def renames(w: AuditWorld) -> None:
    """One rename in each company of the tree, by its own administrator; and one of the
    customer by the platform desk (an actor above the customer's and the partner's tree)."""
    for company, user in [
        (w.partner, w.partner_admin),
        (w.customer, w.admin),
        (w.other, w.other_admin),
        (w.platform, w.desk),
        (w.customer, w.desk),
    ]:
        result = await w.call(
            "companyRename", {"id": cid(company), "name": f"{company.name}!"}, user
        )
        assert result["__typename"] == "CompanyPayload", result


def renamed(response: Response) -> list[str]:
    return [n["company"]["name"] for n in nodes(response) if n["actionName"] == "company.rename"]


async def test_a_parent_sees_its_subtree_and_nothing_above_or_beside(world: AuditWorld) -> None:
    await renames(world)
    seen = await events(world, world.partner_admin, world.partner, actions=["COMPANY_RENAME"])
    assert renamed(seen) == ["Customer!", "Customer!", "Partner!"]  # newest first
    only_own = await events(world, world.partner_admin, world.partner, descendants=False)
    assert renamed(only_own) == ["Partner!"]
    platform = await events(world, world.desk, world.platform, actions=["COMPANY_RENAME"])
    assert len(renamed(platform)) == 5


async def test_an_actor_above_the_reader_shows_without_identity(world: AuditWorld) -> None:
    await renames(world)
    (by_desk, by_admin) = nodes(
        await events(world, world.admin, world.customer, actions=["COMPANY_RENAME"])
    )
    assert (by_desk["actorKind"], by_desk["actor"], by_desk["actorRole"]) == ("USER", None, None)
    assert (by_admin["actor"], by_admin["actorRole"]) == (
        {"email": world.admin.email},
        "ADMINISTRATOR",
    )
    assert by_admin["changes"] == [{"field": "name", "before": "Customer", "after": "Customer!"}]
    assert by_admin["targetId"] == cid(world.customer)
    assert by_admin["clientAddress"] == "127.0.0.1"
    assert by_admin["requestId"]
    # The platform's own desk sees itself.
    (mine, *_) = nodes(await events(world, world.desk, world.customer, actions=["COMPANY_RENAME"]))
    assert mine["actor"] == {"email": world.desk.email}


@pytest.mark.parametrize(
    ("reader", "company", "outcome"),
    [
        # the roles, on their own company
        ("viewer", "customer", "FORBIDDEN"),
        ("advanced", "customer", "FORBIDDEN"),
        ("admin", "customer", "ok"),
        ("boss", "customer", "ok"),
        # the relations, for an ADMINISTRATOR
        ("partner_admin", "partner", "ok"),  # SELF
        ("partner_admin", "customer", "ok"),  # CHILD
        ("desk", "customer", "ok"),  # DESCENDANT
        ("admin", "partner", "NOT_FOUND"),  # ancestor
        ("admin", "neighbour", "NOT_FOUND"),  # sibling
        ("other_admin", "customer", "NOT_FOUND"),  # another branch
        ("partner_admin", "platform", "NOT_FOUND"),  # the root, above
    ],
)
async def test_who_may_read_which_log(
    world: AuditWorld, reader: str, company: str, outcome: str
) -> None:
    await renames(world)
    response = await events(world, getattr(world, reader), getattr(world, company))
    if outcome == "ok":
        assert nodes(response)
    else:
        assert codes(response) == [outcome]
        assert response.body["data"] is None


async def test_filters_out_of_scope_are_not_found(world: AuditWorld) -> None:
    await renames(world)
    by_other = await events(
        world, world.admin, world.customer, actor=gid("User", world.other_admin.id)
    )
    assert codes(by_other) == ["NOT_FOUND"]
    on_other = await events(world, world.admin, world.customer, target=cid(world.other))
    assert codes(on_other) == ["NOT_FOUND"]
    unknown = await events(world, world.admin, world.customer, target=gid("Device", 999))
    assert codes(unknown) == ["NOT_FOUND"]


async def test_filters_by_actor_target_and_time(world: AuditWorld) -> None:
    await renames(world)
    by_desk = nodes(
        await events(world, world.desk, world.platform, actor=gid("User", world.desk.id))
    )
    assert {n["company"]["name"] for n in by_desk} == {"Platform!", "Customer!"}
    on_partner = nodes(
        await events(world, world.partner_admin, world.partner, target=cid(world.partner))
    )
    assert [n["actionName"] for n in on_partner] == ["company.rename"]
    future = (utcnow() + timedelta(hours=1)).isoformat()
    assert nodes(await events(world, world.desk, world.platform, since=future)) == []
    assert len(nodes(await events(world, world.desk, world.platform, until=future))) >= 5


async def test_bad_filters_are_typed_errors(world: AuditWorld) -> None:
    now = utcnow()
    reversed_range = await events(
        world,
        world.admin,
        world.customer,
        since=now.isoformat(),
        until=(now - timedelta(days=1)).isoformat(),
    )
    assert codes(reversed_range) == ["INVALID_DATE_RANGE"]
    unknown_action = await events(world, world.admin, world.customer, actions=["COMPANY_EXPLODE"])
    assert codes(unknown_action) == ["GRAPHQL_VALIDATION_FAILED"]
    both_ways = await events(world, world.admin, world.customer, first=2, last=2)
    assert codes(both_ways) == ["BAD_USER_INPUT"]
    too_many = await events(world, world.admin, world.customer, first=1000)
    assert codes(too_many) == ["BAD_USER_INPUT"]
    malformed = await events(world, world.admin, world.customer, after="not a cursor")
    assert codes(malformed) == ["BAD_USER_INPUT"]


async def test_pages_join_up_forward_and_backward(world: AuditWorld) -> None:
    for n in range(7):
        await world.call("companyRename", {"id": cid(world.customer), "name": f"C{n}"}, world.admin)
    everything = nodes(await events(world, world.admin, world.customer, first=100))
    ids = [n["id"] for n in everything]
    forward: list[str] = []
    after = None
    while True:
        page = await events(world, world.admin, world.customer, first=3, after=after)
        forward += [n["id"] for n in nodes(page)]
        info = page.data["auditEvents"]["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert forward == ids
    backward: list[str] = []
    before = None
    while True:
        page = await events(world, world.admin, world.customer, last=3, before=before)
        backward = [n["id"] for n in nodes(page)] + backward
        info = page.data["auditEvents"]["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert backward == ids


async def test_audit_paging_is_every_connections(world: AuditWorld) -> None:
    # The same paging as every other list (services/pagination.py): reasons on mistakes,
    # a window between two cursors, cursors bound to their list and arguments.
    for n in range(6):
        await world.call("companyRename", {"id": cid(world.customer), "name": f"C{n}"}, world.admin)
    await world.call("companyRename", {"id": cid(world.neighbour), "name": "N!"}, world.admin)
    whole = await events(world, world.admin, world.customer, first=100)
    ids = [n["id"] for n in nodes(whole)]
    cursors = [e["cursor"] for e in whole.data["auditEvents"]["edges"]]
    between = await events(world, world.admin, world.customer, after=cursors[1], before=cursors[5])
    assert [n["id"] for n in nodes(between)] == ids[2:5]
    both = await events(world, world.admin, world.customer, first=2, last=2)
    assert both.errors[0]["extensions"]["reason"] == "FIRST_AND_LAST"
    renames_only = await events(world, world.admin, world.customer, actions=["COMPANY_RENAME"])
    cursor = renames_only.data["auditEvents"]["pageInfo"]["endCursor"]
    unfiltered = await events(world, world.admin, world.customer, after=cursor)
    assert codes(unfiltered) == ["BAD_USER_INPUT"]
    assert unfiltered.errors[0]["extensions"]["reason"] == "INVALID_CURSOR"
    # One company's history takes only its own cursors.
    history = """query($id: ID!, $before: String) { company(id: $id) {
      history(last: 1, before: $before) { pageInfo { startCursor } } } }"""
    token = world.token(world.partner_admin)  # reads both companies
    mine = await world.client(history, {"id": cid(world.customer)}, token=token)
    start = mine.data["company"]["history"]["pageInfo"]["startCursor"]
    again = await world.client(history, {"id": cid(world.customer), "before": start}, token=token)
    assert not again.errors, again.errors
    assert start is not None
    other = await world.client(history, {"id": cid(world.neighbour), "before": start}, token=token)
    assert other.errors[0]["extensions"]["reason"] == "INVALID_CURSOR"


async def test_audit_pages_are_priced_by_first_or_last(world: AuditWorld) -> None:
    headers = {"x-graphql-cost": "1"}
    document = "query($c: ID!) { auditEvents(companyId: $c, %s) { edges { node { id } } } }"
    estimated = []
    for paging in ("first: 3", "last: 7", "first: null"):
        response = await world.client(
            document % paging,
            {"c": cid(world.customer)},
            token=world.token(world.admin),
            headers=headers,
        )
        estimated.append(response.body["extensions"]["cost"]["estimated"])
    assert estimated == [1 + 3 * 2, 1 + 7 * 2, 1 + 50 * 2]  # each row: its edge and node


HISTORY = """
query History($id: ID!) { node(id: $id) { ... on Device { history(first: 10) {
  edges { node { actionName changes { field before after } } } } } } }
"""


async def test_a_device_has_its_history(world: AuditWorld) -> None:
    await world.grant(world.customer)
    data = {
        "companyId": cid(world.customer),
        "serialNumber": "SN-3",
        "name": "Meter",
        "model": "M",
        "datapoints": 5,
    }
    registered = await world.call(
        "deviceRegister", data, world.advanced, "DevicePayload { device { id } }"
    )
    device = registered["device"]["id"]
    await world.call("deviceRename", {"id": device, "name": "Boiler"}, world.advanced)
    response = await world.client(HISTORY, {"id": device}, token=world.token(world.admin))
    assert not response.errors, response.errors
    history = [e["node"]["actionName"] for e in response.data["node"]["history"]["edges"]]
    assert history == ["device.rename", "device.register"]
    # An ADVANCED_USER manages devices but does not read the audit trail.
    refused = await world.client(HISTORY, {"id": device}, token=world.token(world.advanced))
    assert codes(refused) == ["FORBIDDEN"]


COMPANY_EVENTS = """
query($id: ID!) { company(id: $id) { auditEvents(first: 50) { edges { node { actionName } } } } }
"""


async def test_company_audit_events_is_the_subtree_log(world: AuditWorld) -> None:
    await renames(world)
    response = await world.client(
        COMPANY_EVENTS, {"id": cid(world.partner)}, token=world.token(world.partner_admin)
    )
    assert not response.errors, response.errors
    assert len(response.data["company"]["auditEvents"]["edges"]) == 3


async def test_no_input_can_change_an_entry(world: AuditWorld) -> None:
    """There is no mutation on the log, and every entry a request wrote is still as it was."""
    await renames(world)
    before = [(e.id, e.mac) for e in await all_entries(world.sessionmaker)]
    mutations = await world.client(
        "{ __schema { mutationType { fields { name } } } }", token=world.token(world.desk)
    )
    assert not [
        f
        for f in mutations.data["__schema"]["mutationType"]["fields"]
        if "audit" in f["name"].lower()
    ]
    assert [(e.id, e.mac) for e in await all_entries(world.sessionmaker)] == before


PAGE = """
query($company: ID!, $first: Int!) { auditEvents(companyId: $company, first: $first) {
  edges { node { id actionName actor { email name } actorRole company { name }
                 targetType targetId changes { field before after } } }
  pageInfo { hasNextPage }
} }
"""


async def statements_for_a_page(
    world: AuditWorld, count_statements: StatementCounter, company: Company, rows: int
) -> int:
    """`rows` entries in `company`, each by another user of it; the statements of one page."""
    async with world.sessionmaker() as session:
        for n in range(rows):
            user = User(
                company_id=company.id,
                email=f"actor{n}@{company.id}.example.com",
                name=f"Actor {n}",
                role=Role.ADMINISTRATOR,
                password_hash="x",
            )
            session.add(user)
            await session.flush()
            audit.record(session, Act.COMPANY_RENAME, user, company, {"name": (str(n), str(n + 1))})
        await session.commit()
    before = count_statements.count
    response = await world.client(
        PAGE, {"company": cid(company), "first": rows}, token=world.token(world.partner_admin)
    )
    assert not response.errors, response.errors
    nodes = [edge["node"] for edge in response.data["auditEvents"]["edges"]]
    assert len(nodes) == rows
    assert {n["actor"]["email"] for n in nodes} == {
        f"actor{n}@{company.id}.example.com" for n in range(rows)
    }
    statements = count_statements.statements[before:]
    return len([s for s in statements if not s.startswith("BEGIN")])


async def test_a_page_costs_the_same_statements_at_10_and_100_rows(
    world: AuditWorld, count_statements: StatementCounter
) -> None:
    """Actors and companies come with the page's own query: no statement per row."""
    at_10 = await statements_for_a_page(world, count_statements, world.customer, 10)
    at_100 = await statements_for_a_page(world, count_statements, world.neighbour, 100)
    assert at_10 == at_100
    # The caller and their company (the token's check), the company read, and the page
    # with its actors and companies joined.
    assert at_10 == 3


OBJECT_HISTORY = """
query History($id: ID!) { node(id: $id) {
  ... on Account { history(first: 10) { edges { node { actionName actor { email } } } } }
  ... on Company { history(first: 10) { edges { node { actionName actor { email } } } } }
} }
"""


async def history_of(w: AuditWorld, global_id: str, reader: User) -> list[tuple[str, Any]]:
    response = await w.client(OBJECT_HISTORY, {"id": global_id}, token=w.token(reader))
    assert not response.errors, response.errors
    return [
        (edge["node"]["actionName"], edge["node"]["actor"])
        for edge in response.data["node"]["history"]["edges"]
    ]


async def test_an_account_and_a_company_have_their_history(world: AuditWorld) -> None:
    # An account requested by the customer's SUPERADMIN, approved by the platform's desk
    account = await world.active_account()
    boss = {"email": world.boss.email}
    assert await history_of(world, account, world.boss) == [
        ("account.change", None),  # the desk, above the customer: no identity
        ("account.create", boss),
    ]
    # The company's own entries only: not those of its users, accounts or applications
    await world.call("companyRename", {"id": cid(world.customer), "name": "C1"}, world.admin)
    await world.call("profileUpdate", {"name": "Someone"}, world.admin)
    assert await history_of(world, cid(world.customer), world.admin) == [
        ("company.rename", {"email": world.admin.email})
    ]


async def test_a_credit_move_is_in_the_receiving_childs_log(world: AuditWorld) -> None:
    # given credits moved by the partner's administrator into its child, the customer
    await world.grant(world.partner, 7)
    data = {"fromCompanyId": cid(world.partner), "toCompanyId": cid(world.customer), "amount": 3}
    moved = await world.call(
        "creditMove", data, world.partner_admin, "CreditMovePayload { transferId }"
    )
    assert moved["__typename"] == "CreditMovePayload", moved
    # when the customer's administrator reads its own company's log
    own = await events(
        world, world.admin, world.customer, descendants=False, actions=["CREDIT_MOVE"]
    )
    # then the move is there, its actor from above shown without identity
    [seen] = nodes(own)
    assert seen["company"] == {"name": "Customer"}
    assert seen["actor"] is None
    changes = {c["field"]: c["after"] for c in seen["changes"]}
    assert (changes["fromCompany"], changes["toCompany"]) == ("Partner", "Customer")
    # and the partner's administrator reads it among its descendants' entries, with the actor
    below = await events(world, world.partner_admin, world.partner, actions=["CREDIT_MOVE"])
    [theirs] = nodes(below)
    assert theirs["actor"] == {"email": "pa@example.com"}
