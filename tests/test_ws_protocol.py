"""web/ws_protocol.py: the receive queue uvicorn's protocol uses, and what a served
connection keeps once its handshake is done."""

from __future__ import annotations

import asyncio
import gc

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from config import Settings
from tests.live import serve
from web.ws_protocol import Inbox, LeanWebSocketProtocol


async def test_inbox_hands_messages_in_order_to_a_waiting_reader() -> None:
    inbox = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait({"type": "websocket.connect"})
    inbox.put_nowait({"type": "websocket.receive", "text": "a"})
    assert await asyncio.wait_for(reader, 1) == {"type": "websocket.connect"}
    assert inbox.qsize() == 1
    assert not inbox.empty()
    assert await inbox.get() == {"type": "websocket.receive", "text": "a"}
    assert inbox.empty()


async def test_inbox_survives_a_cancelled_reader() -> None:
    inbox = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    assert await asyncio.wait_for(inbox.get(), 1) == {"type": "websocket.disconnect", "code": 1000}


async def test_a_connection_keeps_no_handshake_once_accepted(migrated: Settings) -> None:
    with serve(migrated) as url:
        async with connect(
            url.replace("http://", "ws://") + "/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
        ) as ws:
            await ws.send(orjson.dumps({"type": "ping"}).decode())
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
            protocols = [
                o
                for o in gc.get_objects()
                if type(o) is LeanWebSocketProtocol and o.handshake_complete
            ]
            assert protocols, "the server's connection is not a LeanWebSocketProtocol"
            assert all(p.request is None and p.response is None for p in protocols)
