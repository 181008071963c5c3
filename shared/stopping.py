"""Stopping a process's own loops, in bounded time.

A shutdown cancels each loop and waits for it to end. A loop that does not end (a
library that swallows the cancel, a ``finally`` that waits on a peer gone away) must not
keep the process from exiting: ``kefu up``'s stop, a rolling deploy and a test's
teardown all wait on it. So the wait is bounded; what is still running afterwards is
named in the log and left to the process's exit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

STOP_WITHIN_SECONDS = 10.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[Any] | None], *, within: float = STOP_WITHIN_SECONDS
) -> list[asyncio.Task[Any]]:
    """Cancel ``tasks`` and wait up to ``within`` seconds for them; the ones still running.

    A task cancelled once may catch it and go on; it is cancelled again every second
    while the wait lasts, as a second Ctrl-C would.
    """
    pending = {task for task in tasks if task is not None and not task.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while pending:
        for task in pending:
            task.cancel()
        left = deadline - loop.time()
        if left <= 0:
            break
        _, pending = await asyncio.wait(pending, timeout=min(1.0, left))
    for task in pending:
        log.warning(
            "a task did not stop when cancelled",
            extra={"fields": {"task": task.get_name(), "within_seconds": within}},
        )
    return sorted(pending, key=lambda task: task.get_name())
