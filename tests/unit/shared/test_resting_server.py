"""The services' HTTP server does not wake on a timer, answers with a fresh ``Date``, and
stops at once when asked (shared.http.RestingServer)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from email.utils import parsedate_to_datetime

import uvicorn
from fastapi import FastAPI

from shared.http import RestingServer
from tests.infra import eventually


class Counting(RestingServer):
    ticks = 0

    async def on_tick(self, counter: int) -> bool:
        self.ticks += 1
        return await super().on_tick(counter)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _date(server: RestingServer) -> float:
    headers = dict(server.server_state.default_headers)
    return parsedate_to_datetime(headers[b"date"].decode()).timestamp()


async def test_it_does_not_tick_dates_its_answers_and_stops_at_once_on_a_signal() -> None:
    config = uvicorn.Config(FastAPI(), host="127.0.0.1", port=_free_port(), log_config=None)
    server = Counting(config)
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, within=10, what="the server listening")
    await asyncio.sleep(2.0)
    assert server.ticks == 1  # uvicorn's own loop: about 20 in these two seconds
    assert abs(_date(server) - time.time()) <= 1.5  # fresh, though nothing ticked
    loop = asyncio.get_running_loop()
    stopped_at = loop.time()
    server.handle_exit(signal.SIGTERM, None)  # what uvicorn's signal handler calls
    server._captured_signals.clear()  # else uvicorn raises it again here once stopped
    async with asyncio.timeout(5):
        await serving
    assert loop.time() - stopped_at < 0.9  # not at the next tick


async def test_should_exit_set_by_its_owner_stops_it_at_once() -> None:
    config = uvicorn.Config(FastAPI(), host="127.0.0.1", port=_free_port(), log_config=None)
    server = RestingServer(config)
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, within=10, what="the server listening")
    loop = asyncio.get_running_loop()
    stopped_at = loop.time()
    server.should_exit = True  # as tests and embedding code stop a uvicorn server
    async with asyncio.timeout(5):
        await serving
    assert loop.time() - stopped_at < 0.9
