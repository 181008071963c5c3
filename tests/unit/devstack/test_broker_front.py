"""The broker front's hand parsers read what aiokafka's protocol classes write; its framer
cuts a stream however it is read; a held fetch wakes at a produce to its partitions."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.protocol import fetch as fetch_protocol
from aiokafka.protocol.api import RequestHeader_v1
from aiokafka.protocol.fetch import FetchResponse_v4, FetchResponse_v11
from aiokafka.protocol.produce import ProduceRequest_v2, ProduceRequest_v7

from shared.devstack.broker_front import (
    LAST_FETCH_VERSION,
    RECENT_SECONDS,
    SETTLE_SECONDS,
    Frames,
    Partitions,
    answered_now,
    fetch_asked,
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


def test_a_fetch_names_its_wait_and_partitions_in_every_version() -> None:
    topics = [("a.v1", [(0, 5, 0, 10, 1 << 20), (2, 9, 0, 10, 1 << 20)]), ("b", [(1, 0, 0, 0, 9)])]
    for version in range(LAST_FETCH_VERSION + 1):
        request = getattr(fetch_protocol, f"FetchRequest_v{version}")
        fields: list[Any] = [-1, 30_000, 1]
        fields += [1 << 20] if version >= 3 else []
        fields += [0] if version >= 4 else []
        fields += [0, -1] if version >= 7 else []
        width = 3 if version < 5 else 4 if version < 9 else 5  # each partition's fields
        fields.append(
            [(t, [p[:1] + p[-width + 1 :] if version < 9 else p for p in ps]) for t, ps in topics]
        )
        fields += [[]] if version >= 7 else []
        fields += [""] if version >= 11 else []
        frame = _request(request(*fields))
        expected = [("a.v1", 0), ("a.v1", 2), ("b", 1)]
        assert fetch_asked(frame, version) == (30_000, 1, expected), version
        assert fetch_asked(b"\0\0\0\0" + frame, version, 4) == (30_000, 1, expected)


def test_a_stream_is_cut_into_frames_however_it_is_read() -> None:
    frames = [b"\0\0\0\3abc", b"\0\0\0\0", b"\0\0\1\0" + b"x" * 256, b"\0\0\0\1z"]
    stream = b"".join(frames)
    for size in (1, 2, 3, 5, 7, 64, 300, len(stream)):
        framer, got = Frames(), []
        for at in range(0, len(stream), size):
            data, starts = framer.feed(stream[at : at + size])
            got += [data[s : s + 4 + int.from_bytes(data[s : s + 4], "big")] for s in starts]
        assert got == frames, size
    data = stream[:9]
    assert Frames().feed(data) == (data, [0])  # a read of whole frames is not copied
    assert Frames().feed(stream)[0] is stream


class _Fetch:
    def __init__(self) -> None:
        self.times = 0

    def woken(self) -> None:
        self.times += 1


def test_a_held_fetch_wakes_on_a_produce_to_its_partitions_only() -> None:
    partitions = Partitions()
    fetch = _Fetch()
    partitions.hold(fetch, [("a", 0), ("a", 1)])
    partitions.wake([("b", 0)], 1.0)
    assert fetch.times == 0
    before = partitions.seen([("a", 1)])
    partitions.wake([("a", 1)], 1.0)
    assert fetch.times == 1
    assert partitions.seen([("a", 1)]) == before + 1
    partitions.let_go(fetch, [("a", 0), ("a", 1)])  # as a woken fetch does
    assert partitions.waiting == {}


def test_a_fetch_let_go_is_not_woken() -> None:
    partitions = Partitions()
    fetch = _Fetch()
    partitions.hold(fetch, [("a", 0)])
    partitions.let_go(fetch, [("a", 0)])
    assert partitions.waiting == {}
    partitions.wake([("a", 0)], 1.0)
    assert fetch.times == 0


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


def test_an_empty_look_soon_after_a_produce_is_looked_at_again_at_doubling_delays() -> None:
    """Tansu may acknowledge a produce before a fetch finds it: a fetch that looked right
    after one is not held until the next produce, but looks again soon."""
    partitions = Partitions()
    assert partitions.settling([("a", 0)], 100.0) == 0.0
    partitions.wake([("a", 0)], 100.0)
    at = partitions.acknowledged_at[("a", 0)]
    assert partitions.settling([("a", 0), ("b", 0)], at + 0.001) == pytest.approx(0.002)
    assert partitions.settling([("a", 0)], at + 0.05) == pytest.approx(0.05)
    assert partitions.settling([("a", 0)], at + 0.15) == pytest.approx(SETTLE_SECONDS - 0.15)
    assert partitions.settling([("a", 0)], at + SETTLE_SECONDS) == 0.0
    assert partitions.settling([("b", 0)], at + 0.001) == 0.0  # another partition's produce
