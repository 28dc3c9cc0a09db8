"""Which of our languages a request wants: `Accept-Language` (RFC 9110, section 12.5.4).

Only the primary subtag counts (`es-MX` asks for `es`); the highest `q` wins, ties go to the
first listed; `q=0` refuses a language, `*` accepts any (English, then). Nothing we speak,
or a header we cannot read, is English: a message in some language beats an error.
"""

from __future__ import annotations

import re

from models.user import Locale

FALLBACK = Locale.EN
_MAX_HEADER = 1000  # longer headers are read only this far: nobody needs more
_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_QUALITY = re.compile(r"^[qQ]\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


def _entries(header: str) -> list[tuple[str, float]]:
    """(lower-cased language range, weight) of each well-formed entry, in order."""
    found: list[tuple[str, float]] = []
    for item in header[:_MAX_HEADER].split(","):
        tag, *params = (part.strip() for part in item.split(";"))
        if not _RANGE.match(tag):
            continue
        weight = 1.0
        for param in params:
            match = _QUALITY.match(param)
            if match is None:
                weight = -1.0  # an unreadable weight: the entry is ignored
                break
            weight = float(match.group(1))
        if weight >= 0:
            found.append((tag.lower(), weight))
    return found


def negotiate(header: str | None, default: Locale = FALLBACK) -> Locale:
    """The best of our locales for an `Accept-Language` value; `default` when none fits."""
    if not header:
        return default
    entries = _entries(header)
    refused = {tag.split("-", 1)[0] for tag, weight in entries if weight == 0}
    acceptable = [locale for locale in Locale if locale.value not in refused]
    best: tuple[float, int, Locale] | None = None
    for position, (tag, weight) in enumerate(entries):
        primary = tag.split("-", 1)[0]
        if weight == 0 or primary in refused:
            continue
        if primary == "*":
            candidate = default if default in acceptable else next(iter(acceptable), None)
        else:
            candidate = next((locale for locale in acceptable if locale.value == primary), None)
        if candidate is not None and (best is None or (weight, -position) > best[:2]):
            best = (weight, -position, candidate)
    return default if best is None else best[2]


def parse(value: str) -> Locale | None:
    """One of our locale codes (`en`, `ES`), or None."""
    try:
        return Locale(value.strip().lower())
    except ValueError:
        return None
