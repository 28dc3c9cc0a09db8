"""`viewerCan` agrees with the mutations: for every role, inside the platform and in a
tenant, at each relation (SELF, CHILD, DESCENDANT), each permission is true exactly when the
mutation it names does not refuse the caller as such.

A refusal is FORBIDDEN or NOT_FOUND (top-level or typed) or a rule about who the caller is
(CANNOT_ACT_ON_SELF, ROLE_TOO_HIGH); any other answer, success or a typed error about the
state (archived, too few credits, already decided), counts as allowed: the portal shows the
button and the error next to it. Mutations with lasting effects run last, or are undone.

    Platform           home of the platform cases; root (SUPERADMIN) and desk set things up
    |-- Partner        home of the tenant cases
    |   |-- Customer
    |   |   `-- Site
    |   `-- Neighbour
    `-- Other Partner
        `-- Other
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from models.company import Company
from models.user import Role, User
from tests.conftest import StatementCounter
from tests.factories import Factory
from tests.graphql import GraphQLClient, Response, cid, gid, mutation, union
from tests.helpers import Maker, account_request, add_account, license_ids
from tests.worlds import standard_tree

ROLES = [Role.USER, Role.ADVANCED_USER, Role.ADMINISTRATOR, Role.SUPERADMIN]
REFUSALS = {"FORBIDDEN", "NOT_FOUND", "CANNOT_ACT_ON_SELF", "ROLE_TOO_HIGH"}
_emails = itertools.count(1)

COMPANY_CAN = """
  readAccounts readApplications readCredits readAuditTrail rename archive createChild
  setUseParentCredits inviteUsers invitableRoles registerDevices requestAccounts moveCredits
  grantCredits
"""
USER_CAN = "... on User { id role viewerCan { changeRole assignableRoles deactivate reactivate } }"
INVITATION_CAN = "... on Invitation { id viewerCan { resend revoke } }"


def probe_document(users: int, invitations: int) -> str:
    """One query for every object's `viewerCan` (aliases: the schema has no `nodes`)."""
    lists = [f"u{i}: node(id: $u{i}) {{ {USER_CAN} }}" for i in range(users)]
    lists += [f"i{i}: node(id: $i{i}) {{ {INVITATION_CAN} }}" for i in range(invitations)]
    ids = [f"$u{i}: ID!" for i in range(users)] + [f"$i{i}: ID!" for i in range(invitations)]
    return f"""
query Probe($company: ID!, $device: ID!, $account: ID!, $application: ID!, {", ".join(ids)}) {{
  company: node(id: $company) {{ ... on Company {{ viewerCan {{ {COMPANY_CAN} }} }} }}
  {" ".join(lists)}
  device: node(id: $device) {{ ... on Device {{ viewerCan {{ rename unregister }} }} }}
  account: node(id: $account) {{ ... on Account {{ viewerCan {{ requestChanges }} }} }}
  application: node(id: $application) {{
    ... on Application {{ viewerCan {{ approve reject cancel }} }}
  }}
}}
"""


@dataclass
class Target:
    """A company the actor probes, and the objects of it probed."""

    company: Company
    parent: Company | None
    users: list[User]
    invitations: list[str]
    device: str
    account: str
    application: str


@dataclass
class Probe:
    client: GraphQLClient
    factory: Factory
    actor: User
    root: User
    licenses: dict[str, str]

    async def run(self, name: str, data: dict[str, Any], user: User | None = None) -> Response:
        token = self.factory.token(user or self.actor)
        return await self.client(mutation(name, union()), {"input": data}, token=token)

    async def allowed(self, name: str, data: dict[str, Any]) -> bool:
        """Whether the actor's call of mutation `name` was let through."""
        response = await self.run(name, data)
        if response.errors:
            assert set(response.error_codes) <= {"FORBIDDEN", "NOT_FOUND"}, response.errors
            return False
        return response.data[name].get("code") not in REFUSALS

    async def readable(self, document: str, **variables: Any) -> bool:
        response = await self.client(document, variables, token=self.factory.token(self.actor))
        if response.errors:
            assert response.error_codes == ["FORBIDDEN"], response.errors
            return False
        return True

    async def must(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """A setup call of the platform's SUPERADMIN, which must succeed."""
        response = await self.run(name, data, self.root)
        result: dict[str, Any] = response.data[name]
        assert "code" not in result, result
        return result


async def _target(probe: Probe, company: Company, parent: Company | None) -> Target:
    factory = probe.factory
    users = [await factory.user(company, role) for role in ROLES]
    invitations = []
    for role in ROLES:
        email = f"invited{next(_emails)}@example.com"
        data = {"companyId": cid(company), "email": email, "role": role.value}
        response = await probe.client(
            mutation("userInvite", "... on InvitationPayload { invitation { id } }"),
            {"input": data},
            token=factory.token(probe.root),
        )
        invitations.append(response.data["userInvite"]["invitation"]["id"])
    await probe.must("creditGrant", {"companyId": cid(company), "amount": 10})
    device = await probe.client(
        mutation("deviceRegister", "... on DevicePayload { device { id } } ... on Error { code }"),
        {
            "input": {
                "companyId": cid(company),
                "serialNumber": f"SN-VIEWER-{company.id}",
                "name": "Meter",
                "model": "EM-24",
                "datapoints": 1,
            }
        },
        token=factory.token(probe.root),
    )
    account = await add_account(factory.sessionmaker, company)
    filed = await probe.client(
        mutation("accountRequest", "... on ApplicationPayload { application { id } }"),
        {"input": account_request(company, probe.licenses["STARTER_DP"])},
        token=factory.token(probe.root),
    )
    return Target(
        company=company,
        parent=parent,
        users=users,
        invitations=invitations,
        device=device.data["deviceRegister"]["device"]["id"],
        account=gid("Account", account.id),
        application=filed.data["accountRequest"]["application"]["id"],
    )


async def _check(probe: Probe, target: Target) -> None:
    company = target.company
    users = [*target.users, *([probe.actor] if probe.actor.company_id == company.id else [])]
    seen = await probe.client(
        probe_document(len(users), len(target.invitations)),
        {
            "company": cid(company),
            **{f"u{i}": gid("User", user.id) for i, user in enumerate(users)},
            **{f"i{i}": invitation for i, invitation in enumerate(target.invitations)},
            "device": target.device,
            "account": target.account,
            "application": target.application,
        },
        token=probe.factory.token(probe.actor),
    )
    # An object the role may not read answers FORBIDDEN (and no buttons): then every one
    # of its mutations must refuse too.
    assert set(seen.error_codes) <= {"FORBIDDEN"}, seen.errors
    data = seen.body["data"]

    def viewer_can(key: str, names: str) -> dict[str, Any]:
        found = data[key]
        if found is None:
            return {name: [] if name.endswith("Roles") else False for name in names.split()}
        result: dict[str, Any] = found["viewerCan"]
        return result

    can = viewer_can("company", COMPANY_CAN)
    where = cid(company)

    # Reads.
    assert can["readAccounts"] == await probe.readable(
        "query($id: ID!) { account(id: $id) { id } }", id=target.account
    ), where
    assert can["readApplications"] == await probe.readable(
        "query($id: ID!) { application(id: $id) { id } }", id=target.application
    ), where
    assert can["readCredits"] == await probe.readable(
        "query($c: ID!) { ledgerEntries(companyId: $c, first: 1) { edges { cursor } } }", c=where
    ), where
    assert can["readAuditTrail"] == await probe.readable(
        "query($c: ID!) { auditEvents(companyId: $c, first: 1) { edges { cursor } } }", c=where
    ), where

    # The company's own mutations.
    assert can["rename"] == await probe.allowed("companyRename", {"id": where, "name": "Renamed"})
    assert can["createChild"] == await probe.allowed(
        "companyCreate", {"parentId": where, "name": "Probe child", "countryCode": "ES"}
    )
    assert can["setUseParentCredits"] == await probe.allowed(
        "companySetUseParentCredits", {"id": where, "useParentCredits": False}
    )
    invitable = []
    for role in ROLES:
        email = f"probe{next(_emails)}@example.com"
        invite = {"companyId": where, "email": email, "role": role.value}
        if await probe.allowed("userInvite", invite):
            invitable.append(role.value)
    assert can["invitableRoles"] == invitable, where
    assert can["inviteUsers"] == bool(invitable), where
    assert can["registerDevices"] == await probe.allowed(
        "deviceRegister",
        {
            "companyId": where,
            "serialNumber": f"SN-PROBE-{next(_emails)}",
            "name": "Probe",
            "model": "EM-24",
            "datapoints": 1,
        },
    )
    assert can["requestAccounts"] == await probe.allowed(
        "accountRequest", account_request(company, probe.licenses["STARTER_DP"])
    )
    if target.parent is None:
        assert can["moveCredits"] is False  # the root has no parent to move with
    else:
        move = {"fromCompanyId": cid(target.parent), "toCompanyId": where, "amount": 1}
        assert can["moveCredits"] == await probe.allowed("creditMove", move), where
    assert can["grantCredits"] == await probe.allowed(
        "creditGrant", {"companyId": where, "amount": 1}
    )

    # Users: the same role (no change), every role for the USER, then off and on again.
    for index, user in enumerate(users):
        uid, key = gid("User", user.id), f"u{index}"
        user_can = viewer_can(key, "changeRole assignableRoles deactivate reactivate")
        assert data[key] is not None  # users are readable by every role
        assert user_can["changeRole"] == await probe.allowed(
            "userChangeRole", {"id": uid, "role": user.role.value}
        ), uid
        if user.role is Role.USER:
            assignable = []
            for role in ROLES:
                if await probe.allowed("userChangeRole", {"id": uid, "role": role.value}):
                    assignable.append(role.value)
                    await probe.must("userChangeRole", {"id": uid, "role": Role.USER.value})
            assert user_can["assignableRoles"] == assignable, uid
        assert user_can["deactivate"] == await probe.allowed("userDeactivate", {"id": uid}), uid
        assert user_can["reactivate"] == await probe.allowed("userReactivate", {"id": uid}), uid

    for index, iid in enumerate(target.invitations):
        invitation_can = viewer_can(f"i{index}", "resend revoke")
        assert invitation_can["resend"] == await probe.allowed("invitationResend", {"id": iid})
        assert invitation_can["revoke"] == await probe.allowed("invitationRevoke", {"id": iid})

    device_can = viewer_can("device", "rename unregister")
    assert device_can["rename"] == await probe.allowed(
        "deviceRename", {"id": target.device, "name": "Renamed"}
    )
    assert device_can["unregister"] == await probe.allowed(
        "deviceUnregister", {"id": target.device}
    )

    account_can = viewer_can("account", "requestChanges")
    assert account_can["requestChanges"] == await probe.allowed(
        "accountRenewalRequest", {"accountId": target.account}
    )

    application_can = viewer_can("application", "approve reject cancel")
    application = {"id": target.application}
    assert application_can["reject"] == await probe.allowed(
        "applicationReject", {**application, "reason": "Probe"}
    )
    assert application_can["approve"] == await probe.allowed("applicationApprove", application)
    assert application_can["cancel"] == await probe.allowed("applicationCancel", application)

    # Last: archiving (blocked by the child created above, or done: nothing follows it).
    assert can["archive"] == await probe.allowed("companyArchive", {"id": where})


CASES = [
    pytest.param(role, platform, id=f"{role.value}-{'platform' if platform else 'tenant'}")
    for role in ROLES
    for platform in (True, False)
]


@pytest.mark.parametrize(("role", "platform"), CASES)
async def test_viewer_can_agrees_with_every_mutation(
    role: Role, platform: bool, client: GraphQLClient, factory: Factory, sessionmaker: Maker
) -> None:
    tree = await standard_tree(factory)
    site = await factory.company(tree.customer, name="Site")
    root = await factory.user(tree.platform, Role.SUPERADMIN)
    home = tree.platform if platform else tree.partner
    actor = await factory.user(home, role)
    probe = Probe(client, factory, actor, root, await license_ids(sessionmaker))
    # SELF, CHILD and DESCENDANT of the actor's company, each with its parent.
    if platform:
        places = [
            (tree.platform, None),
            (tree.partner, tree.platform),
            (tree.customer, tree.partner),
        ]
    else:
        places = [
            (tree.partner, tree.platform),
            (tree.customer, tree.partner),
            (site, tree.customer),
        ]
    targets = [await _target(probe, company, parent) for company, parent in places]
    # Deepest first: archiving one (last of its checks) cannot disturb the next.
    for target in reversed(targets):
        await _check(probe, target)


async def test_out_of_scope_objects_answer_not_found_not_permissions(
    client: GraphQLClient, factory: Factory
) -> None:
    tree = await standard_tree(factory)
    actor = await factory.user(tree.customer, Role.SUPERADMIN)
    response = await client(
        "query($id: ID!) { node(id: $id) { ... on Company { viewerCan { rename } } } }",
        {"id": cid(tree.neighbour)},
        token=factory.token(actor),
    )
    assert response.data == {"node": None}


USERS_CAN = """
query Users($company: ID!, $first: Int!) {
  users(companyId: $company, includeDescendants: true, first: $first) {
    edges { node { id viewerCan { changeRole assignableRoles deactivate } } }
  }
  companyTree(first: $first) { edges { node { viewerCan { rename moveCredits } } } }
}
"""


async def test_a_page_of_permissions_costs_the_same_statements_at_any_size(
    client: GraphQLClient, factory: Factory, count_statements: StatementCounter
) -> None:
    """viewerCan is decided from rows already loaded: the companies of a page of users come
    in one batch, so the statements do not grow with the page."""
    tree = await standard_tree(factory)
    actor = await factory.user(tree.platform, Role.ADMINISTRATOR)
    companies = [tree.partner, tree.customer, tree.neighbour, tree.other_partner, tree.other]
    token = factory.token(actor)

    async def statements(first: int) -> int:
        before = count_statements.count
        response = await client(
            USERS_CAN, {"company": cid(tree.platform), "first": first}, token=token
        )
        assert len(response.data["users"]["edges"]) == first
        return count_statements.count - before

    for company in companies:
        await factory.user(company, Role.USER)
    small = await statements(5)
    for index in range(40):
        await factory.user(companies[index % len(companies)], Role.ADVANCED_USER)
    assert await statements(40) == small
