"""A connection's paging arguments, and the page request they make."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import Undefined
from strawberry.types.nodes import SelectedField

from schema.context import Info
from services.pagination import DEFAULT_PAGE_SIZE, PageRequest, list_scope


@dataclass(frozen=True)
class Paging:
    """`first`/`after` (forwards) or `last`/`before` (backwards), as the client sent them."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def page_request(
    info: Info,
    paging: Paging,
    *,
    max_size: int | None = None,
    default: int = DEFAULT_PAGE_SIZE,
    owner: int | None = None,
) -> PageRequest:
    """The request of this connection field, its cursors bound to the field (and `owner`,
    the object whose list it is: `Company.children` of one company) and its other
    arguments, defaults included, so an omitted default and the same value given
    explicitly are one list."""
    raw = info._raw_info
    field = raw.parent_type.fields[raw.field_name]
    arguments = {
        name: arg.default_value
        for name, arg in field.args.items()
        if arg.default_value is not Undefined
    }
    # As sent, variables substituted (selected_fields is the current field's selection).
    current = info.selected_fields[0]
    assert isinstance(current, SelectedField)
    arguments.update(current.arguments)
    scope = list_scope(f"{raw.parent_type.name}.{raw.field_name}:{owner or ''}", arguments)
    return PageRequest.parse(
        paging.first,
        paging.after,
        last=paging.last,
        before=paging.before,
        max_size=max_size or info.context.settings.max_page_size,
        default=default,
        scope=scope,
    )
