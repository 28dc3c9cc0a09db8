"""Every mutation writes its audit entry, in its own transaction (SPEC section 7).

One case per mutation of the schema (`test_every_mutation_has_an_audit_case` fails when a new
one has none): the call through the API, then exactly the entries it must have written, each
with its action, target, company, actor, the fields before and after, and where the request
came from. No entry ever carries a secret. A mutation that fails writes no entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from sqlalchemy import TextClause, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from models.audit import AuditEntry
from models.company import Company
from models.user import User
from schema import build_schema
from services import audit
from services.audit import AuditAction as Act
from tests.audit_world import AuditWorld, audit_world, entries_since, last_entry_id
from tests.factories import PASSWORD, Factory
from tests.graphql import GraphQLClient, cid, gid, pk
from tests.helpers import Maker, license_ids
from tests.test_invitations import invitation_link_token, reset_link_token

NEW_PASSWORD = "plum umbrella quietly orbits"


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    return await audit_world(client, factory, sessionmaker)


@dataclass
class Expected:
    action: Act
    target_type: str | None
    company: Company
    actor: User | None  # None: a job, or nobody signed in
    changes: dict[str, Any] = field(default_factory=dict)  # a subset of what is recorded


Case = Callable[[AuditWorld], Awaitable[tuple[int, list[Expected]]]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


@dataclass
class Fault:
    """Armed by `test_a_mutation_that_rolls_back_leaves_no_entry`: from `mark` on, the next
    commit that would write an audit entry fails, after the mutation did all its work."""

    wanted: bool = False
    armed: bool = False
    fired: bool = False
    at: int = 0  # the last entry before the mutation under test


FAULT = Fault()


async def mark(w: AuditWorld) -> int:
    """Where the mutation under test begins: what it writes comes after this entry."""
    FAULT.at = await last_entry_id(w.sessionmaker)
    FAULT.armed = FAULT.wanted
    return FAULT.at


# --- signing in -----------------------------------------------------------------------------


@case("login")
async def _login(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call(
        "login", {"email": w.admin.email, "password": PASSWORD}, None, "AuthPayload { accessToken }"
    )
    assert result["__typename"] == "AuthPayload"
    return at, [Expected(Act.SIGN_IN, "User", w.customer, w.admin)]


async def _tokens(w: AuditWorld, user: User) -> dict[str, Any]:
    return await w.call(
        "login",
        {"email": user.email, "password": PASSWORD},
        None,
        "AuthPayload { accessToken refreshToken }",
    )


@case("tokenRefresh")
async def _token_refresh(w: AuditWorld) -> tuple[int, list[Expected]]:
    pair = await _tokens(w, w.admin)
    at = await mark(w)
    result = await w.call(
        "tokenRefresh", {"refreshToken": pair["refreshToken"]}, None, "AuthPayload { accessToken }"
    )
    assert result["__typename"] == "AuthPayload"
    return at, [Expected(Act.TOKEN_REFRESH, "User", w.customer, w.admin)]


@case("logout")
async def _logout(w: AuditWorld) -> tuple[int, list[Expected]]:
    pair = await _tokens(w, w.admin)
    at = await mark(w)
    result = await w.call(
        "logout", {"refreshToken": pair["refreshToken"]}, None, "OkPayload { ok }"
    )
    assert result["__typename"] == "OkPayload"
    return at, [Expected(Act.SIGN_OUT, "User", w.customer, w.admin)]


# --- companies ------------------------------------------------------------------------------


@case("companyCreate")
async def _company_create(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    data = {"parentId": cid(w.customer), "name": "Site", "countryCode": "ES"}
    result = await w.call("companyCreate", data, w.admin, "CompanyPayload { company { id } }")
    async with w.sessionmaker() as session:
        site = await session.get(Company, pk(result["company"]["id"]))
    assert site is not None
    return at, [Expected(Act.COMPANY_CREATE, "Company", site, w.admin, {"name": [None, "Site"]})]


@case("companyRename")
async def _company_rename(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call(
        "companyRename",
        {"id": cid(w.customer), "name": "Cust"},
        w.admin,
        "CompanyPayload { company { id } }",
    )
    assert result["__typename"] == "CompanyPayload"
    return at, [
        Expected(Act.COMPANY_RENAME, "Company", w.customer, w.admin, {"name": ["Customer", "Cust"]})
    ]


@case("companyArchive")
async def _company_archive(w: AuditWorld) -> tuple[int, list[Expected]]:
    empty = await w.factory.company(w.customer, name="Empty")
    at = await mark(w)
    result = await w.call(
        "companyArchive", {"id": cid(empty)}, w.admin, "CompanyPayload { company { id } }"
    )
    assert result["__typename"] == "CompanyPayload", result
    return at, [Expected(Act.COMPANY_ARCHIVE, "Company", empty, w.admin)]


@case("companySetUseParentCredits")
async def _company_use_parent(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    data = {"id": cid(w.customer), "useParentCredits": True}
    result = await w.call(
        "companySetUseParentCredits", data, w.partner_admin, "CompanyPayload { company { id } }"
    )
    assert result["__typename"] == "CompanyPayload", result
    changes = {"useParentCredits": [False, True]}
    return at, [
        Expected(
            Act.COMPANY_SET_USE_PARENT_CREDITS, "Company", w.customer, w.partner_admin, changes
        )
    ]


# --- users and invitations ------------------------------------------------------------------

INVITEE = "new.person@example.com"


async def _invite(w: AuditWorld) -> str:
    data = {"companyId": cid(w.customer), "email": INVITEE, "role": "USER"}
    result = await w.call("userInvite", data, w.admin, "InvitationPayload { invitation { id } }")
    assert result["__typename"] == "InvitationPayload", result
    invitation_id: str = result["invitation"]["id"]
    return invitation_id


@case("userInvite")
async def _user_invite(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    await _invite(w)
    return at, [
        Expected(
            Act.INVITATION_CREATE, "Invitation", w.customer, w.admin, {"email": [None, INVITEE]}
        )
    ]


@case("invitationResend")
async def _invitation_resend(w: AuditWorld) -> tuple[int, list[Expected]]:
    invitation = await _invite(w)
    at = await mark(w)
    result = await w.call(
        "invitationResend", {"id": invitation}, w.admin, "InvitationPayload { invitation { id } }"
    )
    assert result["__typename"] == "InvitationPayload", result
    return at, [Expected(Act.INVITATION_RESEND, "Invitation", w.customer, w.admin)]


@case("invitationRevoke")
async def _invitation_revoke(w: AuditWorld) -> tuple[int, list[Expected]]:
    invitation = await _invite(w)
    at = await mark(w)
    result = await w.call(
        "invitationRevoke", {"id": invitation}, w.admin, "InvitationPayload { invitation { id } }"
    )
    assert result["__typename"] == "InvitationPayload", result
    return at, [Expected(Act.INVITATION_REVOKE, "Invitation", w.customer, w.admin)]


@case("invitationAccept")
async def _invitation_accept(w: AuditWorld) -> tuple[int, list[Expected]]:
    await _invite(w)
    token = await invitation_link_token(w.client, w.sessionmaker, INVITEE)
    at = await mark(w)
    data = {"token": token, "password": NEW_PASSWORD, "name": "New Person"}
    result = await w.call("invitationAccept", data, None, "AuthPayload { user { id } }")
    assert result["__typename"] == "AuthPayload", result
    async with w.sessionmaker() as session:
        user = await session.get(User, pk(result["user"]["id"]))
    assert user is not None
    return at, [
        Expected(Act.USER_CREATE, "User", w.customer, user, {"email": [None, INVITEE]}),
        Expected(Act.INVITATION_ACCEPT, "Invitation", w.customer, user),
    ]


@case("userChangeRole")
async def _user_change_role(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    data = {"id": gid("User", w.viewer.id), "role": "ADVANCED_USER"}
    result = await w.call("userChangeRole", data, w.admin, "UserPayload { user { id } }")
    assert result["__typename"] == "UserPayload", result
    changes = {"role": ["USER", "ADVANCED_USER"]}
    return at, [Expected(Act.USER_CHANGE_ROLE, "User", w.customer, w.admin, changes)]


@case("userDeactivate")
async def _user_deactivate(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call(
        "userDeactivate", {"id": gid("User", w.viewer.id)}, w.admin, "UserPayload { user { id } }"
    )
    assert result["__typename"] == "UserPayload", result
    return at, [
        Expected(Act.USER_DEACTIVATE, "User", w.customer, w.admin, {"isActive": [True, False]})
    ]


@case("userReactivate")
async def _user_reactivate(w: AuditWorld) -> tuple[int, list[Expected]]:
    await w.call("userDeactivate", {"id": gid("User", w.viewer.id)}, w.admin)
    at = await mark(w)
    result = await w.call(
        "userReactivate", {"id": gid("User", w.viewer.id)}, w.admin, "UserPayload { user { id } }"
    )
    assert result["__typename"] == "UserPayload", result
    return at, [
        Expected(Act.USER_REACTIVATE, "User", w.customer, w.admin, {"isActive": [False, True]})
    ]


@case("passwordChange")
async def _password_change(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    data = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    result = await w.call("passwordChange", data, w.admin, "AuthPayload { accessToken }")
    assert result["__typename"] == "AuthPayload", result
    return at, [
        Expected(
            Act.PASSWORD_CHANGE,
            "User",
            w.customer,
            w.admin,
            {"password": ["[changed]", "[changed]"]},
        )
    ]


@case("passwordResetRequest")
async def _password_reset_request(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call(
        "passwordResetRequest", {"email": w.admin.email}, None, "OkPayload { ok }"
    )
    assert result["__typename"] == "OkPayload", result
    changes = {"email": [None, w.admin.email], "known": [None, True]}
    return at, [Expected(Act.PASSWORD_RESET_REQUEST, "User", w.customer, None, changes)]


@case("passwordReset")
async def _password_reset(w: AuditWorld) -> tuple[int, list[Expected]]:
    await w.call("passwordResetRequest", {"email": w.admin.email}, None)
    token = await reset_link_token(w.client, w.sessionmaker, w.admin.email)
    at = await mark(w)
    result = await w.call(
        "passwordReset", {"token": token, "newPassword": NEW_PASSWORD}, None, "OkPayload { ok }"
    )
    assert result["__typename"] == "OkPayload", result
    return at, [Expected(Act.PASSWORD_RESET, "User", w.customer, None)]


@case("profileUpdate")
async def _profile_update(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call("profileUpdate", {"name": "Ada"}, w.admin, "UserPayload { user { id } }")
    assert result["__typename"] == "UserPayload", result
    return at, [
        Expected(
            Act.USER_UPDATE_PROFILE, "User", w.customer, w.admin, {"name": ["Test User", "Ada"]}
        )
    ]


# --- accounts and applications --------------------------------------------------------------

APPLICATION = "ApplicationPayload { application { id } }"


@case("accountRequest")
async def _account_request(w: AuditWorld) -> tuple[int, list[Expected]]:
    from tests.helpers import account_request

    licenses = await license_ids(w.sessionmaker)
    at = await mark(w)
    result = await w.call(
        "accountRequest", account_request(w.customer, licenses["STARTER_DP"]), w.boss, APPLICATION
    )
    assert result["__typename"] == "ApplicationPayload", result
    return at, [
        Expected(Act.ACCOUNT_CREATE, "Account", w.customer, w.boss, {"datapoints": [None, 100]}),
        Expected(
            Act.APPLICATION_REQUEST,
            "Application",
            w.customer,
            w.boss,
            {"kind": [None, "NEW_ACCOUNT"]},
        ),
    ]


async def _filed(w: AuditWorld, name: str, data: dict[str, Any]) -> tuple[int, list[Expected]]:
    at = await mark(w)
    result = await w.call(name, data, w.boss, APPLICATION)
    assert result["__typename"] == "ApplicationPayload", result
    return at, [Expected(Act.APPLICATION_REQUEST, "Application", w.customer, w.boss)]


@case("accountExtensionRequest")
async def _extension(w: AuditWorld) -> tuple[int, list[Expected]]:
    account = await w.active_account()
    return await _filed(w, "accountExtensionRequest", {"accountId": account, "datapoints": 10})


@case("accountLicenseChangeRequest")
async def _license_change(w: AuditWorld) -> tuple[int, list[Expected]]:
    account = await w.active_account()
    licenses = await license_ids(w.sessionmaker)
    data = {"accountId": account, "licenseId": licenses["PROFESSIONAL_DP"]}
    return await _filed(w, "accountLicenseChangeRequest", data)


@case("accountRenewalRequest")
async def _renewal(w: AuditWorld) -> tuple[int, list[Expected]]:
    account = await w.active_account()
    return await _filed(w, "accountRenewalRequest", {"accountId": account})


@case("datapointTransferRequest")
async def _transfer(w: AuditWorld) -> tuple[int, list[Expected]]:
    source, target = await w.active_account(), await w.active_account()
    data = {"accountId": source, "targetAccountId": target, "datapoints": 10}
    return await _filed(w, "datapointTransferRequest", data)


async def _pending_extension(w: AuditWorld) -> str:
    account = await w.active_account()
    filed = await w.call(
        "accountExtensionRequest", {"accountId": account, "datapoints": 10}, w.boss, APPLICATION
    )
    application_id: str = filed["application"]["id"]
    return application_id


@case("applicationApprove")
async def _approve(w: AuditWorld) -> tuple[int, list[Expected]]:
    application = await _pending_extension(w)
    at = await mark(w)
    result = await w.call("applicationApprove", {"id": application}, w.desk, APPLICATION)
    assert result["__typename"] == "ApplicationPayload", result
    return at, [
        Expected(
            Act.APPLICATION_APPROVE,
            "Application",
            w.customer,
            w.desk,
            {"status": ["PENDING", "APPROVED"]},
        ),
        Expected(Act.ACCOUNT_CHANGE, "Account", w.customer, w.desk, {"datapoints": [100, 110]}),
    ]


@case("applicationReject")
async def _reject(w: AuditWorld) -> tuple[int, list[Expected]]:
    application = await _pending_extension(w)
    at = await mark(w)
    result = await w.call(
        "applicationReject", {"id": application, "reason": "No"}, w.desk, APPLICATION
    )
    assert result["__typename"] == "ApplicationPayload", result
    changes = {"status": ["PENDING", "REJECTED"]}
    return at, [Expected(Act.APPLICATION_REJECT, "Application", w.customer, w.desk, changes)]


@case("applicationCancel")
async def _cancel(w: AuditWorld) -> tuple[int, list[Expected]]:
    application = await _pending_extension(w)
    at = await mark(w)
    result = await w.call("applicationCancel", {"id": application}, w.boss, APPLICATION)
    assert result["__typename"] == "ApplicationPayload", result
    changes = {"status": ["PENDING", "CANCELLED"]}
    return at, [Expected(Act.APPLICATION_CANCEL, "Application", w.customer, w.boss, changes)]


@case("licenseCreate")
async def _license_create(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    data = {
        "code": "ENTERPRISE_DP",
        "name": "Enterprise DP",
        "billingUnit": "DATAPOINTS",
        "rank": 5,
    }
    result = await w.call("licenseCreate", data, w.desk, "LicensePayload { license { id } }")
    assert result["__typename"] == "LicensePayload", result
    return at, [
        Expected(
            Act.LICENSE_CREATE, "License", w.platform, w.desk, {"code": [None, "ENTERPRISE_DP"]}
        )
    ]


# --- devices and credits --------------------------------------------------------------------

DEVICE = "DevicePayload { device { id } }"


async def _device(w: AuditWorld) -> str:
    await w.grant(w.customer)
    data = {
        "companyId": cid(w.customer),
        "serialNumber": "SN-1",
        "name": "Meter",
        "model": "M1",
        "datapoints": 5,
    }
    result = await w.call("deviceRegister", data, w.advanced, DEVICE)
    assert result["__typename"] == "DevicePayload", result
    device_id: str = result["device"]["id"]
    return device_id


@case("deviceRegister")
async def _device_register(w: AuditWorld) -> tuple[int, list[Expected]]:
    await w.grant(w.customer)
    at = await mark(w)
    data = {
        "companyId": cid(w.customer),
        "serialNumber": "SN-1",
        "name": "Meter",
        "model": "M1",
        "datapoints": 5,
    }
    result = await w.call("deviceRegister", data, w.advanced, DEVICE)
    assert result["__typename"] == "DevicePayload", result
    changes = {"serialNumber": [None, "SN-1"], "paidBy": [None, "Customer"]}
    return at, [Expected(Act.DEVICE_REGISTER, "Device", w.customer, w.advanced, changes)]


@case("deviceRename")
async def _device_rename(w: AuditWorld) -> tuple[int, list[Expected]]:
    device = await _device(w)
    at = await mark(w)
    result = await w.call("deviceRename", {"id": device, "name": "Boiler"}, w.advanced, DEVICE)
    assert result["__typename"] == "DevicePayload", result
    return at, [
        Expected(Act.DEVICE_RENAME, "Device", w.customer, w.advanced, {"name": ["Meter", "Boiler"]})
    ]


@case("deviceUnregister")
async def _device_unregister(w: AuditWorld) -> tuple[int, list[Expected]]:
    device = await _device(w)
    at = await mark(w)
    result = await w.call("deviceUnregister", {"id": device}, w.advanced, DEVICE)
    assert result["__typename"] == "DevicePayload", result
    changes = {"status": ["ACTIVE", "UNREGISTERED"]}
    return at, [Expected(Act.DEVICE_UNREGISTER, "Device", w.customer, w.advanced, changes)]


@case("creditGrant")
async def _credit_grant(w: AuditWorld) -> tuple[int, list[Expected]]:
    at = await mark(w)
    await w.grant(w.partner, 7)
    return at, [Expected(Act.CREDIT_GRANT, "Company", w.partner, w.desk, {"amount": [None, 7]})]


@case("creditMove")
async def _credit_move(w: AuditWorld) -> tuple[int, list[Expected]]:
    await w.grant(w.partner, 7)
    # Both balances exist: on PostgreSQL the move and its entry are one statement.
    await w.grant(w.customer, 1)
    at = await mark(w)
    data = {"fromCompanyId": cid(w.partner), "toCompanyId": cid(w.customer), "amount": 3}
    result = await w.call("creditMove", data, w.partner_admin, "CreditMovePayload { transferId }")
    assert result["__typename"] == "CreditMovePayload", result
    changes = {
        "amount": [None, 3],
        "fromCompany": [None, "Partner"],
        "toCompany": [None, "Customer"],
    }
    # in the child's log, which the parent's administrators read too
    return at, [Expected(Act.CREDIT_MOVE, "Company", w.customer, w.partner_admin, changes)]


# --- the tests ------------------------------------------------------------------------------


def _mutation_names() -> set[str]:
    from config import Settings

    schema = build_schema(Settings(jwt_key="k" * 40))
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    return set(mutation_type.fields)


def test_every_mutation_has_an_audit_case() -> None:
    missing = _mutation_names() - set(CASES)
    assert not missing, f"mutations without an audit test: {sorted(missing)}"


def assert_entry(entry: AuditEntry, expected: Expected) -> None:
    assert entry.action == expected.action.value
    assert entry.target_type == expected.target_type, entry.action
    assert entry.company_id == expected.company.id, entry.action
    assert entry.company_path == expected.company.path, entry.action
    if expected.actor is None:
        assert entry.actor_user_id is None, entry.action
    else:
        assert entry.actor_user_id == expected.actor.id, entry.action
        assert entry.actor_company_id == expected.actor.company_id
        assert entry.actor_role == expected.actor.role.value
    for name, values in expected.changes.items():
        assert entry.changes.get(name) == values, (entry.action, name, entry.changes)
    # Where it came from: the test client's request.
    assert entry.request_id, entry.action
    assert entry.client_address == "127.0.0.1"
    assert entry.user_agent
    assert "httpx" in entry.user_agent
    assert entry.seq is None  # sealed later, by the job
    assert len(entry.mac) == 64
    assert audit.mac_of(entry) == entry.mac, entry.action  # however it was written


def assert_no_secret(entry: AuditEntry, *secrets: str) -> None:
    text = orjson.dumps(entry.changes).decode()
    for secret in secrets:
        assert secret not in text, (entry.action, text)
    for name in entry.changes:
        assert "hash" not in name.lower(), (entry.action, name)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_mutation_writes_its_entries(name: str, world: AuditWorld) -> None:
    at, expected = await CASES[name](world)
    written = await entries_since(world.sessionmaker, at)
    assert [e.action for e in written] == [x.action.value for x in expected]
    for entry, wanted in zip(written, expected, strict=True):
        assert_entry(entry, wanted)
        assert_no_secret(entry, PASSWORD, NEW_PASSWORD)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_mutation_that_rolls_back_leaves_no_entry(
    name: str,
    world: AuditWorld,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """The same calls, but the commit that carries the mutation's entry fails (as a lost
    connection or a serialization failure would, after every statement ran): neither the
    change nor its entry remains, and no entry is written elsewhere either."""
    commit = AsyncSession.commit

    def noticing(session: Session, *_: Any) -> None:
        if any(isinstance(row, AuditEntry) for row in session.new):
            session.info["audit_entry"] = True

    async def failing(session: AsyncSession) -> None:
        carries_entry = session.sync_session.info.pop("audit_entry", False) or any(
            isinstance(row, AuditEntry) for row in session.new
        )
        if FAULT.armed and carries_entry:
            FAULT.armed, FAULT.fired = False, True
            raise ConnectionResetError("injected: the commit failed")
        await commit(session)

    def executing(state: ORMExecuteState) -> None:
        # A credit move on PostgreSQL writes its entry within its own statement.
        statement = state.statement
        if isinstance(statement, TextClause) and "INSERT INTO audit_entries" in statement.text:
            state.session.info["audit_entry"] = True

    event.listen(Session, "before_flush", noticing)
    event.listen(Session, "do_orm_execute", executing)
    request.addfinalizer(lambda: event.remove(Session, "before_flush", noticing))
    request.addfinalizer(lambda: event.remove(Session, "do_orm_execute", executing))
    monkeypatch.setattr(AsyncSession, "commit", failing)
    monkeypatch.setattr(FAULT, "wanted", True)
    monkeypatch.setattr(FAULT, "fired", False)
    with pytest.raises(AssertionError):  # the case's call answers an error
        await CASES[name](world)
    assert FAULT.fired, "the mutation never committed an audit entry"
    FAULT.wanted = FAULT.armed = False
    assert await entries_since(world.sessionmaker, FAULT.at) == []
