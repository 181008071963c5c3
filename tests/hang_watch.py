"""Why a test hangs, written before pytest-timeout fails it.

A test stuck in the asyncio loop shows only the loop in a thread dump: some coroutine
waits for something that never comes, while the loop idles or runs other tasks. So,
when a test (setup and teardown included) has run for ``KEFU_HANG_DUMP_AFTER`` seconds,
every thread's stack and every pending asyncio task's chain of awaits are written to
the terminal, which names the await that never returned. pytest-timeout then ends the
run (its thread method: a signal would land in an asyncio callback, which swallows it).
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from collections.abc import Iterator

import pytest

AFTER = float(os.environ.get("KEFU_HANG_DUMP_AFTER", "180"))


def _awaiting(coro: object) -> Iterator[str]:
    """The chain of awaits a coroutine is stopped in, outermost first.

    A task's own stack shows only its outermost frame; the await that never returned is
    at the bottom of the ``cr_await`` chain.
    """
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)


def _dump(config: pytest.Config, nodeid: str) -> None:
    # Past the capture: pytest-timeout ends a stuck run with os._exit, and what a test's
    # capture holds is lost with it.
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        _write(nodeid)
        return
    with capture.global_and_fixture_disabled():
        _write(nodeid)


def _write(nodeid: str) -> None:
    out = sys.stderr
    print(f"\n=== {nodeid} has run {AFTER:.0f} s: threads, then asyncio tasks ===", file=out)
    faulthandler.dump_traceback(file=out, all_threads=True)
    # The loop is idle in select(), so reading its tasks from this thread is safe enough
    # for a diagnosis; the set is copied first because the loop may still add to it.
    for task in _tasks():
        if task.done():
            continue
        print(f"--- task {task.get_name()}", file=out)
        for where in _awaiting(task.get_coro()):
            print(f"  {where}", file=out)
    out.flush()


def _tasks() -> list[asyncio.Task[object]]:
    # the loop may be running (busy, not idle) and add to the set meanwhile: copy again
    for _ in range(10):
        try:
            return list(asyncio.tasks._all_tasks)  # type: ignore[attr-defined]
        except RuntimeError:
            continue
    return []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    timer = threading.Timer(AFTER, _dump, args=(item.config, item.nodeid))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
