"""Relay global object IDs: base64url("Type:id"), opaque to clients."""

from __future__ import annotations

import base64
import binascii

from services.errors import ErrorCode, NotFoundError, ValidationError


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_id(value: str, *, field: str = "id") -> tuple[str, int]:
    invalid = ValidationError("Malformed ID", field=field, code=ErrorCode.INVALID_ID)
    if not value or len(value) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        type_name, _, pk = raw.partition(":")
        number = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid from exc
    if not type_name or number <= 0 or not pk.isdigit():
        raise invalid
    return type_name, number


def decode_id(value: str, type_name: str, *, field: str = "id") -> int:
    """The primary key behind a global ID; an ID of another type is simply not found."""
    kind, pk = parse_id(value, field=field)
    if kind != type_name:
        raise NotFoundError(type_name, field=field)
    return pk
