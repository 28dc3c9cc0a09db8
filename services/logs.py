"""Logging: one JSON object a line in production, text in development, and on every line
written while a request runs its request id, operation name, user id and elapsed time.

The HTTP layer binds a `RequestFields` for each request (web/observe.py); the endpoint fills
in the operation and the user once known. contextvars follow asyncio tasks, so lines written
by resolvers, services and the database layer for that request all carry them. The fields
are a mutable object shared by the request's tasks, so what the endpoint learns late (the
user, after the token check) reaches the lines written after it, the access line included.

Never log a secret: tokens, passwords and Authorization headers are never passed to a
logger, and the database drivers (which log statement parameters) are kept quiet
(tests/test_log_secrets.py greps a live server's DEBUG logs for every token and password).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pythonjsonlogger.json import JsonFormatter


@dataclass(slots=True)
class RequestFields:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    operation: str | None = None
    user_id: int | None = None
    trace_id: str | None = None

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


_current: ContextVar[RequestFields | None] = ContextVar("request_fields", default=None)


def current() -> RequestFields | None:
    return _current.get()


@contextmanager
def bound(fields: RequestFields) -> Iterator[RequestFields]:
    token = _current.set(fields)
    try:
        yield fields
    finally:
        _current.reset(token)


class RequestFieldsFilter(logging.Filter):
    """Puts the current request's fields on each record (absent outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _current.get()
        if fields is not None:
            record.request_id = fields.request_id
            record.operation = fields.operation
            record.user_id = fields.user_id
            record.duration_ms = fields.elapsed_ms()
            if fields.trace_id is not None:
                record.trace_id = fields.trace_id
        return True


class TextFormatter(logging.Formatter):
    """Development: the usual line, then the request's fields when there is a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            return line
        extra = f" [request_id={request_id} operation={getattr(record, 'operation', None)}"
        extra += f" user_id={getattr(record, 'user_id', None)}"
        extra += f" duration_ms={getattr(record, 'duration_ms', None)}]"
        first, newline, rest = line.partition("\n")  # keep tracebacks below the fields
        return first + extra + newline + rest


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_default=str,
    )


QUIET_DRIVERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")


def configure(*, json: bool, level: str = "INFO", stream: Any = None) -> logging.Handler:
    """Replace the root logger's handlers with one writing `stream` (stderr) in the chosen
    format; returns that handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if json else TextFormatter())
    handler.addFilter(RequestFieldsFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("casbin").setLevel(logging.WARNING)  # it logs every policy line
    # Database drivers log statements with their parameters at DEBUG/INFO (password hashes,
    # invitation and reset tokens in mail bodies): never, whatever LOG_LEVEL says.
    for name in QUIET_DRIVERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
