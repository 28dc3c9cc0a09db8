"""Where the current request came from: its id, client address, user agent and operation.

The transport binds it for the duration of a request (`bound`); contextvars follow asyncio
tasks, so every resolver and service the request runs sees it without passing it along.
The audit trail records it with each entry and the logs put the request id on every line.
Jobs and the CLI run without one (`current()` is None).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    request_id: str
    client_address: str | None = None
    user_agent: str | None = None
    operation_name: str | None = None


_current: ContextVar[Origin | None] = ContextVar("origin", default=None)


def current() -> Origin | None:
    """The request being served by this task, or None outside a request."""
    return _current.get()


@contextmanager
def bound(origin: Origin) -> Iterator[Origin]:
    token = _current.set(origin)
    try:
        yield origin
    finally:
        _current.reset(token)
