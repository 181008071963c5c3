"""Background tasks that read what gauges show: the outbox, parked messages, consumer lag.

Each reads into :mod:`shared.observability.instruments` gauges when what they show may
have changed: the relay published or failed, a message was parked, retried or
dead-lettered, a consumer took a batch (each tells :mod:`shared.observability.changes`);
at most once every few seconds however busy the service, and at least once a minute
however quiet, so an idle service does not wake every few seconds to read the same
numbers again. The metric reader's callbacks then only copy numbers, never touch a
database or a broker. A failed read keeps the last values and logs at debug: a gauge is
never worth a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg

from shared.messaging.outbox import outbox_backlog
from shared.observability.changes import lag_changes, outbox_changes
from shared.observability.instruments import Attributes, instruments
from shared.observability.messaging import group_id

log = logging.getLogger(__name__)


async def sample_outbox_once(
    pool: asyncpg.Pool, service: str, consumers: Iterable[str] = ()
) -> None:
    """``consumers``: the service's subscriptions, shown at 0 when nothing of theirs is parked."""
    async with pool.acquire() as conn:
        backlog, age = await outbox_backlog(conn)
        rows = await conn.fetch(
            "SELECT consumer, count(*) AS n FROM parked_messages GROUP BY consumer"
        )
    gauges = instruments()
    gauges.outbox_backlog.set(service, backlog)
    gauges.outbox_oldest_age.set(service, age)
    parked = dict.fromkeys(consumers, 0) | {r["consumer"]: r["n"] for r in rows}
    gauges.parked_messages.replace(
        service,
        [
            ({"messaging.consumer.group.name": group_id(service), "kefu.subscription": c}, n)
            for c, n in parked.items()
        ],
    )


async def sample_outbox(
    pool: asyncpg.Pool, service: str, interval: float, consumers: Callable[[], Iterable[str]]
) -> None:
    loop = asyncio.get_running_loop()
    while True:
        seen, since = outbox_changes.told, loop.time()
        try:
            await sample_outbox_once(pool, service, list(consumers()))
        except Exception as exc:
            log.debug("outbox gauges not read", extra={"fields": {"error": repr(exc)}})
        await outbox_changes.after(seen, interval, since)


async def partition_lags(consumer: Any) -> list[tuple[Any, int]]:
    """(partition, lag) for each assigned partition whose end and position are known.

    Lag is the high watermark from the last fetch minus the consumer's position,
    both the client's own state: no request to the broker. Asking the group
    coordinator for committed offsets every few seconds, beside the consumer's own
    group traffic, is what a gauge must not risk; and ListOffsets is out because
    the embedded broker's end offsets are wrong (BROKER.md). The position runs
    ahead of the commit by at most the batch in hand.
    """
    lags: list[tuple[Any, int]] = []
    for tp in consumer.assignment():
        end = consumer.highwater(tp)
        if end is None:
            continue
        try:
            async with asyncio.timeout(0.05):
                position = await consumer.position(tp)
        except Exception:  # no position yet (or unassigned meanwhile)
            continue
        lags.append((tp, max(end - position, 0)))
    return lags


async def sample_lag_once(subscribers: Iterable[Any]) -> None:
    gauge = instruments().consumer_lag
    for member, subscriber in enumerate(subscribers):
        consumer, group = getattr(subscriber, "consumer", None), subscriber.group_id
        if consumer is None or group is None:
            continue
        values: list[tuple[Attributes, float]] = [
            (
                {
                    "messaging.destination.name": tp.topic,
                    "messaging.destination.partition.id": str(tp.partition),
                    "messaging.consumer.group.name": group,
                },
                lag,
            )
            for tp, lag in await partition_lags(consumer)
        ]
        gauge.replace(_lag_key(group, member), values)  # a group's members own other partitions


async def sample_lag(subscribers: Iterable[Any], interval: float) -> None:
    loop = asyncio.get_running_loop()
    try:
        while True:
            seen, since = lag_changes.told, loop.time()
            try:
                await sample_lag_once(subscribers)
            except Exception as exc:
                log.debug("consumer lag not read", extra={"fields": {"error": repr(exc)}})
            await lag_changes.after(seen, interval, since)
    finally:
        for member, subscriber in enumerate(subscribers):
            if subscriber.group_id:
                instruments().consumer_lag.forget(_lag_key(subscriber.group_id, member))


def _lag_key(group: str, member: int) -> str:
    return f"{group}#{member}"
