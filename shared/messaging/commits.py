"""A consumer's settled offsets, committed behind its back and at most every so often.

Committing after every batch cost a round trip to the group coordinator per batch, which
the next batch waited for, and CPU in the client and the broker for each; under load a
service committed about once per six messages. Now a batch that settled (each message
applied, parked or dead-lettered) hands its offsets here and the consumer goes on to its
next batch; one commit at a time, at most every ``KEFU_KAFKA_COMMIT_INTERVAL_MS``, carries
all the offsets settled since the last (the first after a quiet spell goes at once).

Only settled offsets are committed, never the client's position (it may already hold the
next batch): nothing is committed past a message that was not recorded. What a crash, a
rebalance or a failed commit leaves uncommitted (at most an interval's batches) is
delivered again, and the inbox absorbs it, as it absorbs any redelivery. The offsets go
when the partitions are revoked and when the subscriber stops, so an orderly rebalance or
shutdown repeats at most a batch that settled while the subscriber was stopping.

Offsets are committed only in the group membership they were read in (the member id and
generation the broker gave at the join). A broker that restarted empty numbers its
messages from 0 again and has a new group: an offset read from the old one, committed to
the new one, would make the group's next reader start past messages nobody has read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition

from shared.messaging.watchdog import ConsumerState

log = logging.getLogger(__name__)
FLUSH_TIMEOUT_SECONDS = 2.0
"""The longest a rebalance or a stop waits for the last commit: a client whose coordinator
is away (why the watchdog re-creates it) must not hold its replacement up; what it could
not commit is delivered again."""


Membership = tuple[str, int]
"""A consumer's place in its group: the member id and generation of its last join."""


def membership(consumer: Any) -> Membership:
    """Where ``consumer`` stands in its group now (aiokafka keeps it in its coordinator;
    the id is empty and the generation -1 between a lost membership and the next join)."""
    coordinator = consumer._coordinator
    return (str(coordinator.member_id), int(coordinator.generation))


def next_offsets(records: Iterable[Any]) -> dict[TopicPartition, int]:
    """For each partition of ``records``, the offset after its last: what to commit."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
    return offsets


class Commits(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """One consumer's settled offsets, and the task that commits them."""

    def __init__(self, state: ConsumerState, interval_seconds: float) -> None:
        self.state = state
        self.interval = interval_seconds
        self._pending: dict[TopicPartition, int] = {}
        self._membership: Membership | None = None
        """The membership the pending offsets were read in."""
        self._consumer: Any = None
        self._stopping: Any = None
        """The client whose subscriber is stopping: what it settles now is delivered again."""
        self._task: asyncio.Task[None] | None = None
        self._sending = asyncio.Lock()
        self._last = float("-inf")

    def settled(self, consumer: Any, records: Iterable[Any], read_in: Membership) -> None:
        """A batch of ``consumer``, read in membership ``read_in``, has settled: its offsets
        are committed soon."""
        if consumer is not self._consumer:  # a new client (the watchdog's rejoin)
            self._consumer, self._pending, self._stopping = consumer, {}, None
        elif consumer is self._stopping:
            return  # after the last commit: the next reader gets it again, the inbox absorbs
        if read_in != self._membership:  # what settled before the join is not the group's
            self._pending, self._membership = {}, read_in
        for tp, offset in next_offsets(records).items():
            self._pending[tp] = max(self._pending.get(tp, 0), offset)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit_soon())

    async def _commit_soon(self) -> None:
        while self._pending:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not await self._commit():
                return  # the next settled batch tries again (with these offsets)

    async def _commit(self) -> bool:
        offsets, consumer, self._pending = self._pending, self._consumer, {}
        self._last = time.monotonic()
        if membership(consumer) != self._membership:
            return True  # read in a membership since lost: delivered again to its reader
        # a partition taken away meanwhile: its new reader starts from the last commit
        assigned = consumer.assignment()
        mine = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not mine:
            return True
        # shielded: a flush that cancels this task lets a commit on its way land
        return await asyncio.shield(self._send(consumer, mine, self._membership))

    async def _send(
        self, consumer: Any, offsets: dict[TopicPartition, int], read_in: Membership | None
    ) -> bool:
        async with self._sending:  # one at a time, in order
            try:
                await consumer.commit(offsets)
            except Exception as exc:
                if read_in == self._membership:  # kept for the next try, unless passed since
                    for tp, offset in offsets.items():
                        self._pending[tp] = max(self._pending.get(tp, 0), offset)
                self.state.failed(f"commit failed: {exc!r}")
                return False
        self.state.committed()
        return True

    async def flush(self) -> None:
        """Commit what has settled now (a rebalance, a stop), once a commit on its way has
        landed, within :data:`FLUSH_TIMEOUT_SECONDS`."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()  # asleep until the interval is up, or waiting on its commit
            await asyncio.wait({task})
        try:
            async with asyncio.timeout(FLUSH_TIMEOUT_SECONDS):
                if self._pending and self._consumer is not None:
                    await self._commit()
                else:
                    async with self._sending:  # the last one landed
                        pass
        except TimeoutError:
            log.warning(
                "the last offsets were not committed; they will be delivered again",
                extra={"fields": {"consumer": self.state.name}},
            )

    async def close(self) -> None:
        """The subscriber stops: commit what has settled; what settles after is not."""
        self._stopping = self._consumer
        await self.flush()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.flush()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None
