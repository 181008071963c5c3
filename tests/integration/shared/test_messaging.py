"""The shared messaging platform on a real PostgreSQL and broker: outbox → Kafka →
consumer, once per message however often it arrives; poison to the DLQ; parked
messages retried until they apply; the relay's pass published at once, one batch per
partition, each key where the producer's ``send`` would put it, in order."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import Field

from shared.contracts import Contract, Topic
from shared.db.after_commit import after_commit
from shared.errors import DomainError, RetryLater
from shared.messaging import cloudevents
from shared.messaging import outbox as outbox_module
from shared.messaging.consumer import ConsumerRuntime, Envelope, Subscription, one_by_one
from shared.messaging.kafka import client_options
from shared.messaging.outbox import OutboxRelay, enqueue
from shared.platform import Platform
from shared.settings import Settings
from shared.telemetry import continuing, current_trace_id, tracer
from tests.infra import eventually as until
from tests.kafka import TopicWatcher, consumed, fields
from tests.statements import Recorded

pytestmark = pytest.mark.integration


class Credit(Contract):
    account: str
    cents: int = Field(gt=0)


Together = tuple[Platform, ConsumerRuntime, Recorded, Subscription[Credit], list[str]]
"""A runtime applying a subscription ``together``, its recorded statements, and the
accounts whose credits the handler counted after the commit."""


@pytest.fixture
async def platform(
    settings: Settings, unique: str
) -> AsyncIterator[tuple[Platform, Topic[Credit]]]:
    topic = Topic(f"test.credit.{unique}.v1", Credit, key="account", summary="t", producer="test")
    p = Platform(f"t{unique}", settings, None)
    await p.open(topics=[topic])
    async with p.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE credits (account text, cents int, ce_id text);"
            "CREATE TABLE gate (open boolean); INSERT INTO gate VALUES (false)"
        )

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        if env.payload.account == "poison-rule":
            raise DomainError("this account can never be credited", code="account_closed")
        if env.payload.account == "later" and not await conn.fetchval("SELECT open FROM gate"):
            raise RetryLater("gate closed")
        await conn.execute(
            "INSERT INTO credits VALUES ($1, $2, $3)",
            env.payload.account,
            env.payload.cents,
            env.meta.id,
        )

    async def apply_batch(conn: Any, envs: list[Envelope[Credit]]) -> None:
        for env in envs:
            await apply(conn, env)

    await p.consume([Subscription(topic, apply, name="credits", batch_handler=apply_batch)])
    yield p, topic
    await p.close()


async def raw_publish(
    settings: Settings, topic: str, value: bytes, headers: dict[str, str]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"k", headers=cloudevents.encode(headers))
    finally:
        await producer.stop()


async def read_dlq(settings: Settings, topic: str, n: int) -> list[Any]:
    """The first ``n`` records of ``topic`` (a dead-letter topic, or any)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        got: list[Any] = []
        async with asyncio.timeout(20):
            while len(got) < n:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    got += records
        return got
    finally:
        await consumer.stop()


async def test_outbox_message_applied_once_even_when_redelivered(platform, settings) -> None:
    p, topic = platform
    async with p.pool.acquire() as conn, conn.transaction():
        ce_id = await enqueue(conn, topic, Credit(account="a1", cents=100), source="/test")

    async def applied() -> bool:
        return bool(await p.pool.fetchval("SELECT count(*) FROM credits WHERE account='a1'"))

    await until(applied)
    # the same message again, as at-least-once delivery may bring it
    headers = cloudevents.make_headers(ce_type=topic.ce_type, source="/test", ce_id=ce_id)
    await raw_publish(settings, topic.name, b'{"account":"a1","cents":100}', headers)
    await raw_publish(
        settings, topic.name, b'{"account":"a2","cents":5}', {**headers, "ce_id": "x2"}
    )
    await until(lambda: _count(p, "a2"))
    assert await p.pool.fetchval("SELECT count(*) FROM credits WHERE account='a1'") == 1
    assert await p.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


async def _count(p: Platform, account: str) -> bool:
    return bool(await p.pool.fetchval("SELECT count(*) FROM credits WHERE account=$1", account))


async def test_poison_messages_go_to_dlq_and_consumer_carries_on(platform, settings) -> None:
    p, topic = platform
    ok = cloudevents.make_headers(ce_type=topic.ce_type, source="/test")
    await raw_publish(settings, topic.name, b"not json", ok)
    await raw_publish(settings, topic.name, b'{"account":"x","cents":-1}', {**ok, "ce_id": "neg"})
    await raw_publish(settings, topic.name, b'{"account":"x","cents":1}', {"ce_type": "t"})
    await raw_publish(
        settings, topic.name, b'{"account":"poison-rule","cents":1}', {**ok, "ce_id": "r"}
    )
    await raw_publish(
        settings, topic.name, b'{"account":"after","cents":1}', {**ok, "ce_id": "after"}
    )
    await until(lambda: _count(p, "after"))
    dlq = await read_dlq(settings, topic.dlq, 4)
    reasons = sorted(dict(cloudevents.decode(r.headers))["kefu_dlq_reason"] for r in dlq)
    assert reasons == ["account_closed", "invalid_headers", "invalid_payload", "invalid_payload"]
    first = cloudevents.decode(dlq[0].headers)
    assert first["kefu_dlq_topic"] == topic.name and first["kefu_dlq_consumer"] == "credits"
    assert await p.pool.fetchval("SELECT count(*) FROM credits WHERE account <> 'after'") == 0


async def test_retry_later_is_parked_then_applied(platform, settings) -> None:
    p, topic = platform
    headers = cloudevents.make_headers(ce_type=topic.ce_type, source="/test")
    await raw_publish(
        settings, topic.name, json.dumps({"account": "later", "cents": 7}).encode(), headers
    )

    async def parked() -> bool:
        return bool(await p.pool.fetchval("SELECT count(*) FROM parked_messages"))

    await until(parked)
    assert not await _count(p, "later")
    await p.pool.execute("UPDATE gate SET open = true")
    await until(lambda: _count(p, "later"))
    assert await p.pool.fetchval("SELECT count(*) FROM parked_messages") == 0


async def test_a_batch_settled_one_by_one_parks_only_the_message_that_failed(
    settings: Settings, unique: str
) -> None:
    """The pattern of batch handlers with outside effects: each message in a savepoint,
    the one that fails parked alone; its batch-mates' outside calls happen once."""
    topic = Topic(f"test.calls.{unique}.v1", Credit, key="account", summary="t", producer="test")
    p = Platform(f"c{unique}", settings, None)
    await p.open(topics=[topic])
    await p.pool.execute(
        "CREATE TABLE calls (account text PRIMARY KEY, n int);"
        "CREATE TABLE credits (account text, cents int);"
        "CREATE TABLE gate (open boolean); INSERT INTO gate VALUES (false)"
    )

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        # an outside system: its own connection, committed whatever becomes of ours
        await p.pool.execute(
            "INSERT INTO calls VALUES ($1, 1) ON CONFLICT (account) DO UPDATE SET n = calls.n + 1",
            env.payload.account,
        )
        if env.payload.account == "later" and not await conn.fetchval("SELECT open FROM gate"):
            raise RetryLater("gate closed")
        await conn.execute(
            "INSERT INTO credits VALUES ($1, $2)", env.payload.account, env.payload.cents
        )

    async def apply_batch(conn: Any, envs: list[Envelope[Credit]]) -> Any:
        return await one_by_one(conn, envs, apply)

    try:
        async with p.pool.acquire() as conn, conn.transaction():
            for account in ("a", "b", "later", "c", "d"):
                await enqueue(conn, topic, Credit(account=account, cents=1), source="/test")
        await p.consume([Subscription(topic, apply, name="calls", batch_handler=apply_batch)])

        async def parked_alone() -> bool:
            rows = await p.pool.fetchval("SELECT count(*) FROM parked_messages")
            done = await p.pool.fetchval("SELECT count(*) FROM credits")
            return bool(rows == 1 and done == 4)

        await until(parked_alone, what="four applied, one parked")
        await p.pool.execute("UPDATE gate SET open = true")
        await until(lambda: _count(p, "later"), what="the parked one applied")
        calls = {r["account"]: r["n"] for r in await p.pool.fetch("SELECT * FROM calls")}
        assert {k: v for k, v in calls.items() if k != "later"} == dict.fromkeys("abcd", 1)
        assert await p.pool.fetchval("SELECT count(*) FROM credits") == 5
    finally:
        await p.close()


@pytest.fixture
async def together(settings: Settings, unique: str) -> AsyncIterator[Together]:
    """A runtime of its own (nothing consuming) whose statements are recorded, with a
    subscription applied ``together``: it credits, records the trace it ran in and the
    times it ran, refuses "poison-rule" for good and "later" for now."""
    topic = Topic(f"test.together.{unique}.v1", Credit, key="account", summary="t", producer="t")
    p = Platform(f"g{unique}", settings, None)
    await p.open(topics=[topic])
    await p.pool.execute(
        "CREATE TABLE credits (account text, trace_id text); CREATE TABLE runs (account text)"
    )

    counted: list[str] = []

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        await p.pool.execute("INSERT INTO runs VALUES ($1)", env.payload.account)
        if env.payload.account == "poison-rule":
            raise DomainError("this account can never be credited", code="account_closed")
        if env.payload.account == "later":
            raise RetryLater("gate closed")
        await conn.execute(
            "INSERT INTO credits VALUES ($1, $2)", env.payload.account, current_trace_id()
        )
        after_commit(functools.partial(counted.append, env.payload.account))

    recorded = Recorded(p.pool)
    runtime = ConsumerRuntime(p.service, recorded, p.producer, settings)
    sub = Subscription(topic, apply, name="together", together=True)
    runtime.add(sub)
    try:
        yield p, runtime, recorded, sub, counted
    finally:
        await p.close()


def _credits(topic: Topic[Credit], *accounts: str) -> tuple[list[Any], list[str]]:
    """Records of these accounts' credits as Kafka hands them over, and their trace ids."""
    traces = [uuid.uuid4().hex for _ in accounts]
    records = [
        consumed(
            topic.name,
            {"account": account, "cents": 1},
            key=account,
            offset=i,
            ce_type=topic.ce_type,
            traceparent=f"00-{trace}-b7ad6b7169203331-01",
        )
        for i, (account, trace) in enumerate(zip(accounts, traces, strict=True))
    ]
    return records, traces


async def test_a_batch_applied_together_takes_no_savepoint_and_each_message_keeps_its_trace(
    together: Together,
) -> None:
    p, runtime, recorded, sub, _ = together
    records, traces = _credits(sub.topic, "a", "b", "c", "d")
    await runtime.process(sub, [*records, records[1]])  # b twice in the batch
    await runtime.process(sub, records[2:])  # c and d again: seen
    rows = await p.pool.fetch("SELECT account, trace_id FROM credits ORDER BY account")
    assert [(r["account"], r["trace_id"]) for r in rows] == list(zip("abcd", traces, strict=True))
    assert recorded.savepoints() == 0
    # the first batch: begin, the inbox claim, four credits, commit; the second: begin,
    # the claim that finds both seen, commit
    assert len(recorded.statements) == 7 + 3, recorded.statements


async def test_a_message_failing_in_a_batch_applied_together_is_settled_alone(
    together: Together,
) -> None:
    p, runtime, recorded, sub, counted = together
    records, _ = _credits(sub.topic, "a", "later", "b", "poison-rule", "c")
    await runtime.process(sub, records)
    credited = await p.pool.fetch("SELECT account FROM credits ORDER BY account")
    assert [r["account"] for r in credited] == ["a", "b", "c"]
    parked = await p.pool.fetch("SELECT consumer, ce_id FROM parked_messages")
    assert [(r["consumer"], r["ce_id"]) for r in parked] == [("together", records[1].ce_id)]
    [letter] = await read_dlq(p.settings, sub.topic.dlq, 1)
    assert dict(cloudevents.decode(letter.headers))["kefu_dlq_reason"] == "account_closed"
    seen = await p.pool.fetch("SELECT ce_id FROM inbox WHERE consumer = 'together'")
    assert {r["ce_id"] for r in seen} == {records[i].ce_id for i in (0, 2, 4)}
    # the first run stopped at "later" and was rolled back; the second took a savepoint each
    runs = await p.pool.fetch("SELECT account FROM runs")
    assert sorted(r["account"] for r in runs) == sorted(
        ["a", "later", "a", "later", "b", "poison-rule", "c"]
    )
    assert recorded.savepoints() == 5
    # what the handler counts is counted once, after the commit: "a" ran twice
    assert sorted(counted) == ["a", "b", "c"]


async def test_one_consumer_group_reads_every_subscription_of_a_service(
    settings: Settings, unique: str
) -> None:
    """A service's subscriptions share one Kafka consumer: each record reaches its own
    topic's handler, a poison one goes to its own topic's DLQ under its own subscription,
    and /health still reports each subscription."""
    credits = Topic(f"test.both.c.{unique}.v1", Credit, key="account", summary="c", producer="t")
    debits = Topic(f"test.both.d.{unique}.v1", Credit, key="account", summary="d", producer="t")
    p = Platform(f"b{unique}", settings, None)
    await p.open(topics=[credits, debits])
    await p.pool.execute("CREATE TABLE moves (account text, kind text, ce_id text)")

    def recording(kind: str) -> Any:
        async def apply(conn: Any, env: Envelope[Credit]) -> None:
            await conn.execute(
                "INSERT INTO moves VALUES ($1, $2, $3)", env.payload.account, kind, env.meta.id
            )

        return apply

    try:
        async with p.pool.acquire() as conn, conn.transaction():
            for account in ("a", "b", "c"):
                await enqueue(conn, credits, Credit(account=account, cents=1), source="/test")
                await enqueue(conn, debits, Credit(account=account, cents=1), source="/test")
        await p.consume(
            [
                Subscription(credits, recording("credit"), name="credits"),
                Subscription(debits, recording("debit"), name="debits", batch_size=2),
            ]
        )
        assert p.broker is not None and len(p.broker.subscribers) == 1
        ok = cloudevents.make_headers(ce_type=debits.ce_type, source="/test")
        await raw_publish(settings, debits.name, b"not json", ok)

        async def all_applied() -> bool:
            return bool(await p.pool.fetchval("SELECT count(*) FROM moves") == 6)

        await until(all_applied, what="three credits and three debits")
        moves = await p.pool.fetch("SELECT account, kind FROM moves ORDER BY kind, account")
        assert [tuple(m) for m in moves] == [
            (a, k) for k in ("credit", "debit") for a in ("a", "b", "c")
        ]
        [dead] = await read_dlq(settings, debits.dlq, 1)
        headers = cloudevents.decode(dead.headers)
        assert (headers["kefu_dlq_reason"], headers["kefu_dlq_consumer"]) == (
            "invalid_payload",
            "debits",
        )
        subscriptions = (await p.health())["checks"]["subscriptions"]
        assert {name: s["topic"] for name, s in subscriptions.items()} == {
            "credits": credits.name,
            "debits": debits.name,
        }
        assert {s["group"] for s in subscriptions.values()} == {f"kefu-b{unique}"}
    finally:
        await p.close()


async def test_relay_publishes_batches_in_order_and_stops_at_a_short_one(
    platform, settings
) -> None:
    """Rows go out in id order across batches, each marked sent; a batch shorter than the
    batch size drained the outbox, so no pass follows it just to find nothing."""
    p, topic = platform
    assert p.relay is not None
    await p.relay.stop()  # the platform's own relay would take the rows first
    relay = OutboxRelay(p.pool, p.producer, batch_size=3)
    passes: list[int] = []
    take = relay._take

    async def counted(conn: Any) -> int:
        passes.append(await take(conn))
        return passes[-1]

    relay._take = counted  # type: ignore[method-assign]
    async with p.pool.acquire() as conn, conn.transaction():
        for cents in range(1, 8):
            await enqueue(conn, topic, Credit(account="ordered", cents=cents), source="/test")
    await relay.start()
    try:
        await until(lambda: _sum(p, "ordered", 28))
        await asyncio.sleep(0.3)  # a pass after the short one would have run by now
        assert passes == [3, 3, 1]
        assert await p.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
        got = await p.pool.fetch("SELECT cents FROM credits WHERE account = 'ordered'")
        assert [r["cents"] for r in got] == list(range(1, 8))  # one key: applied in order
    finally:
        await relay.stop()


async def _sum(p: Platform, account: str, cents: int) -> bool:
    total = await p.pool.fetchval("SELECT sum(cents) FROM credits WHERE account=$1", account)
    return bool(total == cents)


async def test_a_relay_pass_goes_at_once_in_order_on_the_partitions_send_would_choose(
    platform, settings
) -> None:
    p, topic = platform
    await p.relay.stop()  # the test's relay publishes, when the test says
    keys = [f"account-{i}" for i in range(12)]
    # a linger far longer than the test: a message left to the producer's linger would
    # not be acknowledged in time; and a batch size that makes some partitions need two
    producer = AIOKafkaProducer(**client_options(settings), linger_ms=600_000, max_batch_size=2048)
    await producer.start()
    relay = OutboxRelay(p.pool, producer)
    try:
        async with p.pool.acquire() as conn, conn.transaction():
            for n in range(1, 241):
                await enqueue(conn, topic, Credit(account=keys[n % 12], cents=n), source="/t")
        async with asyncio.timeout(20):
            assert await relay.relay_once() == 240
        # where the producer's own send puts each key (with no linger to wait out)
        plain = AIOKafkaProducer(**client_options(settings))
        await plain.start()
        try:
            chosen = {
                key: (await plain.send_and_wait(topic.name, b"{}", key=key.encode())).partition
                for key in keys
            }
        finally:
            await plain.stop()
    finally:
        await producer.stop()

    records = [r for r in await read_dlq(settings, topic.name, 252) if r.value != b"{}"]
    credits = [(r, Credit.model_validate_json(r.value)) for r in records]
    assert sorted(c.cents for _, c in credits) == list(range(1, 241))  # every row once
    for key in keys:
        mine = sorted((r.partition, r.offset, c.cents) for r, c in credits if c.account == key)
        assert {partition for partition, _, _ in mine} == {chosen[key]}
        assert [n for _, _, n in mine] == sorted(n for _, _, n in mine)  # written order


async def test_a_busy_topics_own_consumers_read_it_alone_in_the_services_group(
    settings: Settings, unique: str
) -> None:
    """A subscription that asks for two consumers has them to itself: they share its
    partitions and read no other topic (each record of the others would cost each of them
    a fetch), the service's other subscriptions share one consumer, all in one group, every
    partition read by one member, every record applied."""
    made = {
        kind: Topic(
            f"test.lanes.{kind}.{unique}.v1", Credit, key="account", summary=kind, producer="t"
        )
        for kind in ("ingest", "answer", "other")
    }
    p = Platform(f"l{unique}", settings, None)
    await p.open(topics=list(made.values()))
    await p.pool.execute("CREATE TABLE moves (account text, kind text)")

    def recording(kind: str) -> Any:
        async def apply(conn: Any, env: Envelope[Credit]) -> None:
            await conn.execute("INSERT INTO moves VALUES ($1, $2)", env.payload.account, kind)

        return apply

    try:
        async with p.pool.acquire() as conn, conn.transaction():
            for account in ("a", "b", "c", "d", "e", "f"):
                for topic in made.values():
                    await enqueue(conn, topic, Credit(account=account, cents=1), source="/t")
        await p.consume(
            [
                Subscription(made["ingest"], recording("ingest"), name="ingest", consumers=2),
                Subscription(made["answer"], recording("answer"), name="answer"),
                Subscription(made["other"], recording("other"), name="other"),
            ]
        )

        async def all_applied() -> bool:
            return bool(await p.pool.fetchval("SELECT count(*) FROM moves") == 18)

        await until(all_applied, what="six records of each topic")
        states = p.watchdog.states
        assert sorted(sorted(s.topics) for s in states) == [
            ["answer", "other"],
            ["ingest"],
            ["ingest"],
        ]

        async def assigned() -> bool:
            owned = [s.subscriber.consumer.assignment() for s in states if s.subscriber]
            return len(owned) == 3 and all(owned)

        await until(assigned, what="each member has partitions")
        seen: list[Any] = []
        for state in states:
            assert state.subscriber is not None
            mine = state.subscriber.consumer.assignment()
            assert {tp.topic for tp in mine} <= set(state.topics.values()), state.topics
            seen += mine
        assert len(seen) == len(set(seen))  # a partition has one reader
        assert {tp.topic for tp in seen} == {t.name for t in made.values()}
        assert {s.group for s in states} == {f"kefu-l{unique}"}
    finally:
        await p.close()


async def test_a_relay_pass_commits_its_mark_without_waiting_for_the_disk(platform) -> None:
    """The relay is one pass at a time on every message's way: a pass that waited for its
    mark's WAL flush held the next one back. A lost mark only sends its rows again."""
    p, topic = platform
    await p.relay.stop()  # the test's relay publishes, when the test says
    recorded = Recorded(p.pool)
    relay = OutboxRelay(recorded, p.producer)
    async with p.pool.acquire() as conn, conn.transaction():
        await enqueue(conn, topic, Credit(account="unflushed", cents=1), source="/t")
    recorded.statements.clear()
    async with asyncio.timeout(20):
        assert await relay.relay_once() == 1
    # the setting comes with the BEGIN, a round trip as a BEGIN alone
    assert recorded.statements[0] == "BEGIN; SET LOCAL synchronous_commit = off"
    assert recorded.statements[-1] == "COMMIT"
    assert len(recorded.statements) == 3  # BEGIN, the mark, COMMIT
    assert await relay.relay_once() == 0  # marked sent, committed


async def test_a_pass_followed_at_once_commits_in_the_next_ones_begin(platform) -> None:
    """A message queued while a pass publishes (its notification came during the pass)
    sends the relay round at once: that pass's COMMIT goes with the next one's BEGIN, one
    round trip where there were two; the last pass, with nothing queued during it, commits
    alone."""
    p, topic = platform
    await p.relay.stop()  # the test's relay publishes
    relay = OutboxRelay(p.pool, p.producer)
    recorded = Recorded(p.pool)
    relay._pool = recorded  # the passes'; the listener's own pool
    relay._last_purge = asyncio.get_running_loop().time()  # no purge in between
    publish, queued = relay._publish, [2, 3]

    async def woken() -> bool:
        return relay._wake.is_set()

    async def publish_and_queue(rows: Any) -> None:
        await publish(rows)
        if queued:
            await enqueue(
                p.pool, topic, Credit(account="chained", cents=queued.pop(0)), source="/t"
            )
            await until(woken, what="the notification, during the pass")

    relay._publish = publish_and_queue  # type: ignore[method-assign]
    await enqueue(p.pool, topic, Credit(account="chained", cents=1), source="/t")
    await relay.start()
    try:
        await until(lambda: _sum(p, "chained", 6), what="three credits")
        await asyncio.sleep(0.3)  # a pass after the last would have run by now
    finally:
        await relay.stop()
    begin = "BEGIN; SET LOCAL synchronous_commit = off"
    assert recorded.statements[0] == begin
    assert recorded.statements[2::2] == [f"COMMIT; {begin}", f"COMMIT; {begin}", "COMMIT"]
    assert len(recorded.statements) == 7  # BEGIN, three takes, two chained commits, COMMIT
    assert await p.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


@pytest.mark.parametrize("read", [False, True])
async def test_a_relay_pass_builds_publish_spans_only_when_one_may_be_recorded(
    platform, settings, monkeypatch: pytest.MonkeyPatch, read: bool
) -> None:
    """Without a reader of spans (no OTLP endpoint, as ``kefu up`` runs) each message's
    publish span was built for nothing; the message carries the writer's trace either way."""
    p, topic = platform
    await p.relay.stop()  # the test's relay publishes
    relay = OutboxRelay(p.pool, p.producer)
    started: list[str] = []
    real = tracer

    def counting(name: str) -> Any:
        started.append(name)
        return real(name)

    monkeypatch.setattr(outbox_module, "spans_recorded", lambda: read, raising=False)
    monkeypatch.setattr(outbox_module, "tracer", counting)
    writer = f"00-{uuid.uuid4().hex}-b7ad6b7169203331-01"
    with continuing(writer, "the request that writes the row"):
        await enqueue(p.pool, topic, Credit(account=f"traced-{read}", cents=1), source="/t")
    async with TopicWatcher(settings.kafka_bootstrap, topic.name) as seen:
        async with asyncio.timeout(20):
            assert await relay.relay_once() == 1
        [(_, headers)] = await seen.wait(topic.name, fields(account=f"traced-{read}"))
    assert len(started) == (1 if read else 0)
    assert headers["traceparent"].split("-")[1] == writer.split("-")[1]
