"""GraphQL subscriptions over WebSocket: the graphql-transport-ws protocol, and only it.

Written here rather than taken from Strawberry's handlers to own what the protocol leaves
to the server: authentication by the `connection_init` payload with the same token check
as HTTP (and a close when the token expires), the `Origin` check, per-connection and
per-user limits, and a bounded queue per connection. The legacy `graphql-ws` subprotocol is
refused. Documents run through `schema.subscribe`, so they pass the same extensions and
validation rules (depth, aliases, tokens, cost) as over HTTP; only subscriptions run here.

Close codes: 4400 malformed message, 4401 unauthenticated (no or bad token, token expired,
access changed: connect again with a fresh token), 4403 origin not allowed, 4406
subprotocol not acceptable, 4408 no connection_init in time, 4409 duplicate subscription
id, 4429 a second connection_init or too many connections for the user, 1013 the client
reads too slowly (its queue is full: reconnect and resume with the last cursor), 1001 the
server is shutting down (reconnect, to another process, with the last cursor).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketState
from strawberry.types.execution import ExecutionResult, PreExecutionError

from config import Settings
from models.base import utcnow
from policies.actor import Actor
from schema import AppSchema
from schema.context import Context
from schema.extensions import INTERNAL_MESSAGE, public_error
from services import auth, locales, metrics, tokens
from services.errors import ErrorCode, UnauthenticatedError
from services.event_hub import EventHub, Outbox
from services.tokens import TokenConfig, TokenError, TokenType

log = logging.getLogger("fleet.ws")

PROTOCOL = "graphql-transport-ws"
MAX_MESSAGE_BYTES = 100_000
_BEARER_PREFIX = "bearer "
CLOSE_WAIT_SECONDS = 5.0  # shutdown: how long clients may take to answer the 1001 close


class Closing(Exception):
    """End the connection with this close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def origin_allowed(websocket: WebSocket, allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin; it must be this server or a configured CORS origin, so no other
    site can open a socket with the user's ambient credentials. Other clients send none."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in allowed:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


class GraphQLWebSocket:
    def __init__(
        self,
        *,
        schema: AppSchema,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        read_sessionmaker: async_sessionmaker[AsyncSession],
        token_config: TokenConfig,
        hub: EventHub,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.read_sessionmaker = read_sessionmaker
        self.token_config = token_config
        self.hub = hub
        self.connections: set[Connection] = set()
        self.going_away = False
        self._idle = asyncio.Event()  # set while no connection is open
        self._idle.set()

    async def close_all(self) -> None:
        """Shutdown: end every connection with 1001 "going away" (before uvicorn's own
        1012), so clients reconnect elsewhere and resume with their cursors."""
        self.going_away = True
        connections = list(self.connections)
        for connection in connections:
            await connection.close(1001, "Server shutting down: reconnect and resume")
        with contextlib.suppress(TimeoutError):  # a client that never answers the close
            await asyncio.wait_for(self._idle.wait(), timeout=CLOSE_WAIT_SECONDS)

    async def handle(self, websocket: WebSocket) -> None:
        if self.going_away:
            await websocket.close(code=1001, reason="Server shutting down")
            return
        if not origin_allowed(websocket, self.settings.cors_origins):
            await websocket.close(code=4403, reason="Origin not allowed")  # HTTP 403
            return
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.accept()
            await websocket.close(code=4406, reason=f"Subprotocol not acceptable: use {PROTOCOL}")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        connection = Connection(self, websocket)
        self.connections.add(connection)
        self._idle.clear()
        metrics.WS_CONNECTIONS.inc()
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)
            if not self.connections:
                self._idle.set()
            metrics.WS_CONNECTIONS.dec()


class Connection:
    def __init__(self, endpoint: GraphQLWebSocket, websocket: WebSocket) -> None:
        self.endpoint = endpoint
        self.settings = endpoint.settings
        self.websocket = websocket
        self.actor: Actor | None = None
        self.expires_at: datetime | None = None
        self.session_id: str | None = None
        self.subscriptions: dict[str, asyncio.Task[None]] = {}
        self.outbox = Outbox(self.settings.ws_queue_size, self._overflowed)
        self.request_id = uuid.uuid4().hex
        self._init_received = False
        self._send_lock = asyncio.Lock()
        self._closed = False
        self._timers: list[asyncio.TimerHandle] = []
        self._counted = False
        # Error messages' language: the upgrade request's Accept-Language, or the
        # connection_init payload's `acceptLanguage` (for clients that cannot set headers).
        self.locale = locales.negotiate(websocket.headers.get("accept-language"))

    # --- the connection -----------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(self.settings.ws_init_timeout, self._init_timed_out))
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    await self._on_message(message)
                except Closing as exc:
                    await self.close(exc.code, exc.reason)
                    return
        finally:
            self._closed = True
            for timer in self._timers:
                timer.cancel()
            for task in self.subscriptions.values():
                task.cancel()
            for task in list(self.subscriptions.values()):
                with contextlib.suppress(BaseException):
                    await task
            if self._counted and self.actor is not None:
                self.endpoint.hub.connection_closed(self.actor.user_id, self)

    async def close(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        metrics.WS_CLOSES.labels(str(code)).inc()
        with contextlib.suppress(Exception):
            if self.websocket.application_state is not WebSocketState.DISCONNECTED:
                await self.websocket.close(code=code, reason=reason)

    def _close_soon(self, code: int, reason: str) -> None:
        if not self._closed:
            asyncio.get_running_loop().create_task(self.close(code, reason))

    def _init_timed_out(self) -> None:
        if self.actor is None:
            self._close_soon(4408, "Connection initialisation timeout")

    def _token_expired(self) -> None:
        self._close_soon(4401, "Token expired: connect again with a fresh access token")

    def _overflowed(self) -> None:
        log.warning("closing a slow subscriber (request %s)", self.request_id)
        self._close_soon(1013, f"Slow consumer: {self.outbox.limit} events queued")

    def access_changed(self) -> None:
        """The user's role, activity or password changed (on any process): the ended
        subscriptions report it first, then the connection closes."""
        asyncio.get_running_loop().create_task(self._end_for_access_change())

    async def _end_for_access_change(self) -> None:
        tasks = list(self.subscriptions.values())
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        await self.close(4401, "Access changed: connect again")

    async def send(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        async with self._send_lock:
            await self.websocket.send_text(orjson.dumps(message).decode())

    # --- messages -----------------------------------------------------------------------

    async def _on_message(self, message: MutableMapping[str, Any]) -> None:
        raw = message.get("text")
        if raw is None or len(raw) > MAX_MESSAGE_BYTES:
            raise Closing(4400, "Messages must be JSON text of at most 100 kB")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Closing(4400, "Invalid message received: not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise Closing(4400, "Invalid message received: no type")
        kind = data["type"]
        if kind == "connection_init":
            await self._on_init(data.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self._on_subscribe(data)
        elif kind == "complete":
            sid = data.get("id")
            task = self.subscriptions.pop(sid, None) if isinstance(sid, str) else None
            if task is not None:
                task.cancel()
        else:
            raise Closing(4400, f"Invalid message received: unknown type {kind[:40]!r}")

    async def _on_init(self, payload: Any) -> None:
        if self._init_received:
            raise Closing(4429, "Too many initialisation requests")
        self._init_received = True
        if payload is not None and not isinstance(payload, dict):
            raise Closing(4400, "connection_init payload must be an object")
        asked = (payload or {}).get("acceptLanguage")
        if isinstance(asked, str):
            self.locale = locales.negotiate(asked)
        token = _token_of(payload or {})
        if token is None:
            raise Closing(
                4401, 'Unauthorized: send {"authorization": "Bearer <accessToken>"} as payload'
            )
        try:
            claims = tokens.decode(self.endpoint.token_config, token, kind=TokenType.ACCESS)
            async with self.endpoint.read_sessionmaker() as session:
                actor = await auth.authenticate(
                    session, config=self.endpoint.token_config, access_token=token
                )
        except (TokenError, UnauthenticatedError) as exc:
            raise Closing(4401, f"Unauthorized: {exc}"[:120]) from exc
        hub = self.endpoint.hub
        if hub.connection_count(actor.user_id) >= self.settings.ws_max_connections_per_user:
            raise Closing(4429, "Too many connections for this user")
        await hub.ensure_current()
        hub.connection_opened(actor.user_id, self)
        self._counted = True
        self.actor = actor
        self.expires_at = claims.expires_at
        self.session_id = claims.session_id
        delay = (claims.expires_at - utcnow()).total_seconds()
        self._timers.append(
            asyncio.get_running_loop().call_later(max(delay, 0), self._token_expired)
        )
        await self.send({"type": "connection_ack"})

    async def _on_subscribe(self, data: dict[str, Any]) -> None:
        if self.actor is None:
            raise Closing(4401, "Unauthorized")
        sid, payload = data.get("id"), data.get("payload")
        if not isinstance(sid, str) or not sid or len(sid) > 100:
            raise Closing(4400, "Invalid message received: subscribe needs an id")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            raise Closing(4400, "Invalid message received: subscribe needs a query")
        for name in ("variables", "extensions"):
            if payload.get(name) is not None and not isinstance(payload[name], dict):
                raise Closing(4400, f"Invalid message received: {name} must be an object")
        if payload.get("operationName") is not None and not isinstance(
            payload["operationName"], str
        ):
            raise Closing(4400, "Invalid message received: operationName must be a string")
        if sid in self.subscriptions:
            raise Closing(4409, f"Subscriber for {sid} already exists")
        if len(self.subscriptions) >= self.settings.ws_max_subscriptions:
            await self.send(
                {
                    "type": "error",
                    "id": sid,
                    "payload": [
                        {
                            "message": f"At most {self.settings.ws_max_subscriptions} "
                            "subscriptions per connection",
                            "extensions": {"code": ErrorCode.TOO_MANY_SUBSCRIPTIONS.value},
                        }
                    ],
                }
            )
            return
        task = asyncio.get_running_loop().create_task(self._run_subscription(sid, payload))
        self.subscriptions[sid] = task

    def _context(self) -> Context:
        return Context(
            sessionmaker=self.endpoint.sessionmaker,
            read_sessionmaker=self.endpoint.read_sessionmaker,
            settings=self.settings,
            token_config=self.endpoint.token_config,
            request_id=self.request_id,
            client_address=self.websocket.client.host if self.websocket.client else None,
            actor=self.actor,
            hub=self.endpoint.hub,
            outbox=self.outbox,
            locale=self.locale,
        )

    async def _run_subscription(self, sid: str, payload: dict[str, Any]) -> None:
        try:
            stream = await self.endpoint.schema.subscribe(
                payload["query"],
                variable_values=payload.get("variables"),
                context_value=self._context(),
                operation_name=payload.get("operationName"),
                operation_extensions=payload.get("extensions"),
            )
            async with contextlib.aclosing(stream):
                async for result in stream:
                    if isinstance(result, PreExecutionError):
                        await self.send(
                            {"type": "error", "id": sid, "payload": self._errors(result)}
                        )
                        return
                    await self.send({"type": "next", "id": sid, "payload": self._body(result)})
            await self.send({"type": "complete", "id": sid})
        except asyncio.CancelledError:
            raise
        except GraphQLError as error:
            # A refusal raised by an extension before execution (the cost limits,
            # schema/cost.py): Strawberry's subscribe passes it on, where execute answers it.
            await self.send(
                {
                    "type": "error",
                    "id": sid,
                    "payload": [_format(public_error(error, self.request_id, self.locale))],
                }
            )
        except Exception:  # a fault of ours: report it on this subscription, keep the rest
            log.exception("subscription %s failed (request %s)", sid, self.request_id)
            with contextlib.suppress(Exception):
                await self.send(
                    {
                        "type": "error",
                        "id": sid,
                        "payload": [
                            {
                                "message": INTERNAL_MESSAGE,
                                "extensions": {
                                    "code": "INTERNAL_SERVER_ERROR",
                                    "requestId": self.request_id,
                                },
                            }
                        ],
                    }
                )
        finally:
            if self.subscriptions.get(sid) is asyncio.current_task():
                del self.subscriptions[sid]

    def _errors(self, result: ExecutionResult) -> list[dict[str, Any]]:
        return [_format(public_error(e, self.request_id, self.locale)) for e in result.errors or []]

    def _body(self, result: ExecutionResult) -> dict[str, Any]:
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = self._errors(result)
        return body


def _token_of(payload: dict[str, Any]) -> str | None:
    value = payload.get("authorization") or payload.get("Authorization")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.lower().startswith(_BEARER_PREFIX):
        value = value[len(_BEARER_PREFIX) :].strip()
    return value or None


def _format(error: GraphQLError) -> dict[str, Any]:
    return dict(error.formatted)
