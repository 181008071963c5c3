"""Stopping loops in bounded time (shared/stopping.py)."""

from __future__ import annotations

import asyncio
import contextlib

from shared.stopping import cancel_and_wait


async def obedient() -> None:
    await asyncio.sleep(3600)


async def swallows_one_cancel() -> None:
    # what asyncio.wait_for did on 3.11 when the cancel met a completing wait
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(3600)
    await asyncio.sleep(3600)


async def stops_only_when_told(told: asyncio.Event) -> None:
    while not told.is_set():
        with contextlib.suppress(asyncio.CancelledError):
            await told.wait()


async def test_loops_that_end_when_cancelled_are_all_stopped() -> None:
    tasks = [asyncio.create_task(obedient()), asyncio.create_task(swallows_one_cancel())]
    await asyncio.sleep(0)
    assert await cancel_and_wait(tasks, within=5) == []
    assert all(task.cancelled() for task in tasks)


async def test_a_loop_that_will_not_stop_is_named_and_left_after_the_bound() -> None:
    told = asyncio.Event()
    stubborn = asyncio.create_task(stops_only_when_told(told), name="stubborn")
    fine = asyncio.create_task(obedient())
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await cancel_and_wait([stubborn, fine, None], within=0.3) == [stubborn]
    assert loop.time() - began < 2
    assert fine.cancelled() and not stubborn.done()
    told.set()  # (the test's own loop must not keep it)
    await stubborn
