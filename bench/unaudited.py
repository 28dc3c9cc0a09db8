"""BENCH ONLY: the API with its audit writes skipped, to measure what auditing costs W5.

    uvicorn bench.unaudited:create_app --factory

The same `server.create_app` as `uvicorn server:app`, in a process where
`services.audit.record` (the one call that adds an entry to a change's session, which every
service and `record_event` go through) does nothing. Nothing else differs: the same
settings, the same statements for the change itself, the same scheduler. It lives here and
is installed only in this process, because production has no switch that turns the audit
trail off: an unaudited change is what the trail exists to rule out.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from server import create_app as create_server
from services import audit


def _not_recorded(*_args: Any, **_kwargs: Any) -> None:
    return None


def create_app() -> Starlette:
    # Every caller looks `record` up on the module when it calls: this reaches them all.
    audit.record = _not_recorded
    return create_server()
