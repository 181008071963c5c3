"""A service's one consumer splits each fetched batch by subscription (shared.messaging)."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from faststream.kafka import KafkaBroker

from shared.contracts import Contract, Topic
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.subscribe import by_subscription, subscribe
from shared.messaging.watchdog import ConsumerWatchdog
from shared.settings import Settings


class Record(NamedTuple):
    topic: str
    offset: int


async def _never(conn: Any, env: Any) -> None:
    raise AssertionError("not applied here")


def _sub(topic: str, batch_size: int | None = None) -> Subscription[Any]:
    t = Topic(topic, Contract, key="k", summary="s", producer="p")
    return Subscription(t, _never, name=topic.split(".")[0], batch_size=batch_size)


def test_a_batch_of_two_topics_becomes_each_subscriptions_batches_in_order() -> None:
    subs = {s.topic.name: s for s in (_sub("a.v1"), _sub("b.v1", batch_size=2))}
    records = [Record("a.v1", 1), Record("b.v1", 7), Record("a.v1", 2), Record("b.v1", 8)]
    records += [Record("b.v1", 9)]
    split = {sub.name: batches for sub, batches in by_subscription(records, subs, 100)}
    assert split == {
        "a": [[Record("a.v1", 1), Record("a.v1", 2)]],
        "b": [[Record("b.v1", 7), Record("b.v1", 8)], [Record("b.v1", 9)]],  # its own size
    }


def test_sending_a_command_makes_the_consumers_of_its_answers_expect_them() -> None:
    """Each consumer of a subscription that reads a command's answers is told when the
    process sends the command; other sends tell no one."""
    settings = Settings(kafka_fetch_wait_ms=3000, kafka_busy_fetch_wait_ms=10)
    commands = Topic("commands.v1", Contract, key="k", summary="s", producer="p")
    answers = Subscription(
        Topic("answers.v1", Contract, key="k", summary="s", producer="p"),
        _never,
        name="answers",
        answers=commands,
        consumers=2,
    )
    runtime = ConsumerRuntime("s", None, None, settings)
    broker = KafkaBroker("127.0.0.1:1")
    subscribe(
        broker,
        runtime,
        [answers, _sub("other.v1")],
        settings,
        ConsumerWatchdog(check_seconds=5, stall_seconds=10, join_timeout_seconds=60),
    )
    paces = [s.get_msg.__self__ for s in broker.subscribers]  # type: ignore[attr-defined]
    assert len(paces) == 2

    def waits() -> list[int]:
        return [p.fetch_wait(time.monotonic())[0] for p in paces]

    assert waits() == [3000, 3000]
    runtime.sent(["other.v1", "answers.v1"])
    assert waits() == [3000, 3000]  # no command of theirs
    runtime.sent(["commands.v1", "commands.v1"])
    assert waits() == [10, 10]
