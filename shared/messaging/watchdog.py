"""Consumers that heal themselves, and the truth about them for ``/health``.

Each Kafka consumer of a service (one group for all its subscriptions) has a
:class:`ConsumerState`: when it last received a batch, last committed, last passed a
check, and since when it has been failing. A check every ``KEFU_CONSUMER_CHECK_SECONDS``
asks the broker what a fetch needs (each of its topics and the assigned partitions
exist, the group coordinator answers), and hands the cluster id its answer carries to the
outbox relay;
a commit that fails marks the consumer failing too. One failing for longer than
``KEFU_CONSUMER_STALL_SECONDS`` (its topic was deleted and re-created, its group was
lost with a broker restart, its coordinator moved and the client never caught up)
is stopped and started again: a new client that looks up the coordinator, joins the
group and fetches from the committed offsets. That is one log line and one count of
``kefu.consumer.rejoins``, then a doubling pause before the next try, not a line per
failed request. The same code is right on Apache Kafka. ``/health`` reports per
subscription: each shows the state of the consumer that reads its topic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka.client import ConnectionGroup
from aiokafka.cluster import ClusterMetadata
from aiokafka.protocol.metadata import MetadataRequest

from shared.observability.instruments import instruments
from shared.timestamps import local

log = logging.getLogger(__name__)
REJOIN_MAX_PAUSE_SECONDS = 60.0
PROBE_TIMEOUT_SECONDS = 5.0
COORDINATOR_PROBE_EVERY = 5
"""A healthy consumer asks its group coordinator at every fifth check (a failing one at
every check); its heartbeats speak to the coordinator every second meanwhile."""


class Restartable(Protocol):
    """A FastStream subscriber: ``consumer`` is its aiokafka client while it runs."""

    consumer: Any

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _iso(at: datetime | None) -> str | None:
    """In the business zone, like every time in an answer (shared.timestamps)."""
    return local(at).isoformat(timespec="seconds") if at is not None else None


@dataclass
class ConsumerState:
    topics: dict[str, str]
    """The consumer's subscriptions: name -> topic."""
    group: str
    subscriber: Restartable | None = None
    last_fetch_at: datetime | None = None
    last_commit_at: datetime | None = None
    last_check_at: datetime | None = None
    failing_since: float | None = None
    """``time.monotonic()`` of the first failure of the current episode."""
    error: str | None = None
    rejoins: int = 0
    _pause: float = field(default=0.0, repr=False)
    _next_rejoin: float = field(default=0.0, repr=False)

    @property
    def name(self) -> str:
        """The subscriptions it reads, for a log line."""
        return ", ".join(self.topics)

    # --- what the consumer path reports -------------------------------------

    def fetched(self) -> None:
        self.last_fetch_at = datetime.now(UTC)

    def committed(self) -> None:
        self.last_commit_at = datetime.now(UTC)
        self.recovered()

    def checked(self) -> None:
        self.last_check_at = datetime.now(UTC)
        self.recovered()

    def recovered(self) -> None:
        if self.failing_since is not None:
            log.info(
                "consumer recovered",
                extra={
                    "fields": {
                        "consumer": self.name,
                        "group": self.group,
                        "failed_seconds": round(time.monotonic() - self.failing_since, 1),
                    }
                },
            )
        self.failing_since, self.error, self._pause = None, None, 0.0

    def failed(self, error: str) -> None:
        """Record a failure; logged once per episode (the first), not per failed request."""
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            log.warning(
                "consumer failing",
                extra={"fields": {"consumer": self.name, "group": self.group, "error": error}},
            )
        self.error = error[:500]

    def failing_for(self, now: float | None = None) -> float:
        if self.failing_since is None:
            return 0.0
        return (now if now is not None else time.monotonic()) - self.failing_since

    def report(self, topic: str) -> dict[str, Any]:
        """What ``/health`` shows for its subscription of ``topic``."""
        failing = self.failing_for()
        return {
            "topic": topic,
            "group": self.group,
            "state": "failing" if self.failing_since is not None else "ok",
            "failing_seconds": round(failing, 1),
            "error": self.error,
            "last_fetch_at": _iso(self.last_fetch_at),
            "last_commit_at": _iso(self.last_commit_at),
            "last_check_at": _iso(self.last_check_at),
            "rejoins": self.rejoins,
        }


async def probe(
    consumer: Any, wanted: Iterable[str], topics: Any, coordinator: bool = True
) -> str | None:
    """Why this consumer cannot fetch and commit now, or None when it can. ``wanted``: the
    topics it reads; ``topics``: the cluster's metadata as just read (:func:`read_topics`);
    ``coordinator``: ask the group coordinator too."""
    if consumer is None:
        return "consumer not running"
    assignment = consumer.assignment()
    if not assignment:
        return "no partitions assigned"
    for topic in wanted:
        if topic not in topics.topics():
            return f"topic {topic} does not exist"
        partitions = topics.partitions_for_topic(topic) or set()
        assigned = [tp for tp in assignment if tp.topic == topic]
        if not assigned:
            return f"no partitions of {topic} assigned"
        missing = sorted(tp.partition for tp in assigned if tp.partition not in partitions)
        if missing:
            return f"assigned partitions {missing} of {topic} do not exist"
    if coordinator:
        await consumer.committed(next(iter(assignment)))  # the group coordinator answers
    return None


@dataclass(frozen=True)
class ClusterRead:
    """One metadata answer: the topics' metadata and the broker's cluster id ("" if the
    answer did not carry one)."""

    topics: Any
    cluster_id: str


async def read_topics(consumers: list[Any], topics: list[str]) -> ClusterRead:
    """The metadata of ``topics`` and the cluster id, read once for every consumer of the
    process and for the outbox relay's cluster check: a request for every topic of the
    cluster by each consumer, every few seconds, was most of an idle service's CPU and a
    tenth of the broker's, and the relay asked again on a connection of its own."""
    errors: list[str] = []
    for consumer in consumers:
        try:
            read = await _metadata(consumer._client, topics)
            if read is not None:
                return read
            errors.append("no answer")
        except Exception as exc:  # try the next client
            errors.append(repr(exc))
    raise RuntimeError(f"no consumer could read the topics' metadata: {'; '.join(errors)}")


async def _metadata(client: Any, topics: list[str]) -> ClusterRead | None:
    """What the client's own ``_metadata_update`` does, for these topics only and keeping
    the answer's cluster id, which the client drops."""
    cluster = ClusterMetadata()
    cluster.need_all_topic_metadata = True  # a missing topic is our finding, not a log line
    nodes: list[Any] = [b.nodeId for b in client.cluster.brokers()]
    if ("bootstrap", ConnectionGroup.DEFAULT) in client._conns:
        nodes.append("bootstrap")
    for node in nodes:
        # on the group coordinator's connection when there is one: the default connection
        # carries the consumer's fetch, which Apache Kafka answers before a request sent
        # behind it (up to the fetch wait) and the embedded broker's front answers early
        # to let it pass (the consumer then fetches again)
        group = ConnectionGroup.DEFAULT
        if (node, ConnectionGroup.COORDINATION) in client._conns:
            group = ConnectionGroup.COORDINATION
        conn = await client._get_conn(node, group=group)
        if conn is None:
            continue
        # a check must never create what it finds missing
        answer = await conn.send(MetadataRequest(topics, allow_auto_topic_creation=False))
        if not answer.brokers:
            return None
        cluster.update_metadata(answer)
        return ClusterRead(cluster, str(getattr(answer, "cluster_id", None) or ""))
    return None


class ConsumerWatchdog:
    def __init__(
        self,
        *,
        check_seconds: float,
        stall_seconds: float,
        join_timeout_seconds: float,
    ) -> None:
        self.check_seconds = check_seconds
        self.stall_seconds = stall_seconds
        self.join_timeout_seconds = join_timeout_seconds
        self.states: list[ConsumerState] = []
        self._rounds = 0
        self.cluster_seen: Callable[[str], Awaitable[None]] | None = None
        """Told the cluster id at every check that read it: the outbox relay's check that the
        broker is the one it published to, on the same metadata request."""

    def track(self, topics: dict[str, str], group: str) -> ConsumerState:
        """A consumer of ``topics`` (subscription name -> topic) in ``group``."""
        state = ConsumerState(dict(topics), group)
        self.states.append(state)
        return state

    async def check_once(self) -> None:
        running = [s.subscriber.consumer for s in self.states if s.subscriber is not None]
        names = sorted({t for s in self.states for t in s.topics.values()})
        self._rounds += 1
        ask_coordinator = self._rounds % COORDINATOR_PROBE_EVERY == 1
        topics: Any = None
        failure = ""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                read = await read_topics([c for c in running if c is not None], names)
            topics = read.topics
        except Exception as exc:  # the broker does not answer
            failure = f"check failed: {exc!r}"
        else:
            await self._tell_cluster(read.cluster_id)
        for state in self.states:
            if state.subscriber is None:
                continue
            if topics is None:
                problem: str | None = failure
            else:
                try:
                    async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                        problem = await probe(
                            state.subscriber.consumer,
                            state.topics.values(),
                            topics,
                            coordinator=ask_coordinator or state.failing_since is not None,
                        )
                except Exception as exc:  # the coordinator does not answer
                    problem = f"check failed: {exc!r}"
            if problem is None:
                state.checked()
            else:
                state.failed(problem)
            await self.heal(state)

    async def _tell_cluster(self, cluster_id: str) -> None:
        if not cluster_id or self.cluster_seen is None:
            return
        try:
            await self.cluster_seen(cluster_id)
        except Exception as exc:  # the database is away: the relay's own loop says so
            log.debug("cluster id not recorded", extra={"fields": {"error": repr(exc)}})

    async def heal(self, state: ConsumerState) -> bool:
        """Re-create a consumer failing longer than the stall limit; True if it was restarted."""
        now = time.monotonic()
        if state.failing_for(now) < self.stall_seconds or now < state._next_rejoin:
            return False
        assert state.subscriber is not None
        state.rejoins += 1
        state._pause = min(max(state._pause * 2, self.stall_seconds), REJOIN_MAX_PAUSE_SECONDS)
        state._next_rejoin = now + state._pause
        for topic in state.topics.values():
            instruments().consumer_rejoins.add(
                1,
                {
                    "messaging.destination.name": topic,
                    "messaging.consumer.group.name": state.group,
                },
            )
        log.warning(
            "consumer stalled; re-creating it and rejoining its group",
            extra={
                "fields": {
                    "consumer": state.name,
                    "group": state.group,
                    "failing_seconds": round(state.failing_for(now), 1),
                    "error": state.error,
                    "rejoin": state.rejoins,
                    "next_try_seconds": state._pause,
                }
            },
        )
        try:
            async with asyncio.timeout(self.join_timeout_seconds):
                await state.subscriber.stop()
                await state.subscriber.start()
        except Exception as exc:  # tried again after the pause
            state.failed(f"rejoin failed: {exc!r}")
            return True
        return True

    async def run(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:
                log.exception("checking consumers failed")
            instruments().consumer_failing.replace(
                "watchdog",
                [
                    (
                        {
                            "messaging.destination.name": topic,
                            "messaging.consumer.group.name": s.group,
                        },
                        s.failing_for(),
                    )
                    for s in self.states
                    for topic in s.topics.values()
                ],
            )
            await asyncio.sleep(self.check_seconds)

    def failing_longer_than(self, seconds: float) -> list[ConsumerState]:
        return [s for s in self.states if s.failing_since is not None and s.failing_for() > seconds]

    def report(self) -> dict[str, dict[str, Any]]:
        """Per subscription; a subscription read by several consumers shows the worst."""
        worst: dict[str, tuple[ConsumerState, str]] = {}
        for state in self.states:
            for name, topic in state.topics.items():
                seen = worst.get(name)
                if seen is None or state.failing_for() > seen[0].failing_for():
                    worst[name] = (state, topic)
        return {name: state.report(topic) for name, (state, topic) in sorted(worst.items())}
