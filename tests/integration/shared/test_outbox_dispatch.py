"""A unit of work's rows go from memory to its own process's relay once it commits: no
notification wakes the database's listeners, no relay pass reads them; what was rolled
back, or never written, does not go; what a dispatch could not publish, the relay does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from pydantic import Field

from shared.contracts import Contract, Topic
from shared.group_commit import GroupCommit
from shared.messaging import outbox
from shared.messaging.consumer import Envelope, Subscription
from shared.platform import Platform
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork, one_statement, unit_of_work
from tests.infra import eventually as until

pytestmark = pytest.mark.integration


class Credit(Contract):
    account: str
    cents: int = Field(gt=0)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def platform(
    settings: Settings, unique: str
) -> AsyncIterator[tuple[Platform, Topic[Credit]]]:
    topic = Topic(f"test.dispatch.{unique}.v1", Credit, key="account", summary="t", producer="t")
    p = Platform(f"d{unique}", settings, None)
    await p.open(topics=[topic])
    await p.pool.execute("CREATE TABLE credits (account text, cents int)")

    async def apply(conn: Any, env: Envelope[Credit]) -> None:
        await conn.execute(
            "INSERT INTO credits VALUES ($1, $2)", env.payload.account, env.payload.cents
        )

    await p.consume([Subscription(topic, apply, name="credits")])
    yield p, topic
    await p.close()


class Woken:
    """The notifications on the outbox's channel, heard on a connection of its own."""

    def __init__(self) -> None:
        self.heard = 0

    def __call__(self, *_: object) -> None:
        self.heard += 1


@pytest.fixture
async def woken(platform: tuple[Platform, Topic[Credit]]) -> AsyncIterator[Woken]:
    p, _ = platform
    heard = Woken()
    conn: asyncpg.Connection = await p.pool.acquire()
    await conn.add_listener(outbox.CHANNEL, heard)
    yield heard
    await conn.remove_listener(outbox.CHANNEL, heard)
    await p.pool.release(conn)


class Passes:
    """The relay's own passes: how many rows each found (``rows``: those that found any)."""

    def __init__(self, relay: outbox.OutboxRelay) -> None:
        self.taken: list[int] = []
        take = relay._take

        async def counted(conn: asyncpg.Connection) -> int:
            self.taken.append(await take(conn))
            return self.taken[-1]

        relay._take = counted  # type: ignore[method-assign]

    @property
    def rows(self) -> list[int]:
        return [n for n in self.taken if n]


async def credited(p: Platform, account: str) -> list[int]:
    rows = await p.pool.fetch("SELECT cents FROM credits WHERE account = $1", account)
    return [r["cents"] for r in rows]


async def unsent(p: Platform) -> int:
    return int(await p.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))


async def test_a_units_rows_go_from_memory_and_wake_no_listener(platform, woken) -> None:
    p, topic = platform
    passes = Passes(p.relay)
    async with unit_of_work(p.pool, now, "/t") as uow:
        assert uow.relay is p.relay
        await uow.publish(topic, Credit(account="a", cents=1))
        await uow.publish(topic, Credit(account="a", cents=2))
    await until(lambda: credited(p, "a"), what="credited")
    await until(lambda: _zero(unsent(p)), what="marked sent")
    assert sorted(await credited(p, "a")) == [1, 2]
    assert woken.heard == 0
    assert passes.rows == []  # the relay did not read them


async def _true(value: Any) -> bool:
    return bool(value)


async def _zero(count: Any) -> bool:
    return bool(await count == 0)


async def test_a_unit_rolled_back_sends_nothing(platform) -> None:
    p, topic = platform
    with pytest.raises(RuntimeError):
        async with unit_of_work(p.pool, now, "/t") as uow:
            await uow.publish(topic, Credit(account="gone", cents=1))
            raise RuntimeError("changed its mind")
    async with unit_of_work(p.pool, now, "/t") as uow:  # a later one, to wait for
        await uow.publish(topic, Credit(account="later", cents=1))
    await until(lambda: credited(p, "later"), what="the later unit's credit")
    assert await credited(p, "gone") == []
    # the later one's dispatch ends (published, marked); the rolled-back row was never
    # handed over, so nothing stays
    await until(lambda: _true(not p.relay.dispatching), what="the dispatch's end")
    assert await unsent(p) == 0


GATED = f"WITH {outbox.queueing(1, when='$7::boolean')} SELECT 1"
"""A statement whose outbox row is written only when ``$7``."""


async def test_a_gated_row_goes_only_once_said_written(platform, woken) -> None:
    p, topic = platform
    passes = Passes(p.relay)
    async with unit_of_work(p.pool, now, "/t") as uow:
        row = uow.outgoing(topic, Credit(account="shut", cents=1), gated=True)
        await uow.conn.execute(GATED, *row, False)  # not written: nothing to say
    # the relay was woken to look for it, in case: a pass that runs while the next unit
    # commits could take that unit's row before its dispatch (sent twice, once applied)
    await until(lambda: _true(passes.taken), what="the relay's look")
    async with unit_of_work(p.pool, now, "/t") as uow:
        row = uow.outgoing(topic, Credit(account="open", cents=2), gated=True)
        await uow.conn.execute(GATED, *row, True)
        uow.written(row)
    await until(lambda: credited(p, "open"), what="the written row's credit")
    await until(lambda: _zero(unsent(p)), what="marked sent")
    assert await credited(p, "shut") == []
    assert passes.rows == []  # the unwritten one's relay pass found nothing
    assert woken.heard == 0


async def test_a_gated_row_written_but_not_said_so_goes_by_the_relay(platform) -> None:
    p, topic = platform
    passes = Passes(p.relay)
    async with unit_of_work(p.pool, now, "/t") as uow:
        row = uow.outgoing(topic, Credit(account="unsaid", cents=3), gated=True)
        await uow.conn.execute(GATED, *row, True)
    await until(lambda: credited(p, "unsaid"), what="the relay's credit")
    assert passes.rows == [1]


async def test_what_a_dispatch_could_not_publish_the_relay_does(platform) -> None:
    p, topic = platform
    passes = Passes(p.relay)
    publish = p.relay._publish
    failed: list[int] = []

    async def once_away(rows: list[outbox.Message]) -> None:
        if not failed:
            failed.append(len(rows))
            raise ConnectionError("the broker is away")
        await publish(rows)

    p.relay._publish = once_away
    async with unit_of_work(p.pool, now, "/t") as uow:
        await uow.publish(topic, Credit(account="retried", cents=4))
    await until(lambda: credited(p, "retried"), what="the relay's credit")
    assert failed == [1]
    assert passes.rows == [1]
    await asyncio.sleep(0.3)
    assert await credited(p, "retried") == [4]  # once


async def test_a_relay_pass_leaves_alone_what_is_being_dispatched(platform) -> None:
    p, topic = platform
    await p.relay.stop()  # the test's passes take the rows, when it says
    async with p.pool.acquire() as conn:
        uow = UnitOfWork(conn, now, "/t")  # no relay: a row as a tool writes it
        await uow.publish(topic, Credit(account="tool", cents=5))
        held = await conn.fetchval("SELECT ce_id FROM outbox WHERE sent_at IS NULL")
    p.relay.dispatching.add(held)
    try:
        assert await p.relay.relay_once() == 0
    finally:
        p.relay.dispatching.discard(held)
    assert await p.relay.relay_once() == 1


async def test_a_group_commit_dispatches_only_the_units_that_committed(platform, woken) -> None:
    p, topic = platform
    steps = GroupCommit(p.pool, now, "/t")

    async def good(uow: UnitOfWork) -> None:
        await uow.publish(topic, Credit(account="batch", cents=6))

    async def bad(uow: UnitOfWork) -> None:
        await uow.publish(topic, Credit(account="batch", cents=7))
        raise ValueError("refused")

    results = await asyncio.gather(
        steps.run(good), steps.run(bad), steps.run(good), return_exceptions=True
    )
    assert [type(r) for r in results] == [type(None), ValueError, type(None)]
    await until(lambda: _count(credited(p, "batch"), 2), what="both good units' credits")
    await asyncio.sleep(0.3)
    assert sorted(await credited(p, "batch")) == [6, 6]
    assert woken.heard == 0


async def _count(got: Any, n: int) -> bool:
    return len(await got) == n


ONE_CREDIT = f"WITH {outbox.queueing(1)} INSERT INTO credits VALUES ('direct', 9)"
"""A statement that writes a row of its own and queues a message with it."""


async def test_a_unit_of_one_statement_commits_it_alone_and_dispatches(platform, woken) -> None:
    p, topic = platform
    async with one_statement(p.pool, now, "/t") as uow:
        row = uow.outgoing(topic, Credit(account="alone", cents=8))
        await uow.conn.execute(ONE_CREDIT, *row)
        assert await p.pool.fetchval("SELECT count(*) FROM credits WHERE account = 'direct'") == 1
    await until(lambda: credited(p, "alone"), what="the statement's message")
    assert woken.heard == 0


async def test_a_unit_of_one_statement_refuses_a_second(platform) -> None:
    p, topic = platform
    with pytest.raises(RuntimeError, match="second"):
        async with one_statement(p.pool, now, "/t") as uow:
            row = uow.outgoing(topic, Credit(account="first", cents=1))
            await uow.conn.execute(ONE_CREDIT, *row)
            await uow.conn.execute("INSERT INTO credits VALUES ('second', 1)")
    # the first committed (its message goes); the second was never sent
    await until(lambda: credited(p, "first"), what="the first statement's message")
    assert await credited(p, "second") == []


async def test_rows_handed_to_a_relay_not_dispatching_go_by_its_passes(platform) -> None:
    p, topic = platform
    passes = Passes(p.relay)
    dispatcher = p.relay._dispatcher
    assert dispatcher is not None
    dispatcher.cancel()  # as if its task had ended
    with contextlib.suppress(asyncio.CancelledError):
        await dispatcher
    async with unit_of_work(p.pool, now, "/t") as uow:
        await uow.publish(topic, Credit(account="undispatched", cents=10))
    await until(lambda: credited(p, "undispatched"), what="the relay's credit")
    assert passes.rows == [1]
