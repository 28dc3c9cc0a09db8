"""BENCH ONLY: the API with its audit writes skipped, to measure what auditing costs W5.

    uvicorn bench.unaudited:create_app --factory

The same `server.create_app` as `uvicorn server:app`, in a process where
`services.audit.record` (the call that adds an entry to a change's session, which every
service and `record_event` go through) does nothing, and a credit move's one statement is
the one without its audit entry's INSERT (services/credit.py writes the move's entry in the
move's statement). Nothing else differs: the same settings, the same statements for the
change itself, the same scheduler. It lives here and
is installed only in this process, because production has no switch that turns the audit
trail off: an unaudited change is what the trail exists to rule out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from starlette.applications import Starlette

from models.audit import AuditEntry
from models.base import UTCDateTime
from server import create_app as create_server
from services import audit, credit


def _not_recorded(*_args: Any, **_kwargs: Any) -> None:
    return None


_NO_ENTRY = AuditEntry()  # every column None: what a move binds and its statement ignores


def _no_entry(*_args: Any, **_kwargs: Any) -> AuditEntry:
    return _NO_ENTRY


def create_app() -> Starlette:
    # Every caller looks `record` up on the module when it calls: this reaches them all.
    audit.record = _not_recorded
    audit.entry = _no_entry  # not even computed (its MAC is part of the cost measured)
    # The entry's parameters are still bound; a text() statement ignores those it lacks.
    credit._MOVE_AT_ONCE = text(credit._MOVE_AT_ONCE_SQL).bindparams(
        bindparam("now", type_=UTCDateTime())
    )
    return create_server()
