"""Random operations by random actors leave exactly the audit entries a model predicts.

In the world of the audit tests (a platform, partners, customers, users of every role), a
random sequence of requests through the API: company renames and credit grants by anyone
on any company, profile updates, sign-ins with the right password, a wrong one, or an
unknown email. The model knows the hierarchy and the policies' few rules these need, and
predicts each request's entries: none for NOT_FOUND (out of scope), one `auth.forbidden`
for a refused role, one entry of the change otherwise, one security event per sign-in.
After every request the entries written since the previous one are compared with the
prediction (action, actor, company, target); at the end a random administrator reads their
subtree's log of the example and sees exactly the model's entries, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from models.audit import AuditEntry
from models.base import utcnow
from models.company import Company
from models.user import LoginThrottle, Role, User
from services.audit import AuditAction as Act
from tests.audit_world import AuditWorld, audit_world, entries_since, last_entry_id
from tests.factories import PASSWORD, Factory
from tests.graphql import GraphQLClient, cid, gid
from tests.helpers import Maker

USERS = ["desk", "root", "partner_admin", "boss", "admin", "advanced", "viewer", "other_admin"]
COMPANIES = ["platform", "partner", "other_partner", "customer", "neighbour", "other"]
ADMINISTRATORS = ["desk", "root", "partner_admin", "boss", "admin", "other_admin"]


@dataclass(frozen=True)
class Rename:
    actor: str
    company: str


@dataclass(frozen=True)
class Grant:
    actor: str
    company: str


@dataclass(frozen=True)
class Profile:
    actor: str


@dataclass(frozen=True)
class SignIn:
    user: str | None  # None: an email nobody has
    right: bool


Step = Rename | Grant | Profile | SignIn

users = st.sampled_from(USERS)
companies = st.sampled_from(COMPANIES)
steps = st.one_of(
    st.builds(Rename, users, companies),
    st.builds(Grant, users, companies),
    st.builds(Profile, users),
    st.builds(SignIn, st.one_of(st.none(), users), st.booleans()),
)


def few_wrong_passwords(sequence: list[Step]) -> bool:
    """At most two wrong passwords per account: within the throttle's free attempts, so
    every attempt is admitted (throttled ones are tested on their own, in test_audit_log;
    their waits are timed, which this model does not do)."""
    wrong = [s.user for s in sequence if isinstance(s, SignIn) and s.user and not s.right]
    return all(wrong.count(name) <= 2 for name in set(wrong))


# One entry as the model predicts it and as it is compared.
Expected = tuple[str, str, int | None, int, str | None, int | None]


@dataclass
class Model:
    world: AuditWorld

    def user(self, name: str) -> User:
        user: User = getattr(self.world, name)
        return user

    def company(self, name: str) -> Company:
        company: Company = getattr(self.world, name)
        return company

    def company_of(self, user: User) -> Company:
        found = [self.company(n) for n in COMPANIES if self.company(n).id == user.company_id]
        return found[0]

    def in_scope(self, actor: User, company: Company) -> bool:
        return company.path.startswith(self.company_of(actor).path)

    def on_platform(self, actor: User) -> bool:
        return actor.company_id == self.world.platform.id

    def expect(self, step: Step) -> list[Expected]:
        if isinstance(step, Rename | Grant):
            actor, company = self.user(step.actor), self.company(step.company)
            if not self.in_scope(actor, company):
                return []  # NOT_FOUND, like a company that does not exist
            allowed = actor.role.rank >= Role.ADMINISTRATOR.rank
            if isinstance(step, Grant):
                allowed = allowed and self.on_platform(actor)
            action = Act.COMPANY_RENAME if isinstance(step, Rename) else Act.CREDIT_GRANT
            action = action if allowed else Act.FORBIDDEN
            return [(action, "USER", actor.id, company.id, "Company", company.id)]
        if isinstance(step, Profile):
            actor = self.user(step.actor)
            return [(Act.USER_UPDATE_PROFILE, "USER", actor.id, actor.company_id, "User", actor.id)]
        if step.user is None:
            platform = self.world.platform.id
            return [(Act.SIGN_IN_FAILED, "ANONYMOUS", None, platform, None, None)]
        user = self.user(step.user)
        if step.right:
            return [(Act.SIGN_IN, "USER", user.id, user.company_id, "User", user.id)]
        return [(Act.SIGN_IN_FAILED, "ANONYMOUS", None, user.company_id, "User", user.id)]


def observed(entry: AuditEntry) -> Expected:
    return (
        entry.action,
        entry.actor_kind,
        entry.actor_user_id,
        entry.company_id,
        entry.target_type,
        entry.target_id,
    )


async def perform(w: AuditWorld, step: Step, number: int) -> None:
    """The request; its answer is not checked here, its entries are."""
    if isinstance(step, Rename):
        company = getattr(w, step.company)
        data: dict[str, Any] = {"id": cid(company), "name": f"{step.company} {number}"}
        await w.raw("companyRename", data, getattr(w, step.actor))
    elif isinstance(step, Grant):
        data = {"companyId": cid(getattr(w, step.company)), "amount": 1 + number}
        await w.raw("creditGrant", data, getattr(w, step.actor))
    elif isinstance(step, Profile):
        await w.raw("profileUpdate", {"name": f"Name {number}"}, getattr(w, step.actor))
    else:
        email = getattr(w, step.user).email if step.user else f"nobody{number}@example.com"
        password = PASSWORD if step.right else "a wrong password"
        await w.raw("login", {"email": email, "password": password}, None)


EVENTS = """
query($company: ID!, $since: DateTime) {
  auditEvents(companyId: $company, since: $since, first: 100) {
    edges { node { actionName company { id } } }
  }
}
"""


async def read_back(w: AuditWorld, reader: User, since: datetime) -> list[tuple[str, str]]:
    company = next(getattr(w, n) for n in COMPANIES if getattr(w, n).id == reader.company_id)
    variables = {"company": cid(company), "since": since.isoformat()}
    response = await w.client(EVENTS, variables, token=w.token(reader))
    assert not response.errors, response.errors
    return [
        (edge["node"]["actionName"], edge["node"]["company"]["id"])
        for edge in response.data["auditEvents"]["edges"]
    ]


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sequence=st.lists(steps, min_size=1, max_size=8).filter(few_wrong_passwords),
    reader=st.sampled_from(ADMINISTRATORS),
)
async def test_random_requests_leave_the_entries_the_model_predicts(
    client: GraphQLClient,
    factory: Factory,
    sessionmaker: Maker,
    sequence: list[Step],
    reader: str,
) -> None:
    w = WORLDS.get(id(sessionmaker)) or await _world(client, factory, sessionmaker)
    model = Model(w)
    async with sessionmaker() as session:  # each example starts with a fresh throttle
        await session.execute(delete(LoginThrottle))
        await session.commit()
    start = utcnow()
    predicted: list[Expected] = []
    for number, step in enumerate(sequence):
        at = await last_entry_id(sessionmaker)
        await perform(w, step, number)
        expected = model.expect(step)
        assert [observed(e) for e in await entries_since(sessionmaker, at)] == expected, step
        predicted += expected
    # The log, read by the hierarchy, holds exactly the predicted entries of its subtree.
    who: User = getattr(w, reader)
    subtree = model.company_of(who).path
    paths = {getattr(w, n).id: getattr(w, n).path for n in COMPANIES}
    wanted = [
        (action, cid_of(company))
        for (action, _, _, company, _, _) in reversed(predicted)
        if paths[company].startswith(subtree)
    ]
    assert await read_back(w, who, start) == wanted


def cid_of(company_id: int) -> str:
    return gid("Company", company_id)


# Built once per database: hypothesis runs every example inside one call of the test, with
# the same fixtures (the tables are cleaned after it).
WORLDS: dict[int, AuditWorld] = {}


async def _world(client: GraphQLClient, factory: Factory, sessionmaker: Maker) -> AuditWorld:
    w = await audit_world(client, factory, sessionmaker)
    WORLDS[id(sessionmaker)] = w
    return w
