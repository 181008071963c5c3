"""A consumer told that an answer is coming (its process just sent the command) does not
leave it to the embedded broker's next look at its idle fetch: it drops that fetch and
fetches with the busy wait, on a broker of the test's own; and that broker wakes one
worker thread, not one per core."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.devstack.broker import EmbeddedBroker
from shared.messaging.kafka import ensure_topics
from shared.messaging.subscribe import FetchPace
from shared.settings import Settings
from tests.infra import eventually
from tests.integration.shared.test_recovery import broker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration

IDLE_WAIT_MS = 20_000
"""The broker looks at such a fetch at once and next after 10 s: an answer that came
sooner was not left for that look."""


async def _in_flight(consumer: AIOKafkaConsumer) -> bool:
    return bool(consumer._fetcher._in_flight)


async def test_an_expected_answer_is_not_left_for_the_brokers_next_look(
    broker: EmbeddedBroker,  # noqa: F811  (the fixture imported above)
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(
        kafka_bootstrap=broker.bootstrap,
        kafka_fetch_wait_ms=IDLE_WAIT_MS,
        kafka_busy_fetch_wait_ms=10,
        topic_partitions=1,
    )
    await ensure_topics(settings, ["test.answers.v1"])
    consumer = AIOKafkaConsumer(
        bootstrap_servers=broker.bootstrap, fetch_max_wait_ms=IDLE_WAIT_MS, enable_auto_commit=False
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await consumer.start()
    await producer.start()
    try:
        consumer.assign([TopicPartition("test.answers.v1", 0)])
        paced = FetchPace(settings, max_records=10)
        waiting = asyncio.create_task(paced.next_batch(consumer))
        await eventually(
            lambda: _in_flight(consumer), within=10, what="an idle fetch at the broker"
        )
        await asyncio.sleep(0.5)  # its first look done: the next is 10 s away

        with caplog.at_level(logging.ERROR, logger="aiokafka"):
            paced.expect()  # the command is on its way
            await producer.send_and_wait("test.answers.v1", b"the answer")
            async with asyncio.timeout(IDLE_WAIT_MS / 4000):
                records = await waiting
        assert [r.value for r in records] == [b"the answer"]
        assert not caplog.records, "the dropped fetch is not an error"
        # the consumer goes on fetching on its new connection
        await producer.send_and_wait("test.answers.v1", b"the next")
        async with asyncio.timeout(5):
            more = await paced.next_batch(consumer)
        assert [r.value for r in more] == [b"the next"]
    finally:
        await producer.stop()
        await consumer.stop()


def test_the_embedded_broker_runs_one_worker_thread(broker: EmbeddedBroker) -> None:  # noqa: F811
    """One tokio worker: its idle looks wake one thread, not one per core."""
    assert broker.pid is not None
    names = [
        (task / "comm").read_text().strip() for task in Path(f"/proc/{broker.pid}/task").iterdir()
    ]
    assert names.count("tokio-rt-worker") == 1, names
