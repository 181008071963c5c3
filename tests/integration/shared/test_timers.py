"""A durable timer sweep that sleeps (shared.timers): idle, it does not sweep; a timer set
sooner than its plan, by a trigger's notification in the writing transaction, wakes it
long before its backstop, and one whose notification says it is due after the plan wakes
nothing; so does a killed listening connection, which then listens again, and a test's
clock moved past the sweep's plan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from shared.db.pool import create_pool, ensure_database
from shared.settings import Settings
from shared.timers import TimerSweep
from tests.clocks import TellsWhenMoved
from tests.infra import eventually
from tests.integration.shared.test_listen import kill_listening, listening_again

pytestmark = pytest.mark.integration

BACKSTOP = 60.0
"""Far longer than any wait below: a test that passes was woken, not timed out."""

SCHEMA = """
CREATE TABLE timers (id serial PRIMARY KEY, due_at timestamptz, fired boolean DEFAULT false);
CREATE FUNCTION wake_timers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM timers WHERE NOT fired AND due_at <= NEW.due_at
                   AND id <> NEW.id) THEN
        PERFORM pg_notify('test_timers', extract(epoch FROM NEW.due_at)::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER timers_wake AFTER INSERT OR UPDATE OF due_at ON timers
    FOR EACH ROW WHEN (NOT NEW.fired) EXECUTE FUNCTION wake_timers();
"""


@pytest.fixture
async def pool(settings: Settings, unique: str) -> AsyncIterator[asyncpg.Pool]:
    url = settings.database_url_for(f"timers{unique}")
    await ensure_database(url)
    pool = await create_pool(url)
    await pool.execute(SCHEMA)
    try:
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def sweeping(pool: asyncpg.Pool) -> AsyncIterator[TimerSweep]:
    async def sweep() -> int:
        return len(
            await pool.fetch(
                "UPDATE timers SET fired = true WHERE NOT fired AND due_at <= now() RETURNING id"
            )
        )

    async def next_due(conn: asyncpg.Connection) -> float | None:
        due = await conn.fetchval(
            "SELECT extract(epoch FROM min(due_at) - now()) FROM timers WHERE NOT fired"
        )
        return None if due is None else float(due)

    timers = TimerSweep(pool, "test", sweep, next_due, channel="test_timers", backstop=BACKSTOP)
    task = asyncio.create_task(timers.run())
    try:
        await eventually(lambda: _true(timers.passes >= 1), within=10, what="the first sweep")
        yield timers
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _true(value: bool) -> bool:
    return value


async def fired(pool: asyncpg.Pool, n: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM timers WHERE fired") == n)


async def test_an_idle_sweep_sleeps_and_a_sooner_timer_wakes_it(pool: asyncpg.Pool) -> None:
    async with sweeping(pool) as timers:
        passes = timers.passes
        await asyncio.sleep(1.0)
        assert timers.passes == passes  # nothing due: no sweep, no query on a timer

        # a timer far out, then one sooner than it: the sooner one is fired when due
        await pool.execute("INSERT INTO timers (due_at) VALUES (now() + interval '1 hour')")
        await pool.execute("INSERT INTO timers (due_at) VALUES (now() + interval '0.3 s')")
        await eventually(lambda: fired(pool, 1), within=10, what="the sooner timer fired")

        # a timer set sooner by an update (a tuned answer time, a lease cut short)
        await pool.execute("UPDATE timers SET due_at = now() WHERE NOT fired")
        await eventually(lambda: fired(pool, 2), within=10, what="the updated timer fired")


async def test_a_timer_due_after_the_sweeps_plan_wakes_nothing(pool: asyncpg.Pool) -> None:
    """Its notification says when it is due: the sweep's planned look (the backstop, with no
    timer set) sees it then. A timer due before the plan still wakes it."""
    async with sweeping(pool) as timers:
        passes = timers.passes
        await pool.execute("INSERT INTO timers (due_at) VALUES (now() + interval '1 hour')")
        await asyncio.sleep(1.0)
        assert timers.passes == passes  # notified, and no sweep
        await pool.execute("INSERT INTO timers (due_at) VALUES (now() + interval '0.3 s')")
        await eventually(lambda: fired(pool, 1), within=10, what="the sooner timer fired")
        assert timers.passes > passes


async def test_a_lost_listening_connection_wakes_the_sweep_and_listens_again(
    pool: asyncpg.Pool,
) -> None:
    async with sweeping(pool) as timers:
        listener = timers.listener
        assert listener is not None
        killed = await kill_listening(pool, listener)
        await listening_again(listener, killed)
        await pool.execute("INSERT INTO timers (due_at) VALUES (now() + interval '0.2 s')")
        await eventually(lambda: fired(pool, 1), within=10, what="the timer fired")


class MovableClock(TellsWhenMoved):
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_sweep_by_the_services_own_clock_is_woken_when_the_clock_moves(
    pool: asyncpg.Pool,
) -> None:
    clock = MovableClock()
    due_at = clock() + timedelta(hours=1)
    acted: list[datetime] = []

    async def sweep() -> int:
        if acted or clock() < due_at:
            return 0
        acted.append(clock())
        return 1

    async def next_due_at(_conn: asyncpg.Connection) -> datetime | None:
        return None if acted else due_at

    timers = TimerSweep.by_clock(
        pool, "test", sweep, next_due_at, clock=clock, channel=None, backstop=BACKSTOP
    )
    task = asyncio.create_task(timers.run())
    try:
        await eventually(lambda: _true(timers.passes >= 1), within=10, what="the first sweep")
        await asyncio.sleep(0.3)
        assert acted == []  # asleep: an hour to go by its clock
        clock.now = due_at
        clock.moved()
        await eventually(lambda: _true(bool(acted)), within=10, what="the timer acted on")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
