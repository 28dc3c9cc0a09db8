"""Keyset pagination: opaque cursors over a sort key, never OFFSET.

A page costs the same whether it is the first or the thousandth: the cursor carries the
last row's sort key and the next query starts from it through the index.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import orjson

from models.base import INTEGER_MAX, INTEGER_MIN
from services.errors import BadInputError
from services.validation import storable

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: tuple[Any, ...] | None = None

    @classmethod
    def parse(cls, first: int, after: str | None, *, max_size: int) -> PageRequest:
        if first < 0:
            raise BadInputError("`first` must not be negative")
        if first > max_size:
            raise BadInputError(f"`first` must be at most {max_size}")
        return cls(first=first, after=decode_cursor(after) if after else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    keys: Sequence[tuple[Any, ...]]  # each item's sort key, encoded only when asked for
    has_next_page: bool
    has_previous_page: bool

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(key) for key in self.keys]

    @property
    def start_cursor(self) -> str | None:
        return encode_cursor(self.keys[0]) if self.keys else None

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.keys[-1]) if self.keys else None

    @classmethod
    def from_rows(
        cls, rows: Sequence[T], request: PageRequest, key: Callable[[T], tuple[Any, ...]]
    ) -> Self:
        """`rows` were fetched with LIMIT first + 1: the extra row only says there is more."""
        items = rows[: request.first]
        return cls(
            items=items,
            keys=[key(item) for item in items],
            has_next_page=len(rows) > request.first,
            has_previous_page=request.after is not None,
        )


def encode_cursor(key: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode()


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise BadInputError("Malformed cursor") from exc
    if not isinstance(value, list) or not all(map(_key_part, value)):
        raise BadInputError("Malformed cursor")
    return tuple(value)


def _key_part(part: Any) -> bool:
    """A part of a sort key we could have written: a string or an integer a column holds
    (anything else would fail in the database rather than here)."""
    if isinstance(part, str):
        return storable(part)
    return (
        isinstance(part, int) and not isinstance(part, bool) and INTEGER_MIN <= part <= INTEGER_MAX
    )


def cursor_key(request: PageRequest, *types: type) -> tuple[Any, ...] | None:
    """The `after` key checked against the shape this list sorts by."""
    if request.after is None:
        return None
    if len(request.after) != len(types) or not all(
        isinstance(part, kind) for part, kind in zip(request.after, types, strict=True)
    ):
        raise BadInputError("Malformed cursor")
    return request.after


@dataclass(frozen=True)
class Window:
    """A page asked for either way: `first`/`after` (forward from the cursor) or
    `last`/`before` (the rows right before the cursor), in the list's order both times."""

    size: int
    cursor: tuple[Any, ...] | None = None
    backward: bool = False

    @classmethod
    def parse(
        cls,
        *,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        max_size: int,
        default: int,
    ) -> Window:
        if last is not None or before is not None:
            if first is not None or after is not None:
                raise BadInputError("Page forward (`first`, `after`) or back (`last`, `before`)")
            size, cursor, backward = (default if last is None else last), before, True
        else:
            size, cursor, backward = (default if first is None else first), after, False
        if size < 0:
            raise BadInputError("The page size must not be negative")
        if size > max_size:
            raise BadInputError(f"The page size must be at most {max_size}")
        return cls(size, decode_cursor(cursor) if cursor else None, backward)

    def page(self, rows: Sequence[T], key: Callable[[T], tuple[Any, ...]]) -> Page[T]:
        """`rows` were fetched with LIMIT size + 1 in the direction asked (reversed order
        when backward): the extra row only says there is more that way."""
        more = len(rows) > self.size
        items = list(rows[: self.size])
        if self.backward:
            items.reverse()
        return Page(
            items=items,
            keys=[key(item) for item in items],
            has_next_page=self.cursor is not None if self.backward else more,
            has_previous_page=more if self.backward else self.cursor is not None,
        )

    def key(self, *types: type) -> tuple[Any, ...] | None:
        """The cursor checked against the shape this list sorts by."""
        return cursor_key(PageRequest(first=self.size, after=self.cursor), *types)
