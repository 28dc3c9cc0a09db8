"""Input checks shared by every domain: each failure names the field it concerns."""

from __future__ import annotations

import unicodedata

import pycountry

from services.errors import ErrorCode, ValidationError


def clean_name(value: str, *, field: str = "name", max_length: int = 200) -> str:
    """Trimmed, NFC-normalised, non-empty, bounded, and free of control characters."""
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise ValidationError("Must not be empty", field=field, code=ErrorCode.REQUIRED)
    if len(name) > max_length:
        raise ValidationError(
            f"Must be at most {max_length} characters", field=field, code=ErrorCode.TOO_LONG
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
