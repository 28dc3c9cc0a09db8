"""Who reads which entries of the audit trail: the whole matrix of the world's users (every
role, at every level) against every company of the tree, each answer checked against a
model of the hierarchy built from the entries themselves.

The model: a reader may read a company's log when the company lies in their own subtree
(else NOT_FOUND, as for a company that does not exist) and their role is ADMINISTRATOR or
above (else FORBIDDEN); they then see exactly the entries of that company (or of its
subtree), and an entry's actor (user, role, client address, user agent) only when the
actor's company lies in the reader's subtree.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.audit import AuditEntry
from models.company import Company
from models.user import Role, User
from tests.audit_world import AuditWorld, all_entries, audit_world
from tests.factories import Factory
from tests.graphql import GraphQLClient, Response, cid, gid
from tests.helpers import Maker

READERS = ["desk", "root", "partner_admin", "boss", "admin", "advanced", "viewer", "other_admin"]
COMPANIES = ["platform", "partner", "other_partner", "customer", "neighbour", "other"]

EVENTS = """
query Events($company: ID!, $descendants: Boolean) {
  auditEvents(companyId: $company, includeDescendants: $descendants, first: 100) {
    edges { node { id actorKind actor { id } actorRole clientAddress userAgent
                   company { id } } }
    pageInfo { hasNextPage }
  }
}
"""


@pytest.fixture
async def world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    w = await audit_world(client, factory, sessionmaker)
    await activity(w)
    return w


async def activity(w: AuditWorld) -> None:
    """Entries everywhere, by actors at every level: each administrator renames their own
    company, the platform and the partner act below them, and two sign-ins fail (one of a
    customer's user, one of an unknown email: the platform's)."""
    for company, user in [
        (w.platform, w.desk),
        (w.partner, w.partner_admin),
        (w.customer, w.admin),
        (w.customer, w.boss),
        (w.other, w.other_admin),
        (w.customer, w.desk),  # from above the customer and the partner
        (w.neighbour, w.partner_admin),  # from above the neighbour
        (w.other_partner, w.root),
    ]:
        result = await w.call(
            "companyRename", {"id": cid(company), "name": f"{company.name} by {user.id}"}, user
        )
        assert result["__typename"] == "CompanyPayload", result
    for email in (w.viewer.email, "nobody@example.com"):
        login = {"email": email, "password": "certainly not it"}
        failed = await w.call("login", login, None, "AuthPayload { accessToken }")
        assert failed["code"] == "INVALID_CREDENTIALS"


def in_subtree(path: str, root: str) -> bool:
    return path.startswith(root)


def expected_outcome(reader: User, reader_path: str, company: Company) -> str:
    if not in_subtree(company.path, reader_path):
        return "NOT_FOUND"
    return "ok" if reader.role.rank >= Role.ADMINISTRATOR.rank else "FORBIDDEN"


def expected_node(entry: AuditEntry, reader_path: str) -> dict[str, Any]:
    shown = entry.actor_company_path is not None and in_subtree(
        entry.actor_company_path, reader_path
    )
    hidden_user = entry.actor_kind == "USER" and not shown
    return {
        "id": gid("AuditEntry", entry.id),
        "actorKind": entry.actor_kind,
        "actor": {"id": gid("User", entry.actor_user_id)}
        if shown and entry.actor_user_id
        else None,
        "actorRole": entry.actor_role if shown else None,
        "clientAddress": None if hidden_user else entry.client_address,
        "userAgent": None if hidden_user else entry.user_agent,
        "company": {"id": gid("Company", entry.company_id)},
    }


def codes(response: Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.errors]


async def test_every_reader_against_every_company(world: AuditWorld) -> None:
    entries = await all_entries(world.sessionmaker)
    assert len(entries) == 10
    outcomes: dict[str, int] = {}
    tree = {company.id: company for company in (getattr(world, n) for n in COMPANIES)}
    for reader_name in READERS:
        reader: User = getattr(world, reader_name)
        reader_company = tree[reader.company_id]
        for company_name in COMPANIES:
            company: Company = getattr(world, company_name)
            for descendants in (True, False):
                response = await world.client(
                    EVENTS,
                    {"company": cid(company), "descendants": descendants},
                    token=world.token(reader),
                )
                where = (reader_name, company_name, descendants)
                outcome = expected_outcome(reader, reader_company.path, company)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome != "ok":
                    assert codes(response) == [outcome], (where, response.errors)
                    assert response.body["data"] is None, where
                    continue
                assert not response.errors, (where, response.errors)
                wanted = [
                    expected_node(entry, reader_company.path)
                    for entry in reversed(entries)  # newest first
                    if (
                        in_subtree(entry.company_path, company.path)
                        if descendants
                        else entry.company_id == company.id
                    )
                ]
                got = [edge["node"] for edge in response.data["auditEvents"]["edges"]]
                assert got == wanted, where
    # The matrix exercises every outcome, each more than once.
    assert outcomes == {"ok": 36, "FORBIDDEN": 4, "NOT_FOUND": 56}


HISTORY = """
query History($id: ID!) { node(id: $id) { ... on User { history(first: 10) {
  edges { node { actionName actor { email } clientAddress changes { field before after } } }
} } } }
"""


async def test_a_users_history_hides_an_actor_from_above(world: AuditWorld) -> None:
    # The platform's desk deactivates the customer's viewer; the customer's SUPERADMIN
    # reactivates them.
    viewer = gid("User", world.viewer.id)
    for name, user in [("userDeactivate", world.desk), ("userReactivate", world.boss)]:
        result = await world.call(name, {"id": viewer}, user)
        assert result["__typename"] == "UserPayload", result
    as_boss = await world.client(HISTORY, {"id": viewer}, token=world.token(world.boss))
    assert not as_boss.errors, as_boss.errors
    history = [edge["node"] for edge in as_boss.data["node"]["history"]["edges"]]
    assert [(n["actionName"], n["actor"]) for n in history] == [
        ("user.reactivate", {"email": world.boss.email}),
        ("user.deactivate", None),  # by the platform, above the customer
        ("auth.sign_in_failed", None),  # anonymous
    ]
    assert history[1]["clientAddress"] is None
    assert history[2]["clientAddress"] == "127.0.0.1"  # an attempt keeps where it came from
    # The desk sees itself; someone beside the customer does not find the user at all.
    as_desk = await world.client(HISTORY, {"id": viewer}, token=world.token(world.desk))
    desk_actors = [edge["node"]["actor"] for edge in as_desk.data["node"]["history"]["edges"]]
    assert desk_actors[1] == {"email": world.desk.email}
    beside = await world.client(HISTORY, {"id": viewer}, token=world.token(world.other_admin))
    assert beside.body == {"data": {"node": None}}  # as for an id that does not exist


async def test_filtering_on_an_actor_from_above_is_not_found(world: AuditWorld) -> None:
    """Otherwise a filter would tell which hidden entries were the desk's."""
    query = """
    query($company: ID!, $actor: ID) { auditEvents(companyId: $company, actorId: $actor) {
      edges { node { id } } } }
    """
    variables = {"company": cid(world.customer), "actor": gid("User", world.desk.id)}
    response = await world.client(query, variables, token=world.token(world.admin))
    assert codes(response) == ["NOT_FOUND"]
    mine = {"company": cid(world.customer), "actor": gid("User", world.boss.id)}
    own = await world.client(query, mine, token=world.token(world.admin))
    assert not own.errors
    assert len(own.data["auditEvents"]["edges"]) == 1
