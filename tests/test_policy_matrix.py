"""The policy matrix: every action x role x relation x platform, expected outcome.

The table below is written from SPEC section 3, not read from policy.csv: if the policy
files drift from the specification, a cell here fails and names itself in its test id.
No database is needed: Casbin answers from the policy files alone.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.user import Role
from policies.actor import Actor
from policies.enforcer import POLICY_DIR, Action, Authorizer, Relation

SELF, CHILD, DESCENDANT = Relation.SELF, Relation.CHILD, Relation.DESCENDANT
# "DESCENDANT (T anywhere below A, children included)": a child is a descendant too.
IN_SCOPE = frozenset({SELF, CHILD, DESCENDANT})
BELOW = frozenset({CHILD, DESCENDANT})
# "Platform, any T": the platform is the root, so every company is SELF or below it.
ANY = IN_SCOPE

USER, ADVANCED_USER, ADMINISTRATOR, SUPERADMIN = (
    Role.USER,
    Role.ADVANCED_USER,
    Role.ADMINISTRATOR,
    Role.SUPERADMIN,
)
ROLES_LOWEST_FIRST = [USER, ADVANCED_USER, ADMINISTRATOR, SUPERADMIN]


@dataclass(frozen=True)
class Rule:
    lowest_role: Role
    relations: frozenset[Relation]
    platform_only: bool = False


# SPEC section 3, one row per action.
MATRIX: dict[Action, Rule] = {
    # read companies, users, devices: USER, SELF + DESCENDANT
    Action.COMPANY_READ: Rule(USER, IN_SCOPE),
    Action.USER_READ: Rule(USER, IN_SCOPE),
    Action.DEVICE_READ: Rule(USER, IN_SCOPE),
    # read accounts and their datapoint usage: ADVANCED_USER, SELF + DESCENDANT
    Action.ACCOUNT_READ: Rule(ADVANCED_USER, IN_SCOPE),
    # register, rename, unregister devices: ADVANCED_USER, SELF + DESCENDANT
    Action.DEVICE_REGISTER: Rule(ADVANCED_USER, IN_SCOPE),
    Action.DEVICE_RENAME: Rule(ADVANCED_USER, IN_SCOPE),
    Action.DEVICE_UNREGISTER: Rule(ADVANCED_USER, IN_SCOPE),
    # read credit balances and ledgers, audit log: ADMINISTRATOR, SELF + DESCENDANT
    Action.CREDIT_READ: Rule(ADMINISTRATOR, IN_SCOPE),
    Action.AUDIT_READ: Rule(ADMINISTRATOR, IN_SCOPE),
    # create a child under T, rename T: ADMINISTRATOR, SELF + DESCENDANT; archive: DESCENDANT
    Action.COMPANY_CREATE_CHILD: Rule(ADMINISTRATOR, IN_SCOPE),
    Action.COMPANY_RENAME: Rule(ADMINISTRATOR, IN_SCOPE),
    Action.COMPANY_ARCHIVE: Rule(ADMINISTRATOR, BELOW),
    # set T's useParentCredits: ADMINISTRATOR, DESCENDANT
    Action.COMPANY_SET_USE_PARENT_CREDITS: Rule(ADMINISTRATOR, BELOW),
    # invite users, change roles, deactivate users: ADMINISTRATOR, SELF + DESCENDANT
    Action.USER_INVITE: Rule(ADMINISTRATOR, IN_SCOPE),
    Action.USER_CHANGE_ROLE: Rule(ADMINISTRATOR, IN_SCOPE),
    Action.USER_DEACTIVATE: Rule(ADMINISTRATOR, IN_SCOPE),
    # move credits between a company and one of its children: ADMINISTRATOR, SELF + DESCENDANT
    Action.CREDIT_MOVE: Rule(ADMINISTRATOR, IN_SCOPE),
    # grant (sell) credits: ADMINISTRATOR, platform, any T
    Action.CREDIT_GRANT: Rule(ADMINISTRATOR, ANY, platform_only=True),
    # request accounts etc.; read and cancel own applications: SUPERADMIN, SELF + DESCENDANT
    Action.APPLICATION_REQUEST: Rule(SUPERADMIN, IN_SCOPE),
    Action.APPLICATION_READ: Rule(SUPERADMIN, IN_SCOPE),
    Action.APPLICATION_CANCEL: Rule(SUPERADMIN, IN_SCOPE),
    # approve or reject applications; manage the license catalog: ADMINISTRATOR, platform, any T
    Action.APPLICATION_DECIDE: Rule(ADMINISTRATOR, ANY, platform_only=True),
    Action.LICENSE_MANAGE: Rule(ADMINISTRATOR, ANY, platform_only=True),
    # not in SPEC section 3 (section 8: the schema is not for strangers): read the schema by
    # introspection in production: the platform's staff, any role; asked about oneself only
    Action.SCHEMA_INTROSPECT: Rule(USER, frozenset({SELF}), platform_only=True),
}


def expected(action: Action, role: Role, relation: Relation, platform: bool) -> bool:
    rule = MATRIX[action]
    return (
        ROLES_LOWEST_FIRST.index(role) >= ROLES_LOWEST_FIRST.index(rule.lowest_role)
        and relation in rule.relations
        and (platform or not rule.platform_only)
    )


def subject(role: Role, *, platform: bool) -> str:
    """The Casbin subject of a user with this role, inside the root company or not."""
    actor = Actor(
        user_id=1,
        company_id=1 if platform else 2,
        company_path="0000000001/" if platform else "0000000001/0000000002/",
        role=role,
        is_platform=platform,
    )
    return actor.subject


CELLS = [
    pytest.param(
        action,
        role,
        relation,
        platform,
        expected(action, role, relation, platform),
        id=f"{action.value}-{role.value}-{relation.value}-{'platform' if platform else 'tenant'}",
    )
    for action in MATRIX
    for role in ROLES_LOWEST_FIRST
    for relation in (SELF, CHILD, DESCENDANT)
    for platform in (True, False)
]


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer()


@pytest.mark.parametrize(("action", "role", "relation", "platform", "allowed"), CELLS)
def test_policy_cell(
    authorizer: Authorizer,
    action: Action,
    role: Role,
    relation: Relation,
    platform: bool,
    allowed: bool,
) -> None:
    # given a user of `role`, inside the root company or not
    who = subject(role, platform=platform)
    # when it asks to do `action` on a company at `relation` to its own
    answer = authorizer.allows(who, action, relation)
    # then the answer is the one SPEC section 3 gives
    assert answer is allowed


def test_every_action_has_a_row() -> None:
    # given the actions the code knows and the rows of the table
    # then they are the same set: a new action cannot ship without a decision here
    assert set(MATRIX) == set(Action)


def test_every_relation_is_covered() -> None:
    # given the relations the code knows
    # then they are the three in scope; anything else (ancestor, sibling) is never asked
    assert set(Relation) == {SELF, CHILD, DESCENDANT}


def test_the_roles_are_the_four_of_the_spec() -> None:
    assert list(Role) == ROLES_LOWEST_FIRST


@pytest.mark.parametrize("stranger", ["", "NOBODY", "platform:", "platform:NOBODY", "user"])
def test_unknown_subjects_are_denied_everything(authorizer: Authorizer, stranger: str) -> None:
    # given a subject that is no role at all
    # when it asks for anything
    answers = {
        authorizer.allows(stranger, action, relation) for action in Action for relation in Relation
    }
    # then it is never allowed
    assert answers == {False}


def _all_answers(authorizer: Authorizer) -> dict[tuple[str, Action, Relation], bool]:
    return {
        (subject(role, platform=platform), action, relation): authorizer.allows(
            subject(role, platform=platform), action, relation
        )
        for action in Action
        for role in ROLES_LOWEST_FIRST
        for relation in Relation
        for platform in (True, False)
    }


def test_memoized_answers_survive_reload() -> None:
    # given an authorizer that has answered (and memoized) every question
    authorizer = Authorizer()
    before = _all_answers(authorizer)
    # when it reloads its policies
    authorizer.reload()
    # then every question, asked again, has the same answer, and still the spec's
    after = _all_answers(authorizer)
    assert after == before
    assert after == {
        (subject(role, platform=platform), action, relation): expected(
            action, role, relation, platform
        )
        for action in Action
        for role in ROLES_LOWEST_FIRST
        for relation in Relation
        for platform in (True, False)
    }


def test_reload_forgets_memoized_answers(tmp_path: Path) -> None:
    # given an authorizer over a copy of the policy files, whose answer is memoized
    shutil.copy(POLICY_DIR / "model.conf", tmp_path / "model.conf")
    shutil.copy(POLICY_DIR / "policy.csv", tmp_path / "policy.csv")
    authorizer = Authorizer(tmp_path)
    assert authorizer.allows("USER", Action.COMPANY_READ, SELF) is True
    # when the read rule is removed from the file and the authorizer reloads
    policy = tmp_path / "policy.csv"
    lines = policy.read_text().splitlines()
    kept = [line for line in lines if "company.read" not in line]
    assert len(kept) < len(lines)
    policy.write_text("\n".join(kept) + "\n")
    authorizer.reload()
    # then the memo does not answer from before: the new policy does
    assert authorizer.allows("USER", Action.COMPANY_READ, SELF) is False
    assert authorizer.allows("USER", Action.USER_READ, SELF) is True
