"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.refund.adapters.payment import PaymentProvider
from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import UnitOfWork, unit_of_work


def once(now: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``now``: a command's time, read once when its unit of work opens."""
    return lambda: now


@dataclass
class Deps:
    pool: asyncpg.Pool
    settings: RefundSettings
    payments: PaymentProvider
    source: str = "/kefu/refund"
    """The CloudEvents source of what this service publishes."""
    clock: Callable[[], datetime] = field(default=utc_now)
    """The current time, aware; tests pass a movable one to reach time limits."""

    def now(self) -> datetime:
        return self.clock()

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A use case's own transaction, with the outbox and the clock (read once: every
        record of one command carries the same instant)."""
        return unit_of_work(self.pool, once(self.clock()), self.source)

    def within(self, conn: asyncpg.Connection) -> UnitOfWork:
        """The unit of work of a message: the consumer runtime's transaction."""
        return UnitOfWork.within(conn, once(self.clock()), self.source)
