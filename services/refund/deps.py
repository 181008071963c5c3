"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.refund.adapters.payment import PaymentProvider
from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Deps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: RefundSettings
    payments: PaymentProvider
    source: str = "/kefu/refund"
    """The CloudEvents source of what this service publishes."""
    clock: Callable[[], datetime] = field(default=utc_now)
    """The current time, aware; tests pass a movable one to reach time limits."""
    clock_read_once = True  # every record of one command carries the same instant

    def now(self) -> datetime:
        return self.clock()
