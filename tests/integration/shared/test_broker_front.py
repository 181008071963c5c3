"""The embedded broker answers a fetch when a message arrives, as Apache Kafka does, through
its long-poll front (shared/devstack/broker_front.py): Tansu alone first looks at half of a
fetch's wait, so a message produced during a 20 s wait came 10 s later."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol import fetch as fetch_protocol
from aiokafka.protocol.api import RequestHeader_v1
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.record.memory_records import MemoryRecords

from shared.devstack.broker import EmbeddedBroker, free_port
from shared.devstack.broker_front import FIRST_TAIL_VERSION, LAST_FETCH_VERSION
from shared.messaging.watchdog import read_topics
from tests.infra import eventually
from tests.integration.shared.test_recovery import broker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration

LONG_WAIT_MS = 20_000
ON_ARRIVAL_SECONDS = 2.0
"""A produced message reaches a consumer whose fetch is held this soon (a loaded machine
included); Tansu alone answered such a fetch 10 s in, at half its wait."""


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    own = EmbeddedBroker(free_port(), tmp_path_factory.mktemp("front") / "broker.log")
    own.start()
    yield own
    own.stop()


@pytest.fixture
async def topic(front: EmbeddedBroker, unique: str) -> AsyncIterator[str]:
    name = f"test.front.{unique}"
    admin = AIOKafkaAdminClient(bootstrap_servers=front.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 6, 1)])
        yield name
    finally:
        await admin.close()


async def _assigned(consumers: list[AIOKafkaConsumer], partitions: int) -> None:
    async def all_assigned() -> bool:
        return sum(len(c.assignment()) for c in consumers) == partitions

    await eventually(all_assigned, within=30, what="partitions assigned")


def _consumer(front: EmbeddedBroker, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=front.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=LONG_WAIT_MS,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )


@contextlib.asynccontextmanager
async def _assigned_consumer(
    front: EmbeddedBroker, topic: str, unique: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, AIOKafkaProducer]]:
    """A consumer given the topic's 6 partitions, and a producer."""
    consumer = _consumer(front, topic, f"g{unique}")
    producer = AIOKafkaProducer(bootstrap_servers=front.bootstrap)
    await consumer.start()
    await producer.start()
    try:
        await _assigned([consumer], 6)
        yield consumer, producer
    finally:
        await producer.stop()
        await consumer.stop()


async def test_a_held_fetch_answers_when_a_message_arrives(
    front: EmbeddedBroker, topic: str, unique: str
) -> None:
    async with _assigned_consumer(front, topic, unique) as (consumer, producer):
        await asyncio.sleep(1.0)  # its fetch is held by now
        for n in range(3):
            sent = time.monotonic()
            await producer.send_and_wait(topic, b"m%d" % n, partition=n)
            got = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
            took = time.monotonic() - sent
            assert [r.value for rs in got.values() for r in rs] == [b"m%d" % n]
            assert took < ON_ARRIVAL_SECONDS, f"message {n} took {took:.2f} s"
            await asyncio.sleep(0.5)


async def test_several_consumers_each_get_their_partitions_on_arrival(
    front: EmbeddedBroker, topic: str, unique: str
) -> None:
    consumers = [_consumer(front, topic, f"g{unique}") for _ in range(3)]
    producer = AIOKafkaProducer(bootstrap_servers=front.bootstrap)
    for consumer in consumers:
        await consumer.start()
    await producer.start()
    received: list[bytes] = []

    async def drain(consumer: AIOKafkaConsumer) -> None:
        while True:
            got = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
            received.extend(r.value for rs in got.values() for r in rs if r.value is not None)

    try:
        await _assigned(consumers, 6)
        assert all(c.assignment() for c in consumers)
        tasks = [asyncio.create_task(drain(c)) for c in consumers]
        await asyncio.sleep(1.0)
        sent = time.monotonic()
        sent_values = [b"p%d-%d" % (p, n) for n in range(5) for p in range(6)]
        for n in range(5):
            for p in range(6):
                await producer.send(topic, b"p%d-%d" % (p, n), partition=p)
        await producer.flush()

        async def all_received() -> bool:
            return len(received) >= len(sent_values)

        await eventually(all_received, within=ON_ARRIVAL_SECONDS * 2, what="every message")
        took = time.monotonic() - sent
        await asyncio.sleep(0.3)
        assert sorted(received) == sorted(sent_values), "lost or delivered twice"
        assert took < ON_ARRIVAL_SECONDS * 2
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await producer.stop()
        for consumer in consumers:
            await consumer.stop()


async def test_a_held_fetch_answers_at_its_wait_or_at_the_next_request(
    front: EmbeddedBroker, topic: str
) -> None:
    """Nothing produced: the fetch is answered, empty, when its own wait runs out, or as
    soon as the client sends another request on that connection (answers go in order)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=front.bootstrap)
    await consumer.start()  # its client's connection, to send fetches by hand
    client = consumer._client
    try:
        await client.force_metadata_update()
        node = next(iter(b.nodeId for b in client.cluster.brokers()))
        fetch = FetchRequest(1500, 1, 1 << 20, 0, [(topic, [(0, 0, 1 << 20)])])
        started = time.monotonic()
        answer = await client.send(node, fetch)
        waited = time.monotonic() - started
        assert 1.4 < waited < 1.4 + ON_ARRIVAL_SECONDS, waited
        assert all(not p[-1] for t in answer.topics for p in t[1])  # no records

        held = asyncio.create_task(client.send(node, FetchRequest(*_long(topic))))
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await client.send(node, MetadataRequest([topic]))
        assert time.monotonic() - started < ON_ARRIVAL_SECONDS
        assert held.done()
    finally:
        await consumer.stop()


async def test_a_fetch_from_the_end_of_produced_partitions_is_held_and_answered(
    front: EmbeddedBroker, topic: str, unique: str
) -> None:
    """The front knows where the logs of the partitions produced to end, and holds a fetch
    from there before asking Tansu: it still answers on arrival, at its wait, and at the
    next request, each with what Tansu says."""
    async with _assigned_consumer(front, topic, unique) as (consumer, producer):
        for p in range(6):
            await producer.send_and_wait(topic, b"first", partition=p)
        got: list[bytes | None] = []
        while len(got) < 6:
            batch = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
            got += [r.value for rs in batch.values() for r in rs]
        await asyncio.sleep(1.0)  # its fetch from the end of every partition is held by now
        sent = time.monotonic()
        await producer.send_and_wait(topic, b"next", partition=4)
        batch = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
        assert [r.value for rs in batch.values() for r in rs] == [b"next"]
        assert time.monotonic() - sent < ON_ARRIVAL_SECONDS

        client = producer.client
        node = next(iter(b.nodeId for b in client.cluster.brokers()))
        fetch = FetchRequest(1500, 1, 1 << 20, 0, [(topic, [(4, 2, 1 << 20)])])
        started = time.monotonic()
        answer = await client.send(node, fetch)
        assert 1.4 < time.monotonic() - started < 1.4 + ON_ARRIVAL_SECONDS
        assert [(p[0], p[1], p[2], p[-1]) for t in answer.topics for p in t[1]] == [(4, 0, 2, b"")]
        held = asyncio.create_task(client.send(node, FetchRequest(*_long(topic, 4, 2))))
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await client.send(node, MetadataRequest([topic]))
        assert time.monotonic() - started < ON_ARRIVAL_SECONDS
        assert held.done()
        assert [(p[0], p[1], p[2]) for t in held.result().topics for p in t[1]] == [(4, 0, 2)]


def _long(topic: str, partition: int = 0, offset: int = 0) -> tuple[object, ...]:
    return (LONG_WAIT_MS, 1, 1 << 20, 0, [(topic, [(partition, offset, 1 << 20)])])


def test_one_process_to_kill(broker: EmbeddedBroker) -> None:  # noqa: F811
    """Killing the broker's process kills Tansu behind it; Tansu's death ends the front."""
    assert broker.pid is not None
    tansu = broker.tansu_pid()
    assert tansu is not None and tansu != broker.pid
    os.kill(broker.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while (_running(tansu) or broker.exit_code() is None) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(tansu)
    assert broker.exit_code() == -signal.SIGKILL

    broker.start()
    tansu = broker.tansu_pid()
    assert tansu is not None
    os.kill(tansu, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while broker.exit_code() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert broker.exit_code() not in (None, 0)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


async def test_the_watchdogs_check_lets_a_held_fetch_be(
    front: EmbeddedBroker, topic: str, unique: str
) -> None:
    """The check asks on the coordinator's connection: on the fetch's own, it would make
    the front answer the fetch early (and Apache Kafka hold the check up to the wait)."""
    consumer = _consumer(front, topic, f"g{unique}")
    await consumer.start()
    try:
        await _assigned([consumer], 6)
        await asyncio.sleep(1.0)
        held = set(consumer._fetcher._pending_tasks)
        assert held and not any(task.done() for task in held)
        read = await read_topics([consumer], [topic])
        assert topic in read.topics.topics()
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in held), "the check released the held fetch"
    finally:
        await consumer.stop()


def _tansu_port(own: EmbeddedBroker) -> int:
    """The port Tansu listens on behind the front (its command line)."""
    tansu = own.tansu_pid()
    assert tansu is not None
    args = Path(f"/proc/{tansu}/cmdline").read_bytes().split(b"\0")
    return int(args[args.index(b"--listener-url") + 1].rsplit(b":", 1)[1])


def _fetch_frame(version: int, request: FetchRequest, correlation: int) -> bytes:
    struct = request.build(getattr(fetch_protocol, f"FetchRequest_v{version}"))
    header = RequestHeader_v1(struct, correlation_id=correlation, client_id="probe")
    payload = bytes(header.encode() + struct.encode())
    return len(payload).to_bytes(4, "big") + payload


async def _ask(port: int, frames: list[bytes]) -> list[bytes]:
    """Each frame's answer, size included, all sent at once on one connection (a fetch held
    by the front is answered at the next request)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        writer.write(b"".join(frames))
        async with asyncio.timeout(10):
            for _ in frames:
                size = await reader.readexactly(4)
                answers.append(size + await reader.readexactly(int.from_bytes(size, "big")))
    finally:
        writer.close()
    return answers


async def _create(own: EmbeddedBroker, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=own.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()


async def _produce_batches(front: EmbeddedBroker, topic: str, rounds: int) -> None:
    """``rounds`` batches of 3 records (keys, headers) to each of partitions 0 and 1."""
    producer = AIOKafkaProducer(bootstrap_servers=front.bootstrap, linger_ms=100)
    await producer.start()
    try:
        for r in range(rounds):
            sent = [
                await producer.send(
                    topic,
                    b"v%d.%d" % (r, n),
                    key=b"k%d" % n,
                    headers=[("h", b"%d" % n)],
                    partition=p,
                )
                for p in (0, 1)
                for n in range(3)
            ]
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


@contextlib.contextmanager
def _stopped(pid: int) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


async def test_the_fronts_answers_from_its_tail_are_tansus_byte_for_byte(
    front: EmbeddedBroker, topic: str
) -> None:
    """Every Fetch version the tail answers (4-11): the front's answers, given while Tansu
    is stopped, are the bytes Tansu gives, for batches from their first offsets, several
    partitions, several batches, and the ends (an empty answer at the next request)."""
    await _produce_batches(front, topic, 3)  # offsets 0, 3, 6; each log ends at 9
    # the ends are answered at the next request; the last case has records: answered at once
    cases = [[(0, 0)], [(0, 3), (1, 0)], [(1, 6), (0, 9)], [(0, 9), (1, 9)], [(1, 3)]]
    frames = [
        _fetch_frame(
            version,
            FetchRequest(300, 1, 1 << 20, 0, [(topic, [(p, o, 1 << 20) for p, o in case])]),
            100 * version + n,
        )
        for version in range(FIRST_TAIL_VERSION, LAST_FETCH_VERSION + 1)
        for n, case in enumerate(cases)
    ]
    tansus = await _ask(_tansu_port(front), frames)
    tansu = front.tansu_pid()
    assert tansu is not None
    with _stopped(tansu):
        fronts = await _ask(front.port, frames)
    for frame, mine, its in zip(frames, fronts, tansus, strict=True):
        assert mine == its, frame[6:8]
    records = _answer_records(tansus[0], 4)
    assert [(r.offset, r.key, r.value, r.headers) for r in records] == [
        (n, b"k%d" % (n % 3), b"v%d.%d" % (n // 3, n % 3), [("h", b"%d" % (n % 3))])
        for n in range(9)
    ]


def _answer_records(answer: bytes, version: int) -> list[Any]:
    """The records of a Fetch answer's partitions, as aiokafka reads them (CRCs checked)."""
    decoded = getattr(fetch_protocol, f"FetchResponse_v{version}").decode(answer[8:])
    found = []
    for _, partitions in decoded.topics:
        for *_, records in partitions:
            batches = MemoryRecords(records)
            while (batch := batches.next_batch()) is not None:
                assert batch.validate_crc()
                found += list(batch)
    return found


async def test_the_tail_gives_the_batch_holding_the_offset_and_cuts_at_max_bytes(
    front: EmbeddedBroker, topic: str
) -> None:
    """From inside a batch, its whole batch (as Kafka: the client skips what it has; Tansu
    leaves that batch out); a partition's or a fetch's maximum bytes end the answer after
    its first batch."""
    await _produce_batches(front, topic, 3)
    tansu = front.tansu_pid()
    assert tansu is not None

    def fetch(fetch_max: int, partition_max: int, *offsets: tuple[int, int]) -> bytes:
        parts = [(p, o, partition_max) for p, o in offsets]
        return _fetch_frame(11, FetchRequest(300, 1, fetch_max, 0, [(topic, parts)]), 1)

    with _stopped(tansu):
        inside, partition_cut, fetch_cut = await _ask(
            front.port,
            [
                fetch(1 << 20, 1 << 20, (0, 4)),
                fetch(1 << 20, 1, (0, 0), (1, 0)),
                fetch(1, 1 << 20, (1, 3), (0, 0)),
            ],
        )
    assert [r.offset for r in _answer_records(inside, 11)] == [3, 4, 5, 6, 7, 8]
    assert [r.offset for r in _answer_records(partition_cut, 11)] == [0, 1, 2]
    assert [r.value for r in _answer_records(fetch_cut, 11)] == [b"v1.0", b"v1.1", b"v1.2"]


@pytest.fixture
def small_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedBroker]:
    """A broker whose front keeps about the last two batches of a partition."""
    monkeypatch.setenv("KEFU_BROKER_TAIL_BYTES", "250")
    own = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    own.start()
    yield own
    own.stop()


async def test_consumers_get_every_record_from_the_tail_and_from_tansu_behind_it(
    small_tail: EmbeddedBroker, unique: str
) -> None:
    """A group starting from the beginning reads what the front no longer keeps from Tansu,
    then the tail; records, keys, headers and offsets are the producer's, none twice; a
    message sent later still arrives on arrival."""
    topic = f"test.front.{unique}"
    await _create(small_tail, topic)
    await _produce_batches(small_tail, topic, 10)  # 30 records in each of partitions 0, 1
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=small_tail.bootstrap,
        group_id=f"g{unique}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=LONG_WAIT_MS,
        max_partition_fetch_bytes=300,  # a batch or two a fetch: most fetches from the tail
    )
    await consumer.start()
    got: dict[int, list[tuple[int, bytes | None, bytes | None, Any]]] = {0: [], 1: []}
    try:
        while sum(len(v) for v in got.values()) < 60:
            batch = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
            for tp, records in batch.items():
                got[tp.partition] += [(r.offset, r.key, r.value, list(r.headers)) for r in records]
        expected = [
            (n, b"k%d" % (n % 3), b"v%d.%d" % (n // 3, n % 3), [("h", b"%d" % (n % 3))])
            for n in range(30)
        ]
        assert got == {0: expected, 1: expected}
        await asyncio.sleep(1.0)  # its fetches at the ends are held
        producer = AIOKafkaProducer(bootstrap_servers=small_tail.bootstrap)
        await producer.start()
        try:
            sent = time.monotonic()
            await producer.send_and_wait(topic, b"late", partition=1)
        finally:
            await producer.stop()
        batch = await consumer.getmany(timeout_ms=LONG_WAIT_MS)
        assert [(r.offset, r.value) for rs in batch.values() for r in rs] == [(30, b"late")]
        assert time.monotonic() - sent < ON_ARRIVAL_SECONDS
    finally:
        await consumer.stop()


async def test_a_restarted_broker_answers_from_its_own_log_only(
    small_tail: EmbeddedBroker, unique: str
) -> None:
    """Tansu and its front are one process: a restart (a new cluster id, an empty log)
    starts the front's tails empty, so no fetch is answered from the old log."""
    topic = f"test.front.{unique}"
    await _create(small_tail, topic)
    await _produce_batches(small_tail, topic, 2)  # offsets 0-5
    old = small_tail.cluster_id
    small_tail.stop()
    small_tail.start()
    assert small_tail.cluster_id != old
    await _create(small_tail, topic)
    producer = AIOKafkaProducer(bootstrap_servers=small_tail.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"new", partition=0)
    finally:
        await producer.stop()
    frames = [
        _fetch_frame(11, FetchRequest(300, 1, 1 << 20, 0, [(topic, [(0, o, 1 << 20)])]), o)
        for o in (0, 1, 3)
    ]
    first, end, beyond = await _ask(small_tail.port, frames)
    assert [(r.offset, r.value) for r in _answer_records(first, 11)] == [(0, b"new")]
    assert _answer_records(end, 11) == []
    assert _answer_records(beyond, 11) == []  # Tansu's answer: none of the old records
