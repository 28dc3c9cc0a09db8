"""Fan-out of the change feed to this process's subscribers.

Each server process runs one `EventHub`: it reads each event of the feed once, in feed
order, and hands it to the local subscriptions whose scope it falls in and whose subscriber
may read it (the same policies as queries, at delivery). Woken by:
- on PostgreSQL, one LISTEN connection: writers NOTIFY the new events' ids, delivered once
  their commit is visible (ids are drawn in commit order, models/event.py);
- on SQLite, the commit of a session that wrote events in this process;
- a poll every `poll_interval` seconds, for writers elsewhere (`cli.py jobs` beside a SQLite
  server) and notifications lost while the LISTEN connection was being re-established.

A subscription (`stream`) registers, replays from the table what came after the client's
cursor up to the hub's position at registration, then continues with what the hub hands it:
no gap, and positions at or before the last one sent are dropped, so no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.company import PATH_SEGMENT, ancestor_paths
from models.event import Event, Topic
from policies.actor import Actor
from policies.enforcer import Action, Relation
from services import events, metrics
from services.access import can, company_in_scope
from services.account import authorize_account
from services.errors import AccessChangedError, ForbiddenError, NotFoundError
from services.events import Cursor, Position

log = logging.getLogger("fleet.events")

BATCH = 500
# The least time between the starts of two reads of the feed. Each read is a few statements
# (services/events.horizon's and the select); woken by every commit, 2 hubs under 170 moves/s
# read 700 times a second, more than the writers' own statements. Spaced, the commits of
# the interval are read together: the cost is per interval, not per commit, for at most
# this much more latency.
READ_SPACING = 0.025
RECENT_IDS = 50_000  # ids read lately, to recognize a notification for one already read


def relation_by_path(actor: Actor, path: str) -> Relation | None:
    """The relation of the company at `path` to the actor's company (policies/scope.py's
    relation, from the path alone: an event carries its company's path)."""
    if path == actor.company_path:
        return Relation.SELF
    if not path.startswith(actor.company_path):
        return None
    parent_path = path[: -(PATH_SEGMENT + 1)]
    return Relation.CHILD if parent_path == actor.company_path else Relation.DESCENDANT


def may_read(actor: Actor, actions: tuple[Action, ...], path: str) -> bool:
    relation = relation_by_path(actor, path)
    return relation is not None and any(can(actor, action, relation) for action in actions)


class Outbox:
    """The events waiting to be sent on one connection: bounded, so a client that does not
    read is closed (`on_overflow`) instead of growing the server's memory."""

    def __init__(self, limit: int, on_overflow: Callable[[], None]) -> None:
        self.limit = limit
        self.queued = 0
        self.overflowed = False
        self._on_overflow = on_overflow

    def take(self) -> bool:
        if self.queued >= self.limit:
            if not self.overflowed:
                self.overflowed = True
                self._on_overflow()
            return False
        self.queued += 1
        return True


class Connection(Protocol):
    """A transport's connection, told when its user's access changed."""

    session_id: str | None  # the sign-in session of its access token
    outbox: Outbox

    def access_changed(self) -> None: ...


@dataclass(eq=False)
class Subscriber:
    """A subscription, as the hub sees it. Its events wait in a list, and its reader on a
    future made when it waits (an idle subscriber is what W7's memory target counts: a
    deque and an asyncio.Event are 1.3 KiB of it)."""

    actor: Actor
    topic: Topic
    actions: tuple[Action, ...]
    path: str
    subtree: bool
    outbox: Outbox
    account_id: int | None = None
    start: Position = events.START
    pending: list[Event] = field(default_factory=list)
    error: Exception | None = None
    waiter: asyncio.Future[None] | None = None

    def accepts(self, row: Event) -> bool:
        if row.topic is not self.topic:
            return False
        if self.subtree:
            if not row.company_path.startswith(self.path):
                return False
        elif row.company_path != self.path:
            return False
        if self.account_id is not None and row.object_id != self.account_id:
            return False
        return may_read(self.actor, self.actions, row.company_path)

    def push(self, row: Event) -> None:
        if self.error is None and self.outbox.take():
            self.pending.append(row)
            self._wake()

    def end(self, error: Exception) -> None:
        self.error = error
        self._wake()

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self) -> Event:
        while True:
            if self.error is not None:
                raise self.error
            if self.pending:
                self.outbox.queued -= 1
                return self.pending.pop(0)
            waiter = self.waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                if self.waiter is waiter:
                    self.waiter = None


@dataclass(frozen=True)
class Target:
    """What a subscription streams: a company (or its subtree), or one account."""

    path: str
    subtree: bool
    account_id: int | None = None


async def authorize_target(
    session: AsyncSession,
    actor: Actor,
    actions: tuple[Action, ...],
    *,
    company_id: int,
    subtree: bool,
    account_id: int | None = None,
) -> Target:
    """NOT_FOUND outside the caller's scope, FORBIDDEN where the role may not read it."""
    if account_id is not None:
        _, company = await authorize_account(
            session, actor, actions[0], account_id, field="accountId"
        )
        return Target(company.path, subtree=False, account_id=account_id)
    found = await company_in_scope(session, actor, company_id)
    if found is None:
        raise NotFoundError("Company", field="companyId")
    company, relation = found
    if not any(can(actor, action, relation) for action in actions):
        raise ForbiddenError()
    return Target(company.path, subtree)


class EventHub:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        database_url: str,
        *,
        poll_interval: float = 1.0,
        read_spacing: float = READ_SPACING,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._url = make_url(database_url)
        self._postgres = self._url.get_backend_name() == "postgresql"
        self._poll_interval = poll_interval
        self._read_spacing = read_spacing
        self.position = events.START
        self._index: dict[tuple[Topic, str], set[Subscriber]] = {}
        self._by_user: dict[int, set[Subscriber]] = {}
        self._connections: dict[int, set[Connection]] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._awaited: set[int] = set()  # notified ids not read yet
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._listener: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._undo_commit_hook: Callable[[], None] | None = None
        self.delivered = 0
        # With no connection nor subscriber the hub reads nothing (a server without
        # subscribers spends nothing per commit); `ensure_current` moves it to the head.
        self._stale = False

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        async with self._sessionmaker() as session:
            self.position = await events.head(session)
        self._undo_commit_hook = events.on_commit(self.wake)
        if self._postgres:
            await self._listen()
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def stop(self) -> None:
        if self._undo_commit_hook is not None:
            self._undo_commit_hook()
            self._undo_commit_hook = None
        if self._task is not None:
            # The flag too, not only the cancel: on Python 3.11 `asyncio.wait_for` loses a
            # cancel that lands as its awaitable completes (a commit's wake-up at that moment;
            # fixed in 3.12), and the reader then looped on while this await never returned.
            self._stopping = True
            self._wake.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close_listener()

    def wake(self) -> None:
        """Safe from any thread: a commit on another event loop wakes this one's reader."""
        if self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _listen(self) -> None:
        import asyncpg

        url = self._url.set(drivername="postgresql")
        try:
            connection = await asyncpg.connect(url.render_as_string(hide_password=False))
            await connection.add_listener(events.CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN connection failed (%s); polling until it is back", exc)
            return
        connection.add_termination_listener(self._lost)
        self._listener = connection
        self.wake()  # notifications sent while not listening are caught by one read

    def _lost(self, _connection: Any) -> None:
        self._listener = None
        self.wake()

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.close(timeout=2)

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        for part in payload.split(","):
            if part.isdigit() and int(part) not in self._recent:
                self._awaited.add(int(part))
        self.wake()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        retry = 0.0
        last_read = float("-inf")
        while not self._stopping:
            timeout = retry or self._poll_interval
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # unlike wait_for, never loses a cancel
                    await self._wake.wait()
            if self._stopping:
                return
            pause = last_read + self._read_spacing - loop.time()
            if pause > 0:  # the commits until then are read with this one's
                await asyncio.sleep(pause)
            self._wake.clear()
            if not self._connections and not self._index:
                self._stale, retry = True, 0.0
                self._awaited.clear()
                continue
            try:
                if self._postgres and self._listener is None:
                    await self._listen()
                last_read = loop.time()
                await self._read_all()
            except Exception:  # keep the hub alive through a database outage
                log.exception("reading the event feed failed; retrying")
                retry = self._poll_interval
                continue
            # Notified events not readable yet (a read replica, DATABASE_READ_URL, has not
            # replayed their commit): look again soon, backing off while it lasts.
            retry = min(max(retry * 2, 0.005), 0.2) if self._awaited else 0.0

    async def _read_all(self) -> None:
        while True:
            async with self._sessionmaker() as session:
                rows = await events.read_after(session, self.position, limit=BATCH)
            for row in rows:
                self._dispatch(row)
            if len(rows) < BATCH:
                return

    async def ensure_current(self) -> None:
        """Before a connection opens or a subscription starts: an idle hub (neither) has not
        been reading, so it starts from the head; nothing from before is delivered."""
        if self._stale:
            async with self._sessionmaker() as session:
                self.position = await events.head(session)
            self._stale = False

    def _dispatch(self, row: Event) -> None:
        self.position = events.position_of(row)
        self._awaited.discard(row.id)
        self._recent[row.id] = None
        if len(self._recent) > RECENT_IDS:
            self._recent.popitem(last=False)
        if row.topic is Topic.ACCESS:
            connections = list(self._connections.get(row.object_id, ()))
            ended_session = row.payload.get("sid") if row.kind == "SESSION_ENDED" else None
            if ended_session is not None:  # only that session's connections
                connections = [c for c in connections if c.session_id == ended_session]
            outboxes = {id(c.outbox) for c in connections}
            for subscriber in list(self._by_user.get(row.object_id, ())):
                if ended_session is None or id(subscriber.outbox) in outboxes:
                    subscriber.end(AccessChangedError())
            for connection in connections:
                connection.access_changed()
            return
        for path in (*ancestor_paths(row.company_path), row.company_path):
            for subscriber in self._index.get((row.topic, path), ()):
                if (subscriber.subtree or path == row.company_path) and subscriber.accepts(row):
                    subscriber.push(row)
                    self.delivered += 1
                    metrics.SUBSCRIPTION_EVENTS.labels(row.topic.value).inc()

    # --- connections and subscriptions --------------------------------------------------

    def connection_count(self, user_id: int) -> int:
        return len(self._connections.get(user_id, ()))

    def connection_opened(self, user_id: int, connection: Connection) -> None:
        self._connections.setdefault(user_id, set()).add(connection)

    def connection_closed(self, user_id: int, connection: Connection) -> None:
        mine = self._connections.get(user_id, set())
        mine.discard(connection)
        if not mine:
            self._connections.pop(user_id, None)

    def _register(self, subscriber: Subscriber) -> None:
        subscriber.start = self.position
        metrics.SUBSCRIPTIONS.labels(subscriber.topic.value).inc()
        self._index.setdefault((subscriber.topic, subscriber.path), set()).add(subscriber)
        self._by_user.setdefault(subscriber.actor.user_id, set()).add(subscriber)

    def _unregister(self, subscriber: Subscriber) -> None:
        metrics.SUBSCRIPTIONS.labels(subscriber.topic.value).dec()
        key = (subscriber.topic, subscriber.path)
        self._index.get(key, set()).discard(subscriber)
        if not self._index.get(key):
            self._index.pop(key, None)
        mine = self._by_user.get(subscriber.actor.user_id, set())
        mine.discard(subscriber)
        if not mine:
            self._by_user.pop(subscriber.actor.user_id, None)
        subscriber.outbox.queued -= len(subscriber.pending)
        subscriber.pending.clear()

    @property
    def subscriber_count(self) -> int:
        return sum(len(group) for group in self._index.values())

    async def stream(
        self,
        *,
        actor: Actor,
        topic: Topic,
        actions: tuple[Action, ...],
        target: Target,
        after: Cursor | None,
        outbox: Outbox,
    ) -> AsyncIterator[Event]:
        subscriber = Subscriber(
            actor=actor,
            topic=topic,
            actions=actions,
            path=target.path,
            subtree=target.subtree,
            account_id=target.account_id,
            outbox=outbox,
        )
        await self.ensure_current()
        self._register(subscriber)
        try:
            last = subscriber.start if after is None else after.position
            while last < subscriber.start:  # the replay: what the client missed
                async with self._sessionmaker() as session:
                    rows = await events.read_after(
                        session,
                        last,
                        limit=BATCH,
                        topic=topic,
                        path=target.path,
                        subtree=target.subtree,
                        upto=subscriber.start,
                    )
                if not rows:
                    break
                for row in rows:
                    if subscriber.error is not None:
                        raise subscriber.error
                    last = events.position_of(row)
                    if subscriber.accepts(row):
                        yield row
            while True:
                row = await subscriber.next()
                position = events.position_of(row)
                if position <= last:
                    continue
                last = position
                yield row
        finally:
            self._unregister(subscriber)
