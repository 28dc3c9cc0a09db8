"""What a query selects below a field, so a list can fetch for all its rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types.nodes import SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments (named or inline) flattened."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def selected_below(selections: Iterable[Selection], *path: str) -> set[str] | None:
    """The names selected at `path` (e.g. "edges", "node", "counts"), merged over aliases
    and fragments; None when the path is not selected at all. Directives are not evaluated:
    a field under `@skip` counts as selected, which only ever fetches more."""
    level = list(_fields(selections))
    for name in path:
        matches = [field for field in level if field.name == name]
        if not matches:
            return None
        level = [child for field in matches for child in _fields(field.selections)]
    return {field.name for field in level}
