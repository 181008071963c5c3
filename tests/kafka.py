"""Kafka as the tests see it: publish CloudEvents messages, watch what services publish.

Both sides speak the CloudEvents Kafka binding (binary mode) of
``shared.messaging.cloudevents``, as the services do, so a test can stand in for any
producer and read any topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterable
from types import SimpleNamespace
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.messaging import cloudevents
from tests.infra import eventually

# a message as read: its JSON payload and its decoded headers
Record = tuple[dict[str, Any], dict[str, str]]
Predicate = Callable[[dict[str, Any]], bool]


def fields(**match: Any) -> Predicate:
    """A predicate on a payload: every given field has the given value."""
    return lambda payload: all(payload.get(k) == v for k, v in match.items())


def payloads(records: Iterable[Record]) -> list[dict[str, Any]]:
    return [payload for payload, _ in records]


@contextlib.asynccontextmanager
async def producing(bootstrap: str, **options: Any) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **options)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def send(
    producer: AIOKafkaProducer,
    topic: str,
    payload: Any,
    *,
    key: str,
    **options: Any,
) -> tuple[str, asyncio.Future[Any]]:
    """Hand a CloudEvents message to the producer without waiting for delivery.

    ``payload`` is sent as JSON, or as is when it is ``bytes`` (a poison message).
    ``options`` are :func:`consumed`'s CloudEvents attributes. Returns its ``ce_id`` and
    the delivery future.
    """
    msg = consumed(topic, payload, key=key, **options)
    delivered = await producer.send(topic, msg.value, key=msg.key, headers=msg.headers)
    return msg.ce_id, delivered


async def publish(
    producer: AIOKafkaProducer,
    topic: str,
    payload: Any,
    *,
    key: str,
    **options: Any,
) -> str:
    """Publish a CloudEvents message and wait until the broker has it; its ``ce_id``.
    ``options`` are :func:`consumed`'s CloudEvents attributes."""
    sent, _ = await publish_at(producer, topic, payload, key=key, **options)
    return sent


async def publish_at(
    producer: AIOKafkaProducer, topic: str, payload: Any, *, key: str, **options: Any
) -> tuple[str, Any]:
    """:func:`publish`, also answering where the broker put it (partition and offset)."""
    sent, delivered = await send(producer, topic, payload, key=key, **options)
    return sent, await delivered


def consumed(
    topic: str,
    payload: Any,
    *,
    key: str,
    offset: int = 0,
    ce_id: str | None = None,
    ce_type: str | None = None,
    source: str = "/tests",
    traceparent: str | None = None,
) -> SimpleNamespace:
    """A CloudEvents message as a consumer hands it over (aiokafka's ConsumerRecord fields,
    and its ``ce_id``), for feeding a consumer runtime a batch of exactly these messages.
    ``payload`` is JSON, or as is when it is ``bytes`` (a poison message)."""
    headers = cloudevents.make_headers(
        ce_type=ce_type or f"kefu.{topic}", source=source, ce_id=ce_id, traceparent=traceparent
    )
    return SimpleNamespace(
        topic=topic,
        partition=0,
        offset=offset,
        key=key.encode(),
        headers=cloudevents.encode(headers),
        value=payload if isinstance(payload, bytes) else json.dumps(payload, default=str).encode(),
        ce_id=headers["ce_id"],
    )


def _payload(value: bytes | None) -> dict[str, Any]:
    # a dead letter may hold what never was a JSON object: keep it readable, not fatal
    try:
        decoded = json.loads(value or b"null")
    except ValueError:
        return {"value": (value or b"").decode("utf-8", "replace")}
    return decoded if isinstance(decoded, dict) else {"value": decoded}


class TopicWatcher:
    """Every message on some topics, from their beginning, read with no consumer group.

    Use as ``async with TopicWatcher(bootstrap, *topics) as seen``: it reads in the
    background until the block ends.
    """

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.bootstrap = bootstrap
        self.records: dict[str, list[Record]] = {t: [] for t in topics}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    def where(self, topic: str, predicate: Predicate | None = None) -> list[Record]:
        return [r for r in self.records[topic] if predicate is None or predicate(r[0])]

    async def wait(
        self,
        topic: str,
        predicate: Predicate | None = None,
        count: int = 1,
        *,
        within: float = 15.0,
        what: str | None = None,
    ) -> list[Record]:
        """The matching records once there are at least ``count``; fails after ``within`` s."""

        async def arrived() -> list[Record]:
            if self._task is not None and self._task.done():
                self._task.result()  # the reader died: say why instead of timing out
            found = self.where(topic, predicate)
            return found if len(found) >= count else []

        return await eventually(arrived, within=within, what=what or f"{count} on {topic}")

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                for r in records:
                    self.records[r.topic].append((_payload(r.value), cloudevents.decode(r.headers)))

    async def __aenter__(self) -> TopicWatcher:
        consumer = AIOKafkaConsumer(
            *self.records,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
            enable_auto_commit=False,
        )
        await consumer.start()
        self._consumer = consumer
        self._task = asyncio.create_task(self._read(consumer))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


def consumer_states(subscribers: Iterable[Any]) -> list[dict[str, Any]]:
    """What each of a service's Kafka consumers holds, from the client's own state (no
    request): its group's generation and member, and per partition the position and the
    high watermark of the last fetch. Printed when a test waits in vain for a message to
    be applied, to tell a consumer that stopped from one that never got the message."""
    states: list[dict[str, Any]] = []
    for subscriber in subscribers:
        consumer = getattr(subscriber, "consumer", None)
        if consumer is None:
            states.append({"subscriber": repr(subscriber), "consumer": None})
            continue
        coordinator = consumer._coordinator  # private: diagnostics only
        assignment = consumer._subscription.subscription
        partitions: dict[str, Any] = {}
        for tp in sorted(consumer.assignment()):
            state = assignment.assignment.state_value(tp) if assignment else None
            partitions[f"{tp.topic}[{tp.partition}]"] = {
                "position": getattr(state, "_position", None),
                "highwater": consumer.highwater(tp),
                "paused": getattr(state, "paused", None),
            }
        states.append(
            {
                "group": consumer._group_id,
                "generation": getattr(coordinator, "generation", None),
                "member": getattr(coordinator, "member_id", None),
                "coordinator": getattr(coordinator, "coordinator_id", None),
                "rejoin_needed": coordinator.need_rejoin(assignment) if coordinator else None,
                "fetch_task_done": consumer._fetcher._fetch_task.done(),
                "fetches_in_flight": sorted(consumer._fetcher._in_flight),
                "partitions": partitions,
            }
        )
    return states
