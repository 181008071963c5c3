"""What every service process runs beneath its own code.

``open`` connects the service's own database (created and migrated if new),
the Kafka producer and the outbox relay; the service then builds its adapters
and handlers and ``consume``s; ``close`` undoes it all in reverse. Nothing
connects at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.contracts import Topic
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool, ensure_database
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.kafka import (
    check_security,
    ensure_topics,
    kafka_refused,
    kafka_security,
    make_producer,
    topic_names,
)
from shared.messaging.outbox import OutboxRelay, outbox_backlog
from shared.messaging.watchdog import ConsumerWatchdog
from shared.observability.samplers import sample_lag, sample_outbox
from shared.settings import Settings
from shared.stopping import cancel_and_wait
from shared.timestamps import use_business_zone

if TYPE_CHECKING:
    from faststream.kafka import KafkaBroker

log = logging.getLogger(__name__)


class Platform:
    def __init__(self, service: str, settings: Settings, migrations: Path | None) -> None:
        self.service = service
        self.settings = settings
        use_business_zone(settings.tz)  # every answer's timestamps in KEFU_TIMEZONE
        self.migrations = migrations
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.runtime: ConsumerRuntime | None = None
        self.broker: KafkaBroker | None = None
        self.watchdog = ConsumerWatchdog(
            check_seconds=settings.consumer_check_seconds,
            stall_seconds=settings.consumer_stall_seconds,
            join_timeout_seconds=settings.kafka_join_timeout_seconds,
        )
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "Platform.open() first"
        return self._pool

    @property
    def producer(self) -> AIOKafkaProducer:
        assert self._producer is not None, "Platform.open() first"
        return self._producer

    async def open(self, *, topics: Sequence[Topic[Any]] = ()) -> None:
        url = self.settings.database_url_for(self.service)
        await ensure_database(url)
        self._pool = await create_pool(url)
        folders = [("shared", SHARED_MIGRATIONS)]
        if self.migrations is not None:
            folders.append((self.service, self.migrations))
        applied = await migrate(self._pool, folders)
        if applied:
            log.info("migrated", extra={"fields": {"applied": applied}})
        await self._connect_kafka(topics)
        self.relay = OutboxRelay(
            self._pool,
            self._producer,
            retention_seconds=self.settings.outbox_retention_seconds,
            republish_seconds=self.settings.outbox_republish_seconds,
            cluster_check_seconds=self.settings.consumer_check_seconds,
            bootstrap=self.settings.kafka_bootstrap,
        )
        await self.relay.start()
        if self.settings.metrics:
            self.background(
                sample_outbox(
                    self._pool,
                    self.service,
                    self.settings.metrics_sample_seconds,
                    lambda: self.runtime.subscriptions if self.runtime is not None else (),
                )
            )
        self.runtime = ConsumerRuntime(self.service, self._pool, self._producer, self.settings)

    async def _connect_kafka(self, topics: Sequence[Topic[Any]]) -> None:
        """Create the topics and start the producer, or fail at once with a line that says
        what was tried (:func:`kafka_refused`): wrong credentials are not retried."""
        check_security(self.settings)
        producer = make_producer(self.settings)
        try:
            if topics:
                await ensure_topics(self.settings, topic_names(topics))
            await producer.start()
        except Exception as exc:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise kafka_refused(self.settings, exc) from exc
        self._producer = producer

    async def consume(self, subscriptions: Sequence[Subscription[Any]]) -> None:
        assert self.runtime is not None
        if not subscriptions:
            return
        # FastStream is imported by a process that consumes, when it starts to: one that
        # only produces (the gateway) serves sooner without it
        from faststream.kafka import KafkaBroker

        from shared.messaging.subscribe import subscribe

        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap,
            security=kafka_security(self.settings),
            client_id=f"kefu-{self.service}",
            logger=logging.getLogger(f"kefu.{self.service}.broker"),
        )
        subscribe(self.broker, self.runtime, subscriptions, self.settings, self.watchdog)
        await start_together(self.broker, self.settings.kafka_join_timeout_seconds)
        if self.settings.metrics:
            self.background(
                sample_lag(list(self.broker.subscribers), self.settings.lag_poll_seconds)
            )
        self.background(self.runtime.run_parked_retries())
        if self.relay is not None:  # one metadata request serves both checks
            self.watchdog.cluster_seen = self.relay.cluster_read
            await self.relay.cluster_told()
        self.background(self.watchdog.run())

    def background(self, coro: Any) -> None:
        """Run a loop for the life of the process (a saga worker, a timer sweep)."""
        self._tasks.append(asyncio.create_task(coro))

    async def close(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        if self.broker is not None:
            await self.broker.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self._producer is not None:
            await self._producer.stop()
        if self._pool is not None:
            await self._pool.close()

    async def health(self) -> dict[str, Any]:
        """Each part's state; ``problems`` names what is down (empty: answer 200).

        Down: the database does not answer, the relay cannot publish, the oldest unsent
        outbox row is older than ``KEFU_HEALTH_OUTBOX_AGE_SECONDS``, or a subscription
        has failed to fetch or commit for longer than ``KEFU_HEALTH_CONSUMER_FAILING_SECONDS``.
        """
        checks: dict[str, Any] = {}
        problems: list[str] = []
        try:
            async with self.pool.acquire() as conn:
                backlog, age = await outbox_backlog(conn)
            checks["database"] = "ok"
            checks["outbox"] = {"backlog": backlog, "oldest_seconds": round(age, 3)}
            if age > self.settings.health_outbox_age_seconds:
                problems.append(f"outbox: oldest unsent row is {age:.0f} s old")
        except Exception as exc:
            checks["database"] = f"failed: {exc!r}"
            problems.append("database: unreachable")
        relay_ok = self.relay is not None and self.relay.healthy
        checks["relay"] = "ok" if relay_ok else "failing"
        if not relay_ok:
            problems.append("relay: cannot publish")
        if self.broker is not None:
            checks["consumers"] = "ok" if self.broker.running else "stopped"
            checks["subscriptions"] = self.watchdog.report()
            limit = self.settings.health_consumer_failing_seconds
            for state in self.watchdog.failing_longer_than(limit):
                problems.append(
                    f"consumer {state.name}: failing {state.failing_for():.0f} s ({state.error})"
                )
        return {
            "service": self.service,
            "status": "failing" if problems else "ok",
            "problems": list(dict.fromkeys(problems)),
            "checks": checks,
        }


class GroupsNotJoined(RuntimeError):
    """Consumer groups got no partitions in time: the service must not run half-subscribed."""


async def start_together(broker: KafkaBroker, join_within: float) -> None:
    """Start every subscriber at once, then the publishers, as ``broker.start()`` would.

    Each subscriber's start waits for its group's first assignment: about half the
    session timeout on the embedded broker, the initial rebalance delay on Kafka.
    FastStream starts them one after another, so a service with nine subscriptions
    took 18 s to come up; together they take the time of one. The client would wait
    for an assignment forever; after ``join_within`` seconds the start fails, naming the
    groups.
    """
    await broker.connect()
    subscribers = list(broker.subscribers)
    try:
        async with asyncio.timeout(join_within):
            await asyncio.gather(*(subscriber.start() for subscriber in subscribers))
    except TimeoutError:
        waiting = [
            consumer._group_id
            for consumer in (getattr(s, "consumer", None) for s in subscribers)
            if consumer is not None and not consumer.assignment()
        ]
        raise GroupsNotJoined(
            f"no partitions after {join_within:.0f} s for consumer groups: {', '.join(waiting)}"
        ) from None
    for publisher in broker.publishers:
        await publisher.start()
    broker.running = True
