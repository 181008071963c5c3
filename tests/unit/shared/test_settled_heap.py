"""What lives as long as a service's process is left out of later garbage collections
(shared.http.settle_heap): what start-up built, once the server is up, and the OpenAPI
document once built. A full collection then walks only what was made since."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from shared.http import RestingServer, make_app
from tests.infra import eventually


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session collects as before


def _collected(thing: object) -> bool:
    """Whether a collection would walk ``thing`` (frozen objects are in none)."""
    return any(o is thing for o in gc.get_objects())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_once_started_what_start_up_built_is_frozen() -> None:
    built: list[Any] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        built.append([object() for _ in range(100)])  # a pool, a client: alive till the end
        yield

    app = make_app("t", "t", lifespan)
    server = RestingServer(uvicorn.Config(app, port=_free_port(), log_config=None))
    serving = asyncio.create_task(server.serve())
    try:

        async def frozen() -> bool:
            return server.started and gc.get_freeze_count() > 0

        await eventually(frozen, within=10, what="the server listening, its heap frozen")
        assert not _collected(built[0])
    finally:
        server.should_exit = True
        async with asyncio.timeout(5):
            await serving


def test_the_openapi_document_is_frozen_once_built(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app("t", "t", None)
    freezes: list[None] = []
    freeze = gc.freeze

    def counted() -> None:
        freezes.append(None)
        freeze()

    # counted, not read off gc.get_freeze_count() twice: a frozen object freed meanwhile
    # (by anything else in the process) lowers that count, which is no second freeze
    monkeypatch.setattr(gc, "freeze", counted)

    @app.get("/things")
    async def things() -> dict[str, str]:
        return {}

    assert gc.get_freeze_count() == 0
    document = app.openapi()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert not _collected(document)
    assert app.openapi() is document
    assert len(freezes) == 1  # built once, frozen once
