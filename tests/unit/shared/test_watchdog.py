"""The consumer watchdog's rule: re-create a consumer only after it has failed for the stall
limit, then wait a doubling pause; one recovery resets it."""

from __future__ import annotations

from typing import Any

from shared.messaging.watchdog import ConsumerWatchdog


class Subscriber:
    """Stands in for a FastStream subscriber: counts its restarts."""

    def __init__(self) -> None:
        self.consumer: Any = None
        self.restarts = 0

    async def start(self) -> None:
        self.restarts += 1

    async def stop(self) -> None:
        return None


async def test_rejoins_after_the_stall_limit_then_backs_off() -> None:
    watchdog = ConsumerWatchdog(check_seconds=1, stall_seconds=10, join_timeout_seconds=5)
    state = watchdog.track({"credits": "t.v1"}, "kefu-x")
    subscriber = Subscriber()
    state.subscriber = subscriber
    state.failed("topic t.v1 does not exist")
    assert not await watchdog.heal(state)  # failing, but not for long

    assert state.failing_since is not None
    state.failing_since -= 11
    assert await watchdog.heal(state)
    assert (subscriber.restarts, state.rejoins) == (1, 1)
    assert not await watchdog.heal(state)  # the pause after a rejoin

    state._next_rejoin = 0
    assert await watchdog.heal(state)
    assert state._pause == 20  # doubled

    state.checked()
    assert state.report("t.v1")["state"] == "ok" and state.error is None and state._pause == 0
    assert watchdog.failing_longer_than(0) == []


async def test_the_report_shows_the_worst_consumer_of_a_subscription() -> None:
    watchdog = ConsumerWatchdog(check_seconds=1, stall_seconds=10, join_timeout_seconds=5)
    fine = watchdog.track({"ingest": "t.v1", "saga": "s.v1"}, "g")
    sick = watchdog.track({"ingest": "t.v1", "saga": "s.v1"}, "g")
    fine.checked()
    sick.failed("no partitions assigned")
    report = watchdog.report()
    assert report["ingest"]["state"] == "failing"
    assert report["ingest"]["error"] == "no partitions assigned"
    assert report["saga"]["topic"] == "s.v1" and report["saga"]["state"] == "failing"
    assert watchdog.failing_longer_than(-1) == [sick]
