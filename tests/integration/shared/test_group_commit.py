"""Group commit (shared.group_commit): units of work that arrive together commit in one
transaction, without savepoints unless one fails; a caller hears back only once its batch
has committed; one that fails fails alone; one that lost a lock conflict runs again alone."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import asyncpg
import pytest

from shared.db.pool import create_pool, ensure_database
from shared.group_commit import GroupCommit, Work
from shared.settings import Settings
from shared.timestamps import utc_now
from shared.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration

caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="none")


@pytest.fixture
async def pool(settings: Settings, unique: str) -> AsyncIterator[asyncpg.Pool]:
    url = settings.database_url_for(f"group{unique}")
    await ensure_database(url)
    pool = await create_pool(url, max_size=4)
    await pool.execute("CREATE TABLE IF NOT EXISTS steps (name text PRIMARY KEY)")
    try:
        yield pool
    finally:
        await pool.close()


def group(pool: asyncpg.Pool) -> GroupCommit:
    return GroupCommit(pool, utc_now, "/test")


async def names(pool: asyncpg.Pool) -> set[str]:
    return {r["name"] for r in await pool.fetch("SELECT name FROM steps")}


async def test_units_that_arrive_together_share_one_transaction(pool: asyncpg.Pool) -> None:
    commits = group(pool)

    async def one(i: int) -> int:
        async def work(uow: UnitOfWork) -> int:
            await uow.conn.execute("INSERT INTO steps (name) VALUES ($1)", f"s{i}")
            return int(await uow.conn.fetchval("SELECT txid_current()"))

        return await commits.run(work)

    txids = await asyncio.gather(*(one(i) for i in range(20)))
    assert len(set(txids)) == 1 and commits.batches == 1
    assert await names(pool) == {f"s{i}" for i in range(20)}


async def test_a_batch_that_succeeds_runs_without_savepoints(pool: asyncpg.Pool) -> None:
    """Each savepoint is a round trip and a subtransaction: a row written in one carries the
    subtransaction's id, a row written without one the transaction's own."""
    commits = group(pool)

    async def one(i: int) -> bool:
        async def work(uow: UnitOfWork) -> bool:
            xmin, top = await uow.conn.fetchrow(
                "WITH s AS (INSERT INTO steps (name) VALUES ($1) RETURNING xmin)"
                " SELECT xmin::text::bigint, txid_current() % 4294967296 FROM s",
                f"s{i}",
            )
            return bool(xmin == top)

        return await commits.run(work)

    assert await asyncio.gather(*(one(i) for i in range(8))) == [True] * 8
    assert commits.batches == 1


async def test_a_caller_hears_back_only_once_its_batch_committed(pool: asyncpg.Pool) -> None:
    commits = group(pool)

    async def work(uow: UnitOfWork) -> None:
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('seen')")

    await commits.run(work)
    # another connection sees it at once: the answer came after the commit, not before
    assert await names(pool) == {"seen"}


async def test_a_failing_unit_fails_alone_and_leaves_nothing(pool: asyncpg.Pool) -> None:
    commits = group(pool)

    async def one(i: int) -> str:
        async def work(uow: UnitOfWork) -> str:
            await uow.conn.execute("INSERT INTO steps (name) VALUES ($1)", f"s{i}")
            if i == 3:
                raise ValueError("s3 broke a rule")
            return f"s{i}"

        return await commits.run(work)

    answers = await asyncio.gather(*(one(i) for i in range(6)), return_exceptions=True)
    assert isinstance(answers[3], ValueError)
    assert [a for i, a in enumerate(answers) if i != 3] == ["s0", "s1", "s2", "s4", "s5"]
    assert await names(pool) == {"s0", "s1", "s2", "s4", "s5"}
    assert commits.batches == 1


async def test_a_unit_that_lost_a_lock_conflict_runs_again_alone(pool: asyncpg.Pool) -> None:
    commits = group(pool)
    runs: list[int] = []

    async def unlucky(uow: UnitOfWork) -> str:
        runs.append(int(await uow.conn.fetchval("SELECT txid_current()")))
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('unlucky')")
        if len(runs) == 1:
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        return "done"

    async def lucky(uow: UnitOfWork) -> str:
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('lucky')")
        return "done"

    assert list(await asyncio.gather(commits.run(unlucky), commits.run(lucky))) == ["done"] * 2
    assert len(runs) == 2 and runs[0] != runs[1]  # the second run in a transaction of its own
    assert await names(pool) == {"unlucky", "lucky"}


async def test_a_unit_runs_in_its_callers_context(pool: asyncpg.Pool) -> None:
    commits = group(pool)

    async def one(name: str) -> str:
        caller.set(name)

        async def work(uow: UnitOfWork) -> str:
            return caller.get()

        return await commits.run(work)

    assert list(await asyncio.gather(one("a"), one("b"))) == ["a", "b"]


async def test_a_unit_runs_in_its_callers_own_task(pool: asyncpg.Pool) -> None:
    """A caller takes its turn on the batch's connection itself: no task is started for its
    unit (under load each one costs a wait for the event loop)."""
    commits = group(pool)

    async def one() -> bool:
        mine = asyncio.current_task()

        async def work(uow: UnitOfWork) -> bool:
            await uow.conn.execute("SELECT 1")
            return asyncio.current_task() is mine

        return await commits.run(work)

    assert list(await asyncio.gather(*(one() for _ in range(4)))) == [True] * 4
    assert commits.batches == 1


async def test_a_caller_cancelled_before_its_turn_is_passed_over(pool: asyncpg.Pool) -> None:
    commits = group(pool)
    first_runs, let_go = asyncio.Event(), asyncio.Event()

    def insert(name: str, hold: bool = False) -> Work[str]:
        async def work(uow: UnitOfWork) -> str:
            await uow.conn.execute("INSERT INTO steps (name) VALUES ($1)", name)
            if hold:
                first_runs.set()
                await let_go.wait()
            return name

        return work

    first = asyncio.create_task(commits.run(insert("first", hold=True)))
    await first_runs.wait()  # the next two arrive while the first batch runs
    gone = asyncio.create_task(commits.run(insert("gone")))
    kept = asyncio.create_task(commits.run(insert("kept")))
    await asyncio.sleep(0.05)
    gone.cancel()
    let_go.set()
    assert await first == "first" and await kept == "kept"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert await names(pool) == {"first", "kept"}


async def test_a_caller_passed_over_is_not_run_when_its_batchs_commit_fails(
    pool: asyncpg.Pool,
) -> None:
    """A failed commit runs each unit of the batch again alone: only the units that ran,
    never one whose caller left before its turn."""
    await pool.execute(
        "CREATE TABLE once (name text, CONSTRAINT once_name UNIQUE (name)"
        " DEFERRABLE INITIALLY DEFERRED)"
    )
    commits = group(pool)
    first_runs, let_go = asyncio.Event(), asyncio.Event()

    def insert(table: str, name: str, hold: bool = False) -> Work[str]:
        async def work(uow: UnitOfWork) -> str:
            await uow.conn.execute(f"INSERT INTO {table} (name) VALUES ($1)", name)
            if hold:
                first_runs.set()
                await let_go.wait()
            return name

        return work

    first = asyncio.create_task(commits.run(insert("steps", "first", hold=True)))
    await first_runs.wait()  # the next three arrive while the first batch runs
    gone = asyncio.create_task(commits.run(insert("steps", "gone")))
    twice = [asyncio.create_task(commits.run(insert("once", "same"))) for _ in range(2)]
    await asyncio.sleep(0.05)
    gone.cancel()
    let_go.set()  # the batch of the three commits, and fails on the deferred check
    assert await first == "first"
    answers = await asyncio.gather(*twice, return_exceptions=True)
    assert sorted(type(a).__name__ for a in answers) == ["UniqueViolationError", "str"]
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert await names(pool) == {"first"}


async def test_a_caller_cancelled_during_its_unit_leaves_nothing(pool: asyncpg.Pool) -> None:
    """Its unit is undone with the batch's first run, and not run again; the others keep
    their effects."""
    commits = group(pool)
    runs: list[str] = []
    inside = asyncio.Event()

    def insert(name: str, hang: bool = False) -> Work[str]:
        async def work(uow: UnitOfWork) -> str:
            runs.append(name)
            await uow.conn.execute("INSERT INTO steps (name) VALUES ($1)", name)
            if hang:
                inside.set()
                await uow.conn.execute("SELECT pg_sleep(30)")
            return name

        return work

    before = asyncio.create_task(commits.run(insert("before")))
    hung = asyncio.create_task(commits.run(insert("hung", hang=True)))
    after = asyncio.create_task(commits.run(insert("after")))
    async with asyncio.timeout(10):  # not pg_sleep's 30 s: the cancel stops the unit
        await inside.wait()
        hung.cancel()
        assert await before == "before" and await after == "after"
    with pytest.raises(asyncio.CancelledError):
        await hung
    assert await names(pool) == {"before", "after"}
    assert runs.count("hung") == 1


async def test_a_unit_that_arrives_while_a_batch_runs_does_not_wait_for_it(
    pool: asyncpg.Pool,
) -> None:
    """With one runner, every unit waits for the whole batch ahead of it (its round trips
    and its commit): under load the waits grow with the rate before the cores run out."""
    commits = GroupCommit(pool, utc_now, "/test", concurrency=2)
    release = asyncio.Event()

    async def slow(uow: UnitOfWork) -> str:
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('slow')")
        await release.wait()
        return "slow"

    async def quick(uow: UnitOfWork) -> str:
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('quick')")
        return "quick"

    first = asyncio.create_task(commits.run(slow))
    await asyncio.sleep(0.05)  # its batch is running
    try:
        async with asyncio.timeout(10):
            assert await commits.run(quick) == "quick"
        assert await names(pool) == {"quick"}  # committed, the slow batch still open
    finally:
        release.set()
    assert await first == "slow"
    assert await names(pool) == {"quick", "slow"}


async def test_units_that_arrive_while_every_runner_is_busy_share_the_next_batch(
    pool: asyncpg.Pool,
) -> None:
    commits = GroupCommit(pool, utc_now, "/test", concurrency=2)
    release = asyncio.Event()

    async def slow(uow: UnitOfWork) -> int:
        await release.wait()
        return int(await uow.conn.fetchval("SELECT txid_current()"))

    async def quick(uow: UnitOfWork) -> int:
        return int(await uow.conn.fetchval("SELECT txid_current()"))

    busy = []
    for _ in range(2):  # one batch each: both runners busy
        busy.append(asyncio.create_task(commits.run(slow)))
        await asyncio.sleep(0.05)
    waiting = [asyncio.create_task(commits.run(quick)) for _ in range(5)]
    await asyncio.sleep(0.05)
    try:
        assert not any(task.done() for task in waiting)
    finally:
        release.set()
    txids = await asyncio.gather(*waiting)
    assert len(set(txids)) == 1  # one transaction for the five
    assert len(set(await asyncio.gather(*busy))) == 2
    assert commits.batches == 3


async def test_the_next_batch_runs_while_the_last_one_commits(pool: asyncpg.Pool) -> None:
    """A commit's disk wait does not hold the runner: the units that arrive meanwhile run
    while it flushes, and are answered once their own batch has committed after it."""
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS slow_commits (name text);"
        " CREATE OR REPLACE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;"
        " CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON slow_commits"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"
    )
    commits = group(pool)
    ran: list[str] = []
    answered: list[str] = []

    async def slow(uow: UnitOfWork) -> None:  # its commit takes a second (the trigger)
        await uow.conn.execute("INSERT INTO slow_commits (name) VALUES ('slow')")
        ran.append("slow")

    async def quick(uow: UnitOfWork) -> None:
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('quick')")
        ran.append("quick")

    async def one(name: str, work: Callable[[UnitOfWork], Coroutine[Any, Any, None]]) -> None:
        await commits.run(work)
        answered.append(name)

    first = asyncio.create_task(one("slow", slow))
    await asyncio.sleep(0.2)  # its unit has run; its commit is waiting out the trigger
    second = asyncio.create_task(one("quick", quick))
    await asyncio.sleep(0.3)
    assert ran == ["slow", "quick"] and answered == []  # ran during the flush, not told yet
    await asyncio.gather(first, second)
    assert answered == ["slow", "quick"] and commits.batches == 2
    assert await names(pool) == {"quick"}


async def test_idle_only_when_no_batch_runs_or_waits(pool: asyncpg.Pool) -> None:
    commits = group(pool)
    assert commits.idle
    inside = asyncio.Event()
    go_on = asyncio.Event()

    async def held(uow: UnitOfWork) -> None:
        inside.set()
        await go_on.wait()
        await uow.conn.execute("INSERT INTO steps (name) VALUES ('held')")

    running = asyncio.create_task(commits.run(held))
    await inside.wait()
    assert not commits.idle  # a batch runs
    go_on.set()
    await running
    for _ in range(50):  # the runner ends once its last commit is made
        if commits.idle:
            break
        await asyncio.sleep(0.01)
    assert commits.idle
