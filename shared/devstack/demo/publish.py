"""Platform events as their producers send them: CloudEvents headers, keyed per topic,
validated by the contract models, each with an id that depends only on its content."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.contracts import TOPICS, Contract, Topic
from shared.messaging import cloudevents
from shared.messaging.kafka import ensure_topics, make_producer, topic_names
from shared.progress import Steps
from shared.settings import Settings

_CE_NAMESPACE = uuid.UUID("8f7d2c1e-5b8a-4c3e-9a61-0d2f4e6b7c90")


@dataclass(frozen=True)
class Event:
    topic: Topic[Any]
    payload: Contract
    at: datetime
    source: str


def ce_id_of(topic: Topic[Any], payload: Contract) -> str:
    """The same message always gets the same id: publishing it again is a duplicate."""
    return str(uuid.uuid5(_CE_NAMESPACE, f"{topic.name}/{payload.model_dump_json()}"))


async def publish(settings: Settings, events: list[Event], steps: Steps) -> None:
    """Send every event and wait until the broker has them all."""
    await ensure_topics(settings, topic_names(TOPICS))
    producer = make_producer(settings)
    await producer.start()
    try:
        futures: list[asyncio.Future[Any]] = []
        for event in events:
            topic, payload = event.topic, event.payload
            steps.now(f"publishing {topic.name}")
            headers = cloudevents.make_headers(
                ce_type=topic.ce_type,
                source=event.source,
                ce_id=ce_id_of(topic, payload),
                time=event.at,
            )
            future = await producer.send(
                topic.name,
                value=payload.model_dump_json().encode(),
                key=topic.key_of(payload).encode(),
                headers=cloudevents.encode(headers),
            )
            future.add_done_callback(lambda _: steps.done())
            futures.append(future)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
