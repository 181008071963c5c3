"""A LISTEN connection that is killed comes back (shared.db.listen): whoever listens is told
it was lost and told again once a new one listens, and then hears notifications again. The
outbox relay listens this way: killed, it still publishes at once, not at its slow poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from pydantic import Field

from shared.contracts import Contract, Topic
from shared.db.listen import ChannelListener
from shared.db.pool import create_pool, ensure_database
from shared.messaging.outbox import enqueue
from shared.platform import Platform
from shared.settings import Settings
from tests.infra import eventually
from tests.kafka import TopicWatcher, fields

pytestmark = pytest.mark.integration


async def kill_listening(pool: asyncpg.Pool, listener: ChannelListener) -> int:
    """Terminate the backend ``listener`` listens on, as an operator or a failover would;
    its pid. Waits until one listens: on a loaded machine a connection can drop and be
    replaced before the test looks, and a test must kill what listens now."""

    async def listening() -> bool:
        return listener.server_pid is not None

    await eventually(listening, within=10, what=f"{listener.channel} listening")
    pid = listener.server_pid
    assert pid is not None
    assert await pool.fetchval("SELECT pg_terminate_backend($1)", pid)
    return pid


async def listening_again(listener: ChannelListener, killed: int) -> None:
    async def back() -> bool:
        pid = listener.server_pid
        return pid is not None and pid != killed

    await eventually(back, within=10, what=f"{listener.channel} listened on again")


@pytest.fixture
async def pool(settings: Settings, unique: str) -> AsyncIterator[asyncpg.Pool]:
    url = settings.database_url_for(f"listen{unique}")
    await ensure_database(url)
    pool = await create_pool(url)
    try:
        yield pool
    finally:
        await pool.close()


async def test_a_killed_listening_connection_is_replaced_and_hears_again(
    pool: asyncpg.Pool, unique: str
) -> None:
    heard: list[str] = []
    told: list[str] = []
    listener = ChannelListener(
        pool,
        f"test_{unique}",
        heard.append,
        on_lost=lambda: told.append("lost"),
        on_back=lambda: told.append("back"),
        retry_seconds=0.1,
    )
    await listener.start()
    try:
        await pool.execute("SELECT pg_notify($1, 'one')", listener.channel)
        await eventually(lambda: asyncio.sleep(0, heard == ["one"]), within=5, what="one")

        told.clear()  # only what follows the kill counts
        killed = await kill_listening(pool, listener)
        await listening_again(listener, killed)
        assert told == ["lost", "back"]

        await pool.execute("SELECT pg_notify($1, 'two')", listener.channel)
        await eventually(lambda: asyncio.sleep(0, heard == ["one", "two"]), within=5, what="two")
    finally:
        await listener.stop()
    assert not listener.listening


class Ping(Contract):
    id: str = Field(min_length=1)


async def test_the_relay_publishes_at_once_after_its_listening_connection_was_killed(
    settings: Settings, unique: str
) -> None:
    topic = Topic(f"test.ping.{unique}.v1", Ping, key="id", summary="t", producer="test")
    platform = Platform(f"t{unique}", settings, None)
    await platform.open(topics=[topic])
    try:
        assert platform.relay is not None
        listener = platform.relay.listener
        killed = await kill_listening(platform.pool, listener)
        await listening_again(listener, killed)
        async with TopicWatcher(settings.kafka_bootstrap, topic.name) as watcher:
            async with platform.pool.acquire() as conn, conn.transaction():
                await enqueue(conn, topic, Ping(id="after"), source="/test")
            # the relay's poll is 30 s: only a notification heard on the new connection
            # publishes it this soon
            await watcher.wait(topic.name, fields(id="after"), within=8)
    finally:
        await platform.close()
