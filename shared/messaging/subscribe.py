"""Binds a :class:`Subscription` to a FastStream Kafka subscriber.

Every subscriber is a batch subscriber that acknowledges by hand: the runtime
settles each message itself (applied, parked or dead-lettered) and raises only
when nothing could be recorded; the nack then rewinds the partition so Kafka
delivers the batch again. Otherwise the batch's offsets are committed; a commit
that fails (the batch was applied; a redelivery is absorbed by the inbox) is told
to the subscription's :class:`~shared.messaging.watchdog.ConsumerState`, as every
batch received is, so ``/health`` and the watchdog know. ``earliest`` because the
embedded broker's end offsets are wrong (BROKER.md) and a new group must not skip what is there.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.watchdog import ConsumerWatchdog
from shared.settings import Settings

_REDELIVERY_PAUSE_SECONDS = 1.0


async def _undecoded(message: Any) -> None:
    """The runtime validates each record against its contract; FastStream must not decode."""
    return None


def subscribe(
    broker: KafkaBroker,
    runtime: ConsumerRuntime,
    sub: Subscription[Any],
    settings: Settings,
    watchdog: ConsumerWatchdog,
) -> None:
    runtime.add(sub)
    state = watchdog.track(sub.name, sub.topic.name, runtime.group_of(sub))

    async def consume(message: KafkaMessage) -> None:
        state.fetched()
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        try:
            await runtime.process(sub, records)
        except Exception:
            await message.nack()  # rewind: Kafka delivers the batch again
            await asyncio.sleep(_REDELIVERY_PAUSE_SECONDS)  # don't spin on a dead database
            raise
        try:
            await message.ack()
        except Exception as exc:
            state.failed(f"commit failed: {exc!r}")
            return
        state.committed()

    consume.__name__ = f"consume_{sub.name.replace('.', '_')}"
    subscriber = broker.subscriber(
        sub.topic.name,
        batch=True,
        max_records=sub.batch_size or settings.consumer_batch_size,
        batch_timeout_ms=50,
        fetch_max_wait_ms=sub.fetch_max_wait_ms,
        group_id=runtime.group_of(sub),
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_partition_fetch_bytes=5 * 1024 * 1024,
        ack_policy=AckPolicy.MANUAL,
        decoder=_undecoded,
        title=sub.name,
        description=sub.topic.summary,
    )
    subscriber(consume)
    state.subscriber = subscriber
