"""The broker chores the benchmarks share: CloudEvents messages made ahead, published as
fast as the producer takes them, and the topics deleted afterwards (Tansu never frees a
topic's memory otherwise)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from shared.contracts import Contract, Topic
from shared.messaging import cloudevents
from shared.messaging.kafka import MAX_MESSAGE_BYTES, topic_names


@dataclass(frozen=True)
class Message:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def message(
    topic: Topic[Any], payload: Contract, *, source: str, ce_id: str | None = None
) -> Message:
    headers = cloudevents.make_headers(ce_type=topic.ce_type, source=source, ce_id=ce_id)
    return Message(
        key=topic.key_of(payload).encode(),
        value=payload.model_dump_json().encode(),
        headers=cloudevents.encode(headers),
    )


async def timed_publish(bootstrap: str, topic: str, messages: Iterable[Message]) -> float:
    """Seconds to publish ``messages`` (made as they are sent, when a generator) until the
    broker has every one."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=5,
        max_request_size=MAX_MESSAGE_BYTES,
        acks="all",
    )
    await producer.start()
    try:
        t0 = time.perf_counter()
        futures = [
            await producer.send(topic, m.value, key=m.key, headers=m.headers) for m in messages
        ]
        await asyncio.gather(*futures)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def delete_topics(bootstrap: str, topics: Iterable[Topic[Any]]) -> None:
    """Delete ``topics`` and their dead-letter topics, those that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [t for t in topic_names(topics) if t in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
