"""User management against a pure model of the tree, on random trees, users and operations.

For a random company tree (up to 12 companies), random users with random roles in random
companies (user 0 an active SUPERADMIN of the root), and a random sequence of operations by
random actors through the services (change_role, set_active, invite_user, get_user,
list_users), after every step:

(a) nothing outside the actor's subtree was read or changed;
(b) no role was granted above the granter's own;
(c) the root company still has an active SUPERADMIN;
(d) nobody changed their own role or their own active flag;

and the outcome (the value, or the error code) and the rows are those the model predicts.

An actor is loaded fresh before each step, as every request does; or, now and then, it is
taken as it was when the example began: a request that signed in before the other steps ran
and acts only now. That race is what the last-SUPERADMIN rule exists for (sequentially the
actor is itself one of the root's active SUPERADMINs), so without it (c) would hold trivially.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.company import Company
from models.db import begin_write
from models.mail import OutboxMessage
from models.user import Invitation, Role, User
from policies.actor import Actor
from services import invitation as invitations
from services import user as users
from services.errors import DomainError, ForbiddenError
from services.pagination import PageRequest
from tests.factories import Factory

MAX_COMPANIES = 12
MAX_USERS = 10
MAX_STEPS = 20
MAIL = invitations.InvitationMail(app_base_url="https://fleet.example", ttl=timedelta(days=7))
ROLES = list(Role)
ADMINISTRATOR = Role.ADMINISTRATOR.rank


@dataclass(frozen=True)
class Person:
    company: int
    role: Role
    active: bool


# --- the steps -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    actor: int  # index of the acting user
    stale: bool  # act as the actor was when the example began


@dataclass(frozen=True)
class ChangeRole(Step):
    target: int
    role: Role


@dataclass(frozen=True)
class SetActive(Step):
    target: int
    active: bool


@dataclass(frozen=True)
class Invite(Step):
    company: int
    role: Role


@dataclass(frozen=True)
class GetUser(Step):
    target: int


@dataclass(frozen=True)
class ListUsers(Step):
    company: int
    include_descendants: bool
    role: Role | None
    active: bool | None


@dataclass(frozen=True)
class Scenario:
    parents: tuple[int | None, ...]  # parents[i]: company i's parent; company 0 is the root
    people: tuple[Person, ...]
    steps: tuple[Step, ...]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    size = draw(st.integers(min_value=1, max_value=MAX_COMPANIES))
    parents: list[int | None] = [None]
    for index in range(1, size):
        parents.append(
            draw(
                st.one_of(
                    st.integers(min_value=0, max_value=index - 1),
                    st.integers(min_value=max(0, index - 3), max_value=index - 1),
                )
            )
        )
    companies = st.integers(min_value=0, max_value=size - 1)
    # Leaning towards the root's staff and active users: the rules bite there.
    homes = st.one_of(companies, st.just(0))
    others = draw(
        st.lists(
            st.builds(Person, homes, st.sampled_from(ROLES), st.sampled_from([True, True, False])),
            min_size=2,
            max_size=MAX_USERS - 1,
        )
    )
    people = (Person(0, Role.SUPERADMIN, True), *others)
    who = st.integers(min_value=0, max_value=len(people) - 1)
    # Half the actors are managers (ADMINISTRATOR and up): the others are mostly refused.
    managers = [index for index, person in enumerate(people) if person.role.rank >= ADMINISTRATOR]
    actors = st.one_of(who, st.sampled_from(managers))
    stale = st.sampled_from([False, False, False, True])
    roles = st.sampled_from(ROLES)
    steps = draw(
        st.lists(
            st.one_of(
                st.builds(ChangeRole, actors, stale, who, roles),
                st.builds(SetActive, actors, stale, who, st.booleans()),
                st.builds(Invite, actors, stale, companies, roles),
                st.builds(GetUser, actors, stale, who),
                st.builds(
                    ListUsers,
                    actors,
                    stale,
                    companies,
                    st.booleans(),
                    st.none() | roles,
                    st.none() | st.booleans(),
                ),
            ),
            min_size=1,
            max_size=MAX_STEPS,
        )
    )
    return Scenario(tuple(parents), people, tuple(steps))


# Two root SUPERADMINs; the first demotes the second, whose request signed in before that
# then tries to demote, and to deactivate, the first: the last one must stay.
RACE = Scenario(
    parents=(None,),
    people=(Person(0, Role.SUPERADMIN, True), Person(0, Role.SUPERADMIN, True)),
    steps=(
        ChangeRole(0, False, 1, Role.ADMINISTRATOR),
        ChangeRole(1, True, 0, Role.USER),
        SetActive(1, True, 0, False),
        ChangeRole(1, False, 0, Role.USER),
    ),
)
# An ADMINISTRATOR of a child company granting SUPERADMIN, inviting above itself and into
# the root, reading the root's users; then a grant of its own role.
GRANTS = Scenario(
    parents=(None, 0),
    people=(
        Person(0, Role.SUPERADMIN, True),
        Person(1, Role.ADMINISTRATOR, True),
        Person(1, Role.USER, True),
    ),
    steps=(
        ChangeRole(1, False, 2, Role.SUPERADMIN),
        Invite(1, False, 1, Role.SUPERADMIN),
        Invite(1, False, 0, Role.USER),
        ListUsers(1, False, 0, True, None, None),
        GetUser(1, False, 0),
        ChangeRole(1, False, 2, Role.ADMINISTRATOR),
        SetActive(1, False, 2, False),
        ListUsers(1, False, 1, False, None, True),
    ),
)


# --- the model -----------------------------------------------------------------------

Row = tuple[int, Role, bool]  # company index, role, active


@dataclass
class Model:
    parents: tuple[int | None, ...]
    rows: list[Row]  # by user index
    emails: list[str]
    invitations: list[tuple[int, str, Role, int]] = field(default_factory=list)

    def in_subtree(self, top: int, company: int) -> bool:
        """Is `company` `top` or below it?"""
        node: int | None = company
        while node is not None:
            if node == top:
                return True
            node = self.parents[node]
        return False

    def active_root_superadmins(self) -> int:
        return sum(
            1
            for company, role, active in self.rows
            if (company, role, active) == (0, Role.SUPERADMIN, True)
        )

    def managed(self, actor: ActorView, target: int) -> str | None:
        """The refusal of a management action on `target`, in the services' order, or None."""
        company, role, _ = self.rows[target]
        if not self.in_subtree(actor.company, company):
            return "NOT_FOUND"
        if actor.role.rank < ADMINISTRATOR:
            return "FORBIDDEN"
        if target == actor.index:
            return "CANNOT_ACT_ON_SELF"
        if role.rank > actor.role.rank:
            return "FORBIDDEN"
        return None

    def removes_last_superadmin(self, target: int) -> bool:
        company, role, active = self.rows[target]
        return (company, role, active) == (0, Role.SUPERADMIN, True) and (
            self.active_root_superadmins() <= 1
        )

    def expect(self, step: Step, actor: ActorView) -> str:
        """The outcome the services must give: "ok", an error code, or "FORBIDDEN"."""
        if isinstance(step, ChangeRole):
            refusal = self.managed(actor, step.target)
            if refusal:
                return refusal
            if step.role.rank > actor.role.rank:
                return "ROLE_TOO_HIGH"
            if step.role is not Role.SUPERADMIN and self.removes_last_superadmin(step.target):
                return "LAST_SUPERADMIN"
            return "ok"
        if isinstance(step, SetActive):
            refusal = self.managed(actor, step.target)
            if refusal:
                return refusal
            if not step.active and self.removes_last_superadmin(step.target):
                return "LAST_SUPERADMIN"
            return "ok"
        if isinstance(step, Invite):
            if not self.in_subtree(actor.company, step.company):
                return "NOT_FOUND"
            if actor.role.rank < ADMINISTRATOR:
                return "FORBIDDEN"
            if step.role.rank > actor.role.rank:
                return "ROLE_TOO_HIGH"
            return "ok"
        if isinstance(step, ListUsers) and not self.in_subtree(actor.company, step.company):
            return "NOT_FOUND"
        return "ok"  # reading users is USER level: every role may

    def visible(self, actor: ActorView, target: int) -> bool:
        return self.in_subtree(actor.company, self.rows[target][0])

    def listed(self, step: ListUsers) -> list[int]:
        chosen = [
            index
            for index, (company, role, active) in enumerate(self.rows)
            if (
                self.in_subtree(step.company, company)
                if step.include_descendants
                else company == step.company
            )
            and step.role in (None, role)
            and step.active in (None, active)
        ]
        return sorted(chosen, key=lambda index: self.emails[index])


@dataclass(frozen=True)
class ActorView:
    """Who acts, as the services are told: the actor and the model's view of it."""

    index: int
    company: int
    role: Role
    actor: Actor


# --- running it against the database ---------------------------------------------------


@dataclass
class World:
    companies: list[Company]
    user_ids: list[int]

    def index_of(self, user_id: int) -> int:
        return self.user_ids.index(user_id)


async def _build(factory: Factory, scenario: Scenario, world: World) -> None:
    for parent in scenario.parents:
        world.companies.append(
            await factory.company(world.companies[parent] if parent is not None else None)
        )
    for index, person in enumerate(scenario.people):
        user = await factory.user(
            world.companies[person.company],
            person.role,
            email=f"u{index:02d}@example.com",
            active=person.active,
        )
        world.user_ids.append(user.id)


async def _delete(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    """Remove what the example wrote: the next one builds a new root."""
    async with sessionmaker() as session:
        await session.execute(delete(Invitation))
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(User).where(User.id.in_(world.user_ids)))
        for company in sorted(world.companies, key=lambda c: c.depth, reverse=True):
            await session.execute(delete(Company).where(Company.id == company.id))
        await session.commit()


async def _actor(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, index: int
) -> tuple[Actor, bool]:
    """The actor as the per-request identity check loads it, and whether it is active."""
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(
                    User.id,
                    User.company_id,
                    User.role,
                    User.is_active,
                    Company.path,
                    Company.parent_id,
                )
                .join(Company, Company.id == User.company_id)
                .where(User.id == world.user_ids[index])
            )
        ).one()
    actor = Actor(
        user_id=row.id,
        company_id=row.company_id,
        company_path=row.path,
        role=row.role,
        is_platform=row.parent_id is None,
    )
    return actor, row.is_active


async def _rows(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> list[Row]:
    company_index = {company.id: index for index, company in enumerate(world.companies)}
    async with sessionmaker() as session:
        found = {
            user.id: (company_index[user.company_id], user.role, user.is_active)
            for user in await session.scalars(select(User).where(User.id.in_(world.user_ids)))
        }
    return [found[user_id] for user_id in world.user_ids]


async def _invitations(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> list[tuple[int, str, Role, int]]:
    company_index = {company.id: index for index, company in enumerate(world.companies)}
    async with sessionmaker() as session:
        rows = await session.scalars(select(Invitation).order_by(Invitation.email))
        return [
            (
                company_index[row.company_id],
                row.email,
                row.role,
                world.index_of(row.invited_by_id or 0),
            )
            for row in rows
        ]


@dataclass
class Outcome:
    code: str
    read: list[int] | None = None  # indices of the users a read returned


async def _perform(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    step: Step,
    actor: Actor,
    number: int,
) -> Outcome:
    """Run the step through its service in one transaction, as a request would."""
    async with sessionmaker() as session:
        await begin_write(session)
        try:
            read: list[int] | None = None
            if isinstance(step, ChangeRole):
                await users.change_role(
                    session, actor=actor, user_id=world.user_ids[step.target], role=step.role
                )
            elif isinstance(step, SetActive):
                await users.set_active(
                    session, actor=actor, user_id=world.user_ids[step.target], active=step.active
                )
            elif isinstance(step, Invite):
                await invitations.invite_user(
                    session,
                    actor=actor,
                    company_id=world.companies[step.company].id,
                    email=f"invitee{number:02d}@example.com",
                    role=step.role,
                    config=MAIL,
                )
            elif isinstance(step, GetUser):
                found = await users.get_user(
                    session, actor=actor, user_id=world.user_ids[step.target]
                )
                read = [] if found is None else [world.index_of(found.id)]
            else:
                assert isinstance(step, ListUsers)
                page = await users.list_users(
                    session,
                    actor=actor,
                    company_id=world.companies[step.company].id,
                    filters=users.UserFilter(
                        include_descendants=step.include_descendants,
                        role=step.role,
                        active=step.active,
                    ),
                    request=PageRequest(size=MAX_USERS + 1),
                )
                read = [world.index_of(user.id) for user in page.items]
        except ForbiddenError:
            await session.rollback()
            return Outcome("FORBIDDEN")
        except DomainError as exc:
            await session.rollback()
            return Outcome(exc.code.value)
        await session.commit()
        return Outcome("ok", read)


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow `explain`
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
@example(RACE).via("the last-SUPERADMIN race, played out")
@example(GRANTS).via("grants above the granter's role, and reads out of scope")
async def test_user_management_keeps_the_rules(
    factory: Factory, sessionmaker: async_sessionmaker[AsyncSession], scenario: Scenario
) -> None:
    world = World(companies=[], user_ids=[])
    try:
        # given a random tree with random users, and each user as they signed in at the start
        await _build(factory, scenario, world)
        model = Model(
            parents=scenario.parents,
            rows=[(p.company, p.role, p.active) for p in scenario.people],
            emails=[f"u{index:02d}@example.com" for index in range(len(scenario.people))],
        )
        initial = [await _actor(sessionmaker, world, i) for i in range(len(scenario.people))]
        for number, step in enumerate(scenario.steps):
            # when a random actor, fresh or stale, takes a random step
            actor, active = (
                initial[step.actor] if step.stale else await _actor(sessionmaker, world, step.actor)
            )
            if not active:
                continue  # no token of an inactive user gets this far
            view = ActorView(step.actor, model.rows[step.actor][0], actor.role, actor)
            expected = model.expect(step, view)
            before = list(model.rows)
            outcome = await _perform(sessionmaker, world, step, actor, number)
            event(f"{type(step).__name__}: {outcome.code}")
            after = await _rows(sessionmaker, world)
            sent = await _invitations(sessionmaker, world)
            changed = [i for i in range(len(after)) if after[i] != before[i]]
            new_invitations = [row for row in sent if row not in model.invitations]
            # then (a) whatever was changed or read lies in the actor's subtree
            for index in changed + (outcome.read or []):
                assert model.in_subtree(view.company, after[index][0]), (step, index)
            for company, _, _, _ in new_invitations:
                assert model.in_subtree(view.company, company), step
            # (b) no role rose above the granter's
            for index in changed:
                if after[index][1].rank > before[index][1].rank:
                    assert after[index][1].rank <= actor.role.rank, (step, before, after)
            for _, _, role, _ in new_invitations:
                assert role.rank <= actor.role.rank, (step, sent)
            # (c) the root keeps an active SUPERADMIN
            assert any(row == (0, Role.SUPERADMIN, True) for row in after), (step, after)
            # (d) nobody changed their own role or active flag
            assert step.actor not in changed, (step, before, after)
            # and the outcome and the rows are those the model predicts
            assert outcome.code == expected, (step, view.role, before)
            if outcome.code == "ok":
                _apply(model, step, number)
            if isinstance(step, GetUser) and outcome.read is not None:
                assert outcome.read == ([step.target] if model.visible(view, step.target) else [])
            if isinstance(step, ListUsers) and outcome.read is not None:
                assert outcome.read == model.listed(step), step
            assert after == model.rows, (step, before)
            assert sent == model.invitations, step
    finally:
        await _delete(sessionmaker, world)


def _apply(model: Model, step: Step, number: int) -> None:
    if isinstance(step, ChangeRole):
        company, _, active = model.rows[step.target]
        model.rows[step.target] = (company, step.role, active)
    elif isinstance(step, SetActive):
        company, role, _ = model.rows[step.target]
        model.rows[step.target] = (company, role, step.active)
    elif isinstance(step, Invite):
        model.invitations.append(
            (step.company, f"invitee{number:02d}@example.com", step.role, step.actor)
        )
        model.invitations.sort(key=lambda invitation: invitation[1])
