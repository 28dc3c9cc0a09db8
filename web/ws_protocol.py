"""uvicorn's sans-I/O WebSocket protocol (`websockets-sansio`), lighter per connection.

An idle subscriber is mostly what its connection keeps (W7 measures memory per idle
subscription against 50 KB). Two things uvicorn keeps it never uses again:
- the handshake's request and response (their headers parsed twice over), kept for the
  connection's life although only the accept reads them; dropped once it is sent;
- an `asyncio.Queue` for the messages received (four deques and an Event, about 3 KiB);
  here a list and one waiter, for the one reader an ASGI app is.
Nothing else differs: the same frames, limits (`ws_max_size`), ping/pong keepalive, close
handshake and flow control (reading pauses while messages wait, as uvicorn's does).
Serve with it: `uvicorn --ws web.ws_protocol:LeanWebSocketProtocol` (server.py does).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

NAME = "web.ws_protocol:LeanWebSocketProtocol"


class Inbox:
    """The subset of `asyncio.Queue` uvicorn's protocol uses: one reader, no bound."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            # Only the accept (or a refusal before it) reads these.
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
