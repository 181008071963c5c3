"""Kafka spans' attributes and the consumer's metrics, by OpenTelemetry's messaging conventions.

Span names are ``{operation} {destination}`` (``send voucher.issued.v1``,
``process points.reversal.requested.v1``); a process span is the child of the
publish span whose ``traceparent`` the message carries.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from opentelemetry.trace import Span, Status, StatusCode

from shared.observability.instruments import instruments


def group_id(service: str) -> str:
    """The Kafka consumer group of one service: it reads all its subscriptions' topics."""
    return f"kefu-{service}"


def send_attributes(topic: str, key: str | None, message_id: str, size: int) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": topic,
        "messaging.message.id": message_id,
        "messaging.message.body.size": size,
    }
    if key is not None:
        attributes["messaging.kafka.message.key"] = key
    return attributes


def process_attributes(
    topic: str,
    group: str,
    *,
    message_id: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | None = None,
    size: int | None = None,
    batch: int | None = None,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
    }
    if message_id is not None:
        attributes["messaging.message.id"] = message_id
    if partition is not None:
        attributes["messaging.destination.partition.id"] = str(partition)
    if offset is not None:
        attributes["messaging.kafka.offset"] = offset
    if key is not None:
        attributes["messaging.kafka.message.key"] = key.decode("utf-8", "replace")
    if size is not None:
        attributes["messaging.message.body.size"] = size
    if batch is not None:
        attributes["messaging.batch.message_count"] = batch
    return attributes


def processed(topic: str, group: str, outcome: str, started: float, count: int = 1) -> None:
    """``count`` messages of ``topic`` handled with ``outcome`` since ``started`` (perf_counter)."""
    seconds = time.perf_counter() - started
    attrs = {
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "kefu.outcome": outcome,
    }
    for _ in range(count):
        instruments().process_duration.record(seconds, attrs)


DLQ_REASONS = ("invalid_headers", "invalid_payload", "retries_exhausted")
"""The platform's own reasons; a business rule's code is a reason too, known when it happens."""


def dead_letters_known(dlq_topic: str) -> None:
    """``dlq_topic``'s counter at zero for each platform reason, so its first dead letter
    is an increase an alert sees (a series born at 1 is not)."""
    for reason in DLQ_REASONS:
        instruments().dlq_messages.add(
            0, {"messaging.destination.name": dlq_topic, "kefu.dlq.reason": reason}
        )


def dead_lettered(dlq_topic: str, reason: str) -> None:
    # the reason's code only ("invalid_payload", "retries_exhausted"): messages vary without end
    code = reason.split(":", 1)[0].strip()[:64] or "unknown"
    instruments().dlq_messages.add(
        1, {"messaging.destination.name": dlq_topic, "kefu.dlq.reason": code}
    )


def end_send_span(
    span: Span,
    done: asyncio.Future[Any] | None,
    error: BaseException | None = None,
    *,
    index: int = 0,
) -> None:
    """End a publish span when the broker answered: where the message went, or why not.
    ``index``: the message's place in the batch ``done`` is the answer for."""
    if done is not None and not done.cancelled():
        error = done.exception()
        if error is None:
            metadata = done.result()
            span.set_attribute("messaging.destination.partition.id", str(metadata.partition))
            span.set_attribute("messaging.kafka.offset", metadata.offset + index)
    if error is not None:
        span.record_exception(error)
        span.set_attribute("error.type", type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR, repr(error)))
    span.end()
