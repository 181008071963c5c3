"""The broker front's hand parsers read what aiokafka's protocol classes write; its framer
cuts a stream however it is read; a held fetch wakes at a produce to its partitions."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from aiokafka.protocol import fetch as fetch_protocol
from aiokafka.protocol import produce as produce_protocol
from aiokafka.protocol.api import RequestHeader_v1
from aiokafka.protocol.fetch import FetchResponse_v4, FetchResponse_v11
from aiokafka.protocol.metadata import MetadataRequest_v1, MetadataResponse_v1
from aiokafka.protocol.produce import ProduceRequest_v2, ProduceRequest_v7
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from shared.devstack import broker_front
from shared.devstack.broker_front import (
    FIRST_TAIL_VERSION,
    LAST_FETCH_VERSION,
    RECENT_SECONDS,
    SETTLE_SECONDS,
    Frames,
    Link,
    Partitions,
    fetch_answered,
    fetch_asked,
    fetch_limits,
    leaves_out,
    must_go,
    produce_answered,
    produced_partitions,
)


def _request(struct: Any, client_id: str | None = "kefu-voucher") -> bytes:
    header = RequestHeader_v1(struct, correlation_id=7, client_id=client_id)
    return bytes(header.encode() + struct.encode())


def test_a_produce_names_its_acks_and_partitions() -> None:
    topics = [("a.v1", [(0, b"x" * 100), (3, b"")]), ("b.v1", [(1, b"yy")])]
    new = ProduceRequest_v7(None, -1, 1000, topics)
    expected = [("a.v1", 0), ("a.v1", 3), ("b.v1", 1)]
    request = _request(new)
    acks, tps, counts, sets = produced_partitions(request, 7)
    assert (acks, tps, counts) == (-1, expected, [None, 0, None])
    assert [request[at : at + size] for at, size in sets] == [b"x" * 100, b"", b"yy"]
    old = ProduceRequest_v2(0, 1000, [("c.v1", [(2, b"z")])])
    acks, tps, counts, _ = produced_partitions(_request(old, client_id=None), 2)
    assert (acks, tps, counts) == (0, [("c.v1", 2)], [None])


def _batch(records: int, transactional: bool = False) -> bytes:
    builder = DefaultRecordBatchBuilder(2, 0, transactional, -1, -1, -1, 1 << 20)
    for n in range(records):
        builder.append(n, 1_700_000_000_000 + n, b"k", b"v%d" % n, [])
    return bytes(builder.build())


def test_a_produce_counts_the_records_of_each_partition() -> None:
    """From v3 aiokafka sends v2 record batches: each says how many offsets it takes."""
    topics = [("a.v1", [(0, _batch(1)), (1, _batch(5) + _batch(2))]), ("b.v1", [(4, b"x" * 70)])]
    request = _request(ProduceRequest_v7(None, -1, 1000, topics))
    assert produced_partitions(request, 7)[2] == [1, 7, None]  # not a v2 batch: not known
    cut = _request(ProduceRequest_v7(None, -1, 1000, [("a.v1", [(0, _batch(3)[:-1])])]))
    assert produced_partitions(cut, 7)[2] == [None]


@pytest.mark.parametrize("version", [2, 5, 7, 8])
def test_a_produce_answer_names_each_partitions_first_offset(version: int) -> None:
    answer = getattr(produce_protocol, f"ProduceResponse_v{version}")
    extra: tuple[Any, ...] = (-1,) + ((0,) if version >= 5 else ())
    extra += ([(0, "bad")], "why") if version >= 8 else ()
    topics = [("a.v1", [(0, 0, 41, *extra), (3, 6, -1, *extra)]), ("b.v1", [(1, 0, 7, *extra)])]
    frame = b"\0\0\0\7" + answer(topics, 0).encode()
    found = [(("a.v1", 0), 0, 41), (("a.v1", 3), 6, -1), (("b.v1", 1), 0, 7)]
    assert produce_answered(frame, version) == found
    assert produce_answered(b"\0\0\0\0" + frame, version, 4) == found


def _v11(error: int, records: bytes) -> bytes:
    partition: tuple[Any, ...] = (0, error, 5, 5, 0, [], -1, records)
    answer = FetchResponse_v11(0, 0, 0, [("a.v1", [(1, 0, 5, 5, 0, [], -1, b""), partition])])
    return bytes(b"\0\0\0\7" + answer.encode())


def test_a_fetch_answer_goes_now_with_records_or_an_error() -> None:
    assert not must_go(*fetch_answered(_v11(0, b""), 11))
    assert must_go(*fetch_answered(_v11(0, b"\1" * 61), 11))
    assert must_go(*fetch_answered(_v11(6, b""), 11))  # not the leader: the client must hear it
    v4 = FetchResponse_v4(0, [("a.v1", [(0, 0, 5, 5, [(1, 2)], b"")])])
    assert not must_go(*fetch_answered(b"\0\0\0\7" + v4.encode(), 4))
    v4 = FetchResponse_v4(0, [("a.v1", [(0, 0, 5, 5, None, b"\1")])])
    assert must_go(*fetch_answered(b"\0\0\0\7" + v4.encode(), 4))


def test_a_fetch_names_its_wait_and_partitions_in_every_version() -> None:
    # partition, leader epoch, offset, log start, max bytes: each version has some of them
    topics = [("a.v1", [(0, 5, 10, 0, 1 << 20), (2, 9, 10, 0, 1 << 20)]), ("b", [(1, 0, 0, 0, 9)])]
    for version in range(LAST_FETCH_VERSION + 1):
        request = getattr(fetch_protocol, f"FetchRequest_v{version}")
        fields: list[Any] = [-1, 30_000, 1]
        fields += [1 << 20] if version >= 3 else []
        fields += [0] if version >= 4 else []
        fields += [0, -1] if version >= 7 else []
        kept = (0, 2, 4) if version < 5 else (0, 2, 3, 4) if version < 9 else (0, 1, 2, 3, 4)
        fields.append([(t, [tuple(p[k] for k in kept) for p in ps]) for t, ps in topics])
        fields += [[]] if version >= 7 else []
        fields += [""] if version >= 11 else []
        frame = _request(request(*fields))
        expected = (30_000, 1, [("a.v1", 0), ("a.v1", 2), ("b", 1)], [10, 10, 0])
        assert fetch_asked(frame, version) == expected, version
        limits = (1 << 20, [1 << 20, 1 << 20, 9]) if version >= FIRST_TAIL_VERSION else None
        assert fetch_limits(frame, version) == limits, version
        assert fetch_asked(b"\0\0\0\0" + frame, version, 4) == expected


def test_the_tail_answers_no_fetch_of_committed_records_or_of_a_session() -> None:
    topics = [("a.v1", [(0, -1, 3, 0, 1 << 20)])]
    v11 = fetch_protocol.FetchRequest_v11
    assert fetch_limits(_request(v11(-1, 500, 1, 1 << 20, 0, 0, -1, topics, [], "")), 11)
    read_committed = v11(-1, 500, 1, 1 << 20, 1, 0, -1, topics, [], "")
    assert fetch_limits(_request(read_committed), 11) is None
    in_session = v11(-1, 500, 1, 1 << 20, 0, 7, 2, topics, [], "")
    assert fetch_limits(_request(in_session), 11) is None


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


def test_a_partitions_end_comes_from_its_counted_produces_only() -> None:
    partitions = Partitions()
    a, b, c = ("a", 0), ("b", 0), ("c", 0)
    assert partitions.behind([a], [0]) == []  # never produced to: its log is empty
    partitions.ended(a, 5)
    partitions.ended(a, 3)  # an answer that came late: the end does not go back
    assert partitions.behind([a], [5]) == []
    assert partitions.behind([a, c], [4, 0]) == [a]
    partitions.ended(b, None)  # acks=0 or an error: unknown from now on
    partitions.ended(b, 9)
    assert partitions.behind([a, b], [5, 9]) == [b]
    partitions.forget()  # topics deleted: what was not produced to since is not known
    assert partitions.behind([a, c], [5, 0]) == [a, c]
    partitions.ended(a, 2)
    assert partitions.behind([a], [2]) == []


class _Transport:
    """Where the front writes, read back frame by frame."""

    def __init__(self) -> None:
        self.sent = bytearray()

    def write(self, data: bytes | memoryview) -> None:
        self.sent += data

    def writelines(self, data: list[bytes | memoryview]) -> None:
        for piece in data:
            self.sent += piece

    def close(self) -> None:
        pass

    def frames(self) -> list[bytes]:
        data, starts = Frames().feed(bytes(self.sent))
        self.sent.clear()
        return [data[s + 4 : s + 4 + int.from_bytes(data[s : s + 4], "big")] for s in starts]


def _framed(payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + payload


class _Link:
    """A front's link whose client and Tansu sides are :class:`_Transport`."""

    def __init__(self, partitions: Partitions) -> None:
        self.link = Link(partitions, asyncio.get_running_loop())
        self.client, self.tansu = _Transport(), _Transport()
        self.link.client, self.link.tansu = cast(Any, self.client), cast(Any, self.tansu)

    def send(self, request: Any, correlation: int) -> None:
        header = RequestHeader_v1(request, correlation_id=correlation, client_id="c")
        data = _framed(bytes(header.encode() + request.encode()))
        self.link.from_client(*Frames().feed(data))

    def answer(self, response: Any, correlation: int) -> bytes:
        payload = correlation.to_bytes(4, "big") + response.encode()
        self.link.from_tansu(*Frames().feed(_framed(payload)))
        return bytes(payload)


def _produce(records: int) -> Any:
    return ProduceRequest_v7(None, -1, 1000, [("a.v1", [(0, _batch(records))])])


def _produced(offset: int) -> Any:
    return produce_protocol.ProduceResponse_v7([("a.v1", [(0, 0, offset, -1, 0)])], 0)


def _fetch(offset: int | None, second: int | None = None) -> Any:
    """A fetch of a.v1/0 and a.v1/1 from these offsets (None: leave it out)."""
    partitions = [
        (p, -1, at, 0, 1 << 20) for p, at in enumerate([offset, second]) if at is not None
    ]
    topics = [("a.v1", partitions)]
    return fetch_protocol.FetchRequest_v11(-1, 30_000, 1, 1 << 20, 0, 0, -1, topics, [], "")


def _fetched(end: int, records: bytes) -> Any:
    return FetchResponse_v11(0, 0, 0, [("a.v1", [(0, 0, end, end, 0, [], -1, records)])])


def _three_records() -> tuple[_Link, _Link]:
    """A producer's link that has produced 3 records to a.v1/0, and a consumer's."""
    partitions = Partitions(tail_bytes=0)  # no tails: every fetch is Tansu's
    producer, consumer = _Link(partitions), _Link(partitions)
    producer.send(_produce(3), 1)
    producer.answer(_produced(0), 1)
    return producer, consumer


def _api_keys(frames: list[bytes]) -> list[int]:
    return [int.from_bytes(f[:2], "big") for f in frames]


async def test_a_fetch_from_the_known_end_waits_for_a_produce_before_asking_tansu() -> None:
    """An empty look costs Tansu more than a produce: a fetch that asks from where its
    partition's log ends is held first, and asked of Tansu at the next produce."""
    producer, consumer = _three_records()
    assert consumer.link.partitions.behind([("a.v1", 0)], [3]) == []

    consumer.send(_fetch(3), 10)
    assert consumer.tansu.frames() == []  # held, not asked
    producer.send(_produce(1), 2)
    assert consumer.tansu.frames() == []  # not acknowledged yet
    producer.answer(_produced(3), 2)
    assert _api_keys(consumer.tansu.frames()) == [1]  # woken: asked now
    records = consumer.answer(_fetched(4, _batch(1)), 10)
    assert consumer.client.frames() == [records]

    consumer.send(_fetch(4), 11)
    assert consumer.tansu.frames() == []
    consumer.send(MetadataRequest_v1(["a.v1"]), 12)  # answers go in order: the fetch ends
    assert _api_keys(consumer.tansu.frames()) == [1, 3]  # with a last look
    metadata = consumer.answer(MetadataResponse_v1([], -1, []), 12)
    assert consumer.client.frames() == []
    empty = consumer.answer(_fetched(4, b""), 11)
    assert consumer.client.frames() == [empty, metadata]


async def test_a_produce_acknowledged_but_not_yet_found_is_looked_for_again_soon() -> None:
    """Tansu acknowledged some produces before a fetch could find them: a look from below
    the known end that comes back empty looks again (settling), and one from the end
    does not."""
    consumer = _three_records()[1]
    consumer.send(_fetch(2), 10)
    assert _api_keys(consumer.tansu.frames()) == [1]  # from below the end: asked at once
    consumer.answer(_fetched(2, b""), 10)  # not found yet
    await asyncio.sleep(0.05)
    assert _api_keys(consumer.tansu.frames())[:1] == [1]
    assert consumer.client.frames() == []
    records = consumer.answer(_fetched(3, _batch(1)), 10)
    assert consumer.client.frames() == [records]

    consumer.send(_fetch(3), 11)  # from the end: held before any look, and no looks again
    await asyncio.sleep(0.05)
    assert consumer.tansu.frames() == []


async def test_a_fetch_that_leaves_out_a_partition_is_asked_at_once() -> None:
    """Held briefly (the client waits for its answer to fetch what it left out): a look at
    the end of the hold would only answer it later."""
    consumer = _three_records()[1]
    consumer.send(_fetch(3, 0), 10)  # from the ends of a.v1/0 and a.v1/1 (never produced to)
    assert consumer.tansu.frames() == []
    consumer.send(_fetch(None, 0), 11)  # ends the first (with a last look); leaves out 0
    assert _api_keys(consumer.tansu.frames()) == [1, 1]


async def test_a_look_that_misses_records_known_to_be_there_looks_again_later() -> None:
    """Long after a produce, a look from below the known end that comes back empty is not
    held until its wait runs out (Tansu answers a fetch from inside a batch without it)."""
    consumer = _three_records()[1]
    partitions = consumer.link.partitions
    partitions.acknowledged_at[("a.v1", 0)] -= 10 * SETTLE_SECONDS  # long settled
    consumer.send(_fetch(1), 10)
    assert _api_keys(consumer.tansu.frames()) == [1]
    consumer.answer(_fetched(3, b""), 10)
    fetch = cast(Any, consumer.link.answers[0])
    assert fetch.until - asyncio.get_running_loop().time() <= broker_front.KNOWN_LOOK_SECONDS
    consumer.send(_fetch(3), 11)  # ends it: no records known past the end, held to its wait
    consumer.answer(_fetched(3, b""), 10)
    assert len(consumer.client.frames()) == 1
    consumer.answer(_fetched(3, b""), 11)  # its last look, as ever
    fetch = cast(Any, consumer.link.answers[0])
    assert fetch.until == fetch.deadline


def _tailed() -> tuple[_Link, _Link]:
    """A producer's link that has produced 3 records to a.v1/0 (one batch), then 2 (one
    batch) at offset 3, with the front's tails on; and a consumer's link."""
    partitions = Partitions()
    producer, consumer = _Link(partitions), _Link(partitions)
    producer.send(_produce(3), 1)
    producer.answer(_produced(0), 1)
    producer.send(_produce(2), 2)
    producer.answer(_produced(3), 2)
    return producer, consumer


def _decoded(frame: bytes, version: int = 11) -> list[tuple[Any, ...]]:
    answer = getattr(fetch_protocol, f"FetchResponse_v{version}").decode(frame[4:])
    return [(t, *p) for t, ps in answer.topics for p in ps]


def _offsets(records: bytes) -> list[tuple[int, bytes | None]]:
    found = []
    batches = MemoryRecords(records)
    while (batch := batches.next_batch()) is not None:
        assert batch.validate_crc()
        found += [(r.offset, r.value) for r in batch]
    return found


async def test_a_fetch_in_the_tail_is_answered_by_the_front() -> None:
    """Each batch kept as the log holds it (its first offset written in, its CRC still
    right), the high watermark and last stable offset the end, Tansu not asked."""
    consumer = _tailed()[1]
    consumer.send(_fetch(4), 10)  # inside the second batch
    consumer.send(_fetch(0), 11)  # from the first
    assert consumer.tansu.frames() == []
    (inside, first) = consumer.client.frames()
    assert _decoded(inside)[0][:7] == ("a.v1", 0, 0, 5, 5, 0, [])
    assert _offsets(_decoded(inside)[0][-1]) == [(3, b"v0"), (4, b"v1")]  # all of its batch
    everything = [(0, b"v0"), (1, b"v1"), (2, b"v2"), (3, b"v0"), (4, b"v1")]
    assert _offsets(_decoded(first)[0][-1]) == everything


async def test_a_fetch_from_the_end_is_answered_from_the_tail_at_a_produce_or_its_end() -> None:
    producer, consumer = _tailed()
    consumer.send(_fetch(5), 10)
    assert consumer.client.frames() == consumer.tansu.frames() == []  # held
    producer.send(_produce(1), 3)
    producer.answer(_produced(5), 3)
    (answer,) = consumer.client.frames()
    assert _offsets(_decoded(answer)[0][-1]) == [(5, b"v0")]
    consumer.send(_fetch(6), 11)
    consumer.send(MetadataRequest_v1(["a.v1"]), 12)  # ends the fetch: empty, from the tail
    assert _api_keys(consumer.tansu.frames()) == [3]
    (empty,) = consumer.client.frames()
    assert _decoded(empty)[0][1:] == (0, 0, 6, 6, 0, [], -1, b"")


async def test_a_fetch_the_tail_does_not_hold_is_asked_of_tansu() -> None:
    partitions = Partitions(tail_bytes=1)  # keeps the last batch only
    producer, consumer = _Link(partitions), _Link(partitions)
    for n, offset in enumerate((0, 3)):
        producer.send(_produce(3), n)
        producer.answer(_produced(offset), n)
    consumer.send(_fetch(2), 10)  # before the tail
    assert _api_keys(consumer.tansu.frames()) == [1]
    producer.send(_produce(1), 5)
    producer.answer(_produced(7), 5)  # an answer out of order: the tail starts again at 7
    consumer.send(_fetch(6), 12)
    assert _api_keys(consumer.tansu.frames()) == [1]


@pytest.mark.parametrize("version", range(FIRST_TAIL_VERSION, LAST_FETCH_VERSION + 1))
async def test_the_tail_answers_every_version_within_its_maximum_bytes(version: int) -> None:
    """The first batch of the answer goes whatever its size (as Kafka's); the rest only
    within the partition's and the fetch's maximum bytes."""
    consumer = _tailed()[1]
    one = len(_batch(3))
    request = getattr(fetch_protocol, f"FetchRequest_v{version}")
    for fetch_max, partition_max, expected in (
        (1 << 20, 1, [[0, 1, 2], []]),
        (1, 1 << 20, [[0, 1, 2], []]),
        (1 << 20, one + 1, [[0, 1, 2], [0, 1, 2]]),
        (2 * one, 1 << 20, [[0, 1, 2, 3, 4], []]),
        (1 << 20, 1 << 20, [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]),
    ):
        kept = (0, 2, 4) if version < 5 else (0, 2, 3, 4) if version < 9 else (0, 1, 2, 3, 4)
        partitions = [(p, -1, 0, 0, partition_max) for p in (0, 0)]
        fields: list[Any] = [-1, 30_000, 1, fetch_max, 0] + ([0, -1] if version >= 7 else [])
        fields.append([("a.v1", [tuple(p[k] for k in kept) for p in partitions])])
        fields += ([[]] if version >= 7 else []) + ([""] if version >= 11 else [])
        consumer.send(request(*fields), 10)
        (answer,) = consumer.client.frames()
        got = [[o for o, _ in _offsets(p[-1])] for p in _decoded(answer, version)]
        assert got == expected, (version, fetch_max, partition_max)
    assert consumer.tansu.frames() == []


async def test_a_transactional_batch_is_not_kept() -> None:
    """Its last stable offset and aborted transactions would be the broker's to say."""
    partitions = Partitions()
    producer, consumer = _Link(partitions), _Link(partitions)
    producer.send(ProduceRequest_v7(None, -1, 1000, [("a.v1", [(0, _batch(2, True))])]), 1)
    producer.answer(_produced(0), 1)
    producer.send(_produce(1), 2)
    producer.answer(_produced(2), 2)
    consumer.send(_fetch(2), 10)
    assert _api_keys(consumer.tansu.frames()) == [1]


async def test_a_partition_tansu_says_is_empty_is_the_tails_from_then_on() -> None:
    """A consumer's topics have partitions never produced to: once Tansu has answered a
    fetch of one without an error and with nothing in it, a fetch of it with others is
    answered by the front."""
    producer, consumer = _tailed()
    consumer.send(_fetch(5, 0), 10)  # a.v1/1 never produced to: held, then asked of Tansu
    producer.send(_produce(1), 3)
    producer.answer(_produced(5), 3)
    assert _api_keys(consumer.tansu.frames()) == [1]
    records = FetchResponse_v11(
        0, 0, 0, [("a.v1", [(0, 0, 6, 6, 0, [], -1, _batch(1)), (1, 0, 0, 0, 0, [], -1, b"")])]
    )
    consumer.answer(records, 10)
    assert len(consumer.client.frames()) == 1
    consumer.send(_fetch(6, 0), 11)  # held by the front: both ends known
    producer.send(_produce(2), 4)
    producer.answer(_produced(6), 4)
    assert consumer.tansu.frames() == []  # woken: answered from the tails
    (answer,) = consumer.client.frames()
    (first, second) = _decoded(answer)
    assert _offsets(first[-1]) == [(6, b"v0"), (7, b"v1")]
    assert second[1:4] == (1, 0, 0) and second[-1] == b""


async def test_a_produce_whose_answer_is_lost_makes_its_partitions_end_unknown() -> None:
    """Its client closed before Tansu answered: Tansu may have stored it, so the front's end
    may be short of Tansu's; a fetch from there is asked of Tansu, not answered empty."""
    producer, consumer = _tailed()
    producer.send(_produce(1), 3)
    producer.link.close()
    consumer.send(_fetch(5), 10)
    assert _api_keys(consumer.tansu.frames()) == [1]


async def test_a_fetch_held_by_the_tail_asks_tansu_once_its_wait_runs_out() -> None:
    """A last look at the end of the client's wait (an end the front got wrong costs at
    most a wait); at the client's next request the tails answer at once."""
    consumer = _tailed()[1]
    consumer.send(_fetch(5), 10)
    fetch = cast(Any, consumer.link.answers[0])
    fetch.timer.cancel()
    fetch.timed_out()  # as at its deadline
    assert _api_keys(consumer.tansu.frames()) == [1]
    empty = consumer.answer(_fetched(5, b""), 10)
    assert consumer.client.frames() == [empty]
    consumer.send(_fetch(5), 11)
    consumer.send(MetadataRequest_v1(["a.v1"]), 12)
    assert _api_keys(consumer.tansu.frames()) == [3]
    assert len(consumer.client.frames()) == 1
