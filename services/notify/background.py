"""Loops that run for the life of the process (timer sweeps).

Add a coroutine to the list; the composition root runs each with
``Platform.background`` and cancels it on shutdown.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from services.notify.deps import Deps
from services.notify.handlers import announcements


def background_tasks(deps: Deps) -> list[Coroutine[Any, Any, None]]:
    # scheduled announcements put online and taken offline (the schedule is in the table)
    return [announcements.run_schedule(deps)]
