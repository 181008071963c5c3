"""Why a test hangs, written before pytest-timeout fails it.

A test stuck in the asyncio loop shows only `select()` in a thread dump: the loop is
idle, some coroutine waits for something that never comes. So, when a test has run for
``KEFU_HANG_DUMP_AFTER`` seconds, every thread's stack and every pending asyncio task's
stack are written to stderr (pytest shows them with the failure that follows), which
names the await that never returned.
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


def _dump(nodeid: str) -> None:
    out = sys.stderr
    print(f"\n=== {nodeid} has run {AFTER:.0f} s: threads, then asyncio tasks ===", file=out)
    faulthandler.dump_traceback(file=out, all_threads=True)
    # The loop is idle in select(), so reading its tasks from this thread is safe enough
    # for a diagnosis; the set is copied first because the loop may still add to it.
    for task in list(asyncio.tasks._all_tasks):  # type: ignore[attr-defined]
        if task.done():
            continue
        print(f"--- task {task.get_name()}", file=out)
        for where in _awaiting(task.get_coro()):
            print(f"  {where}", file=out)
    out.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    timer = threading.Timer(AFTER, _dump, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
