"""Keyset pagination both ways: opaque cursors over a sort key, never OFFSET.

A page costs the same whether it is the first or the thousandth, from either end: the
cursor carries a row's sort key and the query starts from it through the index, reading
it forwards (`first`/`after`) or backwards (`last`/`before`, the order reversed in SQL
and the rows turned back afterwards), so the same index serves both directions.

A cursor is bound to the list and arguments it came from (a short digest of them, its
first part): one of `devices` given to `ledgerEntries`, or one of `devices(status:
ACTIVE)` given to `devices(status: SUSPENDED)`, is refused instead of misread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import orjson
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import QueryableAttribute

from models.base import INTEGER_MAX, INTEGER_MIN
from services.errors import BadInputError, ErrorCode
from services.validation import storable

T = TypeVar("T")
Column = ColumnElement[Any] | QueryableAttribute[Any]

DEFAULT_PAGE_SIZE = 50  # when neither `first` nor `last` is given
DEFAULT_TREE_PAGE_SIZE = 1000  # the same for `companyTree` (a partner's whole tree)


@dataclass(frozen=True)
class PageRequest:
    """`size` rows after `after` (forwards), or the last `size` rows before `before`
    (`backward`); `scope` is the digest a cursor of this list carries."""

    size: int
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    backward: bool = False
    scope: str = ""

    @property
    def limit(self) -> int:
        """Rows to fetch: one more than the page says whether there is more."""
        return self.size + 1

    @classmethod
    def parse(
        cls,
        first: int | None,
        after: str | None,
        *,
        last: int | None = None,
        before: str | None = None,
        max_size: int,
        default: int = DEFAULT_PAGE_SIZE,
        scope: str = "",
    ) -> PageRequest:
        if first is not None and last is not None:
            raise BadInputError(
                "Give `first` or `last`, not both", reason=ErrorCode.FIRST_AND_LAST, field="last"
            )
        name, size = ("last", last) if last is not None else ("first", first)
        if size is None:
            size = min(default, max_size)
        if size < 0:
            raise BadInputError(
                f"`{name}` must not be negative", reason=ErrorCode.PAGE_SIZE_NEGATIVE, field=name
            )
        if size > max_size:
            raise BadInputError(
                f"`{name}` must be at most {max_size}",
                reason=ErrorCode.PAGE_SIZE_EXCEEDED,
                field=name,
                maximum=max_size,
            )
        return cls(
            size=size,
            after=decode_cursor(after, scope, field="after") if after else None,
            before=decode_cursor(before, scope, field="before") if before else None,
            backward=last is not None,
            scope=scope,
        )


def list_scope(name: str, arguments: dict[str, Any]) -> str:
    """The digest binding a cursor to a list (`Query.devices`, `Company.children` of one
    company) and the arguments that choose its rows (paging arguments left out)."""
    picked = {k: v for k, v in arguments.items() if k not in ("first", "last", "after", "before")}
    raw = orjson.dumps([name, picked], option=orjson.OPT_SORT_KEYS, default=str)
    return base64.urlsafe_b64encode(hashlib.blake2b(raw, digest_size=6).digest()).decode()


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    keys: Sequence[tuple[Any, ...]]  # each item's sort key, encoded only when asked for
    has_next_page: bool
    has_previous_page: bool
    scope: str = ""

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(key, self.scope) for key in self.keys]

    def cursor(self, key: tuple[Any, ...]) -> str:
        return encode_cursor(key, self.scope)

    @property
    def start_cursor(self) -> str | None:
        return encode_cursor(self.keys[0], self.scope) if self.keys else None

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.keys[-1], self.scope) if self.keys else None

    @classmethod
    def from_rows(
        cls, rows: Sequence[T], request: PageRequest, key: Callable[[T], tuple[Any, ...]]
    ) -> Self:
        """`rows` were fetched with LIMIT `request.limit`: the extra row only says there is
        more. A backward page was read in reverse: it is turned back into list order.

        As the Cursor Connections spec allows, the side the client came from is answered
        from the cursor alone (a cursor there means rows there), not by another query."""
        items = list(rows[: request.size])
        more = len(rows) > request.size
        if request.backward:
            items.reverse()
            has_next, has_previous = request.before is not None, more
        else:
            has_next, has_previous = more, request.after is not None
        return cls(
            items=items,
            keys=[key(item) for item in items],
            has_next_page=has_next,
            has_previous_page=has_previous,
            scope=request.scope,
        )


def encode_cursor(key: tuple[Any, ...], scope: str = "") -> str:
    return base64.urlsafe_b64encode(orjson.dumps([scope, *key])).decode()


def decode_cursor(cursor: str, scope: str = "", *, field: str = "after") -> tuple[Any, ...]:
    malformed = BadInputError("Malformed cursor", reason=ErrorCode.INVALID_CURSOR, field=field)
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise malformed from exc
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not isinstance(value[0], str)
        or not all(map(_key_part, value))
    ):
        raise malformed
    if value[0] != scope:
        raise BadInputError(
            "This cursor belongs to another list, or to other arguments of this one",
            reason=ErrorCode.INVALID_CURSOR,
            field=field,
        )
    return tuple(value[1:])


def _key_part(part: Any) -> bool:
    """A part of a sort key we could have written: a string or an integer a column holds
    (anything else would fail in the database rather than here)."""
    if isinstance(part, str):
        return storable(part)
    return (
        isinstance(part, int) and not isinstance(part, bool) and INTEGER_MIN <= part <= INTEGER_MAX
    )


def _checked(key: tuple[Any, ...] | None, types: Sequence[type], field: str) -> Any:
    if key is None:
        return None
    if len(key) != len(types) or not all(
        isinstance(part, kind) for part, kind in zip(key, types, strict=True)
    ):
        raise BadInputError("Malformed cursor", reason=ErrorCode.INVALID_CURSOR, field=field)
    return key


def cursor_key(request: PageRequest, *types: type) -> tuple[Any, ...] | None:
    """The `after` key checked against the shape this list sorts by."""
    return _checked(request.after, types, "after")  # type: ignore[no-any-return]


def cursor_keys(
    request: PageRequest, *types: type
) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
    """The `after` and `before` keys checked against the shape this list sorts by."""
    return _checked(request.after, types, "after"), _checked(request.before, types, "before")


def beyond(columns: Sequence[Column], key: Sequence[Any], *, later: bool) -> ColumnElement[bool]:
    """Rows strictly past `key` in the order of `columns` (`later`: towards larger values),
    written as `a > x OR (a = x AND b > y)`, which both databases match against the index."""
    first, *rest = columns
    past: ColumnElement[bool] = first > key[0] if later else first < key[0]
    if not rest:
        return past
    return or_(past, and_(first == key[0], beyond(rest, key[1:], later=later)))


def keyset(
    query: Select[Any],
    request: PageRequest,
    columns: Sequence[Column],
    *types: type,
    descending: bool = False,
) -> Select[Any]:
    """`query` cut to the requested page of a list sorted by `columns` (ascending, or all
    descending): the cursors' conditions, the order (reversed for `last`) and the limit."""
    after, before = cursor_keys(request, *types)
    if after is not None:
        query = query.where(beyond(columns, after, later=not descending))
    if before is not None:
        query = query.where(beyond(columns, before, later=descending))
    reverse = descending != request.backward
    order = [column.desc() if reverse else column.asc() for column in columns]
    return query.order_by(*order).limit(request.limit)
