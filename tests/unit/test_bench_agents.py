"""The search benchmark's agents (bench/query_http.py): with think time each starts after a
think time of its own, as people at desks do; the burst sends every agent's search in the
same instant, and is measured on its own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.query_http import agents

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@asynccontextmanager
async def _answering() -> AsyncIterator[str]:
    """A server answering every request at once with ``{}``; its URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(_ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


def _any(rng: random.Random, world: object) -> dict[str, str]:
    return {}


async def test_with_think_time_the_agents_do_not_start_together() -> None:
    async with _answering() as url:
        sent, errors = await agents(
            url, "t", [("any", _any)], None, count=20, think_ms=1000, seconds=0.25, seed=1
        )
    assert errors == 0
    # exponential first waits of 1 s mean: about a fifth of the agents search within 0.25 s
    # (all twenty did, in the same instant, before)
    assert 0 < len(sent) < 10


async def test_the_burst_sends_one_search_per_agent_in_the_same_instant() -> None:
    async with _answering() as url:
        sent, errors = await agents(
            url, "t", [("any", _any)], None, count=20, think_ms=0, seconds=60, seed=0, once=True
        )
    assert errors == 0 and len(sent) == 20
    assert max(at for at, _ in sent) < 0.2
