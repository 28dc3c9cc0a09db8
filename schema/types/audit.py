"""Audit events. Their runtime objects are `models.audit.AuditRow` tuples (a page's rows)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import strawberry

from models.audit import ActorKind as ActorKindModel
from models.audit import AuditRow
from models.company import CompanyRow
from models.user import Role as RoleModel
from models.user import UserRow
from schema.enums import AuditAction, AuditActorKind, Role
from schema.ids import encode_id
from schema.types.common import Node
from schema.types.company import Company
from schema.types.user import User
from services.audit import AuditAction as AuditActionModel

_TEXT = (
    " As text: a number in decimal, `true` / `false`, an enum value's name, a moment in"
    " ISO 8601, an object as its global ID (for `node(id:)`)."
)


@strawberry.type(description="One field of the target as it was before and after the change.")
class AuditChange:
    field: str = strawberry.field(
        description=(
            "The field that changed (its GraphQL name where it has one); a part of a value "
            "made of parts, by its path, e.g. `request.datapoints`."
        )
    )
    before: str | None = strawberry.field(
        description="Its value before; null when the field was new." + _TEXT
    )
    after: str | None = strawberry.field(
        description="Its value after; null when it was removed." + _TEXT
    )


@strawberry.type(
    description=(
        "An entry of the audit trail: a change or a security event, append-only and chained "
        "by hash (see `cli.py audit-verify`)."
    )
)
class AuditEvent(Node):
    created_at: datetime = strawberry.field(description="When it happened (the change's commit).")
    request_id: strawberry.ID | None = strawberry.field(
        description="The request that caused it (its `X-Request-ID`)."
    )
    client_address: str | None = strawberry.field(
        description="The client's address; null for an actor above your tree, and for jobs."
    )
    user_agent: str | None = strawberry.field(
        description="The client's User-Agent; null for an actor above your tree, and for jobs."
    )
    operation: str | None = strawberry.field(
        description="The GraphQL operation name the client sent, or the job's name."
    )

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, (cls, AuditRow))

    @strawberry.field(description="What happened.", graphql_type=AuditAction)
    def action(self) -> AuditActionModel:
        return AuditActionModel(_row(self).action)

    @strawberry.field(description="The action's stable dotted name, e.g. `credit.move`.")
    def action_name(self) -> str:
        return _row(self).action

    @strawberry.field(
        description="Who acted: a user, the system (a job, the CLI) or nobody signed in.",
        graphql_type=AuditActorKind,
    )
    def actor_kind(self) -> ActorKindModel:
        return ActorKindModel(_row(self).actor_kind)

    @strawberry.field(
        graphql_type=User | None,
        description="Who did it; null for jobs, anonymous attempts and actors above your tree.",
    )
    def actor(self) -> UserRow | None:
        # Fetched with the page, only when their company is in the reader's subtree
        # (services/audit_log.py).
        return _row(self).actor

    @strawberry.field(
        graphql_type=Role | None,
        description="The actor's role at that moment; null when the actor is not shown.",
    )
    def actor_role(self) -> RoleModel | None:
        role = _row(self).actor_role
        return None if role is None else RoleModel(role)

    @strawberry.field(
        graphql_type=Company,
        description="The company the target belongs to.",
    )
    def company(self) -> CompanyRow:
        return _row(self).company  # fetched with the page, in the reader's scope

    @strawberry.field(description="The type of the object changed, e.g. `Device`.")
    def target_type(self) -> str | None:
        return _row(self).target_type

    @strawberry.field(description="Its global ID (for `node(id:)` where it is a node).")
    def target_id(self) -> strawberry.ID | None:
        row = _row(self)
        if row.target_type is None or row.target_id is None:
            return None
        return strawberry.ID(encode_id(row.target_type, row.target_id))

    @strawberry.field(description="The fields changed, before and after; never a secret.")
    def changes(self) -> list[AuditChange]:
        return sorted(_changes(_row(self).changes.items()), key=lambda change: change.field)


# Stored names of identifiers (the database's numbers), and what the API calls them: an
# entry is sealed as written, so they become global IDs when read.
_OBJECTS: dict[str, tuple[str, str | None]] = {
    "licenseId": ("license", "License"),
    "targetAccountId": ("targetAccount", "Account"),
}
_RENAMED = {"change": "request"}  # an application's request, as `Application.request`


def _changes(items: Iterable[tuple[str, Any]], prefix: str = "") -> Iterator[AuditChange]:
    for name, (before, after) in items:
        if isinstance(before, dict) or isinstance(after, dict):
            # A value made of parts (an application's request): one change per part.
            old, new = before or {}, after or {}
            parts = ((key, (old.get(key), new.get(key))) for key in {*old, *new})
            yield from _changes(parts, f"{prefix}{_RENAMED.get(name, name)}.")
            continue
        shown, node_type = _OBJECTS.get(name, (_RENAMED.get(name, name), None))
        yield AuditChange(
            field=prefix + shown,
            before=_text(before, node_type),
            after=_text(after, node_type),
        )


def _text(value: Any, node_type: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if node_type is not None and isinstance(value, int):
        return encode_id(node_type, value)
    if isinstance(value, list):
        return ", ".join(text for item in value if (text := _text(item, node_type)) is not None)
    return str(value)


def _row(obj: object) -> AuditRow:
    assert isinstance(obj, AuditRow)
    return obj
