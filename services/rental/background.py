"""Loops that run for the life of the process (timer sweeps, saga workers).

Add a coroutine to the list; the composition root runs each with
``Platform.background`` and cancels it on shutdown.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.handlers import counter_charges
from services.rental.deps import Deps


def background_tasks(deps: Deps, accounts: AccountDeps) -> list[Coroutine[Any, Any, None]]:
    # a top-up whose process died at the payment device is finished here
    return [counter_charges.run_recovery(accounts)]
