"""A consumer's offsets on a real broker: batches settled close together share one commit
that the consumer does not wait for, and what settled is committed before it stops."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import Contract, Topic
from shared.messaging import cloudevents
from shared.messaging.consumer import Envelope, Subscription
from shared.messaging.kafka import client_options
from shared.platform import Platform
from shared.settings import Settings
from tests.infra import eventually as until
from tests.integration.shared.test_messaging import raw_publish

pytestmark = pytest.mark.integration


class Credit(Contract):
    account: str
    cents: int


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[dict[Any, int]]:
    """Every commit the consumers make, as the offsets it carried (the real commit runs)."""
    made: list[dict[Any, int]] = []
    commit = AIOKafkaConsumer.commit

    async def counted(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        await commit(self, offsets)
        made.append(dict(offsets or {}))

    monkeypatch.setattr(AIOKafkaConsumer, "commit", counted)
    return made


async def credits_platform(settings: Settings, unique: str) -> tuple[Platform, Topic[Credit]]:
    topic = Topic(f"test.offsets.{unique}.v1", Credit, key="account", summary="t", producer="t")
    p = Platform(f"o{unique}", settings, None)
    await p.open(topics=[topic])
    await p.pool.execute("CREATE TABLE credits (account text, ce_id text)")

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        await conn.execute("INSERT INTO credits VALUES ($1, $2)", env.payload.account, env.meta.id)

    await p.consume([Subscription(topic, apply, name="credits")])
    return p, topic


@pytest.fixture
async def platform(
    settings: Settings, unique: str
) -> AsyncIterator[tuple[Platform, Topic[Credit], Settings]]:
    settings = settings.model_copy(update={"kafka_commit_interval_ms": 3000})
    p, topic = await credits_platform(settings, unique)
    try:
        yield p, topic, settings
    finally:
        await p.close()


async def _send_one_by_one(p: Platform, topic: Topic[Credit], settings: Settings, n: int) -> None:
    """``n`` messages, each sent once the one before is applied: ``n`` batches."""
    for i in range(n):
        headers = cloudevents.make_headers(ce_type=topic.ce_type, source="/test")
        value = Credit(account=f"a{i}", cents=1).model_dump_json().encode()
        await raw_publish(settings, topic.name, value, headers)
        applied = functools.partial(credits_applied, p, i + 1)
        await until(applied, what=f"{i + 1} credits applied")


async def credits_applied(p: Platform, n: int) -> bool:
    return bool(await p.pool.fetchval("SELECT count(*) FROM credits") >= n)


async def committed(settings: Settings, group: str, topic: str) -> int:
    """The group's committed offsets over the topic's partitions (one record each: how
    many), read by a client of the group that does not join it."""
    reader = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = range(settings.topic_partitions)
        offsets = [await reader.committed(TopicPartition(topic, n)) for n in partitions]
    finally:
        await reader.stop()
    return sum(o or 0 for o in offsets)


async def test_batches_settled_within_the_interval_share_one_commit(
    platform: tuple[Platform, Topic[Credit], Settings], commits: list[dict[Any, int]]
) -> None:
    p, topic, settings = platform
    await _send_one_by_one(p, topic, settings, 6)
    group = p.runtime.group if p.runtime is not None else ""

    async def all_committed() -> bool:
        return await committed(settings, group, topic.name) == 6

    await until(all_committed, what="the six offsets committed")
    # the first batch after a quiet spell is committed at once, the others together at
    # most every 3 s: far fewer commits than the six batches (one commit each before)
    assert len(commits) < 6, commits
    assert all(offsets for offsets in commits), "only settled offsets, given explicitly"


async def test_what_settled_is_committed_when_the_consumer_stops(
    settings: Settings, unique: str, commits: list[dict[Any, int]]
) -> None:
    settings = settings.model_copy(update={"kafka_commit_interval_ms": 600_000})
    p, topic = await credits_platform(settings, unique)
    try:
        await _send_one_by_one(p, topic, settings, 3)  # the first commits, the others wait
        assert p.runtime is not None
        group = p.runtime.group
        assert await committed(settings, group, topic.name) < 3
    finally:
        await p.close()
    assert await committed(settings, group, topic.name) == 3
