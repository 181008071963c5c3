"""Binds a service's :class:`Subscription` s to FastStream Kafka subscribers.

One consumer group per service reads all its topics (a high-volume topic has consumers of
its own in it, :func:`members`); each record goes to its topic's subscription. Every
subscriber is a batch subscriber that acknowledges by hand: the runtime settles each
message itself (applied, parked or dead-lettered) and raises only when nothing could be
recorded; the nack then rewinds the partition so Kafka
delivers the batch again. Otherwise the batch's offsets are handed to the consumer's
:class:`~shared.messaging.commits.Commits`, which commits them behind the consumer's back
and at most every ``KEFU_KAFKA_COMMIT_INTERVAL_MS``; a commit that fails (the batch was
applied; a redelivery is absorbed by the inbox) is told to the consumer's
:class:`~shared.messaging.watchdog.ConsumerState`, as every batch received is, so
``/health`` and the watchdog know. ``earliest`` because the
embedded broker's end offsets are wrong (BROKER.md) and a new group must not skip what is there.

Each consumer waits for its next batch in :func:`next_batch`: it returns as soon as the
client holds records, however long it has been idle; the client's fetches wait
``KEFU_KAFKA_FETCH_WAIT_MS`` on quiet partitions, which the broker (Apache Kafka, or the
embedded one through its long-poll front) answers as soon as a message arrives.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from itertools import chain
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.messaging.commits import Commits, membership
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.watchdog import ConsumerState, ConsumerWatchdog
from shared.observability.changes import lag_changes
from shared.settings import Settings

log = logging.getLogger(__name__)
_REDELIVERY_PAUSE_SECONDS = 1.0
_IDLE_GETMANY_MS = 30_000
_FETCHER_BACKSTOP_MS = 2_000


async def next_batch(consumer: Any, max_records: int) -> tuple[Any, ...]:
    """The next records the client holds, waiting as long as it takes.

    FastStream's batch loop asks the client for records with a short timeout and, when
    there are none, sleeps as long again: an idle consumer woke 10 times a second, and a
    message arriving during the sleep waited it out. This replaces that wait (the
    subscriber's ``get_msg``). One ask lasts a loop turn when idle; the fetches go on."""
    while True:
        batches = await consumer.getmany(timeout_ms=_IDLE_GETMANY_MS, max_records=max_records)
        if batches:
            return tuple(chain.from_iterable(batches.values()))


async def _itself(message: Any) -> Any:
    """The batch's message as its body: the runtime validates each record against its
    contract, so FastStream must not decode; and ``consume`` takes the message as its body,
    not from FastStream's context (a ``KafkaMessage`` parameter), whose look-up FastStream's
    dependency solver runs in a worker thread, a thread hop and a task group per batch."""
    return message


def by_subscription(
    records: Sequence[Any], subscriptions: dict[str, Subscription[Any]], batch_size: int
) -> list[tuple[Subscription[Any], list[list[Any]]]]:
    """A fetched batch, which may hold records of all the service's topics, as each
    subscription's batches (in Kafka's order, at most its ``batch_size`` each)."""
    per_topic: dict[str, list[Any]] = {}
    for record in records:
        per_topic.setdefault(record.topic, []).append(record)
    split: list[tuple[Subscription[Any], list[list[Any]]]] = []
    for topic, mine in per_topic.items():
        sub = subscriptions[topic]
        size = sub.batch_size or batch_size
        split.append((sub, [mine[i : i + size] for i in range(0, len(mine), size)]))
    return split


def members(subs: Sequence[Subscription[Any]]) -> list[list[Subscription[Any]]]:
    """The service's consumers, each as the subscriptions it reads: one for all those that
    ask for one, and a subscription that asks for more (``Subscription.consumers``) has
    its own, reading its topic alone."""
    shared = [sub for sub in subs if sub.consumers == 1]
    own = [[sub] for sub in subs if sub.consumers > 1 for _ in range(sub.consumers)]
    return ([shared] if shared else []) + own


def subscribe(
    broker: KafkaBroker,
    runtime: ConsumerRuntime,
    subs: Sequence[Subscription[Any]],
    settings: Settings,
    watchdog: ConsumerWatchdog,
) -> None:
    """One consumer group for all of ``subs`` (a service's subscriptions): its members
    (:func:`members`) each read their topics and hand each record to its topic's
    subscription.

    One consumer per subscription cost an idle stack a fetch every few seconds and a
    heartbeat every second for each of 17 consumers; now there is one per service, and a
    high-volume subscription's own. Those read its topic only: when they read every
    topic, each message of the others cost a fetch of each consumer (they share the
    partitions, and each keeps fetching at the busy wait while any of its topics is busy).
    In one group, Kafka gives each topic's partitions to the members that read it, so a
    partition still has one reader (per-key order) and the committed offsets stay the
    group's. Each fetched batch is split by subscription; their batches run side by side,
    each topic's in order, and the offsets are committed once all have settled."""
    by_topic: dict[str, Subscription[Any]] = {}
    for sub in subs:
        if sub.topic.name in by_topic:
            raise ValueError(f"two subscriptions of {sub.topic.name}: one handler a topic")
        runtime.add(sub)
        by_topic[sub.topic.name] = sub
    for reads in members(subs):
        topics = {sub.name: sub.topic.name for sub in reads}
        max_records = max(sub.batch_size or settings.consumer_batch_size for sub in reads)
        state = watchdog.track(topics, runtime.group)
        mine = {sub.topic.name: sub for sub in reads}
        _member(broker, runtime, mine, settings, state, max_records)


def _member(
    broker: KafkaBroker,
    runtime: ConsumerRuntime,
    by_topic: dict[str, Subscription[Any]],
    settings: Settings,
    state: ConsumerState,
    max_records: int,
) -> None:
    async def settle(sub: Subscription[Any], batches: list[list[Any]]) -> None:
        for records in batches:  # one topic's in order
            await runtime.process(sub, records)

    async def consume(message: Any) -> None:  # a KafkaAckableMessage, from _itself
        read_in = membership(message.consumer)  # its offsets are this join's to commit
        state.fetched()
        lag_changes.tell()
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        split = by_subscription(records, by_topic, settings.consumer_batch_size)
        outcomes = await asyncio.gather(
            *(settle(sub, batches) for sub, batches in split), return_exceptions=True
        )
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if failure is not None:
            await message.nack()  # rewind every partition of the batch: Kafka delivers it again
            await asyncio.sleep(_REDELIVERY_PAUSE_SECONDS)  # don't spin on a dead database
            raise failure
        commits.settled(message.consumer, records, read_in)

    commits = Commits(state, settings.kafka_commit_interval_ms / 1000)
    consume.__name__ = f"consume_{runtime.service}"
    subscriber = broker.subscriber(
        *by_topic,
        batch=True,
        max_records=max_records,
        fetch_max_wait_ms=settings.kafka_fetch_wait_ms,
        # the client's fetch loop is woken by every fetch answered, assignment and record
        # taken; its own timer (200 ms unless told) is only a backstop
        consumer_timeout_ms=_FETCHER_BACKSTOP_MS,
        group_id=runtime.group,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_partition_fetch_bytes=5 * 1024 * 1024,
        ack_policy=AckPolicy.MANUAL,
        listener=commits,  # the settled offsets go before the partitions do
        decoder=_itself,
        title=runtime.service,
        description=", ".join(sorted({s.topic.summary for s in by_topic.values()})),
    )
    subscriber(consume)
    subscriber.get_msg = functools.partial(next_batch, max_records=max_records)  # type: ignore[method-assign]
    subscriber.stop = functools.partial(_flushed_stop, commits, subscriber.stop)  # type: ignore[method-assign]
    state.subscriber = subscriber


async def _flushed_stop(commits: Commits, stop: Callable[[], Awaitable[None]]) -> None:
    """The subscriber's stop, after its settled offsets are committed (a shutdown, the
    watchdog's rejoin): what settled is not delivered again to the next client."""
    await commits.close()
    await stop()
