"""Strings no database can store are refused before anything runs.

A NUL character makes PostgreSQL fail the statement, an unpaired surrogate cannot even be
encoded for the driver; either would reach the client as INTERNAL_SERVER_ERROR from
whichever query first used the value. So every string of a request, whatever argument or
input field it is meant for, is checked here once: those written in the document by a
validation rule (cached with the document's validation), those sent as variables before
execution. Either way the request is refused with `INVALID_CHARACTER` and the field (or
variable) it came in, and nothing is executed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    ExecutionResult,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from services.errors import ErrorCode
from services.validation import UNSTORABLE_MESSAGE, storable


def unstorable_error(field: str | None, message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(
        message, node, extensions={"code": ErrorCode.INVALID_CHARACTER.value, "field": field}
    )


class StorableStringLiterals(ValidationRule):
    """A string literal anywhere in the document must be storable."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: list[Any]
    ) -> None:
        if storable(node.value):
            return
        # The input field or argument the literal is given to, innermost first.
        lineage = [*ancestors, parent]
        named = (a for a in reversed(lineage) if isinstance(a, ObjectFieldNode | ArgumentNode))
        owner = next(named, None)
        field = owner.name.value if owner is not None else None
        where = f"'{field}'" if field else "A string"
        self.report_error(unstorable_error(field, f"{where}: {UNSTORABLE_MESSAGE}", node))


def first_unstorable(value: Any, name: str) -> str | None:
    """The input field (or, at the top, the variable) of the first unstorable string in a
    variable's value, as decoded from JSON: strings, numbers, lists and objects."""
    if isinstance(value, str):
        return None if storable(value) else name
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_unstorable(key, name) or first_unstorable(item, key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = first_unstorable(item, name)
            if found is not None:
                return found
    return None


class StorableVariables(SchemaExtension):
    """Every string in the request's variables must be storable."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        for name, value in (context.variables or {}).items():
            field = first_unstorable(value, name)
            if field is not None:
                # A result set before execution is the answer: nothing is executed.
                where = f"Variable '${name}'" + (f", field '{field}'" if field != name else "")
                error = unstorable_error(field, f"{where}: {UNSTORABLE_MESSAGE}")
                context.result = ExecutionResult(data=None, errors=[error])
                break
        yield
