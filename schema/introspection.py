"""Who may read the schema (SPEC section 6): introspection and field suggestions.

`INTROSPECTION` decides: `all` (development's default), `policy` (production's: whom the
Casbin policy lets `schema.introspect`, the platform's staff) or `off`. A caller who may not
introspect is refused any document that selects `__schema` or `__type`, before validation,
and gets no "Did you mean ...?" in error messages, which would spell the schema out one
guess at a time. `__typename` stays open: clients need it and it tells nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from config import Settings
from policies.actor import Actor
from policies.enforcer import Action, Relation
from schema.extensions import rewritten
from services.access import can

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# graphql-core's suggestions: " Did you mean 'me'?", " Did you mean the enum value 'USER'?"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def may_read_schema(settings: Settings, actor: Actor | None) -> bool:
    if settings.introspection == "all":
        return True
    if settings.introspection == "off" or actor is None:
        return False
    return can(actor, Action.SCHEMA_INTROSPECT, Relation.SELF)


def introspects(document: DocumentNode) -> bool:
    """Whether any operation or fragment selects `__schema` or `__type` (each node once:
    linear in the document, fragments are walked where defined, not where spread)."""
    stack: list[SelectionSetNode] = [
        d.selection_set for d in document.definitions if isinstance(d, ExecutableDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_FIELDS:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return False


def without_suggestions(error: GraphQLError) -> GraphQLError:
    message = _SUGGESTION.sub("", error.message)
    return error if message == error.message else rewritten(error, message, {})


def _caller(context: Any) -> tuple[Settings | None, Actor | None]:
    return getattr(context, "settings", None), getattr(context, "actor", None)


class SchemaReaders(SchemaExtension):
    """Refuses introspection to those who may not read the schema, and strips suggestions
    from their errors (parse, validation and variable errors alike)."""

    def on_operation(self) -> Iterator[None]:
        yield
        settings, actor = _caller(self.execution_context.context)
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors and settings and not may_read_schema(settings, actor):
            result.errors = [without_suggestions(error) for error in errors]

    def on_validate(self) -> Iterator[None]:
        settings, actor = _caller(self.execution_context.context)
        document = self.execution_context.graphql_document
        if (
            settings is not None
            and document is not None
            and not may_read_schema(settings, actor)
            and introspects(document)
        ):
            if settings.introspection == "off":
                message = "Introspection is disabled on this server"
            elif actor is None:
                message = "Introspection is not allowed without signing in"
            else:
                message = "Introspection is not allowed for this user"
            raise GraphQLError(message, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
        yield
