"""Input checks shared by every domain: each failure names the field it concerns."""

from __future__ import annotations

import re
import unicodedata

import pycountry
from email_validator import EmailNotValidError, validate_email

from services.errors import ErrorCode, ValidationError

# What no text column can hold: NUL (PostgreSQL refuses it) and unpaired UTF-16 surrogates
# (no UTF-8 encoding exists for them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Must not contain NUL or unpaired surrogate characters"


def storable(value: str) -> bool:
    """Whether every database can store this string."""
    if value.isascii():  # the common case, and the cheap one: only NUL can be wrong
        return "\x00" not in value
    return _UNSTORABLE.search(value) is None


def clean_name(value: str, *, field: str = "name", max_length: int = 200) -> str:
    """Trimmed, NFC-normalised, non-empty, bounded, and free of control characters."""
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise ValidationError("Must not be empty", field=field, code=ErrorCode.REQUIRED)
    if len(name) > max_length:
        raise ValidationError(
            f"Must be at most {max_length} characters",
            field=field,
            code=ErrorCode.TOO_LONG,
            maximum=max_length,
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError("Must not contain control characters", field=field)
    return name


def clean_country_code(value: str, *, field: str = "countryCode") -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            "Must be an ISO 3166-1 alpha-2 country code, such as ES or DE",
            field=field,
            code=ErrorCode.INVALID_COUNTRY_CODE,
        )
    return code


def clean_email(value: str, *, field: str = "email") -> str:
    """A syntactically valid address, normalised and lower-cased (one address, one user)."""
    candidate = value.strip()
    if not candidate:
        raise ValidationError("Must not be empty", field=field, code=ErrorCode.REQUIRED)
    if len(candidate) > 254:
        raise ValidationError(
            "Must be at most 254 characters", field=field, code=ErrorCode.TOO_LONG, maximum=254
        )
    try:
        # No DNS lookup: deliverability is the mail server's business, not a form check.
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(str(exc), field=field, code=ErrorCode.INVALID_EMAIL) from exc
    return valid.normalized.lower()
