"""Relay global object IDs: base64url("Type:id"), opaque to clients."""

from __future__ import annotations

import base64
import binascii

from models.base import INTEGER_MAX
from services.errors import ErrorCode, NotFoundError, ValidationError


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_id(value: str, *, field: str = "id") -> tuple[str, int]:
    """The type and primary key of an ID we could have issued; anything else (not base64,
    no type, a number that is not a positive integer within an id column's range) is
    INVALID_ID before any query runs."""
    invalid = ValidationError("Malformed ID", field=field, code=ErrorCode.INVALID_ID)
    if not value or len(value) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid from exc
    type_name, _, pk = raw.partition(":")
    # ASCII digits only: int() would also read other scripts' digits, and signs and spaces.
    if not type_name or not (pk.isascii() and pk.isdigit()):
        raise invalid
    number = int(pk)
    if not 0 < number <= INTEGER_MAX:
        raise invalid
    return type_name, number


def decode_id(value: str, type_name: str, *, field: str = "id") -> int:
    """The primary key behind a global ID; an ID of another type is simply not found."""
    kind, pk = parse_id(value, field=field)
    if kind != type_name:
        raise NotFoundError(type_name, field=field)
    return pk
