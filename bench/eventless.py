"""BENCH ONLY: the API with its change-feed writes skipped, to measure what events cost W7.

    uvicorn bench.eventless:create_app --factory

The same `server.create_app` as `uvicorn server:app`, in a process where
`services.events._record` (the one call through which every service adds a change to its
session's feed, services/events.py) does nothing: no events row, no NOTIFY at commit.
Nothing else differs: the same settings, the same statements for the change itself and its
audit entry, the same hub (idle: nothing to read). It lives here and is installed only in
this process, because production has no switch that turns the feed off: subscriptions and
their resumption after a cursor rely on every change being in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette

from server import create_app as create_server
from services import events


async def _not_recorded(session: Any, changes: Sequence[Any]) -> None:
    return None


def create_app() -> Starlette:
    # Every change function looks `_record` up on the module when it calls: this reaches all.
    events._record = _not_recorded
    return create_server()
