"""A consumer's fetch wait follows its traffic: short while messages come, long once they
stop; and between batches it waits for records, not on a timer of its own."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.consumer import fetcher
from aiokafka.consumer.fetcher import Fetcher

from shared.messaging.subscribe import FetchPace, set_fetch_wait
from shared.settings import Settings


class Client:
    """Stands in for an aiokafka consumer: hands out the batches it is given, records the
    fetch wait in force at each ask, and how long each ask may wait."""

    def __init__(self, batches: list[dict[str, list[int]]]) -> None:
        self._fetcher = type("Fetcher", (), {"_fetch_max_wait_ms": 0})()
        self.batches = batches
        self.asks: list[tuple[int, int]] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[str, list[int]]:
        self.asks.append((self._fetcher._fetch_max_wait_ms, timeout_ms))
        await asyncio.sleep(0)
        return self.batches.pop(0) if self.batches else {}


def pace(**settings: Any) -> FetchPace:
    values = {"kafka_fetch_wait_ms": 3000, "kafka_busy_fetch_wait_ms": 10, **settings}
    return FetchPace(Settings(**values), max_records=100)


async def test_an_idle_consumer_asks_with_the_long_wait_and_keeps_waiting_for_records() -> None:
    client = Client([{}, {}, {"t-0": [1, 2]}])
    assert await pace().next_batch(client) == (1, 2)
    assert [wait for wait, _ in client.asks] == [3000, 3000, 3000]
    assert all(timeout >= 30_000 for _, timeout in client.asks), "no short timer when idle"


async def test_after_a_batch_the_short_wait_holds_for_the_busy_window_then_grows() -> None:
    paced = pace(kafka_busy_seconds=0.05)
    client = Client([{"t-0": [1]}, {"t-1": [2]}])
    await paced.next_batch(client)
    await paced.next_batch(client)
    assert client.asks[1][0] == 10 and client.asks[1][1] <= 51
    client.batches = [{}, {"t-0": [3]}]
    await asyncio.sleep(0.06)
    assert await paced.next_batch(client) == (3,)
    assert client.asks[-1][0] == 10  # quiet for 0.06 s: a wait of 7.5 ms, at least the busy one


def test_the_wait_grows_with_the_quiet_spell_up_to_the_idle_wait() -> None:
    """The first message after a short pause in light traffic waits in proportion to the
    pause on the embedded broker (about half the wait), not the whole idle wait's half."""
    paced = pace(kafka_busy_seconds=5.0)
    paced._last_records = 100.0
    assert paced.fetch_wait(104.0) == (10, 1.0)  # busy: 10 ms for one more second
    assert paced.fetch_wait(106.0) == (750, 6.0)  # 6 s quiet: 750 ms, until 12 s quiet
    assert paced.fetch_wait(112.0) == (1500, 12.0)
    assert paced.fetch_wait(124.0) == (3000, float("inf"))  # the idle wait from 24 s on
    assert paced.fetch_wait(10_000.0) == (3000, float("inf"))


async def test_a_growing_wait_is_looked_at_again_when_it_should_grow() -> None:
    paced = pace(kafka_busy_seconds=0.0)
    paced._last_records = time.monotonic() - 6.0
    client = Client([{}, {"t-0": [1]}])
    await paced.next_batch(client)
    (first_wait, first_timeout), (second_wait, _) = client.asks
    assert 700 <= first_wait <= 800 and 5_900 <= first_timeout <= 6_100
    assert second_wait >= first_wait


async def test_the_wait_reaches_aiokafkas_fetcher() -> None:
    """aiokafka reads ``_fetch_max_wait_ms`` off its fetcher for every fetch request: this
    fails if a new aiokafka renames it."""
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1", fetch_max_wait_ms=3000)
    consumer._fetcher = Fetcher(consumer._client, consumer._subscription, fetch_max_wait_ms=3000)
    set_fetch_wait(consumer, 10)
    assert consumer._fetcher._fetch_max_wait_ms == 10
    await consumer._fetcher.close()
    assert "self._fetch_max_wait_ms," in inspect.getsource(fetcher.Fetcher._get_actions_per_node)
