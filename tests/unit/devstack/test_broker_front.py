"""The broker front's hand parsers read what aiokafka's protocol classes write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.protocol.api import RequestHeader_v1
from aiokafka.protocol.fetch import FetchResponse_v4, FetchResponse_v11
from aiokafka.protocol.produce import ProduceRequest_v2, ProduceRequest_v7

from shared.devstack.broker_front import (
    RECENT_SECONDS,
    SETTLE_SECONDS,
    Partitions,
    answered_now,
    leaves_out,
    produced_partitions,
)


def _request(struct: Any, client_id: str | None = "kefu-voucher") -> bytes:
    header = RequestHeader_v1(struct, correlation_id=7, client_id=client_id)
    return bytes(header.encode() + struct.encode())


def test_a_produce_names_its_acks_and_partitions() -> None:
    topics = [("a.v1", [(0, b"x" * 100), (3, b"")]), ("b.v1", [(1, b"yy")])]
    new = ProduceRequest_v7(None, -1, 1000, topics)
    expected = [("a.v1", 0), ("a.v1", 3), ("b.v1", 1)]
    assert produced_partitions(_request(new), 7) == (-1, expected)
    old = ProduceRequest_v2(0, 1000, [("c.v1", [(2, b"z")])])
    assert produced_partitions(_request(old, client_id=None), 2) == (0, [("c.v1", 2)])


def _v11(error: int, records: bytes) -> bytes:
    partition: tuple[Any, ...] = (0, error, 5, 5, 0, [], -1, records)
    answer = FetchResponse_v11(0, 0, 0, [("a.v1", [(1, 0, 5, 5, 0, [], -1, b""), partition])])
    return bytes(b"\0\0\0\7" + answer.encode())


def test_a_fetch_answer_goes_now_with_records_or_an_error() -> None:
    assert not answered_now(_v11(0, b""), 11)
    assert answered_now(_v11(0, b"\1" * 61), 11)
    assert answered_now(_v11(6, b""), 11)  # not the leader: the client must hear it
    v4 = FetchResponse_v4(0, [("a.v1", [(0, 0, 5, 5, [(1, 2)], b"")])])
    assert not answered_now(b"\0\0\0\7" + v4.encode(), 4)
    v4 = FetchResponse_v4(0, [("a.v1", [(0, 0, 5, 5, None, b"\1")])])
    assert answered_now(b"\0\0\0\7" + v4.encode(), 4)


async def test_a_held_fetch_wakes_on_a_produce_to_its_partitions_only() -> None:
    partitions = Partitions()
    loop = asyncio.get_running_loop()
    released: asyncio.Future[None] = loop.create_future()
    held = asyncio.create_task(partitions.hold([("a", 0), ("a", 1)], released, loop.time() + 5))
    await asyncio.sleep(0)
    partitions.wake([("b", 0)])
    await asyncio.sleep(0.01)
    assert not held.done()
    before = partitions.seen([("a", 1)])
    partitions.wake([("a", 1)])
    assert await held is True
    assert partitions.seen([("a", 1)]) == before + 1
    assert partitions.waiting == {}


@pytest.mark.parametrize("how", ["released", "deadline"])
async def test_a_held_fetch_gives_up_at_its_wait_or_the_next_request(how: str) -> None:
    partitions = Partitions()
    loop = asyncio.get_running_loop()
    released: asyncio.Future[None] = loop.create_future()
    deadline = loop.time() + (0.05 if how == "deadline" else 5)
    held = asyncio.create_task(partitions.hold([("a", 0)], released, deadline))
    await asyncio.sleep(0)
    if how == "released":
        released.set_result(None)
    async with asyncio.timeout(1):
        assert await held is False
    assert partitions.waiting == {}


def test_a_fetch_that_leaves_out_a_partition_fetched_lately_is_partial() -> None:
    """aiokafka leaves out a partition whose records it holds unread: such a fetch must not
    be held long (the partition's next fetch waits for it)."""
    fetched_at: dict[tuple[str, int], float] = {}
    every = [("a", 0), ("a", 1), ("a", 2)]
    assert not leaves_out(fetched_at, every, 0.0)
    assert leaves_out(fetched_at, every[1:], 1.0)
    assert not leaves_out(fetched_at, every, 2.0)
    assert leaves_out(fetched_at, every[1:], 3.0)
    # after a rebalance the lost partition is forgotten once it has not been fetched a while
    assert not leaves_out(fetched_at, every[1:], 2.0 + RECENT_SECONDS)


async def test_an_empty_look_soon_after_a_produce_is_looked_at_again_at_doubling_delays() -> None:
    """Tansu may acknowledge a produce before a fetch finds it: a fetch that looked right
    after one is not held until the next produce, but looks again soon."""
    partitions = Partitions()
    assert partitions.settling([("a", 0)], asyncio.get_running_loop().time()) == 0.0
    partitions.wake([("a", 0)])
    at = partitions.acknowledged_at[("a", 0)]
    assert partitions.settling([("a", 0), ("b", 0)], at + 0.001) == pytest.approx(0.002)
    assert partitions.settling([("a", 0)], at + 0.05) == pytest.approx(0.05)
    assert partitions.settling([("a", 0)], at + 0.15) == pytest.approx(SETTLE_SECONDS - 0.15)
    assert partitions.settling([("a", 0)], at + SETTLE_SECONDS) == 0.0
    assert partitions.settling([("b", 0)], at + 0.001) == 0.0  # another partition's produce
