"""A service's one consumer splits each fetched batch by subscription (shared.messaging)."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from shared.contracts import Contract, Topic
from shared.messaging.consumer import Subscription
from shared.messaging.subscribe import by_subscription, members


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


def test_a_subscription_asking_for_two_consumers_has_them_to_itself() -> None:
    busy = dataclasses.replace(_sub("i.v1"), consumers=2)
    answer, other = _sub("a.v1"), _sub("o.v1")
    assert members([busy, answer, other]) == [[answer, other], [busy], [busy]]
    assert members([busy]) == [[busy], [busy]]
    assert members([answer]) == [[answer]]
