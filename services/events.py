"""The change feed: every service that changes an application, a ledger balance, a device,
an account or a user's access says so here, in its own transaction.

The changes wait in the session until it commits; the commit writes them in one statement
stamped with the transaction's id (models/event.py explains the order), with a NOTIFY
carrying their ids, which PostgreSQL delivers at commit (and never for a rollback). Readers
read only below the horizon (`horizon`): events of transactions that have all ended. On
SQLite the session's commit wakes this process's readers (services/event_hub.py).
`Position` is a place in the feed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, event, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from models.account import Account, Application
from models.base import UTCDateTime, utcnow
from models.company import subtree_upper_bound
from models.credit import LedgerEntry
from models.device import Device
from models.event import Event, Topic
from models.user import User
from services.errors import ErrorCode, ValidationError

CHANNEL = "fleet_events"
DEFAULT_RETENTION = timedelta(hours=24)
# The purge keeps this much beyond the window: events are stamped by the committing
# process's clock, and server clocks differ a little.
PURGE_GRACE = timedelta(minutes=10)
_SESSION_FLAG = "fleet_events_written"
_PENDING = "fleet_events_pending"
_XID_SPAN = 1 << 32


@dataclass(frozen=True, order=True)
class Position:
    """A place in the feed, in its order: (transaction id, event id)."""

    xid: int
    id: int


START = Position(-1, 0)


@dataclass(frozen=True)
class Cursor:
    """What a client holds: the position of the last event it saw, and when that was."""

    position: Position
    created_at: datetime

    def encode(self) -> str:
        millis = int(self.created_at.timestamp() * 1000)
        raw = f"{self.position.xid}.{self.position.id}.{millis}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class CursorError(ValidationError):
    pass


def decode_cursor(value: str, *, now: datetime, retention: timedelta) -> Cursor:
    """The client's cursor, or INVALID_CURSOR when not ours, CURSOR_EXPIRED when older than
    the retention window (the events after it may be purged: start afresh)."""
    invalid = CursorError("Not a cursor of this feed", field="after", code=ErrorCode.INVALID_CURSOR)
    if not value or len(value) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        xid, event_id, millis = (int(part) for part in raw.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid from exc
    if event_id <= 0 or xid < 0 or millis < 0:
        raise invalid
    created_at = datetime.fromtimestamp(millis / 1000, UTC)
    if created_at < now - retention:
        raise CursorError(
            f"The cursor is older than the {retention.total_seconds() / 3600:g} h the events "
            "are kept: subscribe without `after` and reload what you show",
            field="after",
            code=ErrorCode.CURSOR_EXPIRED,
        )
    return Cursor(Position(xid, event_id), created_at)


# --- writing ------------------------------------------------------------------------------

# The rows come as one JSON array; each takes its company's path in the same statement.
_INSERT_POSTGRESQL = text(
    """
WITH new AS (
    INSERT INTO events
        (xid, topic, kind, company_id, company_path, object_type, object_id, payload, created_at)
    SELECT pg_current_xact_id()::text::bigint, r.topic, r.kind, c.id, c.path,
           r.object_type, r.object_id, r.payload, :now
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        topic text, kind text, company_id int, object_type text, object_id int, payload jsonb)
    JOIN companies AS c ON c.id = r.company_id
    RETURNING id
)
SELECT pg_notify(:channel, string_agg(id::text, ',')) FROM new HAVING count(*) > 0
"""
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("channel", CHANNEL))
_INSERT_SQLITE = text(
    """
INSERT INTO events
    (xid, topic, kind, company_id, company_path, object_type, object_id, payload, created_at)
SELECT 0, json_extract(r.value, '$.topic'), json_extract(r.value, '$.kind'), c.id, c.path,
       json_extract(r.value, '$.object_type'), json_extract(r.value, '$.object_id'),
       json(json_extract(r.value, '$.payload')), :now
FROM json_each(:rows) AS r
JOIN companies AS c ON c.id = json_extract(r.value, '$.company_id')
"""
).bindparams(bindparam("now", type_=UTCDateTime()))


@dataclass(frozen=True)
class _Change:
    topic: Topic
    kind: str
    company_id: int
    object_type: str
    object_id: int
    payload: dict[str, Any]


async def _record(session: AsyncSession, changes: Sequence[_Change]) -> None:
    """Keep the changes for the commit (`_write_pending`), each with the savepoint it was
    made in (None: none), so that rolling back that savepoint drops it."""
    savepoint = session.sync_session.get_nested_transaction()
    pending = session.sync_session.info.setdefault(_PENDING, [])
    pending.extend((savepoint, change) for change in changes)


def _write_pending(session: Session) -> None:
    changes = [change for _, change in session.info.pop(_PENDING, [])]
    if not changes:
        return
    rows = orjson.dumps(
        [
            {
                "topic": c.topic.value,
                "kind": c.kind,
                "company_id": c.company_id,
                "object_type": c.object_type,
                "object_id": c.object_id,
                "payload": c.payload,
            }
            for c in changes
        ]
    ).decode()
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = _INSERT_POSTGRESQL if postgres else _INSERT_SQLITE
    session.execute(statement, {"rows": rows, "now": utcnow()})
    session.info[_SESSION_FLAG] = True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def application_changed(session: AsyncSession, application: Application) -> None:
    """Filed, approved, rejected or cancelled: the kind is the application's status."""
    kind = "FILED" if application.decided_at is None else application.status.value
    payload = {
        "status": application.status.value,
        "applicationKind": application.kind.value,
        "accountId": application.account_id,
    }
    change = _Change(
        Topic.APPLICATION, kind, application.company_id, "Application", application.id, payload
    )
    await _record(session, [change])


async def ledger_posted(session: AsyncSession, *entries: LedgerEntry) -> None:
    """A balance after each of these entries (a move's two, a grant's or a charge's one)."""
    await _record(
        session,
        [
            _Change(
                Topic.CREDIT,
                entry.kind.value,
                entry.company_id,
                "LedgerEntry",
                entry.id,
                {"amount": entry.amount, "balance": entry.balance_after},
            )
            for entry in entries
        ],
    )


async def device_changed(session: AsyncSession, device: Device, kind: str) -> None:
    """REGISTERED, RENAMED, SUSPENDED, RESUMED or UNREGISTERED."""
    payload = {"status": device.status.value, "name": device.name}
    await _record(
        session, [_Change(Topic.DEVICE, kind, device.company_id, "Device", device.id, payload)]
    )


async def accounts_changed(session: AsyncSession, kind: str, *accounts: Account) -> None:
    """ACTIVATED, CHANGED, RENEWED, EXPIRED, REJECTED or CANCELLED."""
    await _record(
        session,
        [
            _Change(
                Topic.ACCOUNT,
                kind,
                account.company_id,
                "Account",
                account.id,
                {"state": account.state.value, "expiresAt": _iso(account.expires_at)},
            )
            for account in accounts
        ],
    )


async def access_changed(session: AsyncSession, user: User) -> None:
    """The user's role, activity or password changed: their subscriptions end everywhere."""
    await _record(
        session, [_Change(Topic.ACCESS, "ACCESS_CHANGED", user.company_id, "User", user.id, {})]
    )


async def session_ended(session: AsyncSession, *, user_id: int, session_id: str) -> None:
    """A sign-in session was revoked (logout, a reused refresh token): the WebSockets opened
    with its access tokens end, the user's others go on."""
    company_id = await session.scalar(select(User.company_id).where(User.id == user_id))
    if company_id is None:
        return
    change = _Change(
        Topic.ACCESS, "SESSION_ENDED", company_id, "User", user_id, {"sid": session_id}
    )
    await _record(session, [change])


# --- after commit (SQLite: the same process's readers are woken) ---------------------------

_wakers: list[Callable[[], None]] = []


def on_commit(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after each commit that wrote events in this process; returns the undo."""
    _wakers.append(waker)
    return lambda: _wakers.remove(waker)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write_pending(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_SESSION_FLAG, False):
        for waker in list(_wakers):
            waker()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Also fired for a savepoint's rollback: the pending changes are dropped by
    # after_soft_rollback (a savepoint's) and after_transaction_end (the whole transaction's).
    session.info.pop(_SESSION_FLAG, None)


def _within(savepoint: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is outer:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """A savepoint rolled back: so are the changes made in it."""
    pending = session.info.get(_PENDING)
    if pending and previous_transaction.nested:
        kept = [(sp, c) for sp, c in pending if not _within(sp, previous_transaction)]
        session.info[_PENDING] = kept


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (the session closed): nothing of it
    # may reach a later transaction of the same session.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- reading ------------------------------------------------------------------------------


def _order() -> tuple[Any, Any]:
    return Event.xid, Event.id


def position_of(row: Event) -> Position:
    return Position(row.xid, row.id)


# The next transaction id; and pg_stat_activity is refreshed (it is otherwise read once per
# transaction) for the next statement. One round trip: the hub reads often.
_NEXT_XID = text(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_stat_clear_snapshot()"
)
_RUNNING_XIDS = text(
    "SELECT backend_xid::text::bigint FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_xid IS NOT NULL "
    "AND pid <> pg_backend_pid()"
)


async def horizon(session: AsyncSession) -> int | None:
    """The transaction id below which every transaction of this database has ended (None:
    SQLite, where ids are commit order). Events below it are final: none can still commit
    among them, so a reader that moves its cursor past them skips nothing.

    In this order, each its own statement: the next transaction id (later transactions
    are above it), then the transactions running in this database (the oldest bounds the
    horizon; 32-bit there, widened with the epoch of the first); the caller reads events
    afterwards, in a newer snapshot that sees every transaction that ended. Other
    databases' transactions do not hold it back, unlike the snapshot's xmin."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    upper = int(await session.scalar(_NEXT_XID) or 0)
    running = [int(x) for x in await session.scalars(_RUNNING_XIDS)]
    epoch, low = divmod(upper, _XID_SPAN)
    widened = [(epoch if xid <= low else epoch - 1) * _XID_SPAN + xid for xid in running]
    return min([upper, *widened])


async def read_after(
    session: AsyncSession,
    after: Position,
    *,
    limit: int,
    topic: Topic | None = None,
    path: str | None = None,
    subtree: bool = True,
    upto: Position | None = None,
) -> list[Event]:
    """The final events after `after` in feed order (below the horizon), optionally of one
    topic and company (or subtree), up to `upto`."""
    query = select(Event).where(tuple_(*_order()) > tuple_(after.xid, after.id))
    below = await horizon(session)
    if below is not None:
        query = query.where(Event.xid < below)
    if upto is not None:
        query = query.where(tuple_(*_order()) <= tuple_(upto.xid, upto.id))
    if topic is not None:
        query = query.where(Event.topic == topic)
    if path is not None:
        if subtree:
            query = query.where(
                Event.company_path >= path, Event.company_path < subtree_upper_bound(path)
            )
        else:
            query = query.where(Event.company_path == path)
    return list(await session.scalars(query.order_by(*_order()).limit(limit)))


async def head(session: AsyncSession) -> Position:
    """The position of the newest final event (START for an empty feed)."""
    query = select(Event.xid, Event.id)
    below = await horizon(session)
    if below is not None:
        query = query.where(Event.xid < below)
    row = (
        await session.execute(query.order_by(Event.xid.desc(), Event.id.desc()).limit(1))
    ).first()
    return START if row is None else Position(row.xid, row.id)


async def purge(session: AsyncSession, *, now: datetime, retention: timedelta) -> int:
    """Forget events older than the retention window (and its grace)."""
    result = await session.execute(
        delete(Event).where(Event.created_at < now - retention - PURGE_GRACE)
    )
    return int(getattr(result, "rowcount", 0) or 0)
