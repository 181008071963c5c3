"""Loops that run for the life of the process (timer sweeps).

Add a coroutine to the list; the composition root runs each with
``Platform.background`` and cancels it on shutdown.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from services.voucher.deps import Deps
from services.voucher.handlers import expiry, timers


def background_tasks(deps: Deps) -> list[Coroutine[Any, Any, None]]:
    return [
        # durable timers: stalled voids and sagas taken over, overdue refund requests again
        timers.run_timers(deps),
        # available vouchers past their validity stored as expired
        expiry.run_expiry(deps),
    ]
