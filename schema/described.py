"""`strawberry.enum` with a description on every value, for enums the domain defines (services
and models never import Strawberry, so their members cannot be `strawberry.enum_value`s)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[enum.Enum])


def described_enum(
    cls: E, *, description: str, values: Mapping[str, str], name: str | None = None
) -> E:
    """The GraphQL enum of `cls`, `values` describing each member by name; a member left out
    (one added to the domain later) is an error at import, not a silent gap in the docs."""
    names = {member.name for member in cls}
    if missing := names - set(values):
        raise ValueError(f"{cls.__name__}: no description for {sorted(missing)}")
    if unknown := set(values) - names:
        raise ValueError(f"{cls.__name__}: no member {sorted(unknown)}")
    wrapped = strawberry.enum(cls, name=name, description=description)
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]
    return wrapped
