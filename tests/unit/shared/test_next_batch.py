"""Between batches a consumer waits for records, not on a timer of its own."""

from __future__ import annotations

import asyncio

from shared.messaging.subscribe import next_batch


class Client:
    """Stands in for an aiokafka consumer: hands out the batches it is given and records
    how long each ask may wait."""

    def __init__(self, batches: list[dict[str, list[int]]]) -> None:
        self.batches = batches
        self.asks: list[int] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[str, list[int]]:
        self.asks.append(timeout_ms)
        await asyncio.sleep(0)
        return self.batches.pop(0) if self.batches else {}


async def test_an_idle_consumer_keeps_waiting_for_records_without_a_short_timer() -> None:
    client = Client([{}, {}, {"t-0": [1, 2], "t-1": [3]}])
    assert await next_batch(client, max_records=100) == (1, 2, 3)
    assert len(client.asks) == 3
    assert all(timeout >= 30_000 for timeout in client.asks), "no short timer when idle"
