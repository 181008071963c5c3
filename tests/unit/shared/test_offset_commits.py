"""The settled offsets a consumer commits: never past what settled, never for a partition
it no longer holds, never in a group membership other than the one they were read in, kept
for the next try when a commit fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace

from aiokafka import TopicPartition

from shared.messaging.commits import Commits, membership, next_offsets
from shared.messaging.watchdog import ConsumerState


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


class Client:
    """Stands in for an aiokafka consumer: the partitions it holds, and the commits it was
    asked for (the first ``failures`` of them refused)."""

    def __init__(self, assigned: set[TopicPartition], failures: int = 0) -> None:
        self.assigned = assigned
        self.failures = failures
        self.commits: list[dict[TopicPartition, int]] = []
        self._coordinator = SimpleNamespace(member_id="m-1", generation=1)

    def joined(self, member_id: str, generation: int) -> None:
        """A new membership in its group (a rebalance, or a broker that restarted empty)."""
        self._coordinator = SimpleNamespace(member_id=member_id, generation=generation)

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("coordinator away")
        self.commits.append(dict(offsets))


T0, T1 = TopicPartition("t", 0), TopicPartition("t", 1)


def test_the_offset_after_each_partitions_last_record() -> None:
    records = [Record("t", 0, 5), Record("t", 1, 2), Record("t", 0, 3)]
    assert next_offsets(records) == {T0: 6, T1: 3}


async def _settled(commits: Commits, client: Client, *records: Record) -> None:
    commits.settled(client, records, membership(client))
    await asyncio.sleep(0.05)  # the commit task's turn


async def test_a_failed_commit_is_told_and_its_offsets_go_with_the_next() -> None:
    state = ConsumerState({"credits": "t"}, "g")
    client = Client({T0, T1}, failures=1)
    commits = Commits(state, interval_seconds=0)
    await _settled(commits, client, Record("t", 0, 4))
    assert client.commits == [] and state.failing_since is not None
    await _settled(commits, client, Record("t", 1, 0))
    assert client.commits == [{T0: 5, T1: 1}]
    assert state.failing_since is None and state.last_commit_at is not None


async def test_batches_within_the_interval_go_in_one_commit_and_a_flush_sends_them() -> None:
    client = Client({T0, T1})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=60)
    await _settled(commits, client, Record("t", 0, 0))  # the first goes at once
    await _settled(commits, client, Record("t", 0, 1), Record("t", 1, 7))
    await _settled(commits, client, Record("t", 0, 2))
    assert client.commits == [{T0: 1}]
    client.assigned = {T0}  # partition 1 went to another member: not ours to commit
    await commits.on_partitions_revoked({T1})
    assert client.commits == [{T0: 1}, {T0: 3}]


async def test_a_new_client_drops_what_the_old_one_settled() -> None:
    """After the watchdog's rejoin the new client reads from the last commit; the old
    client's offsets are not committed through it."""
    old, new = Client({T0}), Client({T0})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=60)
    await _settled(commits, old, Record("t", 0, 0))
    await _settled(commits, old, Record("t", 0, 1))
    await _settled(commits, new, Record("t", 0, 9))
    await commits.flush()
    assert old.commits == [{T0: 1}] and new.commits == [{T0: 10}]


class SlowClient(Client):
    """Its commits land only once ``landing`` is set."""

    def __init__(self, assigned: set[TopicPartition]) -> None:
        super().__init__(assigned)
        self.landing = asyncio.Event()
        self.refuse = False

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await self.landing.wait()
        if self.refuse:
            raise ConnectionError("the group has a new generation")
        self.commits.append(dict(offsets))


async def test_a_flush_lets_a_commit_on_its_way_land_then_sends_the_rest() -> None:
    client = SlowClient({T0})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=60)
    await _settled(commits, client, Record("t", 0, 0))  # its commit is on its way
    await _settled(commits, client, Record("t", 0, 1))
    flushed = asyncio.create_task(commits.flush())
    await asyncio.sleep(0.05)
    assert client.commits == [] and not flushed.done()
    client.landing.set()
    async with asyncio.timeout(1):
        await flushed
    assert client.commits == [{T0: 1}, {T0: 2}]


async def test_what_settles_after_the_stop_began_is_left_to_be_delivered_again() -> None:
    """The subscriber's last batch may settle after its last commit: no commit is sent
    through a client that is stopping (the next reader gets the batch, the inbox absorbs
    it)."""
    client = Client({T0})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=0)
    await _settled(commits, client, Record("t", 0, 0))
    await commits.close()
    await _settled(commits, client, Record("t", 0, 1))
    assert client.commits == [{T0: 1}]


async def test_offsets_read_before_a_new_join_are_never_committed_in_it() -> None:
    """A broker that restarted empty numbers from 0 again, in a new group: an offset read
    from the old one, committed there, would start the group's next reader past messages
    nobody read. A failed commit's offsets, kept for the next try, go only in their own
    membership."""
    client = Client({T0}, failures=1)
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=0)
    await _settled(commits, client, Record("t", 0, 30))  # refused: the broker went away
    client.joined("m-2", 1)  # the new broker's group: same partition, offsets from 0
    await _settled(commits, client, Record("t", 0, 2))
    assert client.commits == [{T0: 3}]


async def test_a_batch_read_before_the_join_that_settles_after_it_is_not_committed() -> None:
    client = Client({T0})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=60)
    await _settled(commits, client, Record("t", 0, 0))  # the first goes at once
    read_in = membership(client)
    client.joined("m-1", 2)  # a rebalance while the batch was being applied
    commits.settled(client, [Record("t", 0, 40)], read_in)
    await commits.flush()
    assert client.commits == [{T0: 1}]


async def test_a_commit_refused_after_a_new_join_is_not_tried_again_in_it() -> None:
    client = SlowClient({T0})
    commits = Commits(ConsumerState({"credits": "t"}, "g"), interval_seconds=0)
    await _settled(commits, client, Record("t", 0, 30))  # its commit is on its way
    client.joined("m-2", 1)
    await _settled(commits, client, Record("t", 0, 1))  # read in the new join
    client.refuse = True
    client.landing.set()  # the first commit is refused (its membership is gone)
    await asyncio.sleep(0.05)
    client.refuse = False
    await commits.flush()
    assert client.commits == [{T0: 2}]
