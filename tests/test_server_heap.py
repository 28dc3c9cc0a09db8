"""The server settles its heap once it has started (server.settle_heap): long-lived objects
frozen out of the collector's scans, young collections less frequent."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

import server
from config import Settings


@pytest.fixture
def fresh_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in a process that has not settled yet; the test process's collector restored after."""
    monkeypatch.setattr(server, "_heap_settled", False)
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_settling_freezes_what_lives_and_raises_the_young_threshold(
    fresh_collector: None,
) -> None:
    older, oldest = gc.get_threshold()[1:]
    server.settle_heap()
    frozen = gc.get_freeze_count()
    # The modules, the schema and the test machinery are alive: all of them are frozen.
    assert frozen > 10_000
    assert gc.get_threshold() == (server.GC_YOUNG_THRESHOLD, older, oldest)
    assert gc.isenabled()  # cycles made by requests are still collected

    # Once per process: a second app's start does not freeze the first one's garbage.
    made_later = [[index] for index in range(1_000)]
    server.settle_heap()
    assert gc.get_freeze_count() == frozen
    assert made_later


async def test_the_app_settles_its_heap_when_it_starts(
    app: Any, settings: Settings, fresh_collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[None] = []
    monkeypatch.setattr(server, "settle_heap", lambda: calls.append(None))
    server_app = server.create_app(settings)
    async with server_app.router.lifespan_context(server_app):
        assert calls == [None]
