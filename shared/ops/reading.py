"""Reading a topic from a given offset without joining a consumer group.

The tools look at topics without committing anything, so they never move a
service's offsets. They stop when nothing more arrives for ``idle_seconds``:
the embedded broker's end offsets are wrong (BROKER.md), so "the end" is
where the topic goes quiet, which is right on Apache Kafka too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.messaging.kafka import MAX_MESSAGE_BYTES, client_options
from shared.settings import Settings


class UnknownTopic(LookupError):
    pass


async def started(settings: Settings) -> AIOKafkaConsumer:
    consumer = _reader(settings)
    try:
        await consumer.start()
    except BaseException:
        await consumer.stop()  # a failed start leaves its client open
        raise
    return consumer


def _reader(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        **client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_wait_ms=100,
    )


async def list_topics(settings: Settings) -> list[str]:
    consumer = await started(settings)
    try:
        return sorted(await consumer.topics())
    finally:
        await consumer.stop()


async def read(
    settings: Settings,
    topic: str,
    *,
    partitions: Sequence[int] | None = None,
    from_offset: int | None = None,
    idle_seconds: float = 1.5,
    limit: int | None = None,
) -> AsyncIterator[Any]:
    """Yield the topic's records (aiokafka ``ConsumerRecord``), partition by partition
    interleaved as fetched, from ``from_offset`` (else the beginning) until idle."""
    consumer = await started(settings)
    try:
        if topic not in await consumer.topics():
            raise UnknownTopic(topic)
        known = sorted(consumer.partitions_for_topic(topic) or ())
        wanted = known if partitions is None else [p for p in partitions if p in known]
        if partitions is not None and len(wanted) != len(partitions):
            raise UnknownTopic(f"{topic}: no partition {sorted(set(partitions) - set(known))}")
        tps = [TopicPartition(topic, p) for p in wanted]
        consumer.assign(tps)
        for tp in tps:
            if from_offset is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, from_offset)
        seen = 0
        while True:
            batch = await consumer.getmany(*tps, timeout_ms=int(idle_seconds * 1000))
            if not batch:
                return
            for records in batch.values():
                for record in records:
                    yield record
                    seen += 1
                    if limit is not None and seen >= limit:
                        return
    finally:
        await consumer.stop()
