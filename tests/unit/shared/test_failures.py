"""No bare 500: an unexpected error answers internal_error with its trace id; a database
that cannot be reached answers 503 database_unavailable with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI

from shared.devstack.broker import free_port
from shared.http import make_app


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app() -> FastAPI:
    app = make_app("t", "t", _nothing)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/db")
    async def db() -> None:  # a real connection attempt to a port nobody listens on
        await asyncpg.connect(f"postgresql://kefu@127.0.0.1:{free_port()}/kefu", timeout=2)

    @app.get("/file")
    async def file() -> None:
        raise ConnectionRefusedError("an OSError that is no database's: a bug")

    return app


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_an_unexpected_error_is_internal_error_with_a_trace_id() -> None:
    response = await _get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["message"] and "a bug" not in body["message"]  # no internals leak
    assert "trace_id" in body


async def test_a_database_that_refuses_is_503_with_retry_after() -> None:
    response = await _get("/db")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "2"


async def test_an_os_error_outside_the_database_is_a_bug_not_an_outage() -> None:
    response = await _get("/file")
    assert (response.status_code, response.json()["code"]) == (500, "internal_error")
