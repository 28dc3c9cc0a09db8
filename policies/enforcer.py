"""The Casbin enforcer, asked once per (subject, action, relation) and memoized.

The policy files are read-only at run time and identical in every process, so a per-process
memo stays correct across processes; `reload()` clears it.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path

import casbin

POLICY_DIR = Path(__file__).parent


class Relation(enum.StrEnum):
    """The relation of the target company T to the actor's company A."""

    SELF = "SELF"
    CHILD = "CHILD"
    DESCENDANT = "DESCENDANT"  # strictly below A, deeper than a child


class Action(enum.StrEnum):
    COMPANY_READ = "company.read"
    USER_READ = "user.read"
    DEVICE_READ = "device.read"
    ACCOUNT_READ = "account.read"
    DEVICE_REGISTER = "device.register"
    DEVICE_RENAME = "device.rename"
    DEVICE_UNREGISTER = "device.unregister"
    CREDIT_READ = "credit.read"
    AUDIT_READ = "audit.read"
    COMPANY_CREATE_CHILD = "company.create_child"
    COMPANY_RENAME = "company.rename"
    COMPANY_ARCHIVE = "company.archive"
    COMPANY_SET_USE_PARENT_CREDITS = "company.set_use_parent_credits"
    USER_INVITE = "user.invite"
    USER_CHANGE_ROLE = "user.change_role"
    USER_DEACTIVATE = "user.deactivate"
    CREDIT_MOVE = "credit.move"
    CREDIT_GRANT = "credit.grant"
    APPLICATION_REQUEST = "application.request"
    APPLICATION_READ = "application.read"
    APPLICATION_CANCEL = "application.cancel"
    APPLICATION_DECIDE = "application.decide"
    LICENSE_MANAGE = "license.manage"
    SCHEMA_INTROSPECT = "schema.introspect"  # asked with SELF: not about any company


class Authorizer:
    def __init__(self, policy_dir: Path = POLICY_DIR) -> None:
        self._model = str(policy_dir / "model.conf")
        self._policy = str(policy_dir / "policy.csv")
        self._enforcer = casbin.Enforcer(self._model, self._policy)
        self._decide = lru_cache(maxsize=4096)(self._ask_casbin)

    def _ask_casbin(self, subject: str, action: str, relation: str) -> bool:
        return bool(self._enforcer.enforce(subject, action, relation))

    def allows(self, subject: str, action: Action, relation: Relation) -> bool:
        return self._decide(subject, action.value, relation.value)

    def reload(self) -> None:
        self._enforcer.load_policy()
        self._decide.cache_clear()
