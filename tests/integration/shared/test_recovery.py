"""Consumers heal themselves and ``/health`` tells the truth, on a broker of the test's own
that is restarted (everything in it lost) or loses a topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from shared.contracts import Topic
from shared.devstack.broker import EmbeddedBroker, free_port
from shared.messaging.consumer import Envelope, Subscription
from shared.messaging.kafka import ensure_topics, topic_names
from shared.messaging.outbox import enqueue
from shared.platform import Platform
from shared.settings import Settings
from tests.infra import Infra, eventually, settings_on
from tests.integration.shared.test_messaging import Credit
from tests.kafka import publish

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    own = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    own.start()
    yield own
    own.stop()


@pytest.fixture
def fast(infra: Infra, broker: EmbeddedBroker, tmp_path: Path) -> Settings:
    return settings_on(
        infra,
        home=tmp_path / ".kefu",
        kafka_bootstrap=broker.bootstrap,
        consumer_check_seconds=0.5,
        consumer_stall_seconds=3.0,
        health_consumer_failing_seconds=1.0,
    )


async def crediting(name: str, settings: Settings, topic: Topic[Credit]) -> Platform:
    """A platform whose one subscription writes each credit into its ``credits`` table (made
    if missing: a second platform of the same name shares it)."""
    p = Platform(name, settings, None)
    await p.open(topics=[topic])
    async with p.pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS credits (account text, cents int)")

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        await conn.execute(
            "INSERT INTO credits VALUES ($1, $2)", env.payload.account, env.payload.cents
        )

    await p.consume([Subscription(topic, apply, name="credits")])
    return p


@pytest.fixture
async def credits(fast: Settings, unique: str) -> AsyncIterator[tuple[Platform, Topic[Credit]]]:
    topic = Topic(f"test.heal.{unique}.v1", Credit, key="account", summary="t", producer="test")
    p = await crediting(f"h{unique}", fast, topic)
    yield p, topic
    await p.close()


async def credit(p: Platform, topic: Topic[Credit], account: str) -> None:
    async with p.pool.acquire() as conn, conn.transaction():
        await enqueue(conn, topic, Credit(account=account, cents=1), source="/test")


async def applied(p: Platform, account: str) -> bool:
    async with p.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM credits WHERE account = $1", account))


async def test_a_consumer_carries_on_after_its_broker_restarts_empty(
    credits: tuple[Platform, Topic[Credit]], broker: EmbeddedBroker, fast: Settings
) -> None:
    p, topic = credits
    await credit(p, topic, "before")
    await eventually(lambda: applied(p, "before"), what="applied before the restart")

    broker.stop()
    broker.start()  # same port, nothing kept: no topics, no groups, no offsets
    await ensure_topics(fast, topic_names([topic]))

    await credit(p, topic, "after")
    await eventually(lambda: applied(p, "after"), within=45, what="applied after the restart")

    async def healthy() -> dict[str, Any] | None:
        report = await p.health()
        return report if report["status"] == "ok" else None

    report = await eventually(healthy, within=20, what="healthy again")
    assert report["checks"]["subscriptions"]["credits"]["state"] == "ok"
    assert report["checks"]["subscriptions"]["credits"]["last_commit_at"] is not None


async def test_a_lost_topic_makes_health_503_naming_it_then_the_consumer_rejoins(
    credits: tuple[Platform, Topic[Credit]], fast: Settings
) -> None:
    p, topic = credits
    await eventually(lambda: _state(p, "ok"), within=10, what="the subscription checked ok")
    admin = AIOKafkaAdminClient(bootstrap_servers=fast.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic.name])
        report = await eventually(
            lambda: _failing(p), within=15, what="health failing on the lost topic"
        )
        assert any(problem.startswith("consumer credits") for problem in report["problems"])
        sub = report["checks"]["subscriptions"]["credits"]
        assert sub["state"] == "failing" and topic.name in (sub["error"] or "")
    finally:
        await admin.close()
    await ensure_topics(fast, [topic.name])
    await credit(p, topic, "back")
    await eventually(lambda: applied(p, "back"), within=45, what="applied once the topic is back")
    await eventually(lambda: _state(p, "ok"), within=20, what="ok again")


async def _state(p: Platform, want: str) -> bool:
    report = await p.health()
    return bool(report["checks"]["subscriptions"]["credits"]["state"] == want)


async def _failing(p: Platform) -> dict[str, Any] | None:
    report = await p.health()
    return report if report["status"] != "ok" else None


async def test_what_was_sent_before_a_broker_restart_is_sent_again_and_applied_once(
    credits: tuple[Platform, Topic[Credit]], broker: EmbeddedBroker, fast: Settings
) -> None:
    p, topic = credits
    await credit(p, topic, "twice")
    await eventually(lambda: applied(p, "twice"), what="applied before the restart")
    assert p.relay is not None
    # the consumers' watchdog reads the cluster id for the relay: no request of its own
    assert not p.relay.looks_at_cluster
    await eventually(lambda: _cluster_known(p), within=10, what="the relay has seen the cluster id")

    old_cluster = broker.cluster_id
    broker.stop()
    broker.start()
    assert broker.cluster_id != old_cluster
    await ensure_topics(fast, topic_names([topic]))

    relay = p.relay
    await eventually(
        lambda: _true(relay.republished >= 1), within=20, what="the relay sent the row again"
    )
    consumer = AIOKafkaConsumer(
        topic.name, bootstrap_servers=fast.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        values = [r.value for records in batch.values() for r in records]
    finally:
        await consumer.stop()
    assert any(b'"twice"' in (v or b"") for v in values), values
    await asyncio.sleep(2 * fast.consumer_check_seconds)  # time to apply it a second time
    async with p.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM credits WHERE account = 'twice'") == 1


async def _cluster_known(p: Platform) -> bool:
    async with p.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM kafka_cluster"))


async def _true(value: bool) -> bool:
    return value


async def test_an_outbox_that_cannot_be_published_makes_health_503(
    infra: Infra, broker: EmbeddedBroker, tmp_path: Path, unique: str
) -> None:
    settings = settings_on(
        infra,
        home=tmp_path / ".kefu",
        kafka_bootstrap=broker.bootstrap,
        health_outbox_age_seconds=1.0,
    )
    p = Platform(f"o{unique}", settings, None)
    await p.open()
    try:
        nowhere = Topic(
            f"test.nowhere.{unique}.v1", Credit, key="account", summary="t", producer="t"
        )
        assert (await p.health())["status"] == "ok"
        await credit(p, nowhere, "stuck")  # a topic nobody created: the relay cannot send

        report = await eventually(lambda: _failing(p), within=15, what="health failing")
        assert any(problem.startswith("outbox:") for problem in report["problems"]), report
        assert report["checks"]["outbox"]["backlog"] == 1
    finally:
        await p.close()


async def test_offsets_settled_before_a_broker_restart_are_never_committed_to_the_new_one(
    infra: Infra, broker: EmbeddedBroker, tmp_path: Path, unique: str
) -> None:
    """A consumer's settled offsets belong to the broker (and the group membership) they
    were read from. The restarted broker numbers its messages from 0 again: offsets
    settled before, committed to its new group, would make the next reader of the group
    start past messages nobody read (in-app notices published right after the restart
    were lost that way in the fault suite)."""
    settings = settings_on(
        infra,
        home=tmp_path / ".kefu",
        kafka_bootstrap=broker.bootstrap,
        consumer_check_seconds=0.5,
        consumer_stall_seconds=3.0,
        # the offsets settled after the first commit wait out the interval: still
        # uncommitted when the broker goes
        kafka_commit_interval_ms=120_000,
    )
    topic = Topic(
        f"test.renumbered.{unique}.v1", Credit, key="account", summary="t", producer="test"
    )
    await ensure_topics(settings, topic_names([topic]))

    async def send(accounts: list[str]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        try:
            for account in accounts:  # one key: one partition, offsets in this order
                await publish(producer, topic.name, {"account": account, "cents": 1}, key="k")
        finally:
            await producer.stop()

    async def all_applied(p: Platform, accounts: list[str]) -> bool:
        async with p.pool.acquire() as conn:
            n = await conn.fetchval(
                "SELECT count(DISTINCT account) FROM credits WHERE account = ANY($1::text[])",
                accounts,
            )
        return bool(n == len(accounts))

    p = await crediting(f"r{unique}", settings, topic)
    try:
        await send(["first"])  # committed at once (the first after a quiet spell)
        await eventually(lambda: all_applied(p, ["first"]), what="the first applied")
        old = [f"old-{i}" for i in range(30)]
        await send(old)  # offsets 1-30, settled but not committed
        await eventually(lambda: all_applied(p, old), what="the old ones applied")

        broker.stop()
        broker.start()  # same port, nothing kept: offsets start at 0 again
        await ensure_topics(settings, topic_names([topic]))
        new = [f"new-{i}" for i in range(3)]
        await send(new)  # offsets 0-2 of the new broker
        await eventually(lambda: all_applied(p, new), within=45, what="the new ones applied")
    finally:
        await p.close()  # commits what settled

    late = [f"late-{i}" for i in range(40)]
    await send(late)  # offsets 3-42 of the new broker
    again = await crediting(
        f"r{unique}", settings, topic
    )  # the group's next reader starts from its committed offset
    try:
        await eventually(lambda: all_applied(again, late), within=45, what="every late one applied")
    finally:
        await again.close()
